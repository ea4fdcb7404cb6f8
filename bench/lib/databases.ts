import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import type { FastifyOrmOptions } from 'fastify-orm'

export type DialectName = 'postgres' | 'sqlite'

/** Where a benchmark's data lives. Plain data: it is passed to child server processes. */
export type Target =
  | { readonly dialect: 'postgres', readonly url: string }
  | { readonly dialect: 'sqlite', readonly url: string, readonly filename: string }

/** Every variant gets the same pool size. */
export const POOL_MAX = 10

/**
 * The PostgreSQL schema that holds all bench tables; dropped (cascade) after the run. One per
 * bench process, so that two runs on a shared database do not drop each other's tables.
 */
const PG_SCHEMA = `fastify_orm_bench_${process.pid}`

/**
 * Creates an empty bench database: a fresh schema on PostgreSQL (put first on the
 * search_path through the URL, so queries name tables unqualified) or a temp SQLite file.
 * `dispose` removes it. `schema` defaults to this process's bench schema.
 */
export async function prepareTarget (dialect: DialectName, postgresUrl: string, schema = PG_SCHEMA): Promise<{ target: Target, dispose: () => Promise<void> }> {
  if (dialect === 'postgres') {
    const admin = new pg.Pool({ connectionString: postgresUrl, max: 1 })
    await admin.query(`drop schema if exists ${schema} cascade; create schema ${schema}`)
    const separator = postgresUrl.includes('?') ? '&' : '?'
    const url = `${postgresUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`
    return {
      target: { dialect, url },
      dispose: async () => {
        try {
          await admin.query(`drop schema if exists ${schema} cascade`)
        } finally {
          await admin.end()
        }
      }
    }
  }
  const directory = await mkdtemp(join(tmpdir(), 'fastify-orm-bench-'))
  const filename = join(directory, 'bench.db')
  openSqlite(filename).close()
  return {
    target: { dialect, url: `sqlite:///${filename}`, filename },
    dispose: () => rm(directory, { recursive: true, force: true })
  }
}

/**
 * Gathers planner statistics after seeding, as autovacuum would on a real database: without
 * them PostgreSQL plans from guesses (e.g. sorting a whole table for a deep OFFSET), which
 * a generic plan of a prepared statement escapes and a one-off plan does not, so the
 * variants would be compared on accidents of planning rather than on their own work.
 */
export async function analyzeTables (target: Target): Promise<void> {
  if (target.dialect === 'sqlite') {
    const database = openSqlite(target.filename)
    try { database.exec('analyze') } finally { database.close() }
    return
  }
  const pool = openPgPool(target.url)
  try {
    const { rows } = await pool.query<{ tablename: string }>('select tablename from pg_tables where schemaname = current_schema()')
    for (const { tablename } of rows) await pool.query(`analyze "${tablename}"`)
  } finally {
    await pool.end()
  }
}

/**
 * The fastify-orm plugin options for a target: as in production (`NODE_ENV=production`),
 * without query records or N+1 counting, whatever NODE_ENV the bench runs under.
 */
export function ormOptions (target: Target): FastifyOrmOptions {
  return { url: target.url, echo: false, recordQueries: false, nPlusOne: false, pool: { max: POOL_MAX } }
}

export function openPgPool (url: string): pg.Pool {
  return new pg.Pool({ connectionString: url, max: POOL_MAX })
}

/** better-sqlite3 with the pragmas fastify-orm sets, so every variant reads the same way. */
export function openSqlite (filename: string): Database.Database {
  const database = new Database(filename)
  database.pragma('journal_mode = WAL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 5000')
  return database
}

/** A hand-written Kysely instance, as an app without fastify-orm would create it. */
export function plainKysely<DB> (target: Target): Kysely<DB> {
  const dialect = target.dialect === 'postgres'
    ? new PostgresDialect({ pool: openPgPool(target.url) })
    : new SqliteDialect({ database: openSqlite(target.filename) })
  return new Kysely<DB>({ dialect })
}
