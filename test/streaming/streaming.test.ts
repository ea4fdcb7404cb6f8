// `.stream()` through fastify-orm on every database: 100,000 rows, read in order and with
// the same types as execute() reads them; the heap stays bounded while they are consumed;
// stopping early, a failing statement and a killed connection all give the connection back;
// inside a session transaction the stream runs on the transaction's connection.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { promisify } from 'node:util'
import { sql, type Kysely } from 'kysely'
import Pg from 'pg'
import t from 'tap'
import { loadPgCursor, PreparingPostgresDriver } from '../../src/dialect/postgres/postgres-driver.ts'
import { ConnectionLostError, DriverNotInstalledError, OrmError } from '../../src/errors.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'
import { fillStreamRows, ROWS, streamDb, type StreamDb } from './support.ts'

const run = promisify(execFile)
const PROBE = fileURLToPath(new URL('./memory-probe.ts', import.meta.url))

/** Iterates `rows`; returns how many came and the error that ended them, if any. */
async function consume (rows: AsyncIterable<unknown>, onRow: (index: number) => Promise<void> | void = () => {}): Promise<{ count: number, error: unknown }> {
  let count = 0
  try {
    for await (const _ of rows) await onRow(count++)
  } catch (error) {
    return { count, error }
  }
  return { count, error: undefined }
}

