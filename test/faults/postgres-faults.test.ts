// Fault injection on PostgreSQL: the real example app, listening on a real port, under
// concurrent HTTP reads and writes, while a private PostgreSQL 15 cluster (never the shared
// server) is restarted, has the app's backends terminated, times out idle transactions and
// idle sessions, hangs COMMITs and has them killed; plus pool exhaustion and client aborts.
// A crash of this process (an unhandled 'error' event of a pg client, say) fails the file:
// that is the point. Figures are printed per case as tap comments.
//
//   npm run build && npx tap test/faults/postgres-faults.test.ts
//   npx tap --grep='restart' test/faults/postgres-faults.test.ts    # one case
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { APP_USER, privateServerUnavailable, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-servers.ts'
import { FAULT_TIMING } from './fault-timing.ts'
import {
  runHeldConnectionsKilledCase, runIdlePoolConnectionsClosedCase, runKilledSessionCase, runPoolExhaustionCase
} from './session-and-pool-cases.ts'
import { runClientAbortCase, runFaultCase, runRestartCase } from './under-load-cases.ts'

/** `idle_in_transaction_session_timeout` of the idle-transaction case. */
const IDLE_TRANSACTION_TIMEOUT_MS = 200
/** `idle_session_timeout` of the idle-pool case. */
const IDLE_SESSION_TIMEOUT_MS = 300
/** Rounds of pg_terminate_backend in the terminate case, and the pause between two. */
const TERMINATE_ROUNDS = 5
const TERMINATE_INTERVAL_MS = 300
/** The COMMIT case: how long COMMITs hang (no synchronous standby) while being killed, and how often they are killed. */
const HUNG_COMMIT_PHASE_MS = 2_500
const KILL_HUNG_COMMITS_EVERY_MS = 100

/** Rows grouped by the first word of their statement (INSERT, COMMIT, …). */
function byFirstWord<R> (rows: readonly R[], statementOf: (row: R) => string): Map<string, R[]> {
  const groups = new Map<string, R[]>()
  for (const row of rows) {
    const word = (/^\s*(\w+)/.exec(statementOf(row))?.[1] ?? '?').toUpperCase()
    groups.set(word, [...(groups.get(word) ?? []), row])
  }
  return groups
}

const unavailable = privateServerUnavailable('postgres')
if (unavailable !== undefined) t.plan(0, unavailable)
else defineCases(await startPrivatePostgres(t))

function defineCases (server: PrivatePostgres): void {
  /**
   * ALTER SYSTEM, then reload. pg_reload_conf() only signals the postmaster, which rereads
   * the file a little later: waits until a new session starts with `expected` (the setting
   * as pg_settings shows it, in the setting's base unit), so that the next app's
   * connections have it, and a reset has ended before the next case starts its app.
   */
  async function setSystem (setting: string, value: string | undefined, expected: string): Promise<void> {
    await server.sql(value === undefined ? `alter system reset ${setting}` : `alter system set ${setting} = '${value}'`)
    await server.sql('select pg_reload_conf()')
    let seen: string | undefined
    for (let attempt = 0; attempt < 250; attempt++) {
      seen = (await server.sql<{ setting: string }>(`select setting from pg_settings where name = '${setting}'`))[0]?.setting
      if (seen === expected) return
      await sleep(20)
    }
    throw new Error(`${setting} is still ${String(seen)} in new sessions, not ${expected}, 5 s after pg_reload_conf()`)
  }

  const appOf = (database: string): string => `usename = '${APP_USER}' and datname = '${database}'`

  t.test('1a. pg_ctl restart -m fast under load', async (t) => {
    await runRestartCase(t, server, 'restart -m fast under load', 'fast', 'pg_ctl restart -m fast')
  })

  t.test('1b. pg_ctl restart -m immediate under load', async (t) => {
    await runRestartCase(t, server, 'restart -m immediate under load', 'immediate', 'pg_ctl restart -m immediate')
  })

  t.test('1c. stopped for a second under load, then started', async (t) => {
    await runFaultCase(t, server, 'stop -m fast, 1 s down, start', {
      async inject ({ fault, recovery }) {
        await server.stop({ mode: 'fast' })
        fault('pg_ctl stop -m fast')
        await sleep(1_000) // requests meanwhile meet a refused connection
        await server.start()
        await recovery('start')
        await sleep(FAULT_TIMING.afterFaultMs)
      }
    })
  })

  t.test('2. pg_terminate_backend of the app\'s connections under load', async (t) => {
    await runFaultCase(t, server, 'pg_terminate_backend under load', {
      async inject ({ database, fault, recovery }) {
        for (let i = 0; i < TERMINATE_ROUNDS; i++) {
          fault('backends terminated', await server.terminateBackends(appOf(database.name)))
          await sleep(TERMINATE_INTERVAL_MS)
        }
        await recovery('after the last round')
        await sleep(FAULT_TIMING.afterFaultMs)
      }
    })
  })

  t.test('3a. a checked-out idle connection terminated by the server', async (t) => {
    await runKilledSessionCase(t, server, 'checked-out idle connection terminated', {
      async kill ({ database }) {
        const killed = await server.terminateBackends(`${appOf(database.name)} and state like 'idle in transaction%'`)
        t.equal(killed, 1, 'one backend, idle in transaction, terminated')
      }
    })
  })

  t.test('3b. idle_in_transaction_session_timeout', async (t) => {
    await runKilledSessionCase(t, server, `idle_in_transaction_session_timeout = ${IDLE_TRANSACTION_TIMEOUT_MS}ms`, {
      configure: () => setSystem('idle_in_transaction_session_timeout', `${IDLE_TRANSACTION_TIMEOUT_MS}ms`, String(IDLE_TRANSACTION_TIMEOUT_MS)),
      restore: () => setSystem('idle_in_transaction_session_timeout', undefined, '0'),
      async kill ({ database }) {
        // The server does it: wait well past the timeout, then make sure it happened.
        await sleep(IDLE_TRANSACTION_TIMEOUT_MS * 4)
        const left = await server.sql<{ n: string }>(`select count(*) as n from pg_stat_activity where ${appOf(database.name)} and state like 'idle in transaction%'`)
        t.equal(Number(left[0]?.n), 0, 'the server ended the idle transaction')
      },
      routeWaitMs: IDLE_TRANSACTION_TIMEOUT_MS * 4
    })
  })

  t.test('3c. idle_session_timeout closes idle pooled connections', async (t) => {
    await runIdlePoolConnectionsClosedCase(t, server, `idle_session_timeout = ${IDLE_SESSION_TIMEOUT_MS}ms`, {
      configure: () => setSystem('idle_session_timeout', `${IDLE_SESSION_TIMEOUT_MS}ms`, String(IDLE_SESSION_TIMEOUT_MS)),
      restore: () => setSystem('idle_session_timeout', undefined, '0'),
      waitMs: IDLE_SESSION_TIMEOUT_MS * 4,
      // A reload applies it to open sessions too (from their next statement): set once the
      // app has started, so that a slow start-up (a loaded machine) cannot meet it between its
      // own statements. What is tested is idle pooled connections, closed by the server.
      configureAfterStart: true
    })
  })

  t.test('4. backends killed while their COMMIT is under way', async (t) => {
    // A synchronous standby that never connects makes every COMMIT wait (wait_event SyncRep)
    // after it was written locally: terminating those backends is a COMMIT whose outcome the
    // client cannot know (the row is there, the request failed). Such rows are counted as in
    // doubt; every acknowledged row must be there and nothing else.
    await runFaultCase(t, server, 'terminate during COMMIT', {
      workers: 24,
      mix: { 'create-post': 45, 'create-movie': 30, 'create-user': 5, 'get-movie': 10, 'list-movies': 10 },
      async inject ({ database, fault, recovery }) {
        await setSystem('synchronous_standby_names', 'fault_injection_standby_that_never_comes', 'fault_injection_standby_that_never_comes')
        try {
          const end = Date.now() + HUNG_COMMIT_PHASE_MS
          while (Date.now() < end) {
            await sleep(KILL_HUNG_COMMITS_EVERY_MS)
            const waiting = await server.sql<{ pid: number, query: string }>(
              `select pid, query from pg_stat_activity where ${appOf(database.name)} and wait_event = 'SyncRep'`)
            for (const [statement, pids] of byFirstWord(waiting, (row) => row.query)) {
              const killed = await server.terminateBackends(`pid in (${pids.map((row) => row.pid).join(', ')})`)
              if (killed > 0) fault(`backends terminated while their ${statement} waited to commit`, killed)
            }
          }
        } finally {
          await setSystem('synchronous_standby_names', undefined, '')
        }
        await recovery('commits released')
        await sleep(FAULT_TIMING.afterFaultMs)
      }
    })
  })

  t.test('5a. pool exhaustion, then recovery', async (t) => {
    await runPoolExhaustionCase(t, server, 'pool of 2 held by two transactions')
  })

  t.test('5b. the connections that exhaust the pool are terminated', async (t) => {
    await runHeldConnectionsKilledCase(t, server, 'held connections terminated while requests wait')
  })

  t.test('6. client aborts during commit', async (t) => {
    await runClientAbortCase(t, server, 'client aborts')
  })
}
