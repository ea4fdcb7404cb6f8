// Shared by the unit-of-work scenarios: the apps every variant starts from, table creation
// through fastify-orm's createAll (so the tables are exactly what the models declare), and
// seeding in multi-row batches.
import type { FastifyInstance } from 'fastify'
import fastifyOrm, { type FastifyOrmOptions } from 'fastify-orm'
import { sql, type Kysely } from 'kysely'
import { ormOptions, plainKysely, type Target } from '../lib/databases.ts'
import { benchFastify } from '../lib/scenario.ts'
import type { UowDatabase } from './models.ts'

export type Models = NonNullable<FastifyOrmOptions['models']>

export const NOT_FOUND = { error: 'Not Found' }

/** An app with fastify-orm registered for `models` (and nothing else). */
export async function ormBenchApp (target: Target, models: Models, options: Omit<FastifyOrmOptions, 'url'> = {}): Promise<FastifyInstance> {
  const app = benchFastify()
  await app.register(fastifyOrm, { ...ormOptions(target), models, ...options })
  return app
}

/** An app with a hand-made Kysely instance (destroyed with the app), as an app without fastify-orm has. */
export function kyselyBenchApp (target: Target): { app: FastifyInstance, db: Kysely<UowDatabase> } {
  const app = benchFastify()
  const db = plainKysely<UowDatabase>(target)
  app.addHook('onClose', () => db.destroy())
  return { app, db }
}

/**
 * Drops the models' tables if they exist and creates them again (fastify-orm's dropAll and
 * createAll), then lets `fill` insert rows through a plain Kysely instance.
 */
export async function recreateTables (target: Target, models: Models, fill: (db: Kysely<UowDatabase>) => Promise<void> = async () => {}): Promise<void> {
  const app = await ormBenchApp(target, models)
  try {
    await app.ready()
    await app.db.dropAll()
    await app.db.createAll()
  } finally {
    await app.close()
  }
  const db = plainKysely<UowDatabase>(target)
  try {
    await fill(db)
  } finally {
    await db.destroy()
  }
}

/** Inserts `count` generated rows into `table`, `batch` per statement. */
export async function insertGenerated<T extends keyof UowDatabase> (db: Kysely<UowDatabase>, table: T, count: number, row: (n: number) => UowDatabase[T], batch = 1_000): Promise<void> {
  for (let first = 1; first <= count; first += batch) {
    const rows = Array.from({ length: Math.min(batch, count - first + 1) }, (_, index) => row(first + index))
    await db.insertInto(table).values(rows as never).execute()
  }
}

/** Empties a table and restarts its key sequence, so the next generated id is 1. */
export async function emptyTable (db: Kysely<UowDatabase>, target: Target, table: keyof UowDatabase): Promise<void> {
  if (target.dialect === 'postgres') {
    await sql`truncate table ${sql.table(table)} restart identity`.execute(db)
  } else {
    // An INTEGER PRIMARY KEY without AUTOINCREMENT takes max(rowid) + 1: 1 on an empty table.
    await db.deleteFrom(table).execute()
  }
}
