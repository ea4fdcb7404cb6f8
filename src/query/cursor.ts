import { createHmac, timingSafeEqual } from 'node:crypto'
import { InvalidCursorError } from '../errors.ts'

/** Which side of its boundary row a cursor's page lies on. */
export type CursorDirection = 'after' | 'before'

/** What a cursor carries: a direction, the ordering it was made for, and the boundary row's order values. */
export interface CursorPosition {
  readonly direction: CursorDirection
  readonly values: readonly unknown[]
}

const SIGNATURE_BYTES = 16

/**
 * Opaque, tamper-proof cursors: `base64url(JSON).base64url(HMAC-SHA256)`. The signature
 * covers the payload and the query's ordering, so a cursor altered by a client, or made for
 * another ordering, is refused rather than read; values are never trusted unsigned.
 *
 * @example
 * ```ts
 * const codec = new CursorCodec(secret)
 * const cursor = codec.encode('post:createdAt desc,id desc', { direction: 'after', values: ['2026-01-01T00:00:00.000Z', 42] })
 * codec.decode('post:createdAt desc,id desc', cursor) // { direction: 'after', values: [...] }
 * ```
 */
export class CursorCodec {
  readonly #secret: Uint8Array

  constructor (secret: Uint8Array) {
    this.#secret = secret
  }

  encode (ordering: string, position: CursorPosition): string {
    const payload = Buffer.from(JSON.stringify([position.direction === 'after' ? 'a' : 'b', position.values], jsonValue)).toString('base64url')
    return `${payload}.${this.#sign(ordering, payload).toString('base64url')}`
  }

  decode (ordering: string, cursor: string): CursorPosition {
    const [payload, signature, extra] = cursor.split('.')
    if (payload === undefined || signature === undefined || extra !== undefined || payload === '') throw new InvalidCursorError('it is not a cursor')
    const expected = this.#sign(ordering, payload)
    const given = Buffer.from(signature, 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidCursorError('its signature does not match (changed, made for another ordering, or signed with another cursorSecret)')
    }
    const [direction, values] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string, unknown[]]
    return { direction: direction === 'a' ? 'after' : 'before', values }
  }

  #sign (ordering: string, payload: string): Buffer {
    return createHmac('sha256', this.#secret).update(ordering).update('\u0000').update(payload).digest().subarray(0, SIGNATURE_BYTES)
  }
}

function jsonValue (_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
