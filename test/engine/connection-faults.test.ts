// Connections that die while the app uses them, on the shared servers: only this test's own
// connections are killed (pg_terminate_backend / KILL), found by their application name
// (PostgreSQL) or their database (MySQL). The process must survive (an unhandled 'error'
// event would end this test process), a read is retried once, a write never, a broken
// transaction ends cleanly, and a database that refuses connections gives clients a 503
// without its address while the log keeps it.
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { Test } from 'tap'
import t from 'tap'
import fastifyOrm, { ConnectionLostError } from '../../src/index.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'
import { PASSWORD_SPELLINGS, withPasswordUser } from '../helpers/password-user.ts'
import { until } from '../session/support.ts'

type Admin = (text: string) => Promise<Array<Record<string, unknown>>>

async function adminOf (database: TestDatabase): Promise<{ query: Admin, close: () => Promise<void> }> {
  if (database.dialect === 'postgres') {
    const { default: pg } = await import('pg')
    const client = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL })
    await client.connect()
    return { query: async (text) => (await client.query(text)).rows as Array<Record<string, unknown>>, close: () => client.end() }
  }
  const { default: mysql } = await import('mysql2/promise')
  const url = new URL(database.url)
  const connection = await mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username) })
  return { query: async (text) => (await connection.query(text))[0] as Array<Record<string, unknown>>, close: () => connection.end() }
}

