import { CircularDependencyError } from '../errors.ts'
import type { ResolvedRelation } from '../model/registry.ts'
import type { EntityMapper } from '../mapping/entity-mapper.ts'

export type Entity = Record<string, unknown>

/** What the graph walks need from the unit of work. */
export interface TrackedGraph {
  /** Every tracked entity with its mapper and status. */
  entries (): Iterable<[Entity, { readonly mapper: EntityMapper, readonly status: string }]>
  isTracked (entity: Entity): boolean
  /** new, persistent or deleted; undefined when not tracked. */
  statusOf (entity: Entity): string | undefined
  mapperOfRelation (relation: ResolvedRelation): EntityMapper
  addNew (mapper: EntityMapper, entity: Entity): void
  markDeleted (entity: Entity): void
  /** The members a collection had when it was loaded or last flushed. */
  collectionSnapshot (entity: Entity, relation: string): readonly Entity[] | undefined
  /** A column's value when the object was loaded or last flushed; undefined for a new object. */
  originalValue (entity: Entity, property: string): { readonly value: unknown } | undefined
  /** The mapper of a tracked object. */
  mapperOf (entity: Entity): EntityMapper | undefined
  /** The tracked object of a single-column key, if the session has it. */
  lookup (mapper: EntityMapper, key: unknown): Entity | undefined
}

/** A parent-side relationship (`hasMany`/`hasOne`) holding an object: `user.posts` holding a post. */
export interface ParentLink {
  readonly parent: Entity
  readonly parentMapper: EntityMapper
  readonly relation: ResolvedRelation
  /** True when the object joined the collection since it was loaded or last flushed. */
  readonly added: boolean
}

/** The loaded collections of live (not deleted) parents: who holds each object now, and who let it go. */
export interface Memberships {
  readonly current: Map<Entity, ParentLink[]>
  readonly removed: Map<Entity, ParentLink[]>
}

/**
 * The parent an object's foreign-key property must point at after the flush: `null` for
 * none, `undefined` for a row this session has not loaded (the key was assigned directly).
 */
export interface Ownership {
  readonly property: string
  readonly parent: Entity | null | undefined
  readonly parentMapper: EntityMapper | undefined
}

/** Each object's resolved parents, one per foreign-key property that relationships involve. */
export type Ownerships = Map<Entity, Ownership[]>

/** The related objects a loaded relationship holds (none when it is not loaded). */
export function membersOf (mapper: EntityMapper, entity: Entity, relation: ResolvedRelation): Entity[] {
  if (!mapper.isLoaded(entity, relation.name)) return []
  const value = entity[relation.name]
  if (Array.isArray(value)) return value as Entity[]
  return value === null || value === undefined ? [] : [value as Entity]
}

/**
 * Save-update cascade: objects reachable through loaded relationships of tracked objects
 * join the session as new (adding a user adds the posts in `user.posts`).
 */
export function cascadeSaveUpdate (graph: TrackedGraph): void {
  let found: Array<[EntityMapper, Entity]>
  do {
    // Collected first, added after the walk: the tracked set must not change under it.
    found = []
    for (const [entity, { mapper, status }] of graph.entries()) {
      if (status === 'deleted' || mapper.relations.length === 0) continue
      for (const relation of mapper.relations) {
        for (const member of membersOf(mapper, entity, relation)) {
          if (!graph.isTracked(member)) found.push([graph.mapperOfRelation(relation), member])
        }
      }
    }
    for (const [mapper, member] of found) graph.addNew(mapper, member)
  } while (found.length > 0)
}

/** Who holds whom, from the loaded `hasMany`/`hasOne` collections compared with their snapshots. */
export function collectMemberships (graph: TrackedGraph): Memberships {
  const memberships: Memberships = { current: new Map(), removed: new Map() }
  for (const [entity, { mapper, status }] of graph.entries()) {
    if (status === 'deleted') continue
    for (const relation of mapper.relations) {
      if ((relation.kind !== 'hasMany' && relation.kind !== 'hasOne') || !mapper.isLoaded(entity, relation.name)) continue
      const current = membersOf(mapper, entity, relation)
      const previous = graph.collectionSnapshot(entity, relation.name) ?? []
      const before = new Set(previous)
      const now = new Set(current)
      for (const member of current) append(memberships.current, member, { parent: entity, parentMapper: mapper, relation, added: !before.has(member) })
      for (const member of previous) {
        if (!now.has(member)) append(memberships.removed, member, { parent: entity, parentMapper: mapper, relation, added: false })
      }
    }
  }
  return memberships
}

