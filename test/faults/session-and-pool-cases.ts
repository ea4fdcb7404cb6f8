// The fault cases about the app's connections one at a time (not a test file itself: tap
// only runs *.test.ts): a script session's checked-out idle connection killed by the
// server, idle pooled connections closed by a server timeout, a pool of two exhausted by
// held transactions, and those held connections killed while requests wait for them.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { AppDatabase, PrivateServer, ServerConnection } from '../helpers/private-servers.ts'
import {
  errorBodyProblems, expectCleanRejection, expectCloseSettles, noProblems, printFigures, responseProblems, settle, tally, until, verifyRows
} from './checks.ts'
import { FAULT_TIMING, NOTICE_KILL_MS, PATIENT_ACQUIRE_MS, POOL_TIMEOUT_SLACK_MS, SMALL_POOL } from './fault-timing.ts'
import { HttpLoad, type HttpResult } from './http-load.ts'
import { startExampleApp, startSmallPoolApp } from './instrumented-app.ts'

// ---------------------------------------------------------------------------------------
// A connection killed while checked out but idle (a session's open transaction).
// ---------------------------------------------------------------------------------------

type Session = ReturnType<FastifyInstance['db']['session']>

/** One statement through the session (in its transaction once begun). */
export function readThrough (session: Session): Promise<unknown> {
  return session.kysely.selectFrom('movie').select('id').limit(1).execute()
}

export interface KilledSessionOptions {
  /** Before the app starts (e.g. set a server timeout). */
  configure?: () => Promise<void>
  /** Kills the session's connection: `idle` is it, as the server lists it; resolves once it is killed (or the timeout has surely struck). */
  kill (context: { database: AppDatabase, idle: ServerConnection }): Promise<void>
  /** Undoes `configure`. */
  restore?: () => Promise<void>
  /** Also through HTTP: a route that opens a transaction, reads, waits this long, reads again. */
  routeWaitMs?: number
}

/**
 * A script session (`app.db.session()`) begins and reads — its connection is checked out,
 * idle in transaction — then the server kills that connection. The process must survive;
 * the session's next call must reject with a clean 503 error; `close()` must settle; the
 * connection must not come back to the pool; the app must serve reads and writes at once.
 */