/** The app on `database` with its connections marked, and a way to kill them. */
async function faultyApp (t: Test, database: TestDatabase, lines: string[] = [], url = database.url,
  routes: (app: FastifyInstance) => void = () => {}): Promise<{ app: FastifyInstance, kill: (statementLike?: string) => Promise<number> }> {
  const admin = await adminOf(database)
  t.teardown(admin.close)
  const name = `orm_fault_${randomUUID().replace(/-/g, '').slice(0, 10)}`
  const appUrl = new URL(url)
  if (database.dialect === 'postgres') appUrl.searchParams.set('application_name', name)
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(line) } } } })
  await app.register(fastifyOrm, { url: appUrl.toString() })
  t.teardown(() => app.close())
  routes(app)
  await app.ready()
  await app.db.kysely.schema.createTable('item').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('tag', 'varchar(20)').execute()
  await app.db.kysely.insertInto('item').values({ id: 1, tag: 'original' }).execute()
  const schemaOrDb = database.dialect === 'postgres' ? name : new URL(database.url).pathname.slice(1)
  /** Kills the app's connections (those running a statement like `statementLike`, if given); how many. */
  const kill = async (statementLike?: string): Promise<number> => {
    const rows = database.dialect === 'postgres'
      ? await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = '${schemaOrDb}'` +
        (statementLike === undefined ? '' : ` and state = 'active' and query like '${statementLike}'`))
      : await admin.query(`select id from information_schema.processlist where db = '${schemaOrDb}' and id <> connection_id()` +
        (statementLike === undefined ? '' : ` and info like '${statementLike}'`))
    if (database.dialect === 'mysql') for (const row of rows) await admin.query(`kill ${String(row.id)}`)
    return rows.length
  }
  return { app, kill }
}

/** Kills the statement like `like` as soon as it runs; resolves with how many were killed. */
async function killWhenRunning (kill: (like: string) => Promise<number>, like: string): Promise<number> {
  for (;;) {
    const killed = await kill(like)
    if (killed > 0) return killed
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const SLEEP_LIKE = { postgres: '%pg_sleep%', mysql: '%sleep(%' }

t.test('a read whose connection dies is retried once on a new connection', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, kill } = await faultyApp(t, database)
    const sleep = database.dialect === 'postgres' ? sql<number>`(select 1 from pg_sleep(0.5))` : sql<number>`(1 + sleep(0.5))`
    const read = app.db.kysely.selectFrom('item').select(['id', sleep.as('slept')]).execute()
    const killed = killWhenRunning(kill, SLEEP_LIKE[database.dialect as 'postgres' | 'mysql'])
    t.equal(await killed, 1, 'the connection running the read was killed')
    const rows = await read
    t.same(rows.map((row) => row.id), [1], 'and the read answered from a new connection')
    t.equal(app.db.driver.status.inUse, 0, 'no connection held')
  }, ['postgres', 'mysql'])
})

t.test('a write whose connection dies is not retried: ConnectionLostError, nothing written', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, kill } = await faultyApp(t, database)
    const slowTag = database.dialect === 'postgres' ? sql<string>`(select 'changed' from pg_sleep(0.5))` : sql<string>`concat('changed', sleep(0.5))`
    const write = app.db.kysely.updateTable('item').set({ tag: slowTag }).where('id', '=', 1).execute().then(() => 'written', (error: unknown) => error)
    await killWhenRunning(kill, SLEEP_LIKE[database.dialect as 'postgres' | 'mysql'])
    const outcome = await write
    t.type(outcome, ConnectionLostError)
    t.match(outcome, { statusCode: 503, code: 'ORM_CONNECTION_LOST' })
    const rows = await app.db.kysely.selectFrom('item').select('tag').execute()
    t.same(rows, [{ tag: 'original' }], 'the row is unchanged: the write ran once and was lost')
    t.equal(app.db.driver.status.inUse, 0)
  }, ['postgres', 'mysql'])
})

t.test('a transaction whose connection dies between statements ends cleanly', async (t) => {
  await eachDb(t, async (t, database) => {
    const lines: string[] = []
    const { app, kill } = await faultyApp(t, database, lines)
    const session = app.db.session()
    await session.begin()
    await session.kysely.updateTable('item').set({ tag: 'in-transaction' }).where('id', '=', 1).execute()
    t.equal(await kill(), 1, 'the idle transaction\'s connection was killed')
    // PostgreSQL tells the client at once (the checked-out client emits 'error'); mysql2
    // notices the closed socket. Either way nothing may crash, and the next call fails cleanly.
    await new Promise((resolve) => setTimeout(resolve, 200))
    await t.rejects(session.kysely.selectFrom('item').selectAll().execute(), ConnectionLostError)
    await t.resolves(session.close(), 'closing needs no ROLLBACK: the server ended the transaction')
    t.equal(app.db.driver.status.inUse, 0, 'the broken connection was given back (and discarded)')
    const rows = await app.db.kysely.selectFrom('item').select('tag').execute()
    t.same(rows, [{ tag: 'original' }], 'the transaction\'s write is gone, and the pool serves again')
    t.notOk(lines.some((line) => /"level":50/.test(line)), 'nothing was logged as an error')
  }, ['postgres', 'mysql'])
})

t.test('a database that refuses connections: 503 without its address; served again once it accepts', async (t) => {
  await eachDb(t, async (t, database) => {
    const user = await withPasswordUser(database)
    if (user === undefined) throw new Error('a password user is made on PostgreSQL and MySQL')
    t.teardown(user.drop)
    const lines: string[] = []
    const { app, kill } = await faultyApp(t, database, lines, user.url, (app) => {
      app.get('/items', async (request) => request.db.kysely.selectFrom('item').selectAll().execute())
    })
    const admin = await adminOf(database)
    t.teardown(admin.close)
    const userName = new URL(user.url).username
    const lock = database.dialect === 'postgres' ? `alter role ${userName} nologin` : `alter user '${userName}'@'%' account lock`
    const unlock = database.dialect === 'postgres' ? `alter role ${userName} login` : `alter user '${userName}'@'%' account unlock`
    await admin.query(lock)
    t.teardown(async () => { await admin.query(unlock).catch(() => undefined) })
    await kill()
    await until(() => app.db.driver.status.open === 0)

    const refused = await app.inject({ method: 'GET', url: '/items' })
    t.equal(refused.statusCode, 503)
    const body = refused.json<{ code: string, message: string }>()
    t.equal(body.code, 'ORM_CONNECTION')
    t.equal(body.message, 'The database is unavailable (no connection could be opened); try again later')
    const address = new URL(user.url)
    for (const secret of [address.hostname, address.port, userName, address.pathname.slice(1), ...PASSWORD_SPELLINGS]) {
      if (secret !== '') t.notOk(refused.body.includes(secret), `the reply does not contain ${secret}`)
    }
    const logged = lines.find((line) => line.includes('"statusCode":503') || line.includes('ORM_CONNECTION'))
    t.ok(logged?.includes('Could not connect to') && logged.includes(':***@'), 'the log has the redacted URL')
    for (const spelling of PASSWORD_SPELLINGS) t.notOk(lines.some((line) => line.includes(spelling)), `no log line contains ${spelling}`)

    await admin.query(unlock)
    const served = await app.inject({ method: 'GET', url: '/items' })
    t.equal(served.statusCode, 200, 'served again without a restart')
    t.equal(app.db.driver.status.inUse, 0)
  }, ['postgres', 'mysql'])
})
