import type { Kysely } from 'kysely'
import type { OrmDialect } from '../dialect/orm-dialect.ts'
import type { RegisteredTable } from '../model/registry.ts'

/**
 * Flask-SQLAlchemy's `drop_all()`: drops the registered tables that exist, children before
 * parents. Foreign keys that would still block a drop (a cycle between tables) are
 * dropped first, or checked only at COMMIT where they cannot be dropped (SQLite).
 * Returns the names of the tables it dropped.
 *
 * @example
 * ```ts
 * await dropAll(app.db.kysely, dialect, registry.tablesOf('default'))
 * ```
 */
export async function dropAll (db: Kysely<unknown>, dialect: OrmDialect, tables: readonly RegisteredTable[]): Promise<string[]> {
  const run = async (db: Kysely<unknown>): Promise<string[]> => {
    const existing = await dialect.introspector.tableNames(db)
    const present = [...tables].reverse().filter((table) => existing.has(table.tableName))
    // After reversing, a table's parents come later; a parent that came earlier is a cycle.
    const seen = new Set<string>()
    const defer = dialect.deferForeignKeyChecks
    let deferred = false
    for (const table of present) {
      for (const fk of table.foreignKeys) {
        if (fk.referencedTable === table.tableName || !seen.has(fk.referencedTable)) continue
        if (defer === undefined) {
          await db.schema.alterTable(table.tableName).dropConstraint(fk.name).execute()
        } else if (!deferred) {
          await defer(db)
          deferred = true
        }
      }
      seen.add(table.tableName)
    }
    for (const table of present) {
      await db.schema.dropTable(table.tableName).execute()
    }
    return present.map((table) => table.tableName)
  }
  return dialect.capabilities.supportsTransactionalDdl ? db.transaction().execute(run) : run(db)
}