export async function runKilledSessionCase (t: Test, server: PrivateServer, title: string, options: KilledSessionOptions): Promise<void> {
  const database = await server.createDatabase()
  await options.configure?.()
  const routeWaitMs = options.routeWaitMs
  const { app, baseUrl, log, serverLog } = await startExampleApp(database, (app) => {
    if (routeWaitMs === undefined) return
    app.post('/fault/slow-transaction', async (request) => {
      await request.db.begin()
      await readThrough(request.db)
      await sleep(routeWaitMs)
      await readThrough(request.db)
      await request.db.commit()
      return { ok: true }
    })
  })
  const load = new HttpLoad(baseUrl)
  try {
    await load.seed(1, 1)
    const session = app.db.session()
    await session.begin()
    await readThrough(session)
    const idle = (await server.appConnections(database.name)).filter((connection) => connection.inTransaction)
    t.equal(idle.length, 1, 'the session holds one connection, idle in a transaction, on the server')
    t.equal(app.db.poolStatus().inUse, 1, 'the pool counts it checked out')
    await options.kill({ database, idle: idle[0]! })
    // Give the driver time to notice the closed socket while nobody uses the connection:
    // that 'error' event, unhandled, is what crashes a process.
    await sleep(NOTICE_KILL_MS)
    t.comment('the process is alive after the server killed a checked-out idle connection')
    await expectCleanRejection(t, readThrough(session), database, 'the session\'s next query')
    await expectCloseSettles(t, session.close(), database, 'the session')

    let routeResult: HttpResult | undefined
    if (routeWaitMs !== undefined) {
      routeResult = await load.request('probe-read', 'POST', '/fault/slow-transaction', {})
      t.equal(routeResult.status, 503, `a request whose transaction sat idle ${routeWaitMs} ms gets 503 (got ${String(routeResult.status)} ${routeResult.body.slice(0, 200)})`)
      if (routeResult.status !== undefined) noProblems(t, errorBodyProblems(routeResult.status, routeResult.json, routeResult.body, database), 'and its body is a clean JSON error')
    }

    const recovery = await load.measureRecovery()
    t.ok(recovery <= FAULT_TIMING.recoveryLimitMs / 1000, `the app serves a read and a write (${Number.isFinite(recovery) ? `${recovery.toFixed(2)} s` : 'never'})`)
    const leaks = await settle(app, server, database, serverLog)
    t.strictSame({ inUse: leaks.poolStatus.inUse, waiting: leaks.poolStatus.waiting }, { inUse: 0, waiting: 0 }, 'no connection is checked out')
    t.equal(leaks.openTransactionsOnServer, 0, 'no transaction of the app stays open on the server')
    const rows = await verifyRows(load, server, database, serverLog)
    noProblems(t, rows.lost, 'no acknowledged row is lost')
    noProblems(t, rows.phantom, 'no unacknowledged row')
    printFigures(t, title, {
      'server connection killed': `${idle[0]!.id} (${idle[0]!.state})`,
      'slow route': routeResult === undefined ? 'not run' : `${String(routeResult.status)} ${routeResult.body.slice(0, 160)}`,
      'responses by status and code': tally(load.results),
      'recovery seconds': Number.isFinite(recovery) ? Number(recovery.toFixed(3)) : 'never',
      'pool after': leaks.poolStatus,
      'app error log lines': log.errors()
    })
  } finally {
    await app.close().catch(() => undefined)
    await options.restore?.()
    await database.drop()
  }
}

/**
 * Connections idle in the pool (not checked out) are closed by the server (a session
 * timeout). The pool must notice and drop them: every request afterwards, read or write,
 * succeeds.
 */
export async function runIdlePoolConnectionsClosedCase (t: Test, server: PrivateServer, title: string,
  options: { configure: () => Promise<void>, restore: () => Promise<void>, waitMs: number, configureAfterStart?: boolean }): Promise<void> {
  const database = await server.createDatabase()
  if (options.configureAfterStart !== true) await options.configure()
  const { app, baseUrl, log, serverLog } = await startExampleApp(database)
  const load = new HttpLoad(baseUrl)
  try {
    await load.seed(1, 1)
    if (options.configureAfterStart === true) await options.configure()
    // Open several connections at once, then leave them idle in the pool.
    await Promise.all(Array.from({ length: 8 }, () => load.perform('list-movies')))
    const openBefore = app.db.poolStatus().open
    await sleep(options.waitMs)
    const onServer = (await server.appConnections(database.name)).length
    t.ok(onServer < openBefore, `the server closed idle pooled connections (${openBefore} open before, ${onServer} after)`)
    t.comment('the process is alive after the server closed idle pooled connections')
    const before = load.results.length
    for (let i = 0; i < 12; i++) await load.perform((['list-movies', 'get-movie', 'create-movie', 'create-post'] as const)[i % 4]!)
    const after = load.results.slice(before)
    const problems = after.flatMap((result) => responseProblems(result, database))
    noProblems(t, problems, 'the requests after the timeout are well-formed')
    t.ok(after.every((result) => result.status !== undefined && result.status < 300), `every request after the timeout succeeds: ${JSON.stringify(tally(after))}`)
    const leaks = await settle(app, server, database, serverLog)
    t.strictSame({ inUse: leaks.poolStatus.inUse, waiting: leaks.poolStatus.waiting }, { inUse: 0, waiting: 0 }, 'no connection is checked out')
    const rows = await verifyRows(load, server, database, serverLog)
    noProblems(t, rows.lost, 'no acknowledged row is lost')
    printFigures(t, title, {
      'pool open before the timeout': openBefore,
      'app connections left on the server after the timeout': onServer,
      'responses after the timeout': tally(after),
      'pool after': leaks.poolStatus,
      'app error log lines': log.errors()
    })
  } finally {
    await app.close().catch(() => undefined)
    await options.restore()
    await database.drop()
  }
}

