// The fault cases run under concurrent HTTP load (not a test file itself: tap only runs
// *.test.ts): `runFaultCase` keeps the example app busy while the test file's `inject`
// breaks the private server (restarts, killed connections, hung COMMITs), and
// `runClientAbortCase` has the client abort hundreds of writes mid-flight. Both then check
// every response, recovery, leaks and the committed rows.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { AppDatabase, PrivateServer, StopMode } from '../helpers/private-servers.ts'
import { noProblems, printFigures, responseProblems, serverReplyProblems, settle, tally, verifyRows } from './checks.ts'
import { CLIENT_ABORTS, FAULT_TIMING } from './fault-timing.ts'
import { HttpLoad, type HttpResult, type Operation } from './http-load.ts'
import { startExampleApp } from './instrumented-app.ts'

// ---------------------------------------------------------------------------------------
// A fault case under load.
// ---------------------------------------------------------------------------------------

/** What a case's `inject` gets: the running app and load, and a way to count faults and recoveries. */
export interface FaultContext {
  readonly server: PrivateServer
  readonly database: AppDatabase
  readonly app: FastifyInstance
  readonly load: HttpLoad
  /** Counts `count` faults of this kind (for the figures). */
  fault (description: string, count?: number): void
  /** Measures (and records) how long the app takes from now to serve a read and a write. */
  recovery (label: string): Promise<number>
}

export interface FaultCaseOptions {
  /** Load workers (concurrent requests). */
  workers?: number
  mix?: Partial<Record<Operation, number>>
  /** The faults, injected while the load runs (after `FAULT_TIMING.warmupMs`). */
  inject (context: FaultContext): Promise<void>
}

/**
 * Runs the example app on a fresh database of `server` under concurrent HTTP load, lets
 * `inject` break things, then checks: the process is alive, every response is a JSON
 * success or a clean JSON error, the app recovered within `FAULT_TIMING.recoveryLimitMs`
 * of each recovery point, no connection is held, and the committed rows are exactly the
 * acknowledged ones. Prints the figures.
 */
/** The server restarted twice under load (`mode`: a clean shutdown or a kill), recovery measured after each. */
export async function runRestartCase (t: Test, server: PrivateServer, title: string, mode: StopMode, fault: string): Promise<void> {
  await runFaultCase(t, server, title, {
    async inject (context) {
      for (let i = 0; i < 2; i++) {
        await server.restart({ mode })
        context.fault(fault)
        await context.recovery(`restart ${i + 1}`)
        await sleep(FAULT_TIMING.afterFaultMs)
      }
    }
  })
}

