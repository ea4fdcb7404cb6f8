import type { Kysely } from 'kysely'
import type { OrmDialect } from '../dialect/orm-dialect.ts'
import { MigrationError } from '../errors.ts'
import type { RegisteredTable } from '../model/registry.ts'

/**
 * Guards the first revision, which must create every table so that `upgrade` builds a
 * fresh database. Compared with a database whose tables `createAll` made already (the
 * tutorial's order), autogenerate would find nothing, or only the tables still missing:
 * refused, saying what to do. With `fromEmpty` (compare against an empty schema) only the
 * first revision may be written: later ones compare against the database.
 *
 * @example
 * ```ts
 * await guardInitialRevision(db, dialect, tables, chain.length, options.fromEmpty)
 * ```
 */
export async function guardInitialRevision (
  db: Kysely<unknown>, dialect: OrmDialect, tables: readonly RegisteredTable[], revisions: number, fromEmpty = false
): Promise<void> {
  if (fromEmpty) {
    if (revisions > 0) {
      throw new MigrationError(`--from-empty writes the first revision, and the migrations folder has ${revisions} already. Run fastify-orm migrate -m "…" without it: it compares the models with the database.`)
    }
    return
  }
  if (revisions > 0) return
  const existing = await dialect.introspector.tableNames(db)
  const present = tables.map((table) => table.tableName).filter((name) => existing.has(name))
  if (present.length === 0) return
  throw new MigrationError(
    `The database has the models' tables already (${present.join(', ')}) but no revision: a first revision compared with it ` +
    'would not create them, and upgrade could not build a fresh database. Generate the first revision against an empty ' +
    'schema, then record this database as up to date: fastify-orm migrate --from-empty -m "Initial migration", then ' +
    'fastify-orm stamp head. (Or, if its data does not matter: fastify-orm drop-all, fastify-orm migrate -m "Initial migration", fastify-orm upgrade.)'
  )
}
