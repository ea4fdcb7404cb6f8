// Private database servers that a test may restart, kill or reconfigure without touching
// the shared servers on 5432/3306 (not a test file itself: tap only runs *.test.ts): a
// throwaway PostgreSQL 15 cluster (initdb + pg_ctl) and a throwaway MariaDB
// (mariadb-install-db + mariadbd), each in a fresh temporary folder on a free port of
// 127.0.0.1, removed at the end of the test — and by an exit handler when the test process
// dies (a crash is what the fault tests look for). The fault cases themselves, the app
// they drive and their checks live in test/faults/.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import mysql from 'mysql2/promise'
import pg from 'pg'
import type { Test } from 'tap'
import { FAULT_TIMING } from '../faults/fault-timing.ts'

/** The role the app logs in as (with a password) on the private servers; admin work is done as the superuser. */
export const APP_USER = 'orm_fault_app'

/** The loopback address the private servers (and the apps the fault cases start) listen on. */
export const HOST = '127.0.0.1'
const PG_BIN = '/usr/lib/postgresql/15/bin'
const MARIADBD = '/usr/sbin/mariadbd'
const MARIADB_INSTALL_DB = '/usr/bin/mariadb-install-db'
const HARNESS_APPLICATION_NAME = 'orm_fault_harness'
const execFileAsync = promisify(execFile)
const IS_ROOT = process.getuid?.() === 0

export type StopMode = 'fast' | 'immediate'

/** A database created on a private server for one case, with the URL the app uses. */
export interface AppDatabase {
  readonly name: string
  /** The app's URL: `APP_USER` with a password, on 127.0.0.1 and the private port. */
  readonly url: string
  /** Strings that no response body may contain (host, user, password, database, URL scheme). */
  readonly secrets: readonly string[]
  /** Also forbidden, but only in error bodies (a bare port number could be an id or a year). */
  readonly errorSecrets: readonly string[]
  drop (): Promise<void>
}

/** One connection of the app as the server sees it. */
export interface ServerConnection {
  readonly id: number
  /** PostgreSQL's `state`, or MariaDB's `command` (`Sleep`, `Query`, …). */
  readonly state: string
  /** A transaction is open on it. */
  readonly inTransaction: boolean
  /** Not running a statement. */
  readonly idle: boolean
}

/** What the fault cases need from a private server, whatever its kind. */
export interface PrivateServer {
  readonly dialect: 'postgres' | 'mysql'
  readonly port: number
  /** The superuser's URL (no password). */
  readonly url: string
  /** A fresh database owned by (PostgreSQL) or granted to (MariaDB) the app's user. */
  createDatabase (): Promise<AppDatabase>
  /** Runs one statement as the superuser and returns its rows. */
  sql<R = Record<string, unknown>> (text: string, options?: { database?: string }): Promise<R[]>
  /** An identifier quoted for this server (`"user"` / `` `user` ``). */
  quote (identifier: string): string
  /** The app's connections to `database`. */
  appConnections (database: string): Promise<ServerConnection[]>
  /** Kills the app's connections to `database` that `which` selects (all by default); returns how many. */
  killAppConnections (database: string, which?: (connection: ServerConnection) => boolean): Promise<number>
  /** Stops and starts the server. */
  restart (options?: { mode?: StopMode }): Promise<void>
  stop (options?: { mode?: StopMode }): Promise<void>
  start (): Promise<void>
  /** Stops the server and removes its folder. */
  close (): Promise<void>
}

export interface PrivatePostgres extends PrivateServer {
  readonly dialect: 'postgres'
  /** `pg_terminate_backend` of every client backend but the harness's, narrowed by a SQL condition on pg_stat_activity; returns how many. */
  terminateBackends (filter?: string): Promise<number>
}

export interface PrivateMariadb extends PrivateServer {
  readonly dialect: 'mysql'
  /** `KILL` of every connection but the harness's, narrowed by a SQL condition on information_schema.processlist; returns how many. */
  killConnections (filter?: string): Promise<number>
}

/**
 * Why a private server of `dialect` cannot run here (its programs or OS user are missing),
 * or undefined when it can. In CI (`FASTIFY_ORM_REQUIRE_DATABASES`) that is an error, never a skip.
 */
