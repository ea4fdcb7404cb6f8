import type { ColumnTypes } from '../../dialect/orm-dialect.ts'
import type { ColumnConfig, ModelColumn, ServerDefault } from '../../model/column.ts'
import type { CheckDefinition } from '../../model/define-model.ts'
import type { RegisteredTable } from '../../model/registry.ts'
import { expectedCheckExpression, expectedServerDefault, expectedTable } from './expected-schema.ts'
import type { IntrospectedColumn, IntrospectedTable } from '../../introspection/introspected-schema.ts'
import type { CheckSpec, ColumnSpec, TableSpec } from './operations.ts'

/**
 * A model's table as operations carry it: columns with this database's folded state and
 * the model's declaration; constraints in the model's own forms (a unique index stays an
 * index, RESTRICT stays RESTRICT even where the catalog folds it away).
 *
 * @example
 * ```ts
 * const spec = modelTableSpec(registry.tableOf(Movie), dialect.columnTypes)
 * ```
 */
export function modelTableSpec (table: RegisteredTable, columnTypes: ColumnTypes): TableSpec {
  const folded = expectedTable(table, columnTypes)
  return {
    name: table.tableName,
    columns: table.columns.map((column, i) => ({ ...(folded.columns[i] as IntrospectedColumn), config: modelColumnConfig(column) })),
    primaryKey: { name: table.primaryKey.name, columns: table.primaryKey.columns },
    uniques: table.uniques.map((unique) => ({ name: unique.name, columns: unique.columns })),
    indexes: table.indexes.map((index) => ({ name: index.name, columns: index.columns, unique: index.unique })),
    foreignKeys: table.foreignKeys.map((fk) => ({
      name: fk.name,
      columns: fk.columns,
      referencedTable: fk.referencedTable,
      referencedColumns: fk.referencedColumns,
      onDelete: fk.onDelete === 'no action' ? undefined : fk.onDelete,
      onUpdate: fk.onUpdate === 'no action' ? undefined : fk.onUpdate
    })),
    checks: table.checks.map(modelCheckSpec)
  }
}

/**
 * A live table as operations carry it, each column with the `c.*` declaration that
 * this database stores the same way (see {@link portableColumnConfig}).
 *
 * @example
 * ```ts
 * const spec = databaseTableSpec(introspected, dialect.columnTypes)
 * ```
 */
export function databaseTableSpec (table: IntrospectedTable, columnTypes: ColumnTypes): TableSpec {
  return {
    ...table,
    columns: table.columns.map((column) => databaseColumnSpec(column, columnTypes)),
    checks: table.checks.map((check) => ({ ...check, definition: check.expression }))
  }
}

/**
 * A live column with its recovered declaration.
 *
 * @example
 * ```ts
 * databaseColumnSpec(live.columns[0], dialect.columnTypes).config // { kind: 'integer', … }
 * ```
 */
export function databaseColumnSpec (column: IntrospectedColumn, columnTypes: ColumnTypes): ColumnSpec {
  return { ...column, config: portableColumnConfig(column, columnTypes) }
}

/** A model's CHECK: canonical for comparing, as declared for writing. */
function modelCheckSpec (check: CheckDefinition): CheckSpec {
  return {
    name: check.name,
    expression: expectedCheckExpression(check),
    definition: 'expression' in check ? check.expression : { column: check.column, values: check.values }
  }
}

/** What DDL reads of a column's declaration: no client default, schema, key or reference. */
function modelColumnConfig (column: ModelColumn): ColumnConfig {
  const { kind, length, precision, scale, withTimezone, values, element, nullable, serverDefault } = column.config
  const config: Record<string, unknown> = { kind, length, precision, scale, withTimezone, values, element, nullable, primaryKey: false, serverDefault }
  // The registry resolves automatic autoincrement; a revision says it explicitly.
  if (column.autoincrement) config.autoincrement = true
  for (const key of Object.keys(config)) if (config[key] === undefined) delete config[key]
  if (element) config.element = { kind: element.kind, ...(element.length === undefined ? {} : { length: element.length }), nullable: false, primaryKey: false }
  return config as unknown as ColumnConfig
}

