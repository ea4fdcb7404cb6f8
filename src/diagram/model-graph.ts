import type { ColumnConfig } from '../model/column.ts'
import type { AnyModel } from '../model/define-model.ts'
import { ModelRegistry, type RegisteredTable, type ResolvedRelation } from '../model/registry.ts'
import type { ModelRelations, Relation } from '../model/relations.ts'

/** How many rows of a table one row at the other end of a relationship has. */
export type Cardinality = '1' | '0..1' | '*'

/** One column as the diagram shows it. */
export interface GraphColumn {
  /** The database column name. */
  readonly name: string
  /** The model property holding it. */
  readonly property: string
  /** A dialect-neutral SQL type: `integer`, `varchar(200)`, `numeric(12,2)`, `varchar(100)[]`, `enum`. */
  readonly type: string
  /** An enumeration's allowed values. */
  readonly values?: readonly string[]
  readonly primaryKey: boolean
  /** The table id and column this column references, when it is a foreign key. */
  readonly foreignKey?: { readonly table: string, readonly column: string }
  readonly nullable: boolean
  /** Unique on its own (a UNIQUE constraint or unique index on this column alone, or the lone primary key). */
  readonly unique: boolean
}

/** One table: a model, or an association table declared with `defineTable`. */
export interface GraphTable {
  /** The table name, prefixed with `bind.` outside the default bind: what edges point at. */
  readonly id: string
  readonly tableName: string
  readonly modelName: string
  readonly bind: string
  readonly columns: readonly GraphColumn[]
  /** 0 for a table without foreign keys to other tables, else one more than its deepest parent. */
  readonly depth: number
}

/** A relationship declared with `relations()`, as `Model.name`. */
export interface GraphRelationshipName {
  readonly model: string
  readonly name: string
  readonly kind: Relation['kind']
}

/**
 * One line of the diagram: a foreign key (child `from` → parent `to`), or a many-to-many
 * relationship through an association table. `fromCardinality` is how many `from` rows one
 * `to` row has, `toCardinality` how many `to` rows one `from` row has.
 */
export interface GraphRelationship {
  readonly kind: 'foreignKey' | 'manyToMany'
  readonly from: string
  readonly to: string
  /** foreignKey: `from`'s key columns; manyToMany: the association table's column pointing at `from`, then at `to`. */
  readonly columns: readonly string[]
  /** foreignKey: the `to` columns referenced. manyToMany: the key columns of `from` and `to` the association references. */
  readonly referencedColumns: readonly string[]
  readonly fromCardinality: Cardinality
  readonly toCardinality: Cardinality
  /** manyToMany: the association table's id. */
  readonly through?: string
  /** The declared relationships this line stands for (none for a foreign key without one). */
  readonly relationships: readonly GraphRelationshipName[]
}

/** The models drawn as plain data: what {@link renderSvg} and {@link renderMermaid} read. */
export interface ModelGraph {
  /** In dependency order per bind: referenced tables before the tables referencing them. */
  readonly tables: readonly GraphTable[]
  /** Foreign keys in table order, then many-to-many relationships in declaration order. */
  readonly relationships: readonly GraphRelationship[]
}

/** What {@link modelGraph} reads: the plugin's `models` option (models, tables, `relations()`), or a registry. */
export type ModelGraphInput = Readonly<Record<string, AnyModel | ModelRelations>> | ModelRegistry

/**
 * The tables, columns and relationships of an app's models, with cardinalities, as plain
 * data (JSON-serializable). Validates the models as the plugin does: a foreign key to an
 * unregistered table throws the same `ModelDefinitionError`.
 *
 * @example
 * ```ts
 * import { modelGraph, renderSvg } from 'fastify-orm'
 * import { models } from './models.ts'
 * const svg = renderSvg(modelGraph(models))
 * ```
 */
