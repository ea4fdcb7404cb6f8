import type { ReferentialAction } from './column.ts'
import type { AnyModel, TableDefinition } from './define-model.ts'
import { ModelDefinitionError } from './model-definition-error.ts'
import { constraintName } from './naming.ts'
import { isModelRelations, type CascadeOptions, type ModelRelations, type Relation } from './relations.ts'

/** A relationship with both ends resolved to registered tables and column names. */
export interface ResolvedRelation {
  readonly name: string
  readonly kind: Relation['kind']
  readonly source: RegisteredTable
  readonly target: RegisteredTable
  /** belongsTo: this table's FK column; hasMany/hasOne: the target's FK column; manyToMany: unused. */
  readonly foreignKey: { readonly column: string, readonly property: string }
  /** manyToMany: the association table and its two key columns. */
  readonly through?: {
    readonly table: RegisteredTable
    readonly source: { readonly column: string, readonly property: string }
    readonly target: { readonly column: string, readonly property: string }
  }
  readonly inverse: string | undefined
  readonly cascade: CascadeOptions
  /** hasMany/hasOne: deleting the parent leaves the children to the database's ON DELETE. */
  readonly passiveDeletes: boolean
}

/** A foreign key with its target resolved to database names. */
export interface ForeignKeyDefinition {
  readonly name: string
  readonly columns: readonly string[]
  readonly referencedTable: string
  readonly referencedColumns: readonly string[]
  readonly onDelete?: ReferentialAction
  readonly onUpdate?: ReferentialAction
}

/** A table with its foreign keys resolved: what DDL and autogenerate work from. */
export interface RegisteredTable extends Omit<TableDefinition, 'foreignKeys'> {
  readonly model: AnyModel
  readonly foreignKeys: readonly ForeignKeyDefinition[]
  /** Relationships by name, resolved once every model is registered. */
  readonly relations: ReadonlyMap<string, ResolvedRelation>
}

/**
 * The models an app registered, validated together: unique table names per bind, every
 * foreign key pointing at a known table and column. Read by the plugin, createAll/dropAll,
 * the session and autogenerate.
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry({ User, Post, postTag })
 * registry.tablesOf('default').map((table) => table.tableName) // parents before children
 * ```
 */
export class ModelRegistry {
  readonly #tables: ReadonlyMap<string, RegisteredTable>
  readonly #byModel: ReadonlyMap<AnyModel, RegisteredTable>

