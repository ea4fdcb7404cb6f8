import { DependentObjectsError } from '../errors.ts'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import type { ResolvedRelation } from '../model/registry.ts'
import { membersOf, type Entity, type Ownerships, type TrackedGraph } from './object-graph.ts'

/** Reads the rows of a relationship's target whose foreign key holds one of `keys`, as tracked objects. */
export type ChildLoader = (relation: ResolvedRelation, keys: readonly unknown[]) => Promise<Entity[]>

/**
 * What deleting a parent does to the children of its `hasMany`/`hasOne` relationships, as in
 * SQLAlchemy (run after the loaded cascades of `cascadeDeletes`):
 *
 * - `cascade: { delete: true }`: the children are deleted — loaded ones already are, the
 *   others are loaded here to be deleted (and their own children followed);
 * - otherwise their foreign key is set to null (an UPDATE before the parent's DELETE),
 *   loading the children that are not loaded; a key that cannot be null fails the flush
 *   with {@link DependentObjectsError}, before any statement is sent;
 * - left to the database when the relationship has `passiveDeletes`, or when the foreign
 *   key's own `ON DELETE` does the same (`cascade`; `set null` without the delete cascade):
 *   nothing is loaded, and the session follows what the database did.
 *
 * Children moved to another parent in the same flush are left alone.
 */
export async function settleDeletedParents (graph: TrackedGraph, ownerships: Ownerships, loadChildren: ChildLoader): Promise<void> {
  const done = new Set<Entity>()
  let frontier: Entity[] = []
  for (const [entity, { status }] of graph.entries()) if (status === 'deleted') frontier.push(entity)
  while (frontier.length > 0) {
    const next: Entity[] = []
    const toLoad = new Map<ResolvedRelation, Entity[]>()
    for (const parent of frontier) {
      if (done.has(parent)) continue
      done.add(parent)
      const mapper = graph.mapperOf(parent)
      if (!mapper) continue
      for (const relation of mapper.relations) {
        if (relation.kind !== 'hasMany' && relation.kind !== 'hasOne') continue
        if (leftToDatabase(relation)) {
          // The database deletes or nullifies them; loaded children deleted by the cascade still have children of their own.
          if (relation.cascade.delete) for (const child of membersOf(mapper, parent, relation)) if (isDeleted(graph, child)) next.push(child)
          continue
        }
        if (!mapper.isLoaded(parent, relation.name)) {
          const list = toLoad.get(relation)
          if (list) list.push(parent)
          else toLoad.set(relation, [parent])
          continue
        }
        for (const child of membersOf(mapper, parent, relation)) settleChild(graph, ownerships, parent, mapper, relation, child, next)
      }
    }
    for (const [relation, parents] of toLoad) {
      const keyProperty = (graph.mapperOf(parents[0] as Entity) as EntityMapper).keyColumns[0]?.property as string
      const byKey = new Map(parents.map((parent) => [String(parent[keyProperty]), parent]))
      for (const child of await loadChildren(relation, parents.map((parent) => parent[keyProperty]))) {
        const parent = byKey.get(String(child[relation.foreignKey.property]))
        if (parent) settleChild(graph, ownerships, parent, graph.mapperOf(parent) as EntityMapper, relation, child, next)
      }
    }
    frontier = next
  }
}

/** passiveDeletes, or a foreign key whose ON DELETE does what the relationship would. */
function leftToDatabase (relation: ResolvedRelation): boolean {
  if (relation.passiveDeletes) return true
  const onDelete = relation.target.foreignKeys.find((fk) =>
    fk.columns.length === 1 && fk.columns[0] === relation.foreignKey.column && fk.referencedTable === relation.source.tableName)?.onDelete
  return onDelete === 'cascade' || (onDelete === 'set null' && !relation.cascade.delete)
}

function settleChild (graph: TrackedGraph, ownerships: Ownerships, parent: Entity, parentMapper: EntityMapper, relation: ResolvedRelation, child: Entity, next: Entity[]): void {
  if (child === parent || !graph.isTracked(child)) return
  if (isDeleted(graph, child)) {
    next.push(child)
    return
  }
  const property = relation.foreignKey.property
  const list = ownerships.get(child)
  const index = list?.findIndex((ownership) => ownership.property === property) ?? -1
  const owner = index < 0 ? undefined : list?.[index]
  // Moved to another parent (or its key reassigned) in this flush: not a child of the deleted one any more.
  const keepsKey = String(child[property]) === String(parent[parentMapper.keyColumns[0]?.property as string])
  if (owner === undefined ? !keepsKey : owner.parent !== parent && (owner.parent !== undefined || !keepsKey)) return
  if (relation.cascade.delete) {
    graph.markDeleted(child)
    next.push(child)
    return
  }
  const column = relation.target.columns.find((candidate) => candidate.name === relation.foreignKey.column)
  if (column?.config.nullable !== true) throw new DependentObjectsError(parentMapper.table.modelName, relation.name, relation.target.modelName, property)
  child[property] = null
  if (owner !== undefined && list) list[index] = { property, parent: null, parentMapper }
  const childMapper = graph.mapperOf(child)
  for (const inverse of childMapper?.relations ?? []) {
    if (inverse.kind === 'belongsTo' && inverse.foreignKey.property === property && childMapper?.isLoaded(child, inverse.name) === true) child[inverse.name] = null
  }
}

function isDeleted (graph: TrackedGraph, child: Entity): boolean {
  return graph.statusOf(child) === 'deleted'
}
