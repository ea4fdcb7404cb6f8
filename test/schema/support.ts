// Shared by the schema and model tests (not a test file itself: tap only runs *.test.ts).
import Fastify, { type FastifyInstance } from 'fastify'
import { sql, type Kysely } from 'kysely'
import type { Test } from 'tap'
import fastifyOrm, { type DialectName, type FastifyOrmOptions } from '../../src/index.ts'
import { eachDatabase, type TestDatabase } from '../helpers/databases.ts'

export type { TestDatabase }

/** `eachDatabase` with tap's full test type. */
export function eachDb (t: Test, fn: (t: Test, db: TestDatabase) => Promise<void>, dialects?: readonly DialectName[]): Promise<void> {
  return eachDatabase(t, (tt, db) => fn(tt as unknown as Test, db), dialects)
}

/** A ready Fastify app with fastify-orm on `db`, closed at the end of the test. */
export async function buildApp (t: Test, db: TestDatabase, options: Omit<FastifyOrmOptions, 'url'> = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  await app.register(fastifyOrm, { url: db.url, ...options })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

/** The app's Kysely without the registered database type, for catalog queries and raw tables. */
export function untyped (app: FastifyInstance): Kysely<unknown> {
  return app.db.kysely as Kysely<unknown>
}

/** Which server a `mysql` URL reached: the catalogs of MariaDB and MySQL differ in details. */
export async function mysqlFlavor (db: Kysely<unknown>): Promise<'mariadb' | 'mysql'> {
  const { rows } = await sql<{ version: string }>`select version() as version`.execute(db)
  return /mariadb/i.test(rows[0]?.version ?? '') ? 'mariadb' : 'mysql'
}
