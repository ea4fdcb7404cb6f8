import type { QueryRecord, QueryWarning } from '../session/query-recorder.ts'

/** Statements kept per request: a loop of single-row statements stays a bounded entry. */
export const MAX_KEPT_STATEMENTS = 500

/** One request as the dev page shows it. */
export interface CapturedRequest {
  /** Increasing from 1, so that a reader can tell new requests from ones seen before. */
  readonly seq: number
  /** When the response was sent, ISO 8601. */
  readonly at: string
  readonly method: string
  readonly url: string
  readonly statusCode: number
  readonly durationMs: number
  readonly stats: { readonly count: number, readonly totalMs: number }
  /** The first statements the request ran, up to {@link MAX_KEPT_STATEMENTS}. */
  readonly queries: readonly QueryRecord[]
  /** How many more it ran that were not kept. */
  readonly omittedQueries: number
  readonly warnings: readonly QueryWarning[]
}

/**
 * The last `capacity` requests that used the database, in a ring buffer: recording one is
 * a write into a fixed array, and memory stays bounded however long the app runs.
 */
export class DevPageRequests {
  readonly capacity: number
  readonly #entries: Array<CapturedRequest | undefined>
  #next = 0
  #seq = 0

  constructor (capacity: number) {
    this.capacity = capacity
    this.#entries = new Array<CapturedRequest | undefined>(capacity)
  }

  /** Keeps `request`, dropping the oldest once full. */
  add (request: Omit<CapturedRequest, 'seq'>): void {
    this.#seq++
    if (this.capacity === 0) return
    this.#entries[this.#next] = { seq: this.#seq, ...request }
    this.#next = (this.#next + 1) % this.capacity
  }

  /** How many requests were recorded since the app started, the dropped ones included. */
  get total (): number {
    return this.#seq
  }

  /** The kept requests, newest first. */
  list (): CapturedRequest[] {
    const kept: CapturedRequest[] = []
    for (let i = 1; i <= this.capacity; i++) {
      const entry = this.#entries[(this.#next - i + this.capacity) % this.capacity]
      if (entry === undefined) break
      kept.push(entry)
    }
    return kept
  }
}
