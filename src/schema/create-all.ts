import type { Kysely } from 'kysely'
import type { OrmDialect } from '../dialect/orm-dialect.ts'
import { ModelDefinitionError } from '../model/model-definition-error.ts'
import type { ForeignKeyDefinition, RegisteredTable } from '../model/registry.ts'
import { withActions } from '../dialect/ddl-fragments.ts'
import { createTableBuilder } from './table-ddl.ts'
import { migrationTypes } from '../dialect/migration-types.ts'

/**
 * Flask-SQLAlchemy's `create_all()`: creates the tables (with their constraints and
 * indexes) that do not exist yet, parents before children, and leaves existing tables
 * alone. Where the database runs DDL in transactions, it is all or nothing.
 * Returns the names of the tables it created.
 *
 * @example
 * ```ts
 * await createAll(app.db.kysely, dialect, registry.tablesOf('default')) // ['user', 'post', …]
 * ```
 */
export async function createAll (db: Kysely<unknown>, dialect: OrmDialect, tables: readonly RegisteredTable[]): Promise<string[]> {
  assertStorable(dialect, tables)
  const run = async (db: Kysely<unknown>): Promise<string[]> => {
    const existing = await dialect.introspector.tableNames(db)
    const missing = tables.filter((table) => !existing.has(table.tableName))
    const pending = new Set(missing.map((table) => table.tableName))
    const deferred: Array<{ table: RegisteredTable, fk: ForeignKeyDefinition }> = []
    for (const table of missing) {
      pending.delete(table.tableName)
      // A foreign key to a table created later (a cycle) waits for an ALTER TABLE, unless
      // the database accepts references to tables that do not exist yet.
      const later = dialect.capabilities.forwardForeignKeys
        ? []
        : table.foreignKeys.filter((fk) => fk.referencedTable !== table.tableName && pending.has(fk.referencedTable))
      deferred.push(...later.map((fk) => ({ table, fk })))
      await createTableBuilder(db, table, dialect.columnTypes, new Set(later)).execute()
      for (const index of table.indexes) {
        let builder = db.schema.createIndex(index.name).on(table.tableName).columns(index.columns as string[])
        if (index.unique) builder = builder.unique()
        await builder.execute()
      }
      await writeComments(db, dialect, table)
    }
    for (const { table, fk } of deferred) {
      await db.schema.alterTable(table.tableName)
        .addForeignKeyConstraint(fk.name, fk.columns as string[], fk.referencedTable, fk.referencedColumns as string[], withActions(fk))
        .execute()
    }
    return missing.map((table) => table.tableName)
  }
  return dialect.capabilities.supportsTransactionalDdl ? db.transaction().execute(run) : run(db)
}

/** Fails before any DDL when a table uses something this database cannot store. */
export function assertStorable (dialect: OrmDialect, tables: readonly RegisteredTable[]): void {
  for (const table of tables) {
    const problems = dialect.columnTypes.unsupported(table)
    if (problems.length > 0) {
      throw new ModelDefinitionError(table.modelName, `cannot be stored on ${dialect.name}: ${problems.join('; ')}`)
    }
  }
}

/** The table's and its columns' comments, where CREATE TABLE did not write them inline (`columnTypes.comment`). */
async function writeComments (db: Kysely<unknown>, dialect: OrmDialect, table: RegisteredTable): Promise<void> {
  const columns = dialect.columnTypes.comment === undefined ? table.columns.filter((column) => column.config.comment !== undefined) : []
  if (table.comment === undefined && columns.length === 0) return
  const op = dialect.migrationOperations(db, migrationTypes(dialect), { offline: false })
  if (table.comment !== undefined) await op.setComment(table.tableName, null, table.comment)
  for (const column of columns) await op.setComment(table.tableName, column.name, column.config.comment ?? null)
}