  constructor (entries: Readonly<Record<string, AnyModel | ModelRelations>>) {
    const raw = new Map<string, TableDefinition & { model: AnyModel }>()
    const declaredRelations = Object.values(entries).filter(isModelRelations)
    const models = Object.values(entries).filter((entry): entry is AnyModel => !isModelRelations(entry))
    for (const model of models) {
      const key = `${model.table.bind}\u0000${model.tableName}`
      const existing = raw.get(key)
      if (existing && existing.model !== model) {
        throw new ModelDefinitionError(model.name, `uses the table name "${model.tableName}", which model ${existing.modelName} already uses; give one of them another tableName`)
      }
      raw.set(key, { ...model.table, model })
    }
    const tables = new Map<string, RegisteredTable>()
    for (const [key, table] of raw) {
      tables.set(key, { ...table, foreignKeys: table.foreignKeys.map((fk) => resolveForeignKey(table, fk, raw)), relations: new Map() })
    }
    this.#tables = tables
    this.#byModel = new Map([...tables.values()].map((table) => [table.model, table]))
    for (const declared of declaredRelations) {
      const source = this.tableOf(declared.model)
      for (const [name, relation] of Object.entries(declared.relations)) {
        if (declared.model.behaviour?.methods[name] !== undefined) {
          throw new ModelDefinitionError(source.modelName, `has a method "${name}" and a relationship of that name; rename one of them`)
        }
        (source.relations as Map<string, ResolvedRelation>).set(name, this.#resolveRelation(source, name, relation))
      }
    }
    for (const table of tables.values()) Object.freeze(table)
  }

  /** The registered table of a model; throws a clear error for a model that was not registered. */
  tableOf (model: AnyModel): RegisteredTable {
    const table = this.#byModel.get(model)
    if (!table) throw new ModelDefinitionError(model.name, 'is not registered: add it to the plugin\'s models option')
    return table
  }

  /** Every table of a bind, ordered so that referenced tables come before the tables referencing them. */
  tablesOf (bind: string): RegisteredTable[] {
    const tables = [...this.#tables.values()].filter((table) => table.bind === bind)
    return orderByDependencies(tables)
  }

  #resolveRelation (source: RegisteredTable, name: string, relation: Relation): ResolvedRelation {
    const fail = (message: string): never => { throw new ModelDefinitionError(source.modelName, `relationship "${name}" ${message}`) }
    const targetModel = relation.target()
    const target = this.#byModel.get(targetModel) ?? fail(`points at model ${targetModel.name}, which is not registered; add it to the plugin's models option`)
    if (target.bind !== source.bind) fail(`crosses from bind "${source.bind}" to "${target.bind}", which one session cannot join`)
    const columnOf = (table: RegisteredTable, property: string): { column: string, property: string } => {
      const column = table.columns.find((candidate) => candidate.property === property)
      return column ? { column: column.name, property } : fail(`names "${property}", which is not a property of ${table.modelName}`)
    }
    // The key a relationship joins on must be a foreign key to the other table: joins, key
    // syncing and deletes all rely on it.
    const referencing = (table: RegisteredTable, key: { column: string, property: string }, referenced: RegisteredTable): { column: string, property: string } => {
      if (table.foreignKeys.some((fk) => fk.columns.length === 1 && fk.columns[0] === key.column && fk.referencedTable === referenced.tableName)) return key
      const candidates = table.columns.filter((column) => table.foreignKeys.some((fk) => fk.columns[0] === column.name && fk.referencedTable === referenced.tableName))
      return fail(`uses ${table.modelName}.${key.property}, which is not a foreign key to ${referenced.modelName}: ` +
        (candidates.length > 0
          ? `name the property that is (${candidates.map((column) => column.property).join(', ')})`
          : `declare it with .references(() => ${referenced.modelName}) (or '${referenced.tableName}.${referenced.primaryKey.columns[0] ?? 'id'}') on ${table.modelName}.${key.property}`))
    }
    const base = { name, kind: relation.kind, source, target, inverse: relation.inverse, passiveDeletes: false }
    switch (relation.kind) {
      case 'belongsTo':
        return { ...base, foreignKey: referencing(source, columnOf(source, relation.foreignKey), target), cascade: {} }
      case 'hasMany':
      case 'hasOne':
        return { ...base, foreignKey: referencing(target, columnOf(target, relation.foreignKey), source), cascade: relation.cascade, passiveDeletes: relation.passiveDeletes === true }
      case 'manyToMany': {
        const through = this.#byModel.get(relation.through()) ?? fail(`goes through ${relation.through().name}, which is not registered`)
        return {
          ...base,
          foreignKey: { column: '', property: '' },
          through: {
            table: through,
            source: referencing(through, columnOf(through, relation.sourceKey), source),
            target: referencing(through, columnOf(through, relation.targetKey), target)
          },
          cascade: relation.cascade
        }
      }
    }
  }

  /** The binds that own at least one table. */
  get binds (): string[] {
    return [...new Set([...this.#tables.values()].map((table) => table.bind))]
  }
}

function resolveForeignKey (
  table: TableDefinition,
  fk: TableDefinition['foreignKeys'][number],
  tables: ReadonlyMap<string, TableDefinition>
): ForeignKeyDefinition {
  const fail = (message: string): never => { throw new ModelDefinitionError(table.modelName, `column "${fk.property}" ${message}`) }
  let referencedTable: string
  let referencedColumns: readonly string[]
  if (typeof fk.target === 'string') {
    const [targetTable, targetColumn, ...rest] = fk.target.split('.')
    if (!targetTable || !targetColumn || rest.length > 0) fail(`references "${fk.target}"; write 'table.column', e.g. references('user.id')`)
    referencedTable = targetTable as string
    referencedColumns = [targetColumn as string]
  } else {
    const target = fk.target()
    if (target.primaryKey.length !== 1) fail(`references model table "${target.tableName}", whose primary key has ${target.primaryKey.length} columns; reference one column as 'table.column'`)
    referencedTable = target.tableName
    referencedColumns = (target as AnyModel).table.primaryKey.columns
  }
  const targetTable = tables.get(`${table.bind}\u0000${referencedTable}`)
  if (!targetTable) {
    fail(`references the table "${referencedTable}", which no registered model of bind "${table.bind}" declares; register that model (or fix the name)`)
  } else {
    for (const column of referencedColumns) {
      if (!targetTable.columns.some((candidate) => candidate.name === column)) {
        fail(`references "${referencedTable}.${column}", but ${targetTable.modelName} has no column "${column}" (columns: ${targetTable.columns.map((c) => c.name).join(', ')})`)
      }
    }
  }
  return Object.freeze({
    name: fk.name ?? constraintName('fk', table.tableName, [fk.column, referencedTable]),
    columns: [fk.column],
    referencedTable,
    referencedColumns,
    onDelete: fk.onDelete,
    onUpdate: fk.onUpdate
  })
}

/** Topological order over foreign keys (self-references ignored); tables in a cycle keep their declaration order. */
function orderByDependencies (tables: RegisteredTable[]): RegisteredTable[] {
  const byName = new Map(tables.map((table) => [table.tableName, table]))
  const ordered: RegisteredTable[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (table: RegisteredTable): void => {
    if (state.has(table.tableName)) return // done, or a cycle: break it here
    state.set(table.tableName, 'visiting')
    for (const fk of table.foreignKeys) {
      const parent = byName.get(fk.referencedTable)
      if (parent && parent !== table) visit(parent)
    }
    state.set(table.tableName, 'done')
    ordered.push(table)
  }
  tables.forEach(visit)
  return ordered
}
