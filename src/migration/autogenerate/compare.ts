import type { ColumnTypes } from '../../dialect/orm-dialect.ts'
import type { RegisteredTable } from '../../model/registry.ts'
import type { IntrospectedForeignKey, IntrospectedTable } from '../../introspection/introspected-schema.ts'
import { compareTable } from './compare-table.ts'
import type { Operation, TableSpec } from './operations.ts'
import { applyRenames, type Renames } from './renames.ts'
import { databaseTableSpec, modelTableSpec } from './table-spec.ts'

/** Options of {@link compareSchema}. */
export interface CompareOptions {
  /** The database's types: folds the models like introspection, recovers `c.*` declarations. */
  readonly columnTypes: ColumnTypes
  /** Declared renames; without them a renamed table or column is a drop and an add. */
  readonly renames?: Renames
}

/**
 * Autogenerate's compare stage (pure): the operations that take the live schema `actual`
 * to the one the `models` imply, in an order the databases accept:
 *
 * 1. declared renames (tables, then columns);
 * 2. foreign keys dropped (so nothing still points at what goes next);
 * 3. indexes, unique constraints and checks dropped;
 * 4. tables no model declares dropped, children first (Alembic reports them too);
 * 5. columns added, altered (type, nullability, server default) and dropped;
 * 6. indexes, unique constraints and checks added;
 * 7. new tables created, parents first, with their indexes;
 * 8. foreign keys added — including those of new tables that form a cycle, which a
 *    CREATE TABLE cannot name before the other table exists (as createAll does).
 *
 * Primary keys are not compared (Alembic does not either): changing one is hand-written.
 *
 * @example
 * ```ts
 * const operations = compareSchema(registry.tablesOf('default'), await columnTypes.introspect(db), { columnTypes })
 * operations.map(describeOperation) // ['+ add column movie.mpa']
 * ```
 */
export function compareSchema (models: readonly RegisteredTable[], actual: readonly IntrospectedTable[], options: CompareOptions): Operation[] {
  const { columnTypes, renames = {} } = options
  const modelNames = new Set(models.map((model) => model.tableName))
  const live = applyRenames(actual, renames, modelNames)
  const liveByName = new Map(live.map((table) => [table.name, table]))

  const renameOps: Operation[] = [
    ...Object.entries(renames.tables ?? {}).map(([from, to]): Operation => ({ kind: 'renameTable', from, to })),
    ...Object.entries(renames.columns ?? {}).flatMap(([table, columns]) =>
      Object.entries(columns).map(([from, to]): Operation => ({ kind: 'renameColumn', table, from, to })))
  ]
  const changes = models.flatMap((model) => {
    const current = liveByName.get(model.tableName)
    return current ? [compareTable(model, current, columnTypes)] : []
  })

  const dropped = parentsFirst(live.filter((table) => !modelNames.has(table.name)).map((table) => databaseTableSpec(table, columnTypes)))
  const created = parentsFirst(models.filter((model) => !liveByName.has(model.tableName)).map((model) => modelTableSpec(model, columnTypes)))
  const withoutCyclic = (table: TableSpec, cyclic: ReadonlySet<IntrospectedForeignKey>): TableSpec =>
    ({ ...table, foreignKeys: table.foreignKeys.filter((fk) => !cyclic.has(fk)) })

  return [
    ...renameOps,
    ...changes.flatMap((change) => change.dropForeignKeys),
    ...dropped.ordered.flatMap((table) => table.foreignKeys.filter((fk) => dropped.cyclic.has(fk))
      .map((foreignKey): Operation => ({ kind: 'dropForeignKey', table: table.name, foreignKey }))),
    ...changes.flatMap((change) => change.dropConstraints),
    ...[...dropped.ordered].reverse().map((table): Operation => ({ kind: 'dropTable', table: withoutCyclic(table, dropped.cyclic) })),
    ...changes.flatMap((change) => change.columns),
    ...changes.flatMap((change) => change.addConstraints),
    ...created.ordered.map((table): Operation => ({ kind: 'createTable', table: withoutCyclic(table, created.cyclic) })),
    ...changes.flatMap((change) => change.addForeignKeys),
    ...created.ordered.flatMap((table) => table.foreignKeys.filter((fk) => created.cyclic.has(fk))
      .map((foreignKey): Operation => ({ kind: 'addForeignKey', table: table.name, foreignKey })))
  ]
}

/**
 * Tables ordered so that a referenced table comes before the tables referencing it, and
 * the foreign keys that still point forward (a cycle, broken at declaration order).
 */
function parentsFirst (tables: readonly TableSpec[]): { ordered: TableSpec[], cyclic: Set<IntrospectedForeignKey> } {
  const byName = new Map(tables.map((table) => [table.name, table]))
  const ordered: TableSpec[] = []
  const seen = new Set<string>()
  const visit = (table: TableSpec): void => {
    if (seen.has(table.name)) return // done, or a cycle: break it here
    seen.add(table.name)
    for (const fk of table.foreignKeys) {
      const parent = byName.get(fk.referencedTable)
      if (parent && parent !== table) visit(parent)
    }
    ordered.push(table)
  }
  tables.forEach(visit)
  const position = new Map(ordered.map((table, i) => [table.name, i]))
  const cyclic = new Set(ordered.flatMap((table, i) =>
    table.foreignKeys.filter((fk) => (position.get(fk.referencedTable) ?? -1) > i)))
  return { ordered, cyclic }
}
