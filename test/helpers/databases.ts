import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { DialectName } from '../../src/config/parse-database-url.ts'

/** A database a test may use on its own: a temp SQLite file, a PostgreSQL schema or a MySQL database. */
export interface TestDatabase {
  readonly dialect: DialectName
  readonly url: string
}

/** A tap test object (the root `t` or a subtest's): tap's full `Test`. */
export type TapTest = Test

/** The dialects these tests run on: SQLite always, the others when their env var is set. */
export const DIALECTS: readonly DialectName[] = ['sqlite', 'postgres', 'mysql']

const ENABLE_HINTS: Record<Exclude<DialectName, 'sqlite'>, string> = {
  postgres: 'set TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test to run the PostgreSQL tests',
  mysql: 'set TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test to run the MySQL tests'
}

/**
 * Runs `fn` once per dialect (all by default), each in its own subtest with a fresh,
 * isolated database that is removed afterwards. Tests in different files never share tables.
 */
export async function eachDb (t: Test, fn: (t: Test, database: TestDatabase) => Promise<void>, dialects: readonly DialectName[] = DIALECTS): Promise<void> {
  for (const dialect of dialects) {
    const database = await createTestDatabase(dialect)
    if (typeof database === 'string') {
      await t.test(dialect, { skip: database }, async () => {})
      continue
    }
    await t.test(dialect, async (t) => {
      t.teardown(database.drop)
      await fn(t, database)
    })
  }
}

/**
 * Makes an isolated database; returns the reason to skip when the dialect's server is not
 * configured. Names are random so that concurrent test files never collide.
 */
export async function createTestDatabase (dialect: DialectName): Promise<(TestDatabase & { drop: () => Promise<void> }) | string> {
  const name = `orm_t_${randomUUID().replace(/-/g, '').slice(0, 12)}`
  if (dialect === 'sqlite') {
    const file = join(tmpdir(), `${name}.db`)
    return {
      dialect,
      url: `sqlite:///${file}`,
      drop: async () => { for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true }) }
    }
  }
  const base = dialect === 'postgres' ? process.env.TEST_POSTGRES_URL : process.env.TEST_MYSQL_URL
  if (!base) {
    // CI sets this: there a missing database is a failure, never a skip.
    if (process.env.FASTIFY_ORM_REQUIRE_DATABASES) throw new Error(`${dialect} is required in CI: ${ENABLE_HINTS[dialect]}`)
    return ENABLE_HINTS[dialect]
  }
  if (dialect === 'postgres' && process.env.TEST_PGBOUNCER === '1') return createPgbouncerDatabase()
  return dialect === 'postgres' ? createPostgresSchema(base, name) : createMysqlDatabase(base, name)
}

/**
 * TEST_PGBOUNCER=1: a new database on TEST_POSTGRES_URL's server, reached through a private
 * PgBouncer in transaction mode (`?pgbouncer=true`), so that a suite runs as an app behind
 * PgBouncer does. PgBouncer refuses libpq's `options`, so a database per test, not a schema.
 */
async function createPgbouncerDatabase (): Promise<TestDatabase & { drop: () => Promise<void> }> {
  const { startPrivatePgbouncer } = await import('./private-pgbouncer.ts')
  const bouncer = await startPrivatePgbouncer(undefined, { poolSize: 4 })
  try {
    const database = await bouncer.createDatabase()
    return { dialect: 'postgres', url: database.url, drop: () => bouncer.close() }
  } catch (error) {
    await bouncer.close()
    throw error
  }
}

async function createPostgresSchema (base: string, schema: string): Promise<TestDatabase & { drop: () => Promise<void> }> {
  const { default: pg } = await import('pg')
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: base })
    await client.connect()
    try { await client.query(sql) } finally { await client.end() }
  }
  await admin(`create schema ${schema}`)
  // libpq's "options" puts every connection of the pool on the test's own schema.
  const url = new URL(base)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return { dialect: 'postgres', url: url.toString(), drop: () => admin(`drop schema if exists ${schema} cascade`) }
}

async function createMysqlDatabase (base: string, database: string): Promise<TestDatabase & { drop: () => Promise<void> }> {
  const { default: mysql } = await import('mysql2/promise')
  const admin = async (sql: string): Promise<void> => {
    const url = new URL(base)
    const connection = await mysql.createConnection({
      host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password)
    })
    try { await connection.query(sql) } finally { await connection.end() }
  }
  await admin(`create database ${database}`)
  const url = new URL(base)
  url.pathname = `/${database}`
  return { dialect: 'mysql', url: url.toString(), drop: () => admin(`drop database if exists ${database}`) }
}