export async function runFaultCase (t: Test, server: PrivateServer, title: string, options: FaultCaseOptions): Promise<void> {
  const database = await server.createDatabase()
  const { app, baseUrl, log, serverLog } = await startExampleApp(database)
  const faults: Record<string, number> = {}
  const recoveries: Record<string, number> = {}
  const load = new HttpLoad(baseUrl, options.mix)
  const started = performance.now()
  try {
    await load.seed()
    load.start(options.workers ?? 16)
    await sleep(FAULT_TIMING.warmupMs)
    try {
      await options.inject({
        server,
        database,
        app,
        load,
        fault: (description, count = 1) => { faults[description] = (faults[description] ?? 0) + count },
        recovery: async (label) => {
          const seconds = await load.measureRecovery()
          recoveries[label] = seconds
          return seconds
        }
      })
    } finally {
      await load.stop()
    }
    const leaks = await settle(app, server, database, serverLog)
    const rows = await verifyRows(load, server, database, serverLog)
    const problems = load.results.flatMap((result) => responseProblems(result, database))

    printFigures(t, title, {
      'faults injected': faults,
      requests: load.results.length,
      'responses by status and code': tally(load.results),
      'recovery seconds (read and write served after the database is back)': Object.fromEntries(Object.entries(recoveries).map(([label, s]) => [label, Number.isFinite(s) ? Number(s.toFixed(3)) : 'never'])),
      'rows acknowledged (201)': rows.acknowledged,
      'rows found': rows.found,
      'rows lost (acknowledged, absent)': rows.lost.length,
      'rows in doubt (503 or no response, present)': rows.inDoubt.length,
      'rows without acknowledgement (phantom)': rows.phantom.length,
      'rows stored twice': rows.duplicates.length,
      'pool after the load': leaks.poolStatus,
      'open transactions on the server after the load': leaks.openTransactionsOnServer,
      'app error log lines': log.errors(),
      seconds: Number(((performance.now() - started) / 1000).toFixed(1))
    })

    t.comment(`the process is alive after ${Object.values(faults).reduce((a, b) => a + b, 0)} faults`)
    t.ok(Object.keys(faults).length > 0, 'faults were injected')
    noProblems(t, problems, `all ${load.results.length} responses are JSON successes or clean JSON errors`)
    t.ok(load.results.some((result) => result.status !== undefined && result.status < 300), 'some requests succeeded')
    for (const [label, seconds] of Object.entries(recoveries)) {
      t.ok(seconds <= FAULT_TIMING.recoveryLimitMs / 1000, `${label}: the app served a read and a write ${Number.isFinite(seconds) ? `${seconds.toFixed(2)} s` : 'never'} after (limit ${FAULT_TIMING.recoveryLimitMs / 1000} s)`)
    }
    t.strictSame({ inUse: leaks.poolStatus.inUse, waiting: leaks.poolStatus.waiting }, { inUse: 0, waiting: 0 }, 'no connection is checked out once the load stopped')
    t.equal(leaks.openTransactionsOnServer, 0, 'no transaction of the app stays open on the server')
    noProblems(t, leaks.unanswered, 'every request whose handler ran was answered')
    noProblems(t, rows.lost, 'no acknowledged row is lost')
    noProblems(t, rows.phantom, 'no row exists for a request that was not acknowledged (except when COMMIT\'s outcome was unknown)')
    noProblems(t, rows.partialPosts, 'every post was committed with its tags, or not at all')
    noProblems(t, rows.acknowledgedWithoutId, 'no 201 without an id')
    noProblems(t, rows.duplicates, 'no write was stored twice (writes are never retried)')
    if (rows.inDoubt.length > 0) t.comment(`   in doubt: ${rows.inDoubt.slice(0, 10).join(', ')}`)
  } finally {
    await app.close().catch(() => undefined)
    await database.drop()
  }
}

// ---------------------------------------------------------------------------------------
// Client aborts.
// ---------------------------------------------------------------------------------------

/**
 * Hundreds of POSTs (single-INSERT movies, multi-statement posts) aborted by the client
 * after a random few milliseconds — many while their INSERT or COMMIT is under way. The rows
 * in the database must be exactly those the server acknowledged with 201 (whether or not
 * the client was still there to read it), no 201 may carry a null id, no connection may be
 * left checked out, and the app must serve normally afterwards.
 */