export function privateServerUnavailable (dialect: 'postgres' | 'mysql'): string | undefined {
  const programs = dialect === 'postgres' ? [`${PG_BIN}/initdb`, `${PG_BIN}/pg_ctl`] : [MARIADB_INSTALL_DB, MARIADBD]
  const osUser = dialect === 'postgres' ? 'postgres' : 'mysql'
  const missing = programs.filter((program) => !existsSync(program))
  let reason: string | undefined
  if (missing.length > 0) reason = `a private ${dialect} server needs ${missing.join(' and ')}`
  else if (IS_ROOT) {
    try { idsOf(osUser) } catch { reason = `a private ${dialect} server runs as the OS user ${osUser}, which does not exist` }
  }
  if (reason !== undefined && process.env.FASTIFY_ORM_REQUIRE_DATABASES) throw new Error(`${reason} (required in CI)`)
  return reason
}

// ---------------------------------------------------------------------------------------
// Cleanup when the process ends, however it ends.
// ---------------------------------------------------------------------------------------

const exitCleanups = new Set<() => void>()
let exitHandlersInstalled = false

function onProcessExit (cleanup: () => void): () => void {
  if (!exitHandlersInstalled) {
    exitHandlersInstalled = true
    const runAll = (): void => {
      for (const fn of [...exitCleanups]) {
        exitCleanups.delete(fn)
        try { fn() } catch { /* best effort: the process is going away */ }
      }
    }
    process.on('exit', runAll)
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        runAll()
        process.kill(process.pid, signal)
      })
    }
  }
  exitCleanups.add(cleanup)
  return () => { exitCleanups.delete(cleanup) }
}

// ---------------------------------------------------------------------------------------
// Small process helpers.
// ---------------------------------------------------------------------------------------

function shellQuote (word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`
}

/** argv run as `user` (through `su` when we are root, as is: otherwise). */
function asUser (user: string, argv: readonly string[]): [string, string[]] {
  if (!IS_ROOT) return [argv[0]!, argv.slice(1)]
  return ['su', [user, '-s', '/bin/bash', '-c', argv.map(shellQuote).join(' ')]]
}

async function run (user: string, argv: readonly string[], timeoutMs = FAULT_TIMING.serverStartTimeoutMs): Promise<string> {
  const [command, args] = asUser(user, argv)
  try {
    const { stdout } = await execFileAsync(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 })
    return stdout
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string, stdout?: string }
    throw new Error(`${argv.join(' ')} failed: ${(error as Error).message}\n${stdout ?? ''}\n${stderr ?? ''}`)
  }
}

function runSync (user: string, argv: readonly string[]): void {
  const [command, args] = asUser(user, argv)
  execFileSync(command, args, { stdio: 'ignore', timeout: 20_000 })
}

function idsOf (user: string): { uid: number, gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', user]).toString().trim()),
    gid: Number(execFileSync('id', ['-g', user]).toString().trim())
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, HOST, () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function portOpen (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { socket.destroy(); resolve(false) })
  })
}

function randomName (prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`
}

function ownedTempDir (prefix: string, owner: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  if (IS_ROOT) {
    const { uid, gid } = idsOf(owner)
    chownSync(dir, uid, gid)
  }
  return dir
}

