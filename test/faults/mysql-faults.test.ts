// Fault injection on MariaDB: the real example app, listening on a real port, under
// concurrent HTTP reads and writes, while a private MariaDB (never the shared server) is
// restarted (SIGTERM or SIGKILL), has the app's connections KILLed, times out idle
// transactions and idle connections, and has COMMITs killed while they wait; plus pool
// exhaustion and client aborts. A crash of this process fails the file: that is the point.
// Figures are printed per case as tap comments.
//
//   npm run build && npx tap test/faults/mysql-faults.test.ts
//   npx tap --grep='KILL' test/faults/mysql-faults.test.ts    # one case
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { APP_USER, privateServerUnavailable, startPrivateMariadb, type PrivateMariadb } from '../helpers/private-servers.ts'
import { FAULT_TIMING } from './fault-timing.ts'
import {
  runHeldConnectionsKilledCase, runIdlePoolConnectionsClosedCase, runKilledSessionCase, runPoolExhaustionCase
} from './session-and-pool-cases.ts'
import { runClientAbortCase, runFaultCase, runRestartCase } from './under-load-cases.ts'

/** `idle_transaction_timeout` of the idle-transaction case (MariaDB counts whole seconds). */
const IDLE_TRANSACTION_TIMEOUT_S = 1
/** `wait_timeout` of the idle-pool case (seconds). */
const WAIT_TIMEOUT_S = 1
/** Waiting this many times a server timeout makes sure it struck. */
const PAST_TIMEOUT = 2.5
/** Rounds of KILL in the kill case, and the pause between two. */
const KILL_ROUNDS = 5
const KILL_INTERVAL_MS = 300
/** The COMMIT case: how long COMMITs wait for a semi-sync replica that never comes while being killed, and how often they are killed. */
const HUNG_COMMIT_PHASE_MS = 2_500
const KILL_HUNG_COMMITS_EVERY_MS = 100
/** MariaDB's defaults, restored after the timeout cases. */
const DEFAULT_WAIT_TIMEOUT_S = 28_800

/** Rows grouped by the first word of their statement (INSERT, COMMIT, …). */
function byFirstWord<R> (rows: readonly R[], statementOf: (row: R) => string): Map<string, R[]> {
  const groups = new Map<string, R[]>()
  for (const row of rows) {
    const word = (/^\s*(\w+)/.exec(statementOf(row))?.[1] ?? '?').toUpperCase()
    groups.set(word, [...(groups.get(word) ?? []), row])
  }
  return groups
}

const unavailable = privateServerUnavailable('mysql')
if (unavailable !== undefined) t.plan(0, unavailable)
else defineCases(await startPrivateMariadb(t))

