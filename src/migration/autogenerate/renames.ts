import { normalizeCheckExpression } from '../../introspection/check-expression.ts'
import type { IntrospectedTable } from '../../introspection/introspected-schema.ts'
import { tokenizeSql } from '../../introspection/sql-tokens.ts'

/**
 * Renames declared by the user; autogenerate never guesses one (a dropped column and an
 * added one stay a drop and an add unless declared here).
 *
 * @example
 * ```ts
 * const renames: Renames = { tables: { film: 'movie' }, columns: { movie: { name: 'title' } } }
 * ```
 */
export interface Renames {
  /** Old table name → new table name. */
  readonly tables?: Readonly<Record<string, string>>
  /** Per table, by its new name: old column name → new column name. */
  readonly columns?: Readonly<Record<string, Readonly<Record<string, string>>>>
}

/**
 * The live schema as it will be once the declared renames have run: tables and columns
 * under their new names, foreign keys (of every table) pointing at the new names, CHECKs
 * naming the new columns — what the databases themselves do on a rename. A rename whose
 * old name is not in the database, or whose new name is taken, is an error.
 *
 * @example
 * ```ts
 * const renamed = applyRenames(await dialect.introspector.introspect(db), { tables: { film: 'movie' } }, modelNames)
 * ```
 */
export function applyRenames (actual: readonly IntrospectedTable[], renames: Renames, modelTables: ReadonlySet<string>): IntrospectedTable[] {
  const names = new Set(actual.map((table) => table.name))
  const tableRenames = new Map(Object.entries(renames.tables ?? {}))
  for (const [from, to] of tableRenames) {
    if (!names.has(from)) throw new Error(`Cannot rename table "${from}" to "${to}": the database has no table "${from}".`)
    if (names.has(to)) throw new Error(`Cannot rename table "${from}" to "${to}": the database already has a table "${to}".`)
    if (!modelTables.has(to)) throw new Error(`Cannot rename table "${from}" to "${to}": no model declares a table "${to}".`)
  }
  const tableName = (name: string): string => tableRenames.get(name) ?? name
  const columnRenames = new Map(Object.entries(renames.columns ?? {}).map(([table, columns]) => [table, new Map(Object.entries(columns))]))
  for (const [table, columns] of columnRenames) {
    const live = actual.find((candidate) => tableName(candidate.name) === table)
    if (!live) throw new Error(`Cannot rename columns of table "${table}": the database has no such table.`)
    for (const [from, to] of columns) {
      if (!live.columns.some((column) => column.name === from)) throw new Error(`Cannot rename column "${table}.${from}" to "${to}": the database has no column "${table}.${from}".`)
      if (live.columns.some((column) => column.name === to)) throw new Error(`Cannot rename column "${table}.${from}" to "${to}": the database already has a column "${table}.${to}".`)
    }
  }
  const columnName = (table: string, name: string): string => columnRenames.get(table)?.get(name) ?? name
  return actual.map((table) => {
    const name = tableName(table.name)
    const rename = (columns: readonly string[]): string[] => columns.map((column) => columnName(name, column))
    const renamed = columnRenames.get(name) ?? new Map<string, string>()
    return {
      ...table,
      name,
      columns: table.columns.map((column) => ({ ...column, name: columnName(name, column.name) })),
      primaryKey: { ...table.primaryKey, columns: rename(table.primaryKey.columns) },
      uniques: table.uniques.map((unique) => ({ ...unique, columns: rename(unique.columns) })),
      indexes: table.indexes.map((index) => ({ ...index, columns: rename(index.columns) })),
      foreignKeys: table.foreignKeys.map((fk) => {
        const referencedTable = tableName(fk.referencedTable)
        return { ...fk, columns: rename(fk.columns), referencedTable, referencedColumns: fk.referencedColumns.map((column) => columnName(referencedTable, column)) }
      }),
      checks: table.checks.map((check) => renamed.size === 0 ? check : { ...check, expression: renameIdentifiers(check.expression, renamed) })
    }
  })
}

/** The canonical expression with the renamed columns' names replaced (identifiers only, never inside strings). */
function renameIdentifiers (expression: string, renames: ReadonlyMap<string, string>): string {
  // Canonical expressions spell identifiers in lower case.
  const byName = new Map([...renames].map(([from, to]) => [from.toLowerCase(), to]))
  let result = ''
  let offset = 0
  for (const token of tokenizeSql(expression)) {
    const to = token.type === 'word' || token.type === 'quoted' ? byName.get(token.value.toLowerCase()) : undefined
    if (to === undefined) continue
    result += `${expression.slice(offset, token.start)}"${to.replace(/"/g, '""')}"`
    offset = token.end
  }
  return normalizeCheckExpression(result + expression.slice(offset))
}