/**
 * Decides, for every live object and foreign-key property, which parent the key must point
 * at. Both sides of a relationship can say it (`post.author = user`, `user.posts.push(post)`),
 * and one of them may be stale, so what changed since the last load or flush wins:
 *
 * 1. joining a parent's collection (`user.posts.push(post)`);
 * 2. reassigning the `belongsTo` (`post.author = user`; always, for a new object);
 * 3. assigning the key property itself (`post.userId = 2`): kept, the parent being that
 *    row's object when the session has it;
 * 4. leaving every collection it was in (`user.posts.splice(…)`): no parent (key set to
 *    null, or deleted by delete-orphan);
 * 5. otherwise the collection that still holds it.
 */
export function resolveOwnerships (graph: TrackedGraph, memberships: Memberships): Ownerships {
  const ownerships: Ownerships = new Map()
  for (const [entity, { mapper, status }] of graph.entries()) {
    if (status === 'deleted') continue
    // The common case of a flush of many rows: no relationship on either side.
    if (mapper.relations.length === 0 && !memberships.current.has(entity) && !memberships.removed.has(entity)) continue
    const properties = new Set<string>()
    for (const relation of mapper.relations) if (relation.kind === 'belongsTo') properties.add(relation.foreignKey.property)
    for (const link of memberships.current.get(entity) ?? []) properties.add(link.relation.foreignKey.property)
    for (const link of memberships.removed.get(entity) ?? []) properties.add(link.relation.foreignKey.property)
    const list: Ownership[] = []
    for (const property of properties) {
      const ownership = ownershipOf(graph, mapper, entity, property, memberships)
      if (ownership) list.push(ownership)
    }
    if (list.length > 0) ownerships.set(entity, list)
  }
  return ownerships
}

function ownershipOf (graph: TrackedGraph, mapper: EntityMapper, entity: Entity, property: string, memberships: Memberships): Ownership | undefined {
  const onProperty = (link: ParentLink): boolean => link.relation.foreignKey.property === property
  const links = (memberships.current.get(entity) ?? []).filter(onProperty)
  const joined = links.filter((link) => link.added).at(-1)
  if (joined) return { property, parent: joined.parent, parentMapper: joined.parentMapper }
  const original = graph.originalValue(entity, property)
  const removed = (memberships.removed.get(entity) ?? []).filter(onProperty)
  let parentMapper = links[0]?.parentMapper ?? removed[0]?.parentMapper
  for (const relation of mapper.relations) {
    if (relation.kind !== 'belongsTo' || relation.foreignKey.property !== property) continue
    const targetMapper = parentMapper = graph.mapperOfRelation(relation)
    if (!mapper.isLoaded(entity, relation.name)) continue
    const target = entity[relation.name] as Entity | null
    const key = target === null ? null : keyOf(targetMapper, target)
    // A new target has no key yet: that is a change too.
    const changed = original === undefined || (target !== null && key === undefined) || !sameKey(key, original.value)
    if (changed) return { property, parent: target, parentMapper: targetMapper }
  }
  if (original !== undefined && !sameKey(entity[property], original.value)) {
    const value = entity[property]
    if (value === null || value === undefined) return { property, parent: null, parentMapper }
    return { property, parent: parentMapper && graph.lookup(parentMapper, value), parentMapper }
  }
  if (links.length === 0 && removed.length > 0) return { property, parent: null, parentMapper: undefined }
  const kept = links.at(-1)
  return kept ? { property, parent: kept.parent, parentMapper: kept.parentMapper } : undefined
}

/**
 * delete-orphan: a member removed from a `deleteOrphan` collection (or replaced in a
 * `hasOne`) that no other parent took is deleted. delete: members of a deleted parent's
 * `delete`-cascading relationships are deleted too, unless they were moved to another
 * parent (they must be loaded; the database's ON DELETE handles the others).
 */
export function cascadeDeletes (graph: TrackedGraph, memberships: Memberships, ownerships: Ownerships): void {
  const ownerOf = (entity: Entity, property: string): Ownership | undefined => ownerships.get(entity)?.find((o) => o.property === property)
  for (const [child, links] of memberships.removed) {
    for (const link of links) {
      if (link.relation.cascade.deleteOrphan && graph.isTracked(child) && ownerOf(child, link.relation.foreignKey.property)?.parent === null) graph.markDeleted(child)
    }
  }
  const queue: Array<{ entity: Entity, mapper: EntityMapper }> = []
  for (const [entity, state] of graph.entries()) if (state.status === 'deleted') queue.push({ entity, mapper: state.mapper })
  const seen = new Set<Entity>()
  while (queue.length > 0) {
    const { entity, mapper } = queue.pop() as { entity: Entity, mapper: EntityMapper }
    if (seen.has(entity)) continue
    seen.add(entity)
    for (const relation of mapper.relations) {
      if ((relation.kind !== 'hasMany' && relation.kind !== 'hasOne') || !relation.cascade.delete) continue
      for (const member of membersOf(mapper, entity, relation)) {
        const owner = ownerOf(member, relation.foreignKey.property)
        if (owner !== undefined && owner.parent !== entity) continue
        if (graph.isTracked(member)) graph.markDeleted(member)
        queue.push({ entity: member, mapper: graph.mapperOfRelation(relation) })
      }
    }
  }
}

