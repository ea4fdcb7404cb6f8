import type { ColumnTypes } from '../../dialect/orm-dialect.ts'
import type { RegisteredTable } from '../../model/registry.ts'
import { expectedTable } from './expected-schema.ts'
import type { IntrospectedTable } from '../../introspection/introspected-schema.ts'
import { columnChanges, type Operation } from './operations.ts'
import { databaseColumnSpec, modelTableSpec } from './table-spec.ts'

/**
 * The changes inside one table that exists on both sides, grouped by when a revision must
 * run them: foreign keys are dropped first and added last (they may involve other tables),
 * indexes and constraints are dropped before the columns they cover change.
 */
export interface TableChanges {
  readonly dropForeignKeys: Operation[]
  readonly dropConstraints: Operation[]
  readonly columns: Operation[]
  readonly addConstraints: Operation[]
  readonly addForeignKeys: Operation[]
}

/**
 * Compares a model's table with the live one (renames already applied). Detection runs on
 * the folded forms (`expectedTable` vs introspection), so what a database cannot tell
 * apart never shows up as a change; what is added is written from the model's own
 * declarations. A constraint whose definition changed is a drop and an add.
 *
 * @example
 * ```ts
 * const changes = compareTable(registry.tableOf(Movie), live, dialect.columnTypes)
 * changes.columns // [{ kind: 'addColumn', table: 'movie', column: … }]
 * ```
 */
export function compareTable (model: RegisteredTable, live: IntrospectedTable, columnTypes: ColumnTypes): TableChanges {
  const table = model.tableName
  const expected = expectedTable(model, columnTypes)
  const spec = modelTableSpec(model, columnTypes)
  const named = <T extends { name?: string | undefined }>(list: readonly T[], name: string | undefined): T | undefined =>
    list.find((entry) => entry.name === name)

  const columns: Operation[] = []
  for (const column of spec.columns) {
    const current = live.columns.find((candidate) => candidate.name === column.name)
    if (current === undefined) {
      columns.push({ kind: 'addColumn', table, column })
    } else if (columnChanges(current, column).length > 0) {
      columns.push({ kind: 'alterColumn', table, from: databaseColumnSpec(current, columnTypes), to: column })
    }
  }
  for (const current of live.columns) {
    if (named(spec.columns, current.name) === undefined) columns.push({ kind: 'dropColumn', table, column: databaseColumnSpec(current, columnTypes) })
  }

  const dropConstraints: Operation[] = [
    ...missing(live.indexes, expected.indexes).map((index): Operation => ({ kind: 'dropIndex', table, index })),
    ...missing(live.uniques, expected.uniques).map((unique): Operation => ({ kind: 'dropUnique', table, unique })),
    ...missing(live.checks, expected.checks).map((check): Operation => ({ kind: 'dropCheck', table, check: { ...check, definition: check.expression } }))
  ]
  const addConstraints: Operation[] = [
    ...missing(expected.indexes, live.indexes).map((index): Operation => ({ kind: 'createIndex', table, index })),
    // Where unique indexes are unique constraints (MySQL), the model says which to write.
    ...missing(expected.uniques, live.uniques).map((unique): Operation => {
      const index = spec.indexes.find((candidate) => candidate.unique && candidate.name === unique.name)
      return index ? { kind: 'createIndex', table, index } : { kind: 'addUnique', table, unique }
    }),
    ...missing(expected.checks, live.checks).map((check): Operation => ({
      kind: 'addCheck', table, check: spec.checks.find((candidate) => candidate.name === check.name && candidate.expression === check.expression) ?? { ...check, definition: check.expression }
    }))
  ]
  return {
    dropForeignKeys: missing(live.foreignKeys, expected.foreignKeys).map((foreignKey) => ({ kind: 'dropForeignKey', table, foreignKey })),
    dropConstraints,
    columns,
    addConstraints,
    // Written with the model's actions (RESTRICT even where the catalog folds it away).
    addForeignKeys: missing(expected.foreignKeys, live.foreignKeys)
      .map((foreignKey) => ({ kind: 'addForeignKey', table, foreignKey: named(spec.foreignKeys, foreignKey.name) ?? foreignKey }))
  }
}

/** The entries of `list` that have no equal entry in `other` (a missing property equals undefined). */
function missing<T extends object> (list: readonly T[], other: readonly T[]): T[] {
  const keys = new Set(other.map(identity))
  return list.filter((entry) => !keys.has(identity(entry)))
}

function identity (entry: object): string {
  return JSON.stringify(Object.entries(entry).filter(([, value]) => value !== undefined).sort(([a], [b]) => a < b ? -1 : 1))
}