// ---------------------------------------------------------------------------------------
// Pool exhaustion.
// ---------------------------------------------------------------------------------------

/**
 * Two script sessions hold both connections of a pool of two; requests must get a 503
 * `ORM_POOL_TIMEOUT` after `acquireTimeoutMs` (not hang, not crash); once the sessions let go
 * the app serves at once; nothing was written for a refused request.
 */
export async function runPoolExhaustionCase (t: Test, server: PrivateServer, title: string): Promise<void> {
  const database = await server.createDatabase()
  const { app, baseUrl, log, serverLog } = await startSmallPoolApp(database, SMALL_POOL)
  const load = new HttpLoad(baseUrl, { 'list-movies': 1, 'get-movie': 1, 'create-movie': 1 })
  try {
    await load.seed(0, 2)
    const holders = await holdEveryConnection(app)
    t.match(app.db.poolStatus(), { inUse: 2 }, 'two sessions hold both connections')
    const before = load.results.length
    const ops = ['list-movies', 'get-movie', 'create-movie'] as const
    await Promise.all(Array.from({ length: 24 }, (_, i) => load.perform(ops[i % 3]!)))
    const refused = load.results.slice(before)
    const codes = refused.map((result) => `${String(result.status)} ${String((result.json as { code?: unknown } | undefined)?.code)}`)
    t.ok(codes.every((code) => code === '503 ORM_POOL_TIMEOUT'), `every request gets 503 ORM_POOL_TIMEOUT: ${JSON.stringify(tally(refused))}`)
    noProblems(t, refused.flatMap((result) => responseProblems(result, database)), 'their bodies are clean JSON errors')
    const slowest = Math.max(...refused.map((result) => result.ms))
    t.ok(slowest <= SMALL_POOL.acquireTimeoutMs + POOL_TIMEOUT_SLACK_MS, `and come within ${SMALL_POOL.acquireTimeoutMs} ms + ${POOL_TIMEOUT_SLACK_MS} ms (slowest ${slowest.toFixed(0)} ms)`)
    t.match(app.db.poolStatus(), { inUse: 2, waiting: 0 }, 'nobody waits any more')

    await holders[0]!.rollback()
    await holders[0]!.close()
    await holders[1]!.commit()
    await holders[1]!.close()
    const recovery = await load.measureRecovery()
    t.ok(recovery <= FAULT_TIMING.recoveryLimitMs / 1000, `once released, the app serves a read and a write (${recovery.toFixed(3)} s)`)
    const again = load.results.length
    await Promise.all(Array.from({ length: 8 }, (_, i) => load.perform(ops[i % 3]!)))
    const served = load.results.slice(again)
    t.ok(served.every((result) => result.status !== undefined && result.status < 300), `8 concurrent requests on the freed pool succeed: ${JSON.stringify(tally(served))}`)

    const leaks = await settle(app, server, database, serverLog)
    t.strictSame({ inUse: leaks.poolStatus.inUse, waiting: leaks.poolStatus.waiting }, { inUse: 0, waiting: 0 }, 'no connection is checked out')
    t.ok(leaks.poolStatus.open <= SMALL_POOL.max, `the pool holds at most ${SMALL_POOL.max} connections (${leaks.poolStatus.open})`)
    t.equal(leaks.openTransactionsOnServer, 0, 'no transaction stays open on the server')
    const rows = await verifyRows(load, server, database, serverLog)
    noProblems(t, rows.lost, 'no acknowledged row is lost')
    noProblems(t, [...rows.phantom, ...rows.inDoubt], 'no row was written for a refused request')
    printFigures(t, title, {
      pool: SMALL_POOL,
      'responses while exhausted': tally(refused),
      'slowest refusal ms': Number(slowest.toFixed(0)),
      'recovery seconds': Number(recovery.toFixed(3)),
      'responses after release': tally(served),
      'rows acknowledged / found': `${JSON.stringify(rows.acknowledged)} / ${JSON.stringify(rows.found)}`,
      'pool after': leaks.poolStatus,
      'app error log lines': log.errors()
    })
  } finally {
    await app.close().catch(() => undefined)
    await database.drop()
  }
}