/**
 * Sets an object's foreign keys (and `belongsTo` relationships) from its resolved parents.
 * A parent the session has not loaded leaves the relationship unloaded.
 */
export function syncForeignKeys (mapper: EntityMapper, entity: Entity, ownerships: Ownerships): void {
  for (const { property, parent, parentMapper } of ownerships.get(entity) ?? []) {
    if (parent !== undefined) entity[property] = parent === null ? null : keyOf(parentMapper as EntityMapper, parent)
    for (const relation of mapper.relations) {
      if (relation.kind !== 'belongsTo' || relation.foreignKey.property !== property) continue
      if (parent !== undefined) entity[relation.name] = parent
      else delete entity[relation.name]
    }
  }
}

/**
 * After a flush, the loaded collections follow the keys that were written: an object leaves
 * the collections of its former parents and joins its parent's (SQLAlchemy's backrefs).
 */
export function syncCollections (graph: TrackedGraph, memberships: Memberships, ownerships: Ownerships): void {
  for (const [child, list] of ownerships) {
    const childMapper = graph.mapperOf(child)
    if (!childMapper) continue
    for (const { property, parent } of list) {
      for (const link of memberships.current.get(child) ?? []) {
        if (link.relation.foreignKey.property === property && link.parent !== parent) removeMember(link.parent, link.relation, child)
      }
      const parentMapper = parent === null || parent === undefined ? undefined : graph.mapperOf(parent)
      if (!parent || !parentMapper) continue
      for (const relation of parentMapper.relations) {
        if ((relation.kind !== 'hasMany' && relation.kind !== 'hasOne') || relation.foreignKey.property !== property) continue
        if (relation.target.tableName !== childMapper.table.tableName || !parentMapper.isLoaded(parent, relation.name)) continue
        if (relation.kind === 'hasOne') parent[relation.name] = child
        else if (!(parent[relation.name] as Entity[]).includes(child)) (parent[relation.name] as Entity[]).push(child)
      }
    }
  }
}

function removeMember (parent: Entity, relation: ResolvedRelation, child: Entity): void {
  const value = parent[relation.name]
  if (Array.isArray(value)) {
    const index = value.indexOf(child)
    if (index >= 0) value.splice(index, 1)
  } else if (value === child) {
    parent[relation.name] = null
  }
}

/**
 * Splits the new objects of one table into insert rounds so that an object referencing
 * another new object of the same table (a manager and their report) comes after it.
 */
export function insertRounds (mapper: EntityMapper, entities: readonly Entity[], ownerships: Ownerships): Entity[][] {
  if (!entities.some((entity) => ownerships.has(entity))) return [entities as Entity[]]
  const pending = new Set(entities)
  const dependsOn = new Map<Entity, Entity[]>()
  for (const entity of entities) {
    const parents = (ownerships.get(entity) ?? []).map((ownership) => ownership.parent)
    dependsOn.set(entity, parents.filter((parent): parent is Entity => parent !== null && parent !== undefined && parent !== entity && pending.has(parent)))
  }
  const rounds: Entity[][] = []
  const done = new Set<Entity>()
  while (done.size < entities.length) {
    const round = entities.filter((entity) => !done.has(entity) && (dependsOn.get(entity) ?? []).every((dep) => done.has(dep)))
    if (round.length === 0) {
      throw new CircularDependencyError(mapper.table.modelName)
    }
    round.forEach((entity) => done.add(entity))
    rounds.push(round)
  }
  return rounds
}

function keyOf (mapper: EntityMapper, entity: Entity): unknown {
  const [key] = mapper.keyColumns
  return key === undefined ? undefined : entity[key.property]
}

/** Keys compare as text, so that 42 and '42' (or 42n) are the same parent. */
function sameKey (a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null)
  return String(a) === String(b)
}

/** Appends `value` to the list of `key`, creating it. */
export function append<K, V> (map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
