// statementTimeoutMs: the server cancels a statement that runs too long, the route replies
// 503 ORM_STATEMENT_TIMEOUT without any SQL, and the same pooled connection (pool.max 1)
// serves the next request. Revisions run without the timeout, and the app's connection has
// it again afterwards. On PostgreSQL and MariaDB/MySQL; on SQLite the option is accepted
// and does nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { sql, type Kysely } from 'kysely'
import t from 'tap'
import { StatementTimeoutError } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'

const TIMEOUT_MS = 300
/** The Kysely the app uses, for the revision file written in a temporary folder. */
const KYSELY = pathToFileURL(fileURLToPath(import.meta.resolve('kysely'))).href
const TIMEOUT_BODY = { statusCode: 503, code: 'ORM_STATEMENT_TIMEOUT', error: 'Service Unavailable', message: 'A database statement took too long and was cancelled' }

t.test('a statement past statementTimeoutMs is cancelled: 503, and the connection serves the next request', async (t) => {
  await eachDb(t, async (t, database) => {
    const postgres = database.dialect === 'postgres'
    const dir = mkdtempSync(join(tmpdir(), 'orm-timeout-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    // A revision that runs longer than the timeout: migrations must not be cut short by it.
    writeFileSync(join(dir, 'a1a1a1a1a1a1_slow_revision.ts'), `import { sql } from '${KYSELY}'
export const revision = 'a1a1a1a1a1a1'
export const parent = null
export const message = 'Slow revision'
export async function up ({ db }: { db: any }): Promise<void> {
  await sql\`select ${postgres ? 'pg_sleep(1)' : 'sleep(1)'}\`.execute(db)
  await db.schema.createTable('slow_made').addColumn('id', 'integer').execute()
}
export async function down ({ db }: { db: any }): Promise<void> {
  await db.schema.dropTable('slow_made').execute()
}
`)
    const app = await buildApp(t, database, { statementTimeoutMs: TIMEOUT_MS, pool: { max: 1 }, migrations: { dir } })
    const db = (): Kysely<unknown> => app.db.kysely as unknown as Kysely<unknown>
    const sessionId = postgres ? sql<{ id: number }>`select pg_backend_pid() as id` : sql<{ id: number }>`select connection_id() as id`
    app.get('/connection', async (request) => (await sessionId.execute(request.db.kysely)).rows[0])
    app.get('/sleep', async (request) => {
      await (postgres ? sql`select pg_sleep(2)` : sql`select sleep(2)`).execute(request.db.kysely)
      return { slept: true }
    })
    // A statement that computes for long rather than waits (MariaDB's SLEEP is interrupted
    // like any statement, but a query doing work is what a runaway report looks like).
    app.get('/heavy', async (request) => {
      const heavy = postgres
        ? sql`select count(*) as n from generate_series(1, 100000000)`
        : sql`select count(*) as n from information_schema.columns a, information_schema.columns b, information_schema.columns c`
      return (await heavy.execute(request.db.kysely)).rows[0]
    })
    app.post('/sleep-in-transaction', async (request) => {
      await request.db.kysely.transaction().execute(async (trx) => {
        await (postgres ? sql`select pg_sleep(2)` : sql`select sleep(2)`).execute(trx)
      })
      return { slept: true }
    })
    await app.ready()

    const before = await app.inject({ method: 'GET', url: '/connection' })
    t.equal(before.statusCode, 200)
    const { id } = before.json() as { id: number }

    for (const [method, url] of [['GET', '/sleep'], ['GET', '/heavy'], ['POST', '/sleep-in-transaction']] as const) {
      const response = await app.inject({ method, url })
      t.equal(response.statusCode, 503, `${method} ${url} → 503`)
      t.strictSame(response.json(), TIMEOUT_BODY, `${method} ${url}: the timeout's code and message`)
      t.notOk(/select|sleep|count/i.test(response.body), `${method} ${url}: no SQL in the reply`)
      const next = await app.inject({ method: 'GET', url: '/connection' })
      t.equal(next.statusCode, 200, `after ${url}: the next request is served`)
      t.equal((next.json() as { id: number }).id, id, `after ${url}: on the same server connection`)
    }

    const error = await (postgres ? sql`select pg_sleep(2)` : sql`select sleep(2)`).execute(db()).then(() => undefined, (error: unknown) => error)
    t.type(error, StatementTimeoutError, 'app.db too')

    // The revision sleeps longer than the timeout and still completes.
    t.strictSame(await app.db.migrations().upgrade(), ['a1a1a1a1a1a1'], 'the slow revision was applied')
    const { rows: made } = await sql<{ n: number | string }>`select count(*) as n from slow_made`.execute(db())
    t.equal(Number(made[0]?.n), 0, 'the table the revision made after its sleep exists')
    // And the app's connection has its timeout again.
    const after = await app.inject({ method: 'GET', url: '/sleep' })
    t.equal(after.statusCode, 503, 'after the upgrade, a slow request is cancelled again')
    t.equal((((await app.inject({ method: 'GET', url: '/connection' })).json()) as { id: number }).id, id, 'still the same connection')
  }, ['postgres', 'mysql'])
})

t.test('PostgreSQL: a statement cancelled by an administrator is not a timeout', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildApp(t, database, { statementTimeoutMs: 10_000 }, { ready: true })
    const error = await sql`select pg_cancel_backend(pg_backend_pid()), pg_sleep(1)`.execute(app.db.kysely).then(() => undefined, (error: unknown) => error)
    t.match(error, { code: 'ORM_DATABASE_ERROR', statusCode: 500 }, 'SQLSTATE 57014 from a cancel request stays a DatabaseError')
  }, ['postgres'])
})

