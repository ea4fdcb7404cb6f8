// A throwaway PgBouncer in transaction mode (not a test file itself: tap only runs
// *.test.ts) in front of the shared PostgreSQL that TEST_POSTGRES_URL names: its own ini in
// a temporary folder, a free port of 127.0.0.1, `trust` authentication for the users of its
// userlist. It refuses to run as root, so as root it drops to the `postgres` OS user (-u).
// Stopped and its folder removed when the test ends, or by an exit handler if the process
// dies first. PgBouncer 1.18 (Debian 12) keeps no prepared statement across server
// connections in transaction mode (1.21+ can, with max_prepared_statements).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import type { Test } from 'tap'
import { freePort, HOST } from './private-servers.ts'

export const PGBOUNCER = '/usr/sbin/pgbouncer'
const IS_ROOT = process.getuid?.() === 0

/** A database of the shared server that the tests use through PgBouncer. */
export interface PooledDatabase {
  readonly name: string
  /** Through PgBouncer, with `?pgbouncer=true`. */
  readonly url: string
  /** Through PgBouncer, without the parameter. */
  readonly plainUrl: string
  /** Straight to the server (for checks that must not go through the pooler). */
  readonly directUrl: string
}

export interface PrivatePgbouncer {
  readonly port: number
  /**
   * A fresh, empty database on the shared server, reachable through this PgBouncer under its
   * own name and, when `connectQuery` is given, under `<name>_cq` with that query run on
   * every server connection PgBouncer opens.
   */
  createDatabase (): Promise<PooledDatabase>
  /** `<name>_cq`: the same database, through the alias with the connect query. */
  aliasUrl (database: PooledDatabase): string
  close (): Promise<void>
}

/** Why PgBouncer cannot run here, or undefined when it can. In CI that is an error, never a skip. */
export function pgbouncerUnavailable (): string | undefined {
  let reason: string | undefined
  if (process.env.TEST_POSTGRES_URL === undefined || process.env.TEST_POSTGRES_URL === '') reason = 'set TEST_POSTGRES_URL to run the PgBouncer tests'
  else if (!existsSync(PGBOUNCER)) reason = `the PgBouncer tests need ${PGBOUNCER} (Debian package pgbouncer)`
  if (reason !== undefined && process.env.FASTIFY_ORM_REQUIRE_DATABASES) throw new Error(`${reason} (required in CI)`)
  return reason
}

/**
 * Starts PgBouncer in transaction mode with `poolSize` server connections per database and
 * user, in front of `server` (a superuser URL; default TEST_POSTGRES_URL's server).
 * `connectQuery` is run on the server connections of the `<name>_cq` aliases. Closed when
 * `t` ends (without `t`, by `close()`).
 */
export async function startPrivatePgbouncer (t: Test | undefined, options: { poolSize: number, connectQuery?: string, server?: string }): Promise<PrivatePgbouncer> {
  const server = new URL(options.server ?? process.env.TEST_POSTGRES_URL as string)
  const serverHost = server.hostname
  const serverPort = Number(server.port || 5432)
  const user = decodeURIComponent(server.username || 'postgres')
  const dir = mkdtempSync(join(tmpdir(), 'orm-pgbouncer-'))
  if (IS_ROOT) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dir, uid, gid)
  }
  const port = await freePort()
  const ini = join(dir, 'pgbouncer.ini')
  const log = join(dir, 'pgbouncer.log')
  const databases: string[] = []
  const writeIni = (): void => {
    writeFileSync(ini, [
      '[databases]',
      ...databases,
      '[pgbouncer]',
      `listen_addr = ${HOST}`,
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize}`,
      'max_client_conn = 500',
      `logfile = ${log}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      `admin_users = ${user}`,
      ''
    ].join('\n'))
  }
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`)
  writeIni()

  let child: ChildProcess | undefined = undefined
  const killSync = (): void => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try { process.kill(child.pid, 'SIGKILL') } catch { /* gone */ }
    }
  }
  const onExit = (): void => { killSync(); rmSync(dir, { recursive: true, force: true }) }
  process.on('exit', onExit)
  const tail = (): string => { try { return readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') } catch { return '(no log)' } }

  child = spawn(PGBOUNCER, [...(IS_ROOT ? ['-u', 'postgres'] : []), ini], { stdio: 'ignore' })
  child.on('error', () => {})
  const deadline = Date.now() + 20_000
  while (!await portOpen(port)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`pgbouncer exited while starting (${String(child.exitCode ?? child.signalCode)})\n${tail()}`)
    if (Date.now() > deadline) throw new Error(`pgbouncer did not start within 20 s\n${tail()}`)
    await sleep(50)
  }

  const admin = async (text: string, database = 'postgres'): Promise<void> => {
    const client = new pg.Client({ host: serverHost, port: serverPort, user, database })
    await client.connect()
    try { await client.query(text) } finally { await client.end() }
  }
  const created: string[] = []
  const bouncer: PrivatePgbouncer = {
    port,
    async createDatabase () {
      const name = `orm_pgb_${randomBytes(5).toString('hex')}`
      await admin(`create database ${name}`)
      created.push(name)
      databases.push(`${name} = host=${serverHost} port=${serverPort} dbname=${name}`)
      if (options.connectQuery !== undefined) {
        databases.push(`${name}_cq = host=${serverHost} port=${serverPort} dbname=${name} connect_query='${options.connectQuery.replace(/'/g, "''")}'`)
      }
      writeIni()
      // SIGHUP: PgBouncer reads its ini again, with the new [databases] entries.
      process.kill(child!.pid!, 'SIGHUP')
      await sleep(300)
      return {
        name,
        url: `postgresql://${user}@${HOST}:${port}/${name}?pgbouncer=true`,
        plainUrl: `postgresql://${user}@${HOST}:${port}/${name}`,
        directUrl: `postgresql://${user}@${serverHost}:${serverPort}/${name}`
      }
    },
    aliasUrl (database) {
      return `postgresql://${user}@${HOST}:${port}/${database.name}_cq?pgbouncer=true`
    },
    async close () {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve))
        child.kill('SIGTERM')
        await Promise.race([exited, sleep(5_000)])
        killSync()
      }
      for (const name of created) {
        await admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`).catch(() => undefined)
        await admin(`drop database if exists ${name}`).catch(() => undefined)
      }
      rmSync(dir, { recursive: true, force: true })
      process.off('exit', onExit)
    }
  }
  t?.teardown(() => bouncer.close())
  return bouncer
}

function portOpen (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { socket.destroy(); resolve(false) })
  })
}
