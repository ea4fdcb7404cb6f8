import type { ColumnTypes } from '../../dialect/orm-dialect.ts'
import type { ColumnConfig, ReferentialAction } from '../../model/column.ts'
import type { CheckDefinition } from '../../model/define-model.ts'
import type { RegisteredTable } from '../../model/registry.ts'
import { normalizeCheckExpression } from '../../introspection/check-expression.ts'
import { referentialAction, sortIntrospectedTable, type IntrospectedTable, type IntrospectionLimits } from '../../introspection/introspected-schema.ts'
import { normalizeServerDefault } from '../../introspection/server-default.ts'
import { quoteLiteral } from '../../introspection/sql-tokens.ts'

/**
 * The {@link IntrospectedTable} a registered model implies on one database: what
 * `introspect()` reports for the table that createAll made from it. Autogenerate compares
 * this with the live table; a model in sync with its table gives a deep-equal pair.
 *
 * Folded like introspection: types through `columnTypes.sqlType`, defaults and CHECK
 * expressions canonical, NO ACTION (and MySQL's RESTRICT) undefined, and whatever
 * `columnTypes.introspectionLimits` says the catalog cannot tell apart.
 *
 * @example
 * ```ts
 * const expected = expectedTable(registry.tableOf(User), dialect.columnTypes)
 * const actual = (await dialect.columnTypes.introspect(db)).find((table) => table.name === 'user')
 * ```
 */
export function expectedTable (table: RegisteredTable, columnTypes: ColumnTypes): IntrospectedTable {
  const limits = columnTypes.introspectionLimits
  const primaryKeyColumns = new Set(table.primaryKey.columns)
  const uniqueIndexes = limits.uniqueIndexesAreConstraints ? table.indexes.filter((index) => index.unique) : []
  return sortIntrospectedTable({
    name: table.tableName,
    columns: table.columns.map((column) => ({
      name: column.name,
      sqlType: columnTypes.sqlType(column.config, column.autoincrement),
      // Every database makes primary-key columns NOT NULL.
      nullable: column.config.nullable && !primaryKeyColumns.has(column.name),
      serverDefault: expectedServerDefault(column.config, columnTypes),
      autoincrement: column.autoincrement
    })),
    primaryKey: { name: limits.unnamedPrimaryKeys ? undefined : table.primaryKey.name, columns: table.primaryKey.columns },
    uniques: [...table.uniques, ...uniqueIndexes].map((unique) => ({ name: unique.name, columns: unique.columns })),
    indexes: table.indexes.filter((index) => !uniqueIndexes.includes(index)).map((index) => ({ name: index.name, columns: index.columns, unique: index.unique })),
    foreignKeys: table.foreignKeys.map((fk) => ({
      name: fk.name,
      columns: fk.columns,
      referencedTable: fk.referencedTable,
      referencedColumns: fk.referencedColumns,
      onDelete: action(fk.onDelete, limits),
      onUpdate: action(fk.onUpdate, limits)
    })),
    checks: table.checks.map((check) => ({ name: check.name, expression: expectedCheckExpression(check) }))
  })
}

/**
 * A column's server default in the canonical form of `normalizeServerDefault`: literals
 * as SQL literals, `{ sql }` as createAll writes it for this database (then normalised),
 * booleans as `true`/`false`.
 *
 * @example
 * ```ts
 * expectedServerDefault(c.string(10).serverDefault("it's").config, dialect.columnTypes) // "'it''s'"
 * ```
 */
export function expectedServerDefault (config: ColumnConfig, columnTypes: ColumnTypes): string | undefined {
  const value = config.serverDefault
  if (value === undefined) return undefined
  const text = typeof value === 'object'
    ? columnTypes.serverDefaultSql?.(config, value.sql) ?? value.sql
    : typeof value === 'string' ? quoteLiteral(value) : String(value)
  return normalizeServerDefault(text, { boolean: config.kind === 'boolean' })
}

/**
 * A CHECK's expression in the canonical form of `normalizeCheckExpression`; an
 * enumeration's is `column in ('a', 'b')`, so it compares by column and set of values.
 *
 * @example
 * ```ts
 * expectedCheckExpression({ name: 'ck_movie_mpa_enum', column: 'mpa', values: ['PG', 'G'] }) // "mpa in ('G', 'PG')"
 * ```
 */
export function expectedCheckExpression (check: CheckDefinition): string {
  if ('expression' in check) return normalizeCheckExpression(check.expression)
  return normalizeCheckExpression(`"${check.column.replace(/"/g, '""')}" in (${check.values.map(quoteLiteral).join(', ')})`)
}

function action (value: ReferentialAction | undefined, limits: IntrospectionLimits): ReferentialAction | undefined {
  return value === undefined ? undefined : referentialAction(value, limits)
}
