// Concurrent HTTP load on the example app's routes (not a test file itself: tap only runs
// *.test.ts): weighted reads and writes sent with node's fetch, every response kept as the
// client saw it (for the checks), and the probe that measures how soon the app serves a
// read and a write again after a fault.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { FAULT_TIMING } from './fault-timing.ts'

export type Operation = 'list-movies' | 'get-movie' | 'user-posts' | 'create-movie' | 'create-user' | 'create-post'

/** Reads and writes of the example app's routes, by weight. */
export const DEFAULT_MIX: Readonly<Record<Operation, number>> = {
  'list-movies': 15,
  'get-movie': 20,
  'user-posts': 15,
  'create-movie': 25,
  'create-user': 5, // scrypt makes these CPU-heavy
  'create-post': 20
}

const WRITE_KIND: Partial<Record<Operation, 'movie' | 'user' | 'post'>> = {
  'create-movie': 'movie', 'create-user': 'user', 'create-post': 'post'
}

/** One HTTP request as the client saw it. */
export interface HttpResult {
  readonly op: Operation | 'probe-read' | 'probe-write'
  readonly method: string
  readonly path: string
  readonly ms: number
  /** Undefined when no complete response arrived. */
  readonly status: number | undefined
  readonly body: string
  readonly json: unknown
  /** Why no response: a network error's code, or 'timeout'. */
  readonly failure: string | undefined
  /** Aborted on purpose by the test (AbortController). */
  readonly aborted: boolean
  /** What a write created: the movie's or post's title, the user's username. */
  readonly key: string | undefined
  readonly kind: 'movie' | 'user' | 'post' | undefined
  /** For GET /movies/:id and /users/:id/posts, the id asked for. */
  readonly id: number | undefined
}

