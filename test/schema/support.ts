// Shared by the schema and model tests (not a test file itself: tap only runs *.test.ts).
import type { FastifyInstance } from 'fastify'
import { sql, type Kysely } from 'kysely'
import type { Test } from 'tap'
import type { FastifyOrmOptions } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import type { TestDatabase } from '../helpers/databases.ts'


/** A ready app with fastify-orm on `db` ({@link buildApp} with `ready`), closed at the end of the test. */
export function buildReadyApp (t: Test, db: TestDatabase, options: Omit<FastifyOrmOptions, 'url'> = {}): Promise<FastifyInstance> {
  return buildApp(t, db, options, { ready: true })
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