function tail (file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL.
// ---------------------------------------------------------------------------------------

function postgresServerOptions (port: number, dir: string): string {
  return [
    `-p ${port}`, `-h ${HOST}`, `-k ${dir}`,
    // Fast start, small footprint. fsync=off loses nothing when only the server process dies
    // (the OS keeps the written pages); synchronous_commit stays on, so an acknowledged
    // COMMIT is in the WAL the OS holds even after `pg_ctl stop -m immediate`.
    '-c fsync=off', '-c full_page_writes=off', '-c shared_buffers=16MB', '-c max_connections=80',
    '-c max_wal_size=64MB', '-c log_min_messages=warning', '-c log_line_prefix=%m-%p-'
  ].join(' ')
}

/** Runs one statement as the superuser of the PostgreSQL cluster on `port`, on a connection of its own. */
function superuserSql (port: number): <R = Record<string, unknown>>(text: string, options?: { database?: string }) => Promise<R[]> {
  return async <R = Record<string, unknown>>(text: string, options: { database?: string } = {}): Promise<R[]> => {
    const client = new pg.Client({
      host: HOST, port, user: 'postgres', database: options.database ?? 'postgres',
      application_name: HARNESS_APPLICATION_NAME, connectionTimeoutMillis: 5_000
    })
    // The harness must never be what crashes the process: its own connections may be cut too.
    client.on('error', () => {})
    await client.connect()
    try {
      return (await client.query(text)).rows as R[]
    } finally {
      await client.end().catch(() => undefined)
    }
  }
}

/** A streaming standby of a private PostgreSQL cluster: a read replica. */
export interface PrivateStandby {
  readonly port: number
  /** `url` (an app database's URL on the primary) with the standby's port. */
  urlOf (url: string): string
  /** Runs one statement as the superuser on the standby. */
  sql<R = Record<string, unknown>> (text: string, options?: { database?: string }): Promise<R[]>
  stop (options?: { mode?: StopMode }): Promise<void>
  start (): Promise<void>
  close (): Promise<void>
}

/**
 * A hot standby of `primary` (`pg_basebackup -R`: a copy that streams the primary's WAL
 * and replays it), on its own free port, run as the `postgres` OS user; closed when `t` ends.
 */
export async function startPrivateStandby (primary: PrivatePostgres, t?: Test): Promise<PrivateStandby> {
  const osUser = IS_ROOT ? 'postgres' : (process.env.USER ?? 'postgres')
  const dir = ownedTempDir('orm-standby-pg-', osUser)
  const data = join(dir, 'data')
  const log = join(dir, 'postgres.log')
  const port = await freePort()
  const serverOptions = postgresServerOptions(port, dir)
  const pgCtl = (...args: string[]): string[] => [`${PG_BIN}/pg_ctl`, '-D', data, '-l', log, '-t', String(FAULT_TIMING.serverStartTimeoutMs / 1000), ...args]
  const destroySync = (): void => {
    try { runSync(osUser, [`${PG_BIN}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop']) } catch { /* not running */ }
    rmSync(dir, { recursive: true, force: true })
  }
  const removeExitHandler = onProcessExit(destroySync)
  try {
    await run(osUser, [`${PG_BIN}/pg_basebackup`, '-h', HOST, '-p', String(primary.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'])
    await run(osUser, pgCtl('-w', '-o', serverOptions, 'start'))
  } catch (error) {
    removeExitHandler()
    destroySync()
    throw new Error(`could not start a private PostgreSQL standby: ${(error as Error).message}\n${tail(log)}`)
  }
  const sql = superuserSql(port)
  let closed = false
  const standby: PrivateStandby = {
    port,
    urlOf: (url) => { const parsed = new URL(url); parsed.port = String(port); return parsed.toString() },
    sql,
    async stop ({ mode = 'fast' } = {}) { await run(osUser, pgCtl('-w', '-m', mode, 'stop')) },
    async start () { await run(osUser, pgCtl('-w', '-o', serverOptions, 'start')) },
    async close () {
      if (closed) return
      closed = true
      await run(osUser, pgCtl('-w', '-m', 'fast', 'stop')).catch(() => undefined)
      destroySync()
      removeExitHandler()
    }
  }
  t?.teardown(() => standby.close())
  return standby
}

/**
 * A throwaway PostgreSQL 15 cluster on a free port of 127.0.0.1, run as the `postgres` OS
 * user: trust authentication for the superuser, scram-sha-256 (a real password) for the
 * app's role. Closed when `t` ends, and by an exit handler if the process dies first.
 */
export async function startPrivatePostgres (t?: Test): Promise<PrivatePostgres> {
  const osUser = IS_ROOT ? 'postgres' : (process.env.USER ?? 'postgres')
  const dir = ownedTempDir('orm-fault-pg-', osUser)
  const data = join(dir, 'data')
  const log = join(dir, 'postgres.log')
  const port = await freePort()
  const serverOptions = postgresServerOptions(port, dir)
  const pgCtl = (...args: string[]): string[] => [`${PG_BIN}/pg_ctl`, '-D', data, '-l', log, '-t', String(FAULT_TIMING.serverStartTimeoutMs / 1000), ...args]

  let removeExitHandler = (): void => {}
  const destroySync = (): void => {
    try { runSync(osUser, [`${PG_BIN}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop']) } catch { /* not running */ }
    rmSync(dir, { recursive: true, force: true })
  }
  removeExitHandler = onProcessExit(destroySync)
  try {
    await run(osUser, [`${PG_BIN}/initdb`, '-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'])
    writeFileSync(join(data, 'pg_hba.conf'), [
      'local all all trust',
      // a streaming standby (startPrivateStandby) copies and follows the cluster
      `host replication postgres ${HOST}/32 trust`,
      `host all ${APP_USER} ${HOST}/32 scram-sha-256`,
      `host all all ${HOST}/32 trust`,
      ''
    ].join('\n'))
    if (IS_ROOT) {
      const { uid, gid } = idsOf(osUser)
      chownSync(join(data, 'pg_hba.conf'), uid, gid)
    }
    await run(osUser, pgCtl('-w', '-o', serverOptions, 'start'))
  } catch (error) {
    removeExitHandler()
    destroySync()
    throw new Error(`could not start a private PostgreSQL: ${(error as Error).message}\n${tail(log)}`)
  }

  const url = `postgresql://postgres@${HOST}:${port}/postgres`
  const appPassword = `pw-${randomBytes(8).toString('hex')}`

  const sql = superuserSql(port)
  await sql(`create role ${APP_USER} login password '${appPassword}'`)

  const terminateBackends = async (filter?: string): Promise<number> => {
    const rows = await sql<{ ok: boolean }>(
      'select pg_terminate_backend(pid) as ok from pg_stat_activity ' +
      `where backend_type = 'client backend' and pid <> pg_backend_pid() and coalesce(application_name, '') <> '${HARNESS_APPLICATION_NAME}'` +
      (filter ? ` and (${filter})` : ''))
    return rows.filter((row) => row.ok).length
  }

  const appConnections = async (database: string): Promise<ServerConnection[]> => {
    const rows = await sql<{ pid: number, state: string | null, xact: boolean }>(
      `select pid, state, xact_start is not null as xact from pg_stat_activity where usename = '${APP_USER}' and datname = '${database}'`)
    return rows.map((row) => ({
      id: row.pid,
      state: row.state ?? '',
      inTransaction: row.xact || (row.state ?? '').startsWith('idle in transaction'),
      idle: (row.state ?? '').startsWith('idle')
    }))
  }

  let closed = false
  const server: PrivatePostgres = {
    dialect: 'postgres',
    port,
    url,
    sql,
    quote: (identifier) => `"${identifier}"`,
    terminateBackends,
    appConnections,
    async killAppConnections (database, which = () => true) {
      const targets = (await appConnections(database)).filter(which).map((connection) => connection.id)
      if (targets.length === 0) return 0
      return terminateBackends(`pid in (${targets.join(', ')})`)
    },
    async createDatabase () {
      const name = randomName('ofdb')
      await sql(`create database ${name} owner ${APP_USER}`)
      return {
        name,
        url: `postgresql://${APP_USER}:${appPassword}@${HOST}:${port}/${name}`,
        secrets: [HOST, APP_USER, appPassword, name, 'postgresql://', 'postgres://'],
        errorSecrets: [String(port)],
        drop: async () => {
          await terminateBackends(`datname = '${name}'`).catch(() => 0)
          await sql(`drop database if exists ${name}`).catch(() => undefined)
        }
      }
    },
    async restart ({ mode = 'fast' } = {}) {
      await run(osUser, pgCtl('-w', '-m', mode, '-o', serverOptions, 'restart'))
    },
    async stop ({ mode = 'fast' } = {}) {
      await run(osUser, pgCtl('-w', '-m', mode, 'stop'))
    },
    async start () {
      await run(osUser, pgCtl('-w', '-o', serverOptions, 'start'))
    },
    async close () {
      if (closed) return
      closed = true
      // The exit handler stays until the folder is gone: the process may end during this await
      // (tap ends a test process that had an uncaught exception while its teardown runs).
      await run(osUser, pgCtl('-w', '-m', 'fast', 'stop')).catch(() => undefined)
      destroySync()
      removeExitHandler()
    }
  }
  t?.teardown(() => server.close())
  return server
}

// ---------------------------------------------------------------------------------------
// MariaDB.
// ---------------------------------------------------------------------------------------

/**
 * A throwaway MariaDB on a free port of 127.0.0.1 (`mariadb-install-db` into a temporary
 * folder, then `mariadbd --no-defaults` as the `mysql` OS user): root without a password
 * for the harness, `APP_USER` with a password for the app. `stop({ mode: 'fast' })` is
 * SIGTERM (a clean shutdown), `'immediate'` is SIGKILL (crash recovery at the next start).
 */
export async function startPrivateMariadb (t?: Test): Promise<PrivateMariadb> {
  const osUser = IS_ROOT ? 'mysql' : (process.env.USER ?? 'mysql')
  const dir = ownedTempDir('orm-fault-my-', osUser)
  const data = join(dir, 'data')
  const errorLog = join(dir, 'mariadb.err')
  const port = await freePort()
  const args = [
    '--no-defaults', `--datadir=${data}`, `--port=${port}`, `--socket=${join(dir, 'sock')}`,
    `--bind-address=${HOST}`, `--pid-file=${join(dir, 'mariadb.pid')}`, `--log-error=${errorLog}`,
    ...(IS_ROOT ? [`--user=${osUser}`] : []),
    '--skip-name-resolve', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci',
    // Small and quick. flush_log_at_trx_commit=2 writes the log at every COMMIT (so a killed
    // mariadbd loses no acknowledged transaction: the OS keeps it) without an fsync.
    '--innodb-buffer-pool-size=32M', '--innodb-log-file-size=16M', '--innodb-flush-log-at-trx-commit=2',
    '--performance-schema=OFF', '--max-connections=100',
    // A binary log, so that semi-synchronous replication can make COMMITs wait (the COMMIT case).
    '--log-bin=mariadb-bin', '--server-id=1'
  ]
  let child: ChildProcess | undefined

  const killSync = (): void => {
    const pid = child?.pid
    if (pid === undefined || child?.exitCode !== null || child.signalCode !== null) return
    try { process.kill(pid, 'SIGKILL') } catch { return }
    // Wait (bounded) for the process to be gone or a zombie, so its folder can be removed.
    try {
      execFileSync('bash', ['-c', `for i in $(seq 1 60); do if [ ! -d /proc/${pid} ] || grep -q '^State:.*Z' /proc/${pid}/status 2>/dev/null; then exit 0; fi; sleep 0.05; done`], { stdio: 'ignore' })
    } catch { /* best effort */ }
  }
  const destroySync = (): void => {
    killSync()
    rmSync(dir, { recursive: true, force: true })
  }
  const removeExitHandler = onProcessExit(destroySync)

  const exited = (): boolean => child === undefined || child.exitCode !== null || child.signalCode !== null

  const waitForExit = async (timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs
    while (!exited()) {
      if (Date.now() > deadline) return false
      await sleep(20) // a timer keeps the event loop alive while we wait (the child is unref'd)
    }
    return true
  }

  const rootConnection = async (database?: string): Promise<mysql.Connection> => {
    const connection = await mysql.createConnection({ host: HOST, port, user: 'root', database, connectTimeout: 5_000 })
    // The harness must never be what crashes the process: its own connections may be cut too.
    connection.on('error', () => {})
    return connection
  }

  const start = async (): Promise<void> => {
    if (!exited()) throw new Error('the private MariaDB is already running')
    child = spawn(MARIADBD, args, { stdio: 'ignore' })
    child.unref()
    child.on('error', () => {})
    const deadline = Date.now() + FAULT_TIMING.serverStartTimeoutMs
    for (;;) {
      if (exited()) throw new Error(`mariadbd exited while starting (${String(child.exitCode ?? child.signalCode)})\n${tail(errorLog)}`)
      if (await portOpen(port)) {
        try {
          const connection = await rootConnection()
          await connection.query('select 1')
          await connection.end()
          return
        } catch { /* not ready yet */ }
      }
      if (Date.now() > deadline) throw new Error(`mariadbd did not start within ${FAULT_TIMING.serverStartTimeoutMs} ms\n${tail(errorLog)}`)
      await sleep(50)
    }
  }

  const stop = async ({ mode = 'fast' }: { mode?: StopMode } = {}): Promise<void> => {
    if (exited()) return
    child!.kill(mode === 'fast' ? 'SIGTERM' : 'SIGKILL')
    if (!await waitForExit(FAULT_TIMING.serverStartTimeoutMs)) {
      child!.kill('SIGKILL')
      await waitForExit(5_000)
    }
  }

  try {
    await run('root', [MARIADB_INSTALL_DB, '--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal',
      ...(IS_ROOT ? [`--user=${osUser}`] : []), '--skip-test-db'])
    await start()
  } catch (error) {
    removeExitHandler()
    destroySync()
    throw new Error(`could not start a private MariaDB: ${(error as Error).message}`)
  }

  const url = `mysql://root@${HOST}:${port}/mysql`
  const appPassword = `pw-${randomBytes(8).toString('hex')}`

  const sql = async <R = Record<string, unknown>>(text: string, options: { database?: string } = {}): Promise<R[]> => {
    const connection = await rootConnection(options.database)
    try {
      const [rows] = await connection.query(text)
      return (Array.isArray(rows) ? rows : []) as R[]
    } finally {
      await connection.end().catch(() => undefined)
    }
  }
  await sql(`create user '${APP_USER}'@'${HOST}' identified by '${appPassword}'`)

  const killConnections = async (filter?: string): Promise<number> => {
    const connection = await rootConnection()
    try {
      const [rows] = await connection.query(
        `select id from information_schema.processlist where id <> connection_id() and command <> 'Daemon' and user <> 'system user'${filter ? ` and (${filter})` : ''}`)
      let killed = 0
      for (const { id } of rows as Array<{ id: number }>) {
        try {
          await connection.query(`kill connection ${Number(id)}`)
          killed++
        } catch { /* gone already */ }
      }
      return killed
    } finally {
      await connection.end().catch(() => undefined)
    }
  }

  const appConnections = async (database: string): Promise<ServerConnection[]> => {
    const rows = await sql<{ id: number, command: string, trx: number | null }>(
      'select p.id as id, p.command as command, t.trx_id is not null as trx from information_schema.processlist p ' +
      `left join information_schema.innodb_trx t on t.trx_mysql_thread_id = p.id where p.user = '${APP_USER}' and p.db = '${database}'`)
    return rows.map((row) => ({
      id: Number(row.id),
      state: row.command,
      inTransaction: Number(row.trx) === 1,
      idle: row.command === 'Sleep'
    }))
  }

  let closed = false
  const server: PrivateMariadb = {
    dialect: 'mysql',
    port,
    url,
    sql,
    quote: (identifier) => `\`${identifier}\``,
    killConnections,
    appConnections,
    async killAppConnections (database, which = () => true) {
      const targets = (await appConnections(database)).filter(which).map((connection) => connection.id)
      if (targets.length === 0) return 0
      return killConnections(`id in (${targets.join(', ')})`)
    },
    async createDatabase () {
      const name = randomName('ofdb')
      await sql(`create database ${name}`)
      await sql(`grant all privileges on ${name}.* to '${APP_USER}'@'${HOST}'`)
      return {
        name,
        url: `mysql://${APP_USER}:${appPassword}@${HOST}:${port}/${name}`,
        secrets: [HOST, APP_USER, appPassword, name, 'mysql://', 'mariadb://'],
        errorSecrets: [String(port)],
        drop: async () => {
          await killConnections(`db = '${name}'`).catch(() => 0)
          await sql(`drop database if exists ${name}`).catch(() => undefined)
        }
      }
    },
    async restart ({ mode = 'fast' } = {}) {
      await stop({ mode })
      await start()
    },
    stop,
    start,
    async close () {
      if (closed) return
      closed = true
      // The exit handler stays until the folder is gone (the process may end during this await).
      await stop({ mode: 'fast' }).catch(() => undefined)
      destroySync()
      removeExitHandler()
    }
  }
  t?.teardown(() => server.close())
  return server
}
