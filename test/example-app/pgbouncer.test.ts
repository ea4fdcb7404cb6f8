// The example app through PgBouncer in transaction mode (a private PgBouncer in front of the
// shared PostgreSQL, with fewer server connections than the app's pool has clients, so
// clients share server connections transaction by transaction). With ?pgbouncer=true:
// three apps started at once apply the committed revision once, 50 concurrent requests
// (writes, reads, pages) all succeed, no named prepared statement goes over the wire, and
// every server connection a client gets is in UTC. Without it, the app names its repeated
// statements, and requests fail once another client's server connection does not know a
// name (or already has it). A statement timeout set by PgBouncer's connect_query reaches
// the app as a 503 ORM_STATEMENT_TIMEOUT, and revisions still run without it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import fastifyOrm from 'fastify-orm'
import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { startWireProxy } from '../helpers/pg-wire-proxy.ts'
import { pgbouncerUnavailable, startPrivatePgbouncer, type PooledDatabase } from '../helpers/private-pgbouncer.ts'
import { PASSWORD, startApp, type Client } from './support.ts'

const CONCURRENCY = 50
/** Server connections PgBouncer opens per database: fewer than the app's pool (10). */
const POOL_SIZE = 3

const skip = pgbouncerUnavailable()

interface Load { requests: number, errors: number, failures: string[] }

/** Three rounds of 50 concurrent requests: creations, reads of what was created, updates, pages and posts. */
async function fiftyAtOnce (http: Client, round: string): Promise<Load> {
  const load: Load = { requests: 0, errors: 0, failures: [] }
  const all = async (requests: Array<() => Promise<{ statusCode: number, body: string }>>, ok: (status: number) => boolean): Promise<unknown[]> => {
    const replies = await Promise.all(requests.map((request) => request()))
    load.requests += replies.length
    for (const reply of replies) {
      if (!ok(reply.statusCode)) {
        load.errors++
        if (load.failures.length < 5) load.failures.push(`${reply.statusCode} ${reply.body}`)
      }
    }
    return replies.map((reply) => reply.statusCode < 300 && reply.body !== '' ? JSON.parse(reply.body) as unknown : undefined)
  }
  const half = CONCURRENCY / 2
  const created = await all([
    ...Array.from({ length: half }, (_, i) => () => http.post('/movies', { title: `${round} movie ${i}`, year: 1990 + i, directors: [`Director ${i}`] })),
    ...Array.from({ length: half }, (_, i) => () => http.post('/users', { username: `${round}_user_${i}`, email: `${round}_${i}@example.com`, password: PASSWORD }))
  ], (status) => status === 201)
  const movies = created.slice(0, half).filter((m): m is { id: number } => m !== undefined)
  const users = created.slice(half).filter((u): u is { id: number } => u !== undefined)
  await all([
    ...movies.map((movie) => () => http.get(`/movies/${movie.id}`)),
    ...users.map((user) => () => http.get(`/users/${user.id}`))
  ], (status) => status === 200)
  await all([
    ...movies.slice(0, 12).map((movie) => () => http.patch(`/movies/${movie.id}`, { mpa: 'PG' })),
    ...Array.from({ length: half - 12 }, () => () => http.get('/movies?page=1&perPage=5')),
    // A tag per post: two requests creating the same new tag at once conflict on any database.
    ...users.map((user, i) => () => http.post(`/users/${user.id}/posts`, { title: `Post ${i}`, body: 'Text', tags: [`${round}-${i}`] }))
  ], (status) => status === 200 || status === 201)
  return load
}

async function directCount (database: PooledDatabase, text: string): Promise<number> {
  const client = new pg.Client({ connectionString: database.directUrl })
  await client.connect()
  try {
    return Number((await client.query<{ n: string }>(text)).rows[0]?.n)
  } finally {
    await client.end()
  }
}

