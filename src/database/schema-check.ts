import type { Kysely } from 'kysely'
import type { OrmDialect } from '../dialect/orm-dialect.ts'
import { SchemaMismatchError } from '../errors.ts'
import type { RegisteredTable } from '../model/registry.ts'

/** What the database lacks of the registered models: missing tables, and missing columns of existing tables. */
export interface SchemaGaps {
  readonly missingTables: readonly string[]
  /** `table.column`, for tables that exist. */
  readonly missingColumns: readonly string[]
  /** True when none of the registered tables exists yet: a new, empty database. */
  readonly empty: boolean
}

/** Compares the registered tables with the database's catalog (one query). */
export async function schemaGaps (db: Kysely<unknown>, dialect: OrmDialect, tables: readonly RegisteredTable[]): Promise<SchemaGaps> {
  const catalog = await dialect.introspector.tableColumns(db)
  const missingTables: string[] = []
  const missingColumns: string[] = []
  for (const table of tables) {
    const columns = catalog.get(table.tableName)
    if (!columns) {
      missingTables.push(table.tableName)
      continue
    }
    for (const column of table.columns) if (!columns.has(column.name)) missingColumns.push(`${table.tableName}.${column.name}`)
  }
  return { missingTables, missingColumns, empty: tables.length > 0 && missingTables.length === tables.length }
}

/**
 * The startup check: the tables and columns the models need must exist. A database
 * without any of the tables passes (the app may create them after `ready()`); some tables
 * or columns missing is a model change that was never migrated, which would otherwise
 * surface as "Database error" replies. Throws {@link SchemaMismatchError} naming them.
 */
export async function assertSchemaMatches (db: Kysely<unknown>, dialect: OrmDialect, tables: readonly RegisteredTable[], bind: string): Promise<void> {
  if (tables.length === 0) return
  const gaps = await schemaGaps(db, dialect, tables)
  if (gaps.empty || (gaps.missingTables.length === 0 && gaps.missingColumns.length === 0)) return
  const missing = [...gaps.missingTables.map((table) => `table "${table}"`), ...gaps.missingColumns.map((column) => `column ${column}`)]
  const where = bind === 'default' ? 'The database' : `The database of bind "${bind}"`
  throw new SchemaMismatchError(`${where} lacks what the registered models need: ${missing.join(', ')}. ` +
    'The models changed without a migration: run `fastify-orm migrate -m MESSAGE` then `fastify-orm upgrade` (or pass migrations: { upgrade: true }); ' +
    (gaps.missingColumns.length === 0 ? 'for new tables alone, app.db.createAll() before ready() (or createAll: true) also works; ' : '') +
    'checkSchema: false turns this check off.', missing)
}
