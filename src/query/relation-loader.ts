import { sql, type CompiledQuery, type Kysely } from 'kysely'
import { InvalidArgumentError, UnknownRelationshipError } from '../errors.ts'
import type { AnyModel } from '../model/define-model.ts'
import type { ResolvedRelation } from '../model/registry.ts'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import type { AnyDatabase } from '../model/infer.ts'
import { declarationsOf } from '../model/relations.ts'
import { cachedStatement } from './statement-cache.ts'

type Entity = Record<string, unknown>

/** Which relationships to load: names, or names with nested specs (`{ posts: { tags: true } }`). */
export type RelationSpec = string | readonly string[] | { readonly [name: string]: true | RelationSpec }

/** What loading needs from the session. */
export interface RelationLoaderContext {
  /** Builds queries (compiled, never executed directly). */
  readonly builder: Kysely<AnyDatabase>
  /** Runs a compiled query on the session's connection (its transaction, if open). */
  execute (query: CompiledQuery): Promise<{ rows: unknown[] }>
  mapperOf (model: AnyModel): EntityMapper
  /** Rows → tracked entities (identity map). */
  load (mapper: EntityMapper, rows: ReadonlyArray<Record<string, unknown>>): Entity[]
  /** One row read by position → its tracked entity: the model's columns from `start` on. */
  loadValues (mapper: EntityMapper, values: readonly unknown[], start: number): Entity
  /** Remembers a collection's members, to find removed ones (delete-orphan, unlinking) at flush. */
  snapshotCollection (entity: Entity, relation: string, members: readonly Entity[]): void
  /** Told of each relationship load, for N+1 detection; may throw to refuse it. */
  relationshipLoaded? (model: string, relationship: string, objects: number): void
}

// Keys per IN list, far below every database's parameter limit.
const IN_CHUNK = 10_000
// Up to this many keys, a relationship's SELECT … IN (…) text is kept per number of keys.
const REUSED_IN_LENGTH = 100
// Names the association table's key in a many-to-many result; not a model column.
const SOURCE_KEY = '__fastify_orm_source'

/** A spec as `[relationship, nested spec]` pairs. */
export function normalize (spec: RelationSpec): Array<[string, RelationSpec | undefined]> {
  if (typeof spec === 'string') return [[spec, undefined]]
  if (Array.isArray(spec)) return (spec as readonly string[]).map((name) => [name, undefined])
  return Object.entries(spec as Record<string, true | RelationSpec>).map(([name, nested]) => [name, nested === true ? undefined : nested])
}

/**
 * Loads relationships of already-loaded entities without N+1 queries: one SELECT per
 * relationship and level (`WHERE key IN (…)`; many-to-many joins its association table),
 * whatever the number of entities. Loaded values become plain properties.
 *
 * @example
 * ```ts
 * await loadRelations(context, userMapper, users, { posts: { tags: true } }) // 2 queries
 * ```
 */
export async function loadRelations (context: RelationLoaderContext, mapper: EntityMapper, entities: readonly Entity[], spec: RelationSpec): Promise<void> {
  if (entities.length === 0) return
  for (const [name, nested] of normalize(spec)) {
    const relation = relationOf(mapper, name)
    context.relationshipLoaded?.(mapper.table.modelName, name, entities.length)
    const targetMapper = context.mapperOf(relation.target.model)
    const loaded = await loadOne(context, mapper, targetMapper, relation, entities)
    if (nested !== undefined) await loadRelations(context, targetMapper, loaded, nested)
  }
}

/** A model's relationship by name; an unknown name is an error listing the known ones. */
export function relationOf (mapper: EntityMapper, name: string): ResolvedRelation {
  const relation = mapper.table.relations.get(name)
  if (!relation) {
    const known = [...mapper.table.relations.keys()]
    // Declared by a relations() call that was not registered: say that, not "no relationship".
    const unregistered = declarationsOf(mapper.table.model).find((declaration) => name in declaration.relations.relations)
    throw new UnknownRelationshipError(mapper.table.modelName, name, known, unregistered)
  }
  return relation
}

async function loadOne (context: RelationLoaderContext, mapper: EntityMapper, targetMapper: EntityMapper, relation: ResolvedRelation, entities: readonly Entity[]): Promise<Entity[]> {
  const kysely = context.builder
  if (relation.kind === 'belongsTo') {
    const targetKey = singleKey(targetMapper)
    const keys = unique(entities.map((entity) => entity[relation.foreignKey.property]))
    const targets = context.load(targetMapper, await selectRowsIn(context, targetMapper, `belongsTo:${targetKey.name}`, keys, (ids) =>
      kysely.selectFrom(targetMapper.table.tableName).selectAll().where(sql.ref(targetKey.name), 'in', ids)))
    const byKey = new Map(targets.map((target) => [String(target[targetKey.property]), target]))
    assignLoaded(context, relation, targetMapper, entities, (entity) => {
      const key = entity[relation.foreignKey.property]
      const target = key === null || key === undefined ? undefined : byKey.get(String(key))
      return target === undefined ? [] : [target]
    })
    return targets
  }
  const { groups, all } = await selectMembers(context, mapper, targetMapper, relation, entities)
  const sourceKey = singleKey(mapper)
  assignLoaded(context, relation, targetMapper, entities, (entity) => groups.get(String(entity[sourceKey.property])) ?? [])
  return unique(all) as Entity[]
}

/**
 * The members a collection or `hasOne` of each entity has in the database, without setting
 * anything on the entities: what a collection assigned without being loaded replaces.
 */