function defineCases (server: PrivateMariadb): void {
  const appOf = (database: string): string => `user = '${APP_USER}' and db = '${database}'`

  t.test('1a. clean shutdown (SIGTERM) and start under load', async (t) => {
    await runRestartCase(t, server, 'restart (SIGTERM) under load', 'fast', 'mariadbd restarted after SIGTERM')
  })

  t.test('1b. SIGKILL and start under load', async (t) => {
    await runRestartCase(t, server, 'restart (SIGKILL) under load', 'immediate', 'mariadbd restarted after SIGKILL')
  })

  t.test('1c. stopped for a second under load, then started', async (t) => {
    await runFaultCase(t, server, 'SIGTERM, 1 s down, start', {
      async inject ({ fault, recovery }) {
        await server.stop({ mode: 'fast' })
        fault('mariadbd stopped')
        await sleep(1_000) // requests meanwhile meet a refused connection
        await server.start()
        await recovery('start')
        await sleep(FAULT_TIMING.afterFaultMs)
      }
    })
  })

  t.test('2. KILL of the app\'s connections under load', async (t) => {
    await runFaultCase(t, server, 'KILL CONNECTION under load', {
      async inject ({ database, fault, recovery }) {
        for (let i = 0; i < KILL_ROUNDS; i++) {
          fault('connections killed', await server.killConnections(appOf(database.name)))
          await sleep(KILL_INTERVAL_MS)
        }
        await recovery('after the last round')
        await sleep(FAULT_TIMING.afterFaultMs)
      }
    })
  })

  t.test('3a. a checked-out idle connection killed by the server', async (t) => {
    await runKilledSessionCase(t, server, 'checked-out idle connection killed', {
      async kill ({ database }) {
        const killed = await server.killAppConnections(database.name, (connection) => connection.inTransaction)
        t.equal(killed, 1, 'one connection, idle in a transaction, killed')
      }
    })
  })

  t.test('3b. idle_transaction_timeout', async (t) => {
    const waitMs = IDLE_TRANSACTION_TIMEOUT_S * 1000 * PAST_TIMEOUT
    await runKilledSessionCase(t, server, `idle_transaction_timeout = ${IDLE_TRANSACTION_TIMEOUT_S}s`, {
      // Sessions take the global value when they connect: set before the app starts.
      configure: async () => { await server.sql(`set global idle_transaction_timeout = ${IDLE_TRANSACTION_TIMEOUT_S}`) },
      restore: async () => { await server.sql('set global idle_transaction_timeout = 0') },
      async kill ({ database }) {
        await sleep(waitMs)
        const left = (await server.appConnections(database.name)).filter((connection) => connection.inTransaction)
        t.equal(left.length, 0, 'the server ended the idle transaction')
      },
      routeWaitMs: waitMs
    })
  })

  t.test('3c. wait_timeout closes idle pooled connections', async (t) => {
    await runIdlePoolConnectionsClosedCase(t, server, `wait_timeout = ${WAIT_TIMEOUT_S}s`, {
      configure: async () => { await server.sql(`set global wait_timeout = ${WAIT_TIMEOUT_S}`) },
      restore: async () => { await server.sql(`set global wait_timeout = ${DEFAULT_WAIT_TIMEOUT_S}`) },
      waitMs: WAIT_TIMEOUT_S * 1000 * PAST_TIMEOUT
    })
  })

  t.test('4. connections killed while their COMMIT is under way', async (t) => {
    // Semi-synchronous replication with no replica makes every COMMIT wait ("Waiting for
    // semi-sync ACK from slave") after the engine committed it: killing those connections is
    // a COMMIT whose outcome the client cannot know (the row is there, the request failed).
    // Such rows are counted as in doubt; every acknowledged row must be there and nothing else.
    await runFaultCase(t, server, 'KILL during COMMIT', {
      workers: 24,
      mix: { 'create-post': 45, 'create-movie': 30, 'create-user': 5, 'get-movie': 10, 'list-movies': 10 },
      async inject ({ database, fault, recovery }) {
        await server.sql(`set global rpl_semi_sync_master_timeout = ${HUNG_COMMIT_PHASE_MS * 20}`)
        await server.sql('set global rpl_semi_sync_master_enabled = ON')
        try {
          const end = Date.now() + HUNG_COMMIT_PHASE_MS
          while (Date.now() < end) {
            await sleep(KILL_HUNG_COMMITS_EVERY_MS)
            const waiting = await server.sql<{ id: number, info: string | null }>(
              `select id, info from information_schema.processlist where ${appOf(database.name)} and state like 'Waiting for semi-sync%'`)
            for (const [statement, rows] of byFirstWord(waiting, (row) => row.info ?? '')) {
              const killed = await server.killConnections(`id in (${rows.map((row) => Number(row.id)).join(', ')})`)
              if (killed > 0) fault(`connections killed while their ${statement} waited to commit`, killed)
            }
          }
        } finally {
          await server.sql('set global rpl_semi_sync_master_enabled = OFF')
        }
        await recovery('commits released')
        await sleep(FAULT_TIMING.afterFaultMs)
      }
    })
  })

  t.test('5a. pool exhaustion, then recovery', async (t) => {
    await runPoolExhaustionCase(t, server, 'pool of 2 held by two transactions')
  })

  t.test('5b. the connections that exhaust the pool are killed', async (t) => {
    await runHeldConnectionsKilledCase(t, server, 'held connections killed while requests wait')
  })

  t.test('6. client aborts during commit', async (t) => {
    await runClientAbortCase(t, server, 'client aborts')
  })
}