export function modelGraph (models: ModelGraphInput): ModelGraph {
  const registry = models instanceof ModelRegistry ? models : new ModelRegistry(models)
  const registered = registry.binds.flatMap((bind) => registry.tablesOf(bind))
  const idOf = (table: { readonly bind: string, readonly tableName: string }): string =>
    table.bind === 'default' ? table.tableName : `${table.bind}.${table.tableName}`
  const byName = new Map(registered.map((table) => [`${table.bind}\u0000${table.tableName}`, table]))
  const depths = foreignKeyDepths(registered, (table, name) => byName.get(`${table.bind}\u0000${name}`))

  const tables = registered.map((table): GraphTable => ({
    id: idOf(table),
    tableName: table.tableName,
    modelName: table.modelName,
    bind: table.bind,
    depth: depths.get(table) ?? 0,
    columns: table.columns.map((column): GraphColumn => {
      const fk = table.foreignKeys.find((candidate) => candidate.columns.length === 1 && candidate.columns[0] === column.name)
      return {
        name: column.name,
        property: column.property,
        type: typeLabel(column.config),
        ...(column.config.kind === 'enum' && column.config.values ? { values: [...column.config.values] } : {}),
        primaryKey: table.primaryKey.columns.includes(column.name),
        ...(fk ? { foreignKey: { table: idOf({ bind: table.bind, tableName: fk.referencedTable }), column: fk.referencedColumns[0] ?? '' } } : {}),
        nullable: column.config.nullable,
        unique: isUnique(table, [column.name])
      }
    })
  }))

  const declared = registered.flatMap((table) => [...table.relations.values()])
  const relationships: GraphRelationship[] = []
  for (const table of registered) {
    for (const fk of table.foreignKeys) {
      const riding = declared.filter((relation) => relation.kind !== 'manyToMany' && childOf(relation) === table && relation.foreignKey.column === fk.columns[0] && fk.columns.length === 1)
      const nullable = fk.columns.some((name) => table.columns.find((column) => column.name === name)?.config.nullable === true)
      const single = isUnique(table, fk.columns) || riding.some((relation) => relation.kind === 'hasOne')
      relationships.push({
        kind: 'foreignKey',
        from: idOf(table),
        to: idOf({ bind: table.bind, tableName: fk.referencedTable }),
        columns: [...fk.columns],
        referencedColumns: [...fk.referencedColumns],
        fromCardinality: single ? '0..1' : '*',
        toCardinality: nullable ? '0..1' : '1',
        relationships: riding.map(nameOf)
      })
    }
  }
  const manyToMany = new Map<string, { edge: GraphRelationship, relationships: GraphRelationshipName[] }>()
  for (const relation of declared) {
    const through = relation.through
    if (relation.kind !== 'manyToMany' || !through) continue
    const ends = [`${idOf(relation.source)}.${through.source.column}`, `${idOf(relation.target)}.${through.target.column}`]
    const key = `${idOf(through.table)}\u0000${[...ends].sort().join('\u0000')}`
    const existing = manyToMany.get(key)
    if (existing) {
      existing.relationships.push(nameOf(relation))
      continue
    }
    const referenced = (side: RegisteredTable, column: string): string =>
      through.table.foreignKeys.find((fk) => fk.columns[0] === column && fk.referencedTable === side.tableName)?.referencedColumns[0] ?? ''
    manyToMany.set(key, {
      relationships: [nameOf(relation)],
      edge: {
        kind: 'manyToMany',
        from: idOf(relation.source),
        to: idOf(relation.target),
        columns: [through.source.column, through.target.column],
        referencedColumns: [referenced(relation.source, through.source.column), referenced(relation.target, through.target.column)],
        fromCardinality: '*',
        toCardinality: '*',
        through: idOf(through.table),
        relationships: []
      }
    })
  }
  for (const { edge, relationships: names } of manyToMany.values()) relationships.push({ ...edge, relationships: names })
  return { tables, relationships }
}

/** The table holding the foreign key of a belongsTo / hasMany / hasOne relationship. */
function childOf (relation: ResolvedRelation): RegisteredTable {
  return relation.kind === 'belongsTo' ? relation.source : relation.target
}

function nameOf (relation: ResolvedRelation): GraphRelationshipName {
  return { model: relation.source.modelName, name: relation.name, kind: relation.kind }
}

/** Whether at most one row can hold each value of `columns`: a key, UNIQUE constraint or unique index within them. */
function isUnique (table: RegisteredTable, columns: readonly string[]): boolean {
  const keys = [table.primaryKey, ...table.uniques, ...table.indexes.filter((index) => index.unique)]
  return keys.some((key) => key.columns.length > 0 && key.columns.every((column) => columns.includes(column)))
}

/** Each table's foreign-key depth; self-references and cycles do not deepen it. */
function foreignKeyDepths (
  tables: readonly RegisteredTable[],
  parentOf: (table: RegisteredTable, name: string) => RegisteredTable | undefined
): Map<RegisteredTable, number> {
  const depths = new Map<RegisteredTable, number>()
  const visiting = new Set<RegisteredTable>()
  const depth = (table: RegisteredTable): number => {
    const known = depths.get(table)
    if (known !== undefined) return known
    if (visiting.has(table)) return 0 // a cycle: break it here
    visiting.add(table)
    let result = 0
    for (const fk of table.foreignKeys) {
      const parent = parentOf(table, fk.referencedTable)
      if (parent && parent !== table) result = Math.max(result, depth(parent) + 1)
    }
    visiting.delete(table)
    depths.set(table, result)
    return result
  }
  tables.forEach(depth)
  return depths
}

/** A short, dialect-neutral SQL type for a column. */
export function typeLabel (config: ColumnConfig): string {
  switch (config.kind) {
    case 'integer': return 'integer'
    case 'bigInteger': return 'bigint'
    case 'float': return 'float'
    case 'numeric': return `numeric(${config.precision ?? 12},${config.scale ?? 2})`
    case 'boolean': return 'boolean'
    case 'string': return `varchar(${config.length ?? 255})`
    case 'text': return 'text'
    case 'dateTime': return config.withTimezone === true ? 'timestamptz' : 'timestamp'
    case 'date': return 'date'
    case 'json': return 'json'
    case 'binary': return 'binary'
    case 'uuid': return 'uuid'
    case 'enum': return 'enum'
    case 'array': return `${config.element ? typeLabel(config.element) : 'unknown'}[]`
  }
}