function letters (count: number): string {
  return [...randomBytes(count)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('')
}

/**
 * Drives the example app with concurrent requests. Keys (titles, usernames) carry a tag
 * made of letters only, so that rows are found by prefix and no key looks like a port.
 */
export class HttpLoad {
  readonly results: HttpResult[] = []
  readonly tag = `f${letters(6)}`
  readonly movieIds: number[] = []
  readonly userIds: number[] = []
  readonly #baseUrl: string
  readonly #mix: Array<[Operation, number]>
  readonly #totalWeight: number
  #sequence = 0
  #running = false
  #workers: Array<Promise<void>> = []

  constructor (baseUrl: string, mix: Partial<Record<Operation, number>> = DEFAULT_MIX) {
    this.#baseUrl = baseUrl
    this.#mix = Object.entries(mix).filter(([, weight]) => weight > 0) as Array<[Operation, number]>
    this.#totalWeight = this.#mix.reduce((sum, [, weight]) => sum + weight, 0)
  }

  /** A few users and movies to read, made before any fault; every one must succeed. */
  async seed (users = 3, movies = 3): Promise<void> {
    for (let i = 0; i < users; i++) {
      const result = await this.perform('create-user')
      if (result.status !== 201) throw new Error(`seeding a user failed: ${result.status} ${result.body}`)
    }
    for (let i = 0; i < movies; i++) {
      const result = await this.perform('create-movie')
      if (result.status !== 201) throw new Error(`seeding a movie failed: ${result.status} ${result.body}`)
    }
  }

  start (workers: number): void {
    this.#running = true
    for (let i = 0; i < workers; i++) this.#workers.push(this.#work())
  }

  async stop (): Promise<void> {
    this.#running = false
    await Promise.all(this.#workers)
    this.#workers = []
  }

  async #work (): Promise<void> {
    while (this.#running) {
      const result = await this.perform(this.#pick())
      if (result.status === undefined || result.status >= 500) await sleep(FAULT_TIMING.backoffAfterErrorMs)
    }
  }

  #pick (): Operation {
    let roll = Math.random() * this.#totalWeight
    for (const [op, weight] of this.#mix) {
      roll -= weight
      if (roll < 0) return op
    }
    return this.#mix[this.#mix.length - 1]![0]
  }

  #randomOf (ids: readonly number[]): number | undefined {
    return ids.length === 0 ? undefined : ids[Math.floor(Math.random() * ids.length)]
  }

  /** One request of `op` (its body, keys and ids made here). `signal` aborts it on purpose. */
  perform (op: Operation, signal?: AbortSignal): Promise<HttpResult> {
    const n = ++this.#sequence
    switch (op) {
      case 'list-movies':
        return this.request(op, 'GET', '/movies?page=1&perPage=5', undefined, { signal })
      case 'get-movie': {
        const id = this.#randomOf(this.movieIds)
        if (id === undefined) return this.perform('list-movies', signal)
        return this.request(op, 'GET', `/movies/${id}`, undefined, { signal, id })
      }
      case 'user-posts': {
        const id = this.#randomOf(this.userIds)
        if (id === undefined) return this.perform('list-movies', signal)
        return this.request(op, 'GET', `/users/${id}/posts?page=1&perPage=5`, undefined, { signal, id })
      }
      case 'create-movie': {
        const key = `${this.tag}-m${n}`
        return this.request(op, 'POST', '/movies', { title: key, year: 1990 + (n % 30), directors: ['Fault Tester'] }, { signal, key })
      }
      case 'create-user': {
        const key = `${this.tag}u${n}`
        return this.request(op, 'POST', '/users', { username: key, email: `${key}@example.com`, password: 'fault-injection-pw' }, { signal, key })
      }
      case 'create-post': {
        const id = this.#randomOf(this.userIds)
        if (id === undefined) return this.perform('create-movie', signal)
        const key = `${this.tag}-p${n}`
        return this.request(op, 'POST', `/users/${id}/posts`, { title: key, body: 'written under faults', tags: [`${key}a`, `${key}b`] }, { signal, key })
      }
    }
  }

  /** Sends one request and records what came back. */
  async request (op: HttpResult['op'], method: string, path: string, body: unknown,
    options: { signal?: AbortSignal | undefined, key?: string, id?: number } = {}): Promise<HttpResult> {
    const started = performance.now()
    const timeout = AbortSignal.timeout(FAULT_TIMING.requestTimeoutMs)
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
    const kind = op === 'probe-write' ? 'movie' : WRITE_KIND[op as Operation]
    let status: number | undefined
    let text = ''
    let failure: string | undefined
    let aborted = false
    try {
      const response = await fetch(this.#baseUrl + path, {
        method,
        signal,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      })
      text = await response.text()
      status = response.status
    } catch (error) {
      if (options.signal?.aborted === true) {
        aborted = true
      } else if (timeout.aborted) {
        failure = `timeout after ${FAULT_TIMING.requestTimeoutMs} ms`
      } else {
        const cause = (error as { cause?: { code?: string, message?: string } }).cause
        failure = cause?.code ?? cause?.message ?? (error as Error).message
      }
    }
    let json: unknown
    if (status !== undefined && text !== '') {
      try { json = JSON.parse(text) } catch { json = undefined }
    }
    const result: HttpResult = {
      op, method, path, ms: performance.now() - started, status, body: text, json, failure, aborted,
      key: options.key, kind, id: options.id
    }
    this.results.push(result)
    if (status === 201 && json !== null && typeof json === 'object') {
      const id = (json as { id?: unknown }).id
      if (typeof id === 'number' && id > 0) {
        if (kind === 'movie') this.movieIds.push(id)
        if (kind === 'user') this.userIds.push(id)
      }
    }
    return result
  }

  /**
   * From now until the app has served both a read and a write successfully (probes sent
   * one after another, beside the load): the seconds that took, or Infinity after
   * `FAULT_TIMING.recoveryGiveUpMs`.
   */
  async measureRecovery (): Promise<number> {
    const started = performance.now()
    const deadline = started + FAULT_TIMING.recoveryGiveUpMs
    let read = false
    let write = false
    while (!(read && write)) {
      if (performance.now() > deadline) return Infinity
      if (!read) read = (await this.request('probe-read', 'GET', '/movies?page=1&perPage=1', undefined)).status === 200
      if (!write) {
        const key = `${this.tag}-m${++this.#sequence}`
        write = (await this.request('probe-write', 'POST', '/movies', { title: key, year: 2001, directors: ['Probe'] }, { key })).status === 201
      }
      if (!(read && write)) await sleep(FAULT_TIMING.probeIntervalMs)
    }
    return (performance.now() - started) / 1000
  }
}
