// Shared by the session tests (not a test file itself: tap only runs *.test.ts).
import type { FastifyInstance } from 'fastify'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { setImmediate as nextTurn } from 'node:timers/promises'


/** `create table item (id integer primary key, tag varchar(64))`. */
export async function createItemTable (app: FastifyInstance): Promise<void> {
  await app.db.kysely.schema.createTable('item')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('tag', 'varchar(64)')
    .execute()
}

/** The ids in `item`, ascending, read through the pool (never through a session). */
export async function itemIds (app: FastifyInstance): Promise<number[]> {
  const rows = await app.db.kysely.selectFrom('item').select('id').orderBy('id').execute()
  return rows.map((row) => Number(row.id))
}

/**
 * `parent(id)` and `child(id, parent_id)` whose foreign key is checked only at COMMIT
 * (PostgreSQL and SQLite), so that a COMMIT itself can fail.
 */
export async function createDeferredFkTables (app: FastifyInstance): Promise<void> {
  await app.db.kysely.schema.createTable('parent').addColumn('id', 'integer', (c) => c.primaryKey()).execute()
  await app.db.kysely.schema.createTable('child')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('parent_id', 'integer', (c) => c.notNull())
    .addForeignKeyConstraint('child_parent_fk', ['parent_id'], 'parent', ['id'], (fk) => fk.deferrable().initiallyDeferred())
    .execute()
}

/** A promise with its resolve function, to hold a handler at a known point. */
export interface Gate<T = void> {
  readonly promise: Promise<T>
  open (value: T): void
}

export function gate<T = void> (): Gate<T> {
  let open!: (value: T) => void
  const promise = new Promise<T>((resolve) => { open = resolve })
  return { promise, open }
}

/**
 * Resolves once `predicate` holds, checking on every turn of the event loop. It has no
 * deadline of its own: if the condition never comes, tap's test timeout fails the test.
 */
export async function until (predicate: () => boolean): Promise<void> {
  while (!predicate()) await nextTurn()
}

/**
 * Counts requests whose lifecycle has ended: their response closed (sent, aborted or timed
 * out) and their session finished closing. The plugin closes the session on the response's
 * close event; this listener comes after the plugin's and waits for the same close()
 * (idempotent), so once `ended(n)` resolves those n sessions are closed and their
 * connections are back.
 */
export function trackEndedRequests (app: FastifyInstance): { ended (count: number): Promise<void>, readonly ids: Set<string> } {
  const ids = new Set<string>()
  const waiters: Array<{ count: number, resolve: () => void }> = []
  const record = (id: string): void => {
    ids.add(id)
    for (const waiter of waiters.filter((w) => ids.size >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.once('close', () => {
      request.db.close().then(() => record(request.id), () => record(request.id))
    })
    done()
  })
  return {
    ids,
    ended: (count) => ids.size >= count
      ? Promise.resolve()
      : new Promise((resolve) => { waiters.push({ count, resolve }) })
  }
}

/** Starts the app on a random local port and returns the port. */
export async function listen (app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as AddressInfo).port
}

export interface HttpResult {
  readonly statusCode: number
  readonly body: string
}

/**
 * A real HTTP request on its own socket. `abortWhen` destroys the request (and its socket)
 * once the promise resolves, before the reply: a client that goes away. Resolves with the
 * reply, or with `'aborted'`.
 */
export function httpRequest (port: number, method: string, path: string,
  options: { body?: unknown, abortWhen?: Promise<unknown> } = {}): Promise<HttpResult | 'aborted'> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
    const request = http.request({
      host: '127.0.0.1',
      port,
      method,
      path,
      agent: false,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
    }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { body += chunk })
      response.on('end', () => resolve({ statusCode: response.statusCode ?? 0, body }))
      response.on('error', reject)
    })
    let aborted = false
    request.on('error', (error) => { if (aborted) resolve('aborted'); else reject(error) })
    request.on('close', () => { if (aborted) resolve('aborted') })
    request.end(payload)
    void options.abortWhen?.then(() => {
      aborted = true
      request.destroy()
    })
  })
}