t.test('the example app through PgBouncer in transaction mode', { skip }, async (t) => {
  const bouncer = await startPrivatePgbouncer(t, { poolSize: POOL_SIZE })

  await t.test('?pgbouncer=true: migrations, 50 concurrent requests, no named statement', async (t) => {
    const database = await bouncer.createDatabase()
    const proxy = await startWireProxy(t, bouncer.port)
    const url = database.url.replace(`:${bouncer.port}/`, `:${proxy.port}/`)
    // Three apps at once on the empty database: the revision's lock holds through the pooler.
    const apps = await Promise.all([1, 2, 3].map(() => startApp(t, { dialect: 'postgres', url })))
    t.equal(await directCount(database, 'select count(*) as n from fastify_orm_version'), 1, 'the committed revision was applied once')
    t.equal(await directCount(database, "select count(*) as n from pg_locks where locktype = 'advisory'"), 0, 'no advisory lock is left held')

    const http = apps[0] as Client
    const load = await fiftyAtOnce(http, 'bounced')
    t.comment(`through PgBouncer with ?pgbouncer=true: ${load.requests} requests in rounds of ${CONCURRENCY}, ${load.errors} errors`)
    t.equal(load.requests, 3 * CONCURRENCY)
    t.equal(load.errors, 0, `no request failed: ${load.failures.join(' | ')}`)
    t.equal(await directCount(database, 'select count(*) as n from movie'), CONCURRENCY / 2, 'every movie stored')
    t.equal(await directCount(database, 'select count(*) as n from post'), CONCURRENCY / 2, 'every post stored')
    t.strictSame(proxy.named, [], 'no named (prepared) statement was sent')
    t.ok(proxy.unnamed > 3 * CONCURRENCY, `statements with parameters went unnamed (${proxy.unnamed})`)

    // The session's time zone (set once per client connection) is carried by PgBouncer to
    // every server connection the client is given.
    const zones = await Promise.all(Array.from({ length: 30 }, async () =>
      (await sql<{ zone: string }>`select current_setting('TimeZone') as zone`.execute(http.app.db.kysely)).rows[0]?.zone))
    t.strictSame([...new Set(zones)], ['UTC'], 'every statement ran in UTC')
  })

  await t.test('without ?pgbouncer=true, repeated statements are named, and transaction pooling breaks them', async (t) => {
    const database = await bouncer.createDatabase()
    // Brought to head through PgBouncer properly first, so that only the requests differ.
    const setup = await startApp(t, { dialect: 'postgres', url: database.url })
    await setup.app.close()
    const proxy = await startWireProxy(t, bouncer.port)
    const http = await startApp(t, { dialect: 'postgres', url: database.plainUrl.replace(`:${bouncer.port}/`, `:${proxy.port}/`) })
    const load = await fiftyAtOnce(http, 'named')
    t.comment(`through PgBouncer without ?pgbouncer=true: ${load.requests} requests, ${load.errors} errors, ${proxy.named.length} named Parse messages (e.g. ${load.failures[0] ?? 'none'})`)
    t.ok(proxy.named.length > 0, `named statements were sent (${proxy.named.length})`)
    t.ok(load.errors > 0, `requests failed (${load.errors} of ${load.requests})`)
  })

  await t.test('a statement timeout set by connect_query: 503, and revisions run without it', async (t) => {
    const timed = await startPrivatePgbouncer(t, { poolSize: POOL_SIZE, connectQuery: 'SET statement_timeout = 300' })
    const database = await timed.createDatabase()
    const dir = mkdtempSync(join(tmpdir(), 'orm-pgb-rev-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const kysely = pathToFileURL(fileURLToPath(import.meta.resolve('kysely'))).href
    writeFileSync(join(dir, 'b2b2b2b2b2b2_slow.ts'), `import { sql } from '${kysely}'
export const revision = 'b2b2b2b2b2b2'
export const parent = null
export const message = 'Slow'
export async function up ({ db }: { db: any }): Promise<void> {
  await sql\`select pg_sleep(1)\`.execute(db)
  await db.schema.createTable('slow_made').addColumn('id', 'integer').execute()
}
export async function down ({ db }: { db: any }): Promise<void> {
  await db.schema.dropTable('slow_made').execute()
}
`)
    const app = Fastify()
    await app.register(fastifyOrm, { url: timed.aliasUrl(database), migrations: { dir, upgrade: true } })
    t.teardown(() => app.close())
    app.get('/sleep', async (request) => {
      await sql`select pg_sleep(2)`.execute(request.db.kysely)
      return { slept: true }
    })
    app.get('/one', async (request) => (await sql<{ one: number }>`select 1 as one`.execute(request.db.kysely)).rows[0])
    await app.ready()
    t.equal(await directCount(database, 'select count(*) as n from slow_made'), 0, 'the slow revision was applied through the alias')
    const slow = await app.inject({ method: 'GET', url: '/sleep' })
    t.equal(slow.statusCode, 503)
    t.match(slow.json(), { code: 'ORM_STATEMENT_TIMEOUT', message: 'A database statement took too long and was cancelled' })
    t.strictSame((await app.inject({ method: 'GET', url: '/one' })).json(), { one: 1 }, 'the next request is served')
  })
})
