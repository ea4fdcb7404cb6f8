import { sql, type CreateTableBuilder, type Kysely, type RawBuilder } from 'kysely'
import { columnDefinition, enumCheck, withActions } from '../dialect/ddl-fragments.ts'
import type { ColumnTypes } from '../dialect/orm-dialect.ts'
import type { CheckDefinition } from '../model/define-model.ts'
import type { ForeignKeyDefinition, RegisteredTable } from '../model/registry.ts'

/**
 * The CREATE TABLE of a registered table, through Kysely's schema builder: columns with
 * their native types, NOT NULL, server defaults and autoincrement; then the named primary
 * key, unique, foreign-key and check constraints. Foreign keys listed in `skipForeignKeys`
 * are left for a later ALTER TABLE (cycles on databases that need the target to exist).
 *
 * @example
 * ```ts
 * await createTableBuilder(db, table, dialect.columnTypes, new Set()).execute()
 * ```
 */
export function createTableBuilder (
  db: Kysely<unknown>,
  table: RegisteredTable,
  types: ColumnTypes,
  skipForeignKeys: ReadonlySet<ForeignKeyDefinition>
): CreateTableBuilder<string, string> {
  let builder = db.schema.createTable(table.tableName) as CreateTableBuilder<string, string>
  for (const column of table.columns) {
    builder = builder.addColumn(column.name, sql.raw(types.sqlType(column.config, column.autoincrement)), columnDefinition(column.config, column.autoincrement, types))
  }
  builder = builder.addPrimaryKeyConstraint(table.primaryKey.name, table.primaryKey.columns as string[])
  for (const unique of table.uniques) builder = builder.addUniqueConstraint(unique.name, unique.columns as string[])
  for (const fk of table.foreignKeys) {
    if (skipForeignKeys.has(fk)) continue
    builder = builder.addForeignKeyConstraint(fk.name, fk.columns as string[], fk.referencedTable, fk.referencedColumns as string[], withActions(fk))
  }
  for (const check of table.checks) builder = builder.addCheckConstraint(check.name, checkExpression(check))
  return builder
}

/** A CHECK's SQL: hand-written, or the enumeration's `column in (…)` with the dialect's quoting. */
export function checkExpression (check: CheckDefinition): RawBuilder<unknown> {
  if ('expression' in check) return sql.raw(check.expression)
  return enumCheck(check.column, check.values)
}