export async function currentMembers (context: RelationLoaderContext, mapper: EntityMapper, relation: ResolvedRelation, entities: readonly Entity[]): Promise<Map<Entity, Entity[]>> {
  const { groups } = await selectMembers(context, mapper, context.mapperOf(relation.target.model), relation, entities)
  const sourceKey = singleKey(mapper)
  return new Map(entities.map((entity) => [entity, groups.get(String(entity[sourceKey.property])) ?? []]))
}

/** The members of a parent-side relationship of `entities`, tracked, grouped by the parent's key. */
async function selectMembers (context: RelationLoaderContext, mapper: EntityMapper, targetMapper: EntityMapper, relation: ResolvedRelation, entities: readonly Entity[]): Promise<{ groups: Map<string, Entity[]>, all: Entity[] }> {
  const kysely = context.builder
  const sourceKey = singleKey(mapper)
  const keys = unique(entities.map((entity) => entity[sourceKey.property]))
  let groups: Map<string, Entity[]>
  let all: Entity[]
  if (relation.kind === 'manyToMany') {
    const through = relation.through as NonNullable<ResolvedRelation['through']>
    const targetKey = singleKey(targetMapper)
    const table = targetMapper.table.tableName
    const rows = await selectRowsIn(context, targetMapper, `through:${through.table.tableName}.${through.source.column}`, keys, (ids) => kysely.selectFrom(table)
      .innerJoin(through.table.tableName, sql.ref(`${through.table.tableName}.${through.target.column}`) as never, sql.ref(`${table}.${targetKey.name}`) as never)
      .selectAll(table)
      .select(sql.ref(`${through.table.tableName}.${through.source.column}`).as(SOURCE_KEY))
      .where(sql.ref(`${through.table.tableName}.${through.source.column}`), 'in', ids)
      .orderBy(sql.ref(`${table}.${targetKey.name}`)))
    all = context.load(targetMapper, rows)
    groups = new Map()
    rows.forEach((row, i) => append(groups, String(row[SOURCE_KEY]), all[i] as Entity))
  } else {
    const column = relation.foreignKey.column
    const rows = await selectRowsIn(context, targetMapper, `members:${column}`, keys, (ids) => kysely.selectFrom(targetMapper.table.tableName).selectAll()
      .where(sql.ref(column), 'in', ids).orderBy(sql.ref(singleKey(targetMapper).name)))
    all = context.load(targetMapper, rows)
    groups = new Map()
    rows.forEach((row, i) => append(groups, String(row[column]), all[i] as Entity))
  }
  return { groups, all }
}

/**
 * Sets a loaded relationship on each parent — the target or null, the first member or
 * null, or the members — and the other side where it is known without a query: each
 * loaded post knows its author; the other side of a one-to-one too (not that of a
 * one-to-many seen from a belongsTo: it would be partial). Both loading strategies end here.
 */
export function assignLoaded (context: Pick<RelationLoaderContext, 'snapshotCollection'>, relation: ResolvedRelation, targetMapper: EntityMapper,
  parents: readonly Entity[], membersOf: (parent: Entity) => readonly Entity[]): void {
  const name = relation.name
  if (relation.kind === 'belongsTo') {
    const inverse = relation.inverse !== undefined && targetMapper.table.relations.get(relation.inverse)?.kind === 'hasOne' ? relation.inverse : undefined
    for (const entity of parents) {
      const target = membersOf(entity)[0] ?? null
      entity[name] = target
      if (target !== null && inverse !== undefined) {
        target[inverse] = entity
        context.snapshotCollection(target, inverse, [entity])
      }
    }
    return
  }
  const inverse = relation.kind !== 'manyToMany' && relation.inverse !== undefined && targetMapper.table.relations.get(relation.inverse)?.kind === 'belongsTo'
    ? relation.inverse
    : undefined
  for (const entity of parents) {
    const members = membersOf(entity)
    entity[name] = relation.kind === 'hasOne' ? members[0] ?? null : [...members]
    context.snapshotCollection(entity, name, members)
    if (inverse !== undefined) for (const member of members) member[inverse] = entity
  }
}

/**
 * Runs `build`'s SELECT for the keys, IN_CHUNK at a time. Its text is reused for the same
 * relationship (`shape`, on `mapper`'s statements) and number of keys up to
 * {@link REUSED_IN_LENGTH}; longer lists are rarer and would keep long texts alive.
 */
async function selectRowsIn (context: RelationLoaderContext, mapper: EntityMapper, shape: string, keys: unknown[], build: (ids: unknown[]) => { compile (): CompiledQuery }): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = []
  for (let start = 0; start < keys.length; start += IN_CHUNK) {
    const ids = keys.slice(start, start + IN_CHUNK)
    const compile = (): CompiledQuery => build(ids).compile()
    const result = await context.execute(ids.length <= REUSED_IN_LENGTH ? cachedStatement(mapper, `in|${shape}|${ids.length}`, ids, compile) : compile())
    rows.push(...result.rows as Array<Record<string, unknown>>)
  }
  return rows
}

export function singleKey (mapper: EntityMapper): { name: string, property: string } {
  const [key, ...rest] = mapper.keyColumns
  if (!key || rest.length > 0) throw new InvalidArgumentError(`${mapper.table.modelName} has a composite primary key; relationships need a single-column key`)
  return { name: key.name, property: key.property }
}

function unique<T> (values: readonly T[]): T[] {
  return [...new Set(values.filter((value) => value !== null && value !== undefined))]
}

function append<K, V> (map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