/**
 * Both connections of a pool of two are held by idle script transactions while requests
 * wait for one; the server kills the two held connections. The sessions' next calls reject
 * cleanly, they close, the broken connections are discarded (never handed to a waiting
 * request) and the waiting requests are served on new connections.
 */
export async function runHeldConnectionsKilledCase (t: Test, server: PrivateServer, title: string): Promise<void> {
  const database = await server.createDatabase()
  const { app, baseUrl, log, serverLog } = await startSmallPoolApp(database, { max: SMALL_POOL.max, acquireTimeoutMs: PATIENT_ACQUIRE_MS })
  const load = new HttpLoad(baseUrl, { 'list-movies': 1, 'get-movie': 1, 'create-movie': 1 })
  try {
    await load.seed(0, 2)
    const holders = await holdEveryConnection(app)
    const ops = ['list-movies', 'get-movie', 'create-movie'] as const
    const waiting = Array.from({ length: 10 }, (_, i) => load.perform(ops[i % 3]!))
    // A list (paginate) asks for two connections at once, its count and its page: the four
    // lists and six other requests wait for 14.
    await until(() => app.db.poolStatus().waiting >= 14, 2_000)
    const statusBefore = app.db.poolStatus()
    t.match(statusBefore, { inUse: 2, waiting: 14 }, 'ten requests wait for the two held connections')
    const killed = await server.killAppConnections(database.name, (connection) => connection.inTransaction)
    t.equal(killed, 2, 'the server killed both held connections')
    await sleep(NOTICE_KILL_MS)
    t.comment('the process is alive')
    for (const [i, session] of holders.entries()) {
      await expectCleanRejection(t, readThrough(session), database, `held session ${i + 1}'s next query`)
      await expectCloseSettles(t, session.close(), database, `held session ${i + 1}`)
    }
    const served = await Promise.all(waiting)
    t.ok(served.every((result) => result.status !== undefined && result.status < 300), `the waiting requests are served on new connections: ${JSON.stringify(tally(served))}`)
    noProblems(t, served.flatMap((result) => responseProblems(result, database)), 'their responses are well-formed')
    const leaks = await settle(app, server, database, serverLog)
    t.strictSame({ inUse: leaks.poolStatus.inUse, waiting: leaks.poolStatus.waiting }, { inUse: 0, waiting: 0 }, 'no connection is checked out')
    t.ok(leaks.poolStatus.open <= SMALL_POOL.max, `the pool holds at most ${SMALL_POOL.max} connections (${leaks.poolStatus.open})`)
    const rows = await verifyRows(load, server, database, serverLog)
    noProblems(t, rows.lost, 'no acknowledged row is lost')
    noProblems(t, rows.phantom, 'no unacknowledged row')
    printFigures(t, title, {
      'pool before the kill': statusBefore,
      'connections killed': killed,
      'responses of the waiting requests': tally(served),
      'slowest waiting request ms': Number(Math.max(...served.map((result) => result.ms)).toFixed(0)),
      'pool after': leaks.poolStatus,
      'app error log lines': log.errors()
    })
  } finally {
    await app.close().catch(() => undefined)
    await database.drop()
  }
}

/** Two sessions that each hold a connection of the small pool, in an open transaction. */
async function holdEveryConnection (app: FastifyInstance): Promise<Array<ReturnType<FastifyInstance['db']['session']>>> {
  const holders = [app.db.session(), app.db.session()]
  for (const session of holders) {
    await session.begin()
    await readThrough(session)
  }
  return holders
}