t.test('.stream() reads 100,000 rows in bounded memory and gives its connection back', (t) => eachDb(t, async (t, database) => {
  const app = await buildApp(t, database)
  app.get('/count', async (request) => {
    let rows = 0
    let inUse = 0
    for await (const _ of (request.db.kysely as unknown as Kysely<StreamDb>).selectFrom('stream_row').select('id').stream(500)) {
      rows++
      inUse = Math.max(inUse, app.db.poolStatus().inUse)
    }
    return { rows, inUse }
  })
  await app.ready()
  await fillStreamRows(app)
  const db = streamDb(app)

  await t.test('every row, in order, as execute() reads it', async (t) => {
    let expected = 1
    let inOrder = true
    let sum = 0n
    let first: unknown
    for await (const row of db.selectFrom('stream_row').selectAll().orderBy('id').stream(1000)) {
      first ??= row
      if (row.id !== expected++) inOrder = false
      sum += row.amount
    }
    t.equal(expected - 1, ROWS, 'all 100,000 rows')
    t.ok(inOrder, 'in id order')
    t.equal(sum, 1_000_000_007n * BigInt(ROWS) * BigInt(ROWS + 1) / 2n, 'bigint amounts, summed exactly')
    t.strictSame(first, await db.selectFrom('stream_row').selectAll().where('id', '=', 1).executeTakeFirstOrThrow(), 'the same values and types as execute()')

    const tail = await consume(db.selectFrom('stream_row').select('id').where('id', '>', ROWS - 1234).stream(100))
    t.strictSame(tail, { count: 1234, error: undefined }, 'bound parameters; a last chunk shorter than chunkSize')
    t.equal(app.db.poolStatus().inUse, 0, 'no connection held after the streams ended')
  })

  await t.test('the heap grows far less than the whole result takes', async (t) => {
    const { stdout } = await run(process.execPath, ['--expose-gc', '--import=tsx', PROBE, database.url, '1000'], { timeout: 240_000 })
    const { rows, peakStreamingBytes, loadedBytes, loadedRows } = JSON.parse(stdout) as Record<string, number>
    t.comment(`${database.dialect}: streaming 100,000 rows grew the heap by ${(peakStreamingBytes! / 2 ** 20).toFixed(2)} MiB at most; loading them took ${(loadedBytes! / 2 ** 20).toFixed(2)} MiB`)
    t.equal(rows, ROWS, 'the probe streamed every row')
    t.equal(loadedRows, ROWS, 'and loaded every row')
    t.ok(loadedBytes! > 10 * 2 ** 20, 'the whole result is large (over 10 MiB)')
    t.ok(peakStreamingBytes! < loadedBytes! / 10, 'streaming stays under a tenth of it')
  })

  await t.test('breaking out of for await returns the connection, ready for the next statement', async (t) => {
    // One connection only: every stream and query below must reuse it.
    const single = await buildApp(t, database, { pool: { max: 1, acquireTimeoutMs: 10_000 } }, { ready: true })
    const sdb = streamDb(single)
    for (let i = 0; i < 3; i++) {
      let seen = 0
      for await (const row of sdb.selectFrom('stream_row').select(['id', 'label']).orderBy('id').stream(100)) {
        seen = row.id
        if (row.id === 250) break
      }
      t.equal(seen, 250, `stream ${i + 1} stopped at row 250`)
      await nextTurn()
      t.equal(single.db.poolStatus().inUse, 0, `stream ${i + 1}: the connection is back`)
    }
    const { n } = await sdb.selectFrom('stream_row').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirstOrThrow()
    t.equal(Number(n), ROWS, 'the next statement runs on it')
    if (database.dialect !== 'sqlite') t.equal(single.db.poolStatus().open, 1, 'the same connection, not a new one')
  })

  await t.test('request.db.kysely streams in a route', async (t) => {
    const response = await app.inject({ method: 'GET', url: '/count' })
    t.strictSame(response.json(), { rows: ROWS, inUse: 1 }, 'every row, on one connection')
    await nextTurn()
    t.equal(app.db.poolStatus().inUse, 0, 'returned after the request')
  })

  await t.test('in a session transaction the stream uses the transaction\'s connection', async (t) => {
    const session = app.db.session()
    t.teardown(() => session.close())
    await session.begin()
    const sdb = session.kysely as unknown as Kysely<StreamDb>
    await sdb.insertInto('stream_row').values({ id: ROWS + 1, label: 'not committed', amount: 0n }).execute()
    const inUse: number[] = []
    const labels: string[] = []
    const latest = sdb.selectFrom('stream_row').select(['id', 'label']).where('id', '>', ROWS - 9).orderBy('id')
    for await (const row of latest.stream(4)) {
      inUse.push(app.db.poolStatus().inUse)
      labels.push(row.label)
      // better-sqlite3 cannot run a statement that a stream is stepping through: the same
      // text inside the loop gets a statement of its own. (On PostgreSQL and MySQL the
      // transaction's one connection is busy with the stream until it ends.)
      if (database.dialect === 'sqlite' && row.id === ROWS) t.equal((await latest.execute()).length, 10, 'the same query inside the loop (SQLite)')
    }
    t.equal(labels.length, 10, 'the row inserted in the transaction is streamed: same connection')
    t.equal(labels.at(-1), 'not committed')
    t.ok(inUse.every((n) => n === 1), 'no connection besides the transaction\'s')
    if (database.dialect !== 'sqlite') {
      const outside = await db.selectFrom('stream_row').select('id').where('id', '>', ROWS).execute()
      t.strictSame(outside, [], 'another connection does not see the uncommitted row')
    }
    await session.rollback()
    await nextTurn()
    t.equal(app.db.poolStatus().inUse, 0, 'the connection is back after the rollback')
  })

  await t.test('a statement failing mid-stream is an OrmError, and the connection comes back', async (t) => {
    // Row 50,000 fails; the rows before it have been delivered by then. (No ORDER BY: a
    // sort would compute every row before sending the first.)
    const failing = {
      postgres: sql<number>`1 / (id - 50000)`,
      sqlite: sql<number>`abs(case when id = 50000 then -9223372036854775807 - 1 else id end)`,
      mysql: sql<number>`(select s.id from stream_row s where t.id = 50000 and s.id in (1, 2))`
    }[database.dialect]
    const rows = (db as unknown as Kysely<Record<string, StreamDb['stream_row']>>).selectFrom('stream_row as t').select(['t.id', failing.as('x')]).stream(1000)
    const { count, error } = await consume(rows)
    t.ok(count >= 1000 && count < 50_000, `rows came before the failure (${count})`)
    t.type(error, OrmError, `an OrmError (${(error as Error).name}: ${(error as Error).message})`)
    await nextTurn()
    t.equal(app.db.poolStatus().inUse, 0, 'the connection is back')
    t.equal((await db.selectFrom('stream_row').select('id').where('id', '=', 7).executeTakeFirstOrThrow()).id, 7, 'and queries run')
  })

  await t.test('a connection killed mid-stream is a ConnectionLostError, and the pool recovers', {
    skip: database.dialect === 'sqlite' ? 'SQLite has no server connection to kill' : false
  }, async (t) => {
    const backend = database.dialect === 'postgres' ? sql<number>`pg_backend_pid()` : sql<number>`connection_id()`
    // MariaDB sends rows as fast as the socket takes them: a KILL that reaches its thread
    // after the last row would find the result already sent. Pausing the query at row 2,000
    // (KILL interrupts SLEEP) keeps it running until the KILL lands. pg-cursor fetches 100
    // rows at a time, so PostgreSQL's backend never runs ahead.
    const pause = database.dialect === 'mysql' ? sql<number>`if(id = 2000, sleep(20), 0)` : sql<number>`0`
    const rows = db.selectFrom('stream_row').select(['id', backend.as('backend'), pause.as('pause')]).orderBy('id').stream(100)
    // A connection of its own, opened before the stream, to kill the stream's connection with.
    const killer = await adminConnection(database.url)
    t.teardown(killer.close)
    let count = 0
    let error: unknown
    let kill: Promise<unknown> | undefined
    try {
      for await (const row of rows) {
        // Once the first row is in, kill the stream's connection. Not awaited here: MariaDB's
        // KILL waits for the stream's thread, which waits for this loop to read on. (mysql2
        // alone would leave this loop waiting forever once the rows already sent are read.)
        if (count++ === 0) kill = killer.query(database.dialect === 'postgres' ? `select pg_terminate_backend(${Number(row.backend)})` : `kill ${Number(row.backend)}`)
      }
    } catch (caught) {
      error = caught
    }
    await kill
    t.ok(count < ROWS, `the stream ended early (after ${count} rows)`)
    t.type(error, ConnectionLostError, `translated (${(error as Error | undefined)?.name}: ${(error as Error | undefined)?.message})`)
    await nextTurn()
    t.equal(app.db.poolStatus().inUse, 0, 'the broken connection was given back')
    t.equal((await db.selectFrom('stream_row').select('id').where('id', '=', 8).executeTakeFirstOrThrow()).id, 8, 'and the pool serves the next query')
  })

  await t.test('the pool is empty of borrowers at the end', async (t) => {
    t.equal(app.db.poolStatus().inUse, 0)
  })
}))