export async function runClientAbortCase (t: Test, server: PrivateServer, title: string): Promise<void> {
  const database = await server.createDatabase()
  const { app, baseUrl, log, serverLog } = await startExampleApp(database)
  const load = new HttpLoad(baseUrl)
  try {
    await load.seed(3, 1)
    // abortAfterMs: the delay of each write's abort, or undefined for a write the client waits for.
    const writeConcurrently = async (count: number, abortAfterMs: (() => number | undefined) | undefined): Promise<HttpResult[]> => {
      const before = load.results.length
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < count) {
          const n = next++
          const op = n % 5 < 3 ? 'create-movie' : 'create-post'
          const delay = abortAfterMs?.()
          if (delay === undefined) {
            await load.perform(op)
            continue
          }
          const controller = new AbortController()
          const timer = setTimeout(() => controller.abort(), delay)
          await load.perform(op, controller.signal)
          clearTimeout(timer)
        }
      }
      await Promise.all(Array.from({ length: CLIENT_ABORTS.concurrency }, worker))
      return load.results.slice(before)
    }
    const phases: Record<string, number> = {}
    let phaseStart = performance.now()
    const phase = (name: string): void => {
      phases[name] = Number(((performance.now() - phaseStart) / 1000).toFixed(2))
      phaseStart = performance.now()
    }
    const calibration = await writeConcurrently(CLIENT_ABORTS.calibration, undefined)
    phase('calibration')
    const latencies = calibration.map((result) => result.ms).sort((a, b) => a - b)
    const median = latencies[Math.floor(latencies.length / 2)] ?? 10
    const maxDelayMs = Math.max(2, CLIENT_ABORTS.delayFactor * median)
    const repliesBefore = serverLog.replies.length
    // Aborted requests keep the server busy after the client left, so the writes of this phase
    // are slower than the calibration's: on a slow machine every timer could fire first. Some
    // writes the client waits for make sure the phase also mixes in completed ones.
    const writes = await writeConcurrently(CLIENT_ABORTS.requests, () => Math.random() < CLIENT_ABORTS.waitedFor ? undefined : Math.random() * maxDelayMs)
    phase('aborted writes')
    const leaks = await settle(app, server, database, serverLog)
    phase('settle')
    const abortPhaseReplies = serverLog.replies.slice(repliesBefore)
    const serverTally: Record<string, number> = {}
    for (const reply of abortPhaseReplies) {
      let code = ''
      try { code = String((JSON.parse(reply.payload) as { code?: unknown }).code ?? '') } catch { /* not JSON */ }
      const label = `${reply.statusCode}${code ? ` ${code}` : ''}`
      serverTally[label] = (serverTally[label] ?? 0) + 1
    }
    const recovery = await load.measureRecovery()
    const rows = await verifyRows(load, server, database, serverLog)

    t.comment('the process is alive')
    noProblems(t, writes.flatMap((result) => responseProblems(result, database)), 'every response the client read is a JSON success or a clean JSON error')
    t.ok(writes.some((result) => result.aborted), 'some requests were aborted')
    t.ok(writes.some((result) => result.status === 201), 'some requests completed')
    noProblems(t, leaks.unanswered, 'every request whose handler ran got a reply from the server')
    noProblems(t, abortPhaseReplies.flatMap((reply) => serverReplyProblems(reply, database)),
      'every reply the server sent (read by the client or not) is a 201 with an id or a clean JSON error')
    t.strictSame({ inUse: leaks.poolStatus.inUse, waiting: leaks.poolStatus.waiting }, { inUse: 0, waiting: 0 }, 'no connection is checked out')
    t.equal(leaks.openTransactionsOnServer, 0, 'no transaction stays open on the server')
    noProblems(t, rows.acknowledgedWithoutId, 'no 201 carries a null id')
    noProblems(t, rows.lost, 'no acknowledged row is lost')
    noProblems(t, [...rows.phantom, ...rows.inDoubt], 'no row exists that the server did not acknowledge with 201')
    noProblems(t, rows.partialPosts, 'every post was committed with its tags, or not at all')
    noProblems(t, rows.duplicates, 'no write was stored twice')
    t.ok(recovery <= FAULT_TIMING.recoveryLimitMs / 1000, `the app serves a read and a write afterwards (${recovery.toFixed(3)} s)`)
    noProblems(t, calibration.flatMap((result) => responseProblems(result, database)), 'the calibration writes (no aborts) succeed')
    printFigures(t, title, {
      'calibration writes (no abort)': `${calibration.length}, median ${median.toFixed(1)} ms, ${JSON.stringify(tally(calibration))}`,
      'abort delays ms': `0 to ${maxDelayMs.toFixed(1)}`,
      'writes sent (abort timer on all but the waited-for share)': `${writes.length}, ${CLIENT_ABORTS.waitedFor * 100} % waited for`,
      'client saw': tally(writes),
      'server replied to them (handler ran)': serverTally,
      'rows acknowledged (server or client 201)': rows.acknowledged,
      'rows found': rows.found,
      'rows lost / unacknowledged': `${rows.lost.length} / ${rows.phantom.length + rows.inDoubt.length}`,
      'pool after': leaks.poolStatus,
      'seconds per phase': phases,
      'app error log lines': log.errors()
    })
  } finally {
    await app.close().catch(() => undefined)
    await database.drop()
  }
}