t.test('PostgreSQL: a stream is one statement until its last row; SET LOCAL lifts the timeout for one transaction', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildApp(t, database, { statementTimeoutMs: TIMEOUT_MS }, { ready: true })
    const db = app.db.kysely as unknown as Kysely<unknown>
    const series = sql<{ g: number }>`(select g from generate_series(1, 40) g)`.as('s')
    const slowly = async (rows: AsyncIterable<unknown>): Promise<number> => {
      let count = 0
      for await (const _ of rows) {
        count++
        await new Promise((resolve) => setTimeout(resolve, 20)) // 40 rows × 20 ms: longer than the timeout
      }
      return count
    }
    const error = await slowly(db.selectFrom(series).selectAll().stream(5)).then(() => undefined, (error: unknown) => error)
    t.type(error, StatementTimeoutError, 'a consumer slower than the timeout: the stream is cancelled')
    const count = await db.transaction().execute(async (trx) => {
      await sql`set local statement_timeout = 0`.execute(trx)
      return slowly(trx.selectFrom(series).selectAll().stream(5))
    })
    t.equal(count, 40, 'in a transaction that lifted the timeout, the stream runs to its end')
  }, ['postgres'])
})

t.test('SQLite: statementTimeoutMs is accepted and has no effect', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildApp(t, database, { statementTimeoutMs: 1 }, { ready: true })
    const { rows } = await sql<{ n: number }>`with recursive r(n) as (select 1 union all select n + 1 from r where n < 200000) select count(*) as n from r`.execute(app.db.kysely)
    t.equal(rows[0]?.n, 200000, 'a statement runs to its end')
  }, ['sqlite'])
})

// MySQL 8 is not among the test servers (MariaDB is): its variable and its error number are
// checked here as pure functions, on the handshake versions and the error mysql2 reports.
t.test('MySQL and MariaDB: the variable by flavour, and both timeout errors', async (t) => {
  const { mysqlFlavor, statementTimeoutAssignment } = await import('../../src/dialect/mysql/mysql-statement-timeout.ts')
  const { translateMysqlError } = await import('../../src/dialect/mysql/mysql-errors.ts')
  t.equal(mysqlFlavor('5.5.5-10.11.6-MariaDB-0+deb12u1'), 'mariadb')
  t.equal(mysqlFlavor('11.4.2-MariaDB'), 'mariadb')
  t.equal(mysqlFlavor('8.0.36'), 'mysql')
  t.equal(statementTimeoutAssignment('mariadb', 2500), 'max_statement_time = 2.5', 'MariaDB: seconds')
  t.equal(statementTimeoutAssignment('mysql', 2500), 'max_execution_time = 2500', 'MySQL: milliseconds')
  const mysqlTimeout = Object.assign(new Error('Query execution was interrupted, maximum statement execution time exceeded'), { errno: 3024, code: 'ER_QUERY_TIMEOUT', sqlState: 'HY000' })
  t.type(translateMysqlError(mysqlTimeout), StatementTimeoutError, 'MySQL 3024')
  const killed = Object.assign(new Error('Query execution was interrupted'), { errno: 1317, code: 'ER_QUERY_INTERRUPTED', sqlState: '70100' })
  t.notOk(translateMysqlError(killed) instanceof StatementTimeoutError, 'KILL QUERY (1317) is not a timeout')
})

t.test('per route and per transaction: config.db.statementTimeoutMs and begin({ statementTimeoutMs })', async (t) => {
  await eachDb(t, async (t, database) => {
    const postgres = database.dialect === 'postgres'
    const sleep = postgres ? sql`select pg_sleep(1)` : sql`select sleep(1)`
    const variable = postgres ? sql<{ value: string }>`select current_setting('statement_timeout') as value` : sql<{ value: string }>`select @@session.max_statement_time as value`
    // No app-wide timeout: only the route and the transaction have one.
    const app = await buildApp(t, database, { pool: { max: 1 } })
    app.get('/limited', { config: { db: { statementTimeoutMs: TIMEOUT_MS } } }, async (request) => {
      await sleep.execute(request.db.kysely)
      return { slept: true }
    })
    app.get('/unlimited', async (request) => {
      await sleep.execute(request.db.kysely)
      return { slept: true, setting: (await variable.execute(request.db.kysely)).rows[0]?.value }
    })
    app.post('/transaction', async (request) => {
      await request.db.transaction(async (db) => { await sleep.execute(db.kysely) }, { statementTimeoutMs: TIMEOUT_MS })
      return { slept: true }
    })
    await app.ready()
    for (const [method, url] of [['GET', '/limited'], ['POST', '/transaction']] as const) {
      const limited = await app.inject({ method, url })
      t.equal(limited.statusCode, 503, `${url}: cancelled past its own limit`)
      t.strictSame(limited.json(), TIMEOUT_BODY)
      const unlimited = await app.inject('/unlimited')
      t.equal(unlimited.statusCode, 200, `after ${url}, the same connection has no limit again`)
      t.match(unlimited.json<{ setting: string }>().setting, /^0/, 'the session variable is back to none')
    }
  }, ['postgres', 'mysql'])

  await t.test('a route limit that is not a positive integer is refused at registration', async (t) => {
    const app = await buildApp(t, { url: 'sqlite://' })
    t.throws(() => app.get('/bad', { config: { db: { statementTimeoutMs: 0 } } }, async () => ({})), /statementTimeoutMs of GET \/bad must be a positive integer/)
  })
})