/** A plain driver connection outside fastify-orm's pool. */
async function adminConnection (url: string): Promise<{ query: (text: string) => Promise<unknown>, close: () => Promise<void> }> {
  if (url.startsWith('postgres')) {
    const client = new Pg.Client({ connectionString: url })
    await client.connect()
    return { query: (text) => client.query(text), close: () => client.end() }
  }
  const { default: mysql } = await import('mysql2/promise')
  const { hostname, port, username, password, pathname } = new URL(url)
  const connection = await mysql.createConnection({ host: hostname, port: Number(port || 3306), user: decodeURIComponent(username), password: decodeURIComponent(password), database: pathname.slice(1) })
  return { query: (text) => connection.query(text), close: () => connection.end() }
}

t.test('without pg-cursor, a PostgreSQL stream says what to install', async (t) => {
  const missing = await loadPgCursor('fastify-orm-no-such-cursor').then(() => undefined, (caught: unknown) => caught)
  t.type(missing, DriverNotInstalledError)
  t.match(missing, {
    code: 'ORM_DRIVER_NOT_INSTALLED',
    message: 'Streaming (.stream()) on PostgreSQL needs the "fastify-orm-no-such-cursor" package, which is not installed. Run: npm install fastify-orm-no-such-cursor'
  })
  t.type(await loadPgCursor(), 'function', 'the installed pg-cursor loads')

  const url = process.env.TEST_POSTGRES_URL
  if (url === undefined) return
  // The driver imports pg-cursor at the first stream: the error reaches the iterator.
  const pool = new Pg.Pool({ connectionString: url, max: 1 })
  const driver = new PreparingPostgresDriver(pool, undefined, () => loadPgCursor('fastify-orm-no-such-cursor'))
  t.teardown(() => driver.destroy())
  const connection = await driver.acquireConnection()
  const { error } = await consume(connection.streamQuery({ sql: 'select 1', parameters: [], query: { kind: 'RawNode' } } as never, 10))
  await driver.releaseConnection(connection)
  t.type(error, DriverNotInstalledError, 'from the stream itself')
  t.equal(pool.idleCount, 1, 'the connection went back to the pool unharmed')
})