const ARRAY_ELEMENTS = ['integer', 'float', 'boolean', 'string', 'text', 'uuid'] as const

/**
 * The `c.*` declaration that this database stores exactly as `column` is stored, found by
 * asking the dialect's own `sqlType` (no per-database table to keep in sync): `varchar(120)`
 * is `c.string(120)`, `integer[]` on PostgreSQL `c.array(c.integer())`, `tinyint(1)` on MySQL
 * `c.boolean()`. Where several fit (MySQL stores JSON and arrays alike) the first kind
 * wins; `undefined` when none fits, and the revision then writes the raw type.
 *
 * @example
 * ```ts
 * portableColumnConfig({ name: 'title', sqlType: 'varchar(120)', nullable: true, serverDefault: undefined, autoincrement: false }, columnTypes)
 * // { kind: 'string', length: 120, nullable: true, primaryKey: false }
 * ```
 */
export function portableColumnConfig (column: IntrospectedColumn, columnTypes: ColumnTypes): ColumnConfig | undefined {
  const numbers = [...column.sqlType.matchAll(/\d+/g)].map((match) => Number(match[0]))
  const base = { nullable: column.nullable, primaryKey: false, ...(column.autoincrement ? { autoincrement: true } : {}) }
  const kinds = candidateKinds(numbers)
  const arrays = kinds.filter((kind) => (ARRAY_ELEMENTS as readonly string[]).includes(kind.kind))
    .map((element) => ({ kind: 'array' as const, element: { ...element, nullable: false, primaryKey: false } }))
  const config = [...kinds, ...arrays]
    .map((kind): ColumnConfig => ({ ...kind, ...base }))
    .find((candidate) => columnTypes.sqlType(candidate, column.autoincrement) === column.sqlType)
  if (config === undefined || column.serverDefault === undefined) return config
  return { ...config, serverDefault: portableServerDefault(config, column.serverDefault, columnTypes) }
}

type Kind = Omit<ColumnConfig, 'nullable' | 'primaryKey'>

function candidateKinds (numbers: readonly number[]): Kind[] {
  const kinds: Kind[] = [
    { kind: 'integer' }, { kind: 'bigInteger' }, { kind: 'float' }, { kind: 'boolean' }, { kind: 'text' },
    { kind: 'dateTime', withTimezone: false }, { kind: 'dateTime', withTimezone: true }, { kind: 'date' },
    { kind: 'json' }, { kind: 'binary' }, { kind: 'uuid' }
  ]
  const [first, second] = numbers
  if (first !== undefined) kinds.push({ kind: 'string', length: first })
  if (first !== undefined && second !== undefined) kinds.push({ kind: 'numeric', precision: first, scale: second })
  return kinds
}

/**
 * The declaration of a canonical database default: a literal when one gives the same
 * default back (`'abc'`, `-1`, `true`), `{ sql: 'CURRENT_TIMESTAMP' }` when the dialect
 * rewrites that one to this (MySQL's `CURRENT_TIMESTAMP(3)`), otherwise the SQL as is.
 */
function portableServerDefault (config: ColumnConfig, text: string, columnTypes: ColumnTypes): ServerDefault {
  const candidates: ServerDefault[] = [{ sql: 'CURRENT_TIMESTAMP' }]
  if (/^'.*'$/s.test(text)) candidates.unshift(text.slice(1, -1).replace(/''/g, '\''))
  if (/^-?\d+(\.\d+)?$/.test(text) && Number.isSafeInteger(Math.trunc(Number(text)))) candidates.unshift(Number(text))
  if (text === 'true' || text === 'false') candidates.unshift(text === 'true')
  return candidates.find((candidate) => expectedServerDefault({ ...config, serverDefault: candidate }, columnTypes) === text) ?? { sql: text }
}
