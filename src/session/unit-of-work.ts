import { sql } from 'kysely'
import { UntrackedObjectError } from '../errors.ts'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import type { AnyModel } from '../model/define-model.ts'
import type { ResolvedRelation } from '../model/registry.ts'
import { countChange, type ModelChanges, type UncommittedChanges } from './change-counts.ts'
import { followDatabaseDeletes, forgetDeleted } from './database-deletes.ts'
import { settleDeletedParents } from './delete-cascade.ts'
import type { EntityState } from './entity-state.ts'
import { chunksOf, deleteRows, insertRows, MAX_PARAMETERS, updateRow, type FlushTarget } from './flush-statements.ts'
import { restore, undoOf, type InsertedBatch, type InsertUndo } from './insert-undo.ts'
import { writeLinks } from './link-writes.ts'
import {
  append, cascadeDeletes, cascadeSaveUpdate, collectMemberships, insertRounds, membersOf, resolveOwnerships, syncCollections, syncForeignKeys,
  type Entity, type Ownerships, type TrackedGraph
} from './object-graph.ts'

/** What one flush wrote, for logs and tests. */
export interface FlushResult {
  readonly inserted: number
  readonly updated: number
  readonly deleted: number
}

const NO_DELETES: ReadonlyMap<string, Entity[]> = new Map()

/** Where a session finds the mapper of a model: its engine. */
export interface MapperSource {
  mapperOf: (model: AnyModel) => EntityMapper
}

/**
 * The session's memory: which entities it knows (new, persistent, deleted), one object per
 * row (the identity map, keyed by table and primary key), and how to write the differences
 * (flush). Entities are plain objects; their state lives here, not on them.
 */
export class UnitOfWork {
  readonly #states = new Map<Entity, EntityState>()
  /** The identity map, keyed by {@link EntityMapper.identityKey}: one Map for all tables. */
  readonly #identity = new Map<string, Entity>()
  /** Members of loaded collections when loaded or last flushed: what delete-orphan and unlinking compare with. */
  #collections: Map<Entity, Map<string, readonly Entity[]>> | undefined
  readonly #mappers: MapperSource
  #graphView: TrackedGraph | undefined
  /** Objects inserted in the open transaction, with the column properties the INSERT filled in. */
  readonly #inserted: InsertedBatch[] = []
  /** What flushes wrote in the open transaction, by model; undefined until a flush writes. */
  #flushed: Map<string, ModelChanges> | undefined
  /** True once an object of a model with validators, hooks or `onUpdate` columns is tracked. */
  #behaviours = false

  constructor (mappers: MapperSource) {
    this.#mappers = mappers
  }

  /** The object-graph walks' view of the session; made at the first flush (most requests only read). */
  get #graph (): TrackedGraph {
    this.#graphView ??= {
      entries: () => this.#states.entries(),
      isTracked: (entity) => this.#states.has(entity),
      statusOf: (entity) => this.#states.get(entity)?.status,
      mapperOfRelation: (relation) => this.#mappers.mapperOf(relation.target.model),
      addNew: (mapper, entity) => this.add(mapper, entity),
      markDeleted: (entity) => this.delete(entity),
      collectionSnapshot: (entity, relation) => this.#collections?.get(entity)?.get(relation),
      originalValue: (entity, property) => {
        const state = this.#states.get(entity)
        if (state?.snapshot === undefined || state.status === 'new') return undefined
        const index = state.mapper.columns.findIndex((column) => column.property === property)
        return index < 0 ? undefined : { value: state.snapshot[index] }
      },
      mapperOf: (entity) => this.#states.get(entity)?.mapper,
      lookup: (mapper, key) => this.lookup(mapper, mapper.keyFromValues([key]) as string)
    }
    return this.#graphView
  }

  /**
   * Registers a new entity, to be inserted at the next flush. Its collections start empty
   * and a `hasOne` or a `belongsTo` without a key starts as null: a new row has no
   * related rows yet (left out of JSON until assigned or filled, see `startRelation`).
   */
  add (mapper: EntityMapper, entity: Entity): void {
    const state = this.#states.get(entity)
    if (state) {
      if (state.status === 'deleted') state.status = 'persistent'
      return
    }
    mapper.applyDefaults(entity)
    if (mapper.behaviour !== undefined) this.#behaviours = true
    if (Object.getPrototypeOf(entity) === Object.prototype) Object.setPrototypeOf(entity, Object.getPrototypeOf(mapper.create()))
    for (const relation of mapper.relations) {
      if (mapper.isLoaded(entity, relation.name)) continue
      if (relation.kind === 'hasMany' || relation.kind === 'manyToMany') mapper.startRelation(entity, relation.name, [])
      else if (relation.kind === 'hasOne') mapper.startRelation(entity, relation.name, null)
      else if (entity[relation.foreignKey.property] === undefined || entity[relation.foreignKey.property] === null) mapper.startRelation(entity, relation.name, null)
    }
    this.#states.set(entity, { mapper, status: 'new', snapshot: undefined, key: undefined })
  }

  /** Remembers a loaded collection's members (see {@link UnitOfWork.flush}). */
  snapshotCollection (entity: Entity, relation: string, members: readonly Entity[]): void {
    const collections = this.#collections ??= new Map()
    let byRelation = collections.get(entity)
    if (!byRelation) collections.set(entity, byRelation = new Map())
    byRelation.set(relation, [...members])
  }

  /**
   * Collections and `hasOne`s of loaded objects that were assigned without ever being loaded
   * (`post.tags = [tag]`), by mapper and relationship: the flush must read what they hold in
   * the database first, to unlink or orphan what the assignment left out.
   */
  assignedUnloaded (): Array<{ mapper: EntityMapper, relation: ResolvedRelation, entities: Entity[] }> {
    const found = new Map<ResolvedRelation, { mapper: EntityMapper, relation: ResolvedRelation, entities: Entity[] }>()
    for (const [entity, state] of this.#states) {
      if (state.status !== 'persistent') continue
      for (const relation of state.mapper.relations) {
        if (relation.kind === 'belongsTo' || !state.mapper.isLoaded(entity, relation.name)) continue
        if (this.#collections?.get(entity)?.has(relation.name) === true) continue
        let group = found.get(relation)
        if (!group) found.set(relation, group = { mapper: state.mapper, relation, entities: [] })
        group.entities.push(entity)
      }
    }
    return [...found.values()]
  }

  /** The mapper of a model (for loading relationships). */
  mapperOf (model: AnyModel): EntityMapper {
    return this.#mappers.mapperOf(model)
  }

  /** Marks an entity for DELETE at the next flush; a new entity is simply forgotten. */
  delete (entity: Entity): void {
    if (this.#states.get(entity)?.status === 'deleted') return
    const state = this.#states.get(entity)
    if (!state) throw new UntrackedObjectError('delete() was given an object this session does not know: load it through this session (get/query) first.')
    if (state.status === 'new') this.#states.delete(entity)
    else state.status = 'deleted'
  }

  /** Forgets an entity: it is no longer tracked, flushed or returned by `get`. */
  expunge (entity: Entity): void {
    const state = this.#states.get(entity)
    if (!state) return
    this.#states.delete(entity)
    this.#collections?.delete(entity)
    if (state.key !== undefined) this.#identity.delete(state.mapper.identityKey(state.key))
  }

  /** Where a savepoint starts, for {@link rolledBack}. */
  get insertMark (): number {
    return this.#inserted.length
  }

  /** The transaction committed: inserted rows are there to stay. */
  committed (): void {
    this.#inserted.length = 0
    this.#flushed = undefined
  }

  /**
   * Changes no COMMIT made permanent: objects added, changed or deleted since the last
   * flush, and what flushes wrote in the transaction still open. Empty lists when none.
   */
  uncommittedChanges (): UncommittedChanges {
    const unflushed = new Map<string, ModelChanges>()
    for (const [entity, state] of this.#states) {
      const kind = state.status === 'new'
        ? 'new'
        : state.status === 'deleted'
          ? 'deleted'
          : state.mapper.changes(entity, state.snapshot as unknown[]) !== undefined || this.#relationsChanged(entity, state.mapper) ? 'changed' : undefined
      if (kind !== undefined) countChange(unflushed, state.mapper.table.modelName, kind)
    }
    return { unflushed: [...unflushed.values()], flushed: [...this.#flushed?.values() ?? []] }
  }

  /**
   * The transaction (or the savepoint that began at `mark`) was rolled back: objects it
   * inserted lose the keys and server defaults the INSERT gave them (their rows are gone),
   * and every object is forgotten, since none is known to match the database any more.
   */
  rolledBack (mark = 0): void {
    // A savepoint's rollback leaves the transaction's earlier writes; they stay counted.
    if (mark === 0) this.#flushed = undefined
    // The columns the INSERT filled in (keys, server defaults) had no value before it.
    for (const { mapper, entities, undo } of this.#inserted.splice(mark)) {
      entities.forEach((entity, i) => {
        const { values } = undo[i] as InsertUndo
        mapper.columns.forEach((column, c) => { if (values[c] === undefined) delete entity[column.property] })
      })
    }
    this.clear()
  }

  /** Forgets everything. */
  clear (): void {
    this.#states.clear()
    this.#identity.clear()
    this.#collections = undefined
  }

  /** The tracked entity for a key, if any (deleted ones excluded). */
  lookup (mapper: EntityMapper, key: string): Entity | undefined {
    const entity = this.#identity.get(mapper.identityKey(key))
    return entity !== undefined && this.#states.get(entity)?.status !== 'deleted' ? entity : undefined
  }

  /**
   * The entity for a row read from the database: the one already in the identity map
   * (unchanged — pending edits are never overwritten by a read), or a new tracked one.
   */
  load (mapper: EntityMapper, row: Readonly<Record<string, unknown>>): Entity {
    const key = mapper.keyOfRow(row)
    if (key !== undefined) {
      const known = this.#identity.get(mapper.identityKey(key))
      if (known !== undefined) return known
    }
    const entity = mapper.hydrate(row)
    this.#track(entity, mapper, key)
    return entity
  }

  /** {@link load} for a row read by position: the model's columns from `start` on (see `EntityMapper.hydrateValues`). */
  loadValues (mapper: EntityMapper, values: readonly unknown[], start: number): Entity {
    const key = mapper.keyOfValues(values, start)
    if (key !== undefined) {
      const known = this.#identity.get(mapper.identityKey(key))
      if (known !== undefined) return known
    }
    const entity = mapper.hydrateValues(values, start)
    this.#track(entity, mapper, key)
    return entity
  }

  /** Overwrites an entity with a fresh row and forgets its pending changes. */
  reload (entity: Entity, row: Readonly<Record<string, unknown>>): void {
    const state = this.#requireState(entity)
    state.mapper.hydrate(row, entity)
    state.snapshot = state.mapper.snapshot(entity)
  }

  /** The mapper and key of a tracked entity. */
  stateOf (entity: Entity): { readonly mapper: EntityMapper, readonly key: string | undefined, readonly status: string } {
    return this.#requireState(entity)
  }

  /**
   * The next flush is exactly one INSERT: one new object, of a model without
   * relationships, and nothing else tracked. Such a statement is atomic by itself.
   */
  get isLoneInsert (): boolean {
    if (this.#states.size !== 1) return false
    const [state] = this.#states.values() as Iterable<EntityState>
    // An afterInsert hook may fail after the INSERT: only a transaction can undo it.
    if (state?.status !== 'new' || state.mapper.behaviour?.hooks.afterInsert !== undefined) return false
    const [entity] = this.#states.keys() as Iterable<Entity>
    return this.#holdsNoRelated(entity as Entity, state.mapper)
  }

  /**
   * Whether a new object's relationships hold nothing (null, an empty collection, never
   * set), so that its flush is its INSERT alone, as for a model without relationships.
   */
  #holdsNoRelated (entity: Entity, mapper: EntityMapper): boolean {
    for (const relation of mapper.relations) {
      if (!mapper.isLoaded(entity, relation.name)) continue
      const value = entity[relation.name]
      if (value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0)) return false
    }
    return true
  }

  /** True when a flush would write something: new or deleted objects, changed columns or relationships. */
  get hasChanges (): boolean {
    for (const [entity, state] of this.#states) {
      if (state.status !== 'persistent') return true
      if (state.mapper.changes(entity, state.snapshot as unknown[]) !== undefined) return true
      if (this.#relationsChanged(entity, state.mapper)) return true
    }
    return false
  }

  #relationsChanged (entity: Entity, mapper: EntityMapper): boolean {
    for (const relation of mapper.relations) {
      if (!mapper.isLoaded(entity, relation.name)) continue
      const value = entity[relation.name]
      if (relation.kind === 'belongsTo') {
        const target = value as Entity | null
        const key = target === null ? null : target[this.#mappers.mapperOf(relation.target.model).keyColumns[0]?.property as string]
        if (key !== entity[relation.foreignKey.property]) return true
        continue
      }
      const current = membersOf(mapper, entity, relation)
      const previous = this.#collections?.get(entity)?.get(relation.name)
      // Assigned without being loaded: what it replaces is read at flush (see assignedUnloaded).
      if (previous === undefined) return true
      if (current.length !== previous.length || current.some((member, i) => member !== previous[i] || !this.#states.has(member))) return true
    }
    return false
  }

  /**
   * Writes every change, in five steps:
   *
   * 1. the object graph: objects reachable through loaded relationships join as new
   *    (save-update), each object's parent is resolved from both sides of its relationships
   *    (see `resolveOwnerships`), orphans and cascaded children are deleted, the children
   *    of deleted parents are deleted or get a null key (read first when not loaded; see
   *    `settleDeletedParents`);
   * 2. the models' before-hooks (insert, update, delete), then what to write: `onUpdate`
   *    columns set, every value checked and validated before any statement is sent;
   * 3. what the new objects look like, to put them back if a statement fails;
   * 4. the statements: inserts, parents before children (multi-row INSERT … RETURNING where
   *    the database has it; same-table dependencies in rounds), each object's foreign keys
   *    taken from its parents; updates of changed columns only; many-to-many links;
   *    deletes, children first. On failure the new objects get back their values, and the
   *    caller rolls back; then the after-hooks;
   * 5. only once every statement succeeded, the objects' states: loaded collections follow
   *    the new keys and the database's ON DELETE actions.
   */
  async flush (target: FlushTarget): Promise<FlushResult> {
    // One new object holding no related ones and nothing else tracked (see isLoneInsert), of
    // a model without hooks or validators: its INSERT is the whole flush, and the walks of
    // the object graph below would find nothing to do.
    if (!this.#behaviours && this.isLoneInsert) return await this.#flushLoneInsert(target)
    const graph = this.#graph
    cascadeSaveUpdate(graph)
    const memberships = collectMemberships(graph)
    const ownerships = resolveOwnerships(graph, memberships)
    cascadeDeletes(graph, memberships, ownerships)
    await settleDeletedParents(graph, ownerships, (relation, keys) => this.#loadChildren(target, relation, keys))
    if (this.#behaviours) await this.#runBeforeHooks()
    const { inserts, deletes } = this.#pendingWrites()
    const before = this.#undoOfInserts(inserts)
    let updates: PendingUpdate[]
    let linkChanges: Array<() => void>
    try {
      await this.#insertAll(target, inserts, ownerships)
      updates = await this.#updateAll(target, ownerships)
      linkChanges = await writeLinks(target, graph)
      await this.#deleteAll(target, deletes)
      if (this.#behaviours) await runAfterHooks(before, updates, deletes, (entity) => this.#requireState(entity).mapper)
    } catch (error) {
      for (const { mapper, entities, undo } of before) entities.forEach((entity, i) => { restore(mapper, entity, undo[i] as InsertUndo) })
      throw error
    }
    this.#markInserted(before)
    this.#countFlushed(before, updates, deletes)
    for (const { entity, state } of updates) state.snapshot = state.mapper.snapshot(entity)
    // Loaded collections follow the keys just written (both sides of each relationship).
    syncCollections(graph, memberships, ownerships)
    for (const change of linkChanges) change()
    const deleted = [...deletes.values()].flat()
    const gone = [...deleted, ...followDatabaseDeletes(this.#states, deleted)]
    for (const entity of gone) this.expunge(entity)
    forgetDeleted(this.#states, new Set(gone))
    this.#snapshotAllCollections()
    return { inserted: before.reduce((count, batch) => count + batch.entities.length, 0), updated: updates.length, deleted: deleted.length }
  }

  /** {@link flush} of a lone new object: its checks, its INSERT, its state (the steps of a whole flush that apply to it). */
  async #flushLoneInsert (target: FlushTarget): Promise<FlushResult> {
    const [entity, state] = this.#states.entries().next().value as [Entity, EntityState]
    const mapper = state.mapper
    mapper.assertStorable(entity)
    const batch: InsertedBatch = { mapper, entities: [entity], undo: [undoOf(mapper, entity)] }
    try {
      await insertRows(target, mapper, batch.entities as Entity[])
    } catch (error) {
      restore(mapper, entity, batch.undo[0] as InsertUndo)
      throw error
    }
    this.#markInserted([batch])
    this.#countFlushed([batch], [], NO_DELETES)
    this.#snapshotAllCollections()
    return { inserted: 1, updated: 0, deleted: 0 }
  }

  /**
   * New and deleted objects by table. Values no database could store are refused here,
   * before any statement is sent, alike on every database (SQLite would store what
   * PostgreSQL refuses).
   */
  #pendingWrites (): { inserts: Map<string, Entity[]>, deletes: Map<string, Entity[]> } {
    const inserts = new Map<string, Entity[]>()
    const deletes = new Map<string, Entity[]>()
    for (const [entity, state] of this.#states) {
      const table = state.mapper.table.tableName
      if (state.status === 'new') {
        state.mapper.assertStorable(entity)
        state.mapper.behaviour?.validate(entity)
        append(inserts, table, entity)
      } else if (state.status === 'deleted') {
        append(deletes, table, entity)
      } else {
        let changes = state.mapper.changes(entity, state.snapshot as unknown[])
        if (changes === undefined) continue
        const behaviour = state.mapper.behaviour
        if (behaviour?.applyOnUpdate(entity, changes) === true) changes = state.mapper.changes(entity, state.snapshot as unknown[]) as Record<string, unknown>
        state.mapper.assertStorable(entity, changes)
        behaviour?.validate(entity, changes)
      }
    }
    return { inserts, deletes }
  }

  /** What each new object looks like, to put it back if a statement fails (per table, in the order of its objects). */
  #undoOfInserts (inserts: ReadonlyMap<string, Entity[]>): InsertedBatch[] {
    const before: InsertedBatch[] = []
    for (const entities of inserts.values()) {
      const mapper = this.#requireState(entities[0] as Entity).mapper
      before.push({ mapper, entities, undo: entities.map((entity) => undoOf(mapper, entity)) })
    }
    return before
  }

  /** The rows of a relationship's target whose foreign key holds one of `keys`, as tracked objects (for deletes). */
  async #loadChildren (target: FlushTarget, relation: ResolvedRelation, keys: readonly unknown[]): Promise<Entity[]> {
    const mapper = this.#mappers.mapperOf(relation.target.model)
    const children: Entity[] = []
    for (const chunk of chunksOf(keys, MAX_PARAMETERS)) {
      const { rows } = await target.execute(target.builder.selectFrom(relation.target.tableName).selectAll().where(sql.ref(relation.foreignKey.column), 'in', chunk).compile())
      for (const row of rows) children.push(this.load(mapper, row as Record<string, unknown>))
    }
    return children
  }

  /** The INSERTs, tables parents first; within a table, objects after the new objects they reference. */
  async #insertAll (target: FlushTarget, inserts: ReadonlyMap<string, Entity[]>, ownerships: Ownerships): Promise<void> {
    for (const table of target.tableOrder) {
      const entities = inserts.get(table)
      if (!entities) continue
      const mapper = this.#requireState(entities[0] as Entity).mapper
      for (const round of insertRounds(mapper, entities, ownerships)) {
        for (const entity of round) syncForeignKeys(mapper, entity, ownerships)
        await insertRows(target, mapper, round)
      }
    }
  }

  /** The UPDATEs of loaded objects whose columns (foreign keys included) changed; returns them. */
  async #updateAll (target: FlushTarget, ownerships: Ownerships): Promise<PendingUpdate[]> {
    const updates: PendingUpdate[] = []
    for (const [entity, state] of this.#states) {
      if (state.status !== 'persistent') continue
      syncForeignKeys(state.mapper, entity, ownerships)
      let changes = state.mapper.changes(entity, state.snapshot as unknown[])
      if (changes === undefined) continue
      // A change only found now (a foreign key taken from a new parent) sets `onUpdate` columns too.
      if (state.mapper.behaviour?.applyOnUpdate(entity, changes) === true) changes = state.mapper.changes(entity, state.snapshot as unknown[]) as Record<string, unknown>
      updates.push({ entity, state, changes })
    }
    for (const { entity, state, changes } of updates) await updateRow(target, state.mapper, entity, changes)
    return updates
  }

  /**
   * The before-hooks of the objects about to be written: beforeInsert of new ones,
   * beforeDelete of deleted ones, beforeUpdate of those whose columns or `belongsTo`
   * relationships changed. They run before any value is checked, so what they set is
   * checked and written.
   */
  async #runBeforeHooks (): Promise<void> {
    for (const [entity, state] of [...this.#states]) {
      const hooks = state.mapper.behaviour?.hooks
      if (hooks === undefined) continue
      if (state.status === 'new') {
        if (hooks.beforeInsert !== undefined) await hooks.beforeInsert(entity)
      } else if (state.status === 'deleted') {
        if (hooks.beforeDelete !== undefined) await hooks.beforeDelete(entity)
      } else if (hooks.beforeUpdate !== undefined &&
        (state.mapper.changes(entity, state.snapshot as unknown[]) !== undefined || this.#belongsToChanged(entity, state.mapper))) {
        await hooks.beforeUpdate(entity)
      }
    }
  }

  #belongsToChanged (entity: Entity, mapper: EntityMapper): boolean {
    for (const relation of mapper.relations) {
      if (relation.kind !== 'belongsTo' || !mapper.isLoaded(entity, relation.name)) continue
      const target = entity[relation.name] as Entity | null
      const key = target === null ? null : target[this.#mappers.mapperOf(relation.target.model).keyColumns[0]?.property as string]
      if (key !== entity[relation.foreignKey.property]) return true
    }
    return false
  }

  /** The DELETEs, tables children first. */
  async #deleteAll (target: FlushTarget, deletes: ReadonlyMap<string, Entity[]>): Promise<void> {
    for (const table of [...target.tableOrder].reverse()) {
      const entities = deletes.get(table)
      if (entities) await deleteRows(target, this.#requireState(entities[0] as Entity).mapper, entities)
    }
  }

  /** Inserted objects are persistent now, in the identity map, and undone if the transaction rolls back. */
  #markInserted (batches: readonly InsertedBatch[]): void {
    for (const batch of batches) {
      const { mapper, entities } = batch
      for (const entity of entities) {
        const state = this.#requireState(entity)
        state.status = 'persistent'
        this.#track(entity, mapper, mapper.keyOf(entity))
      }
      this.#inserted.push(batch)
    }
  }

  /** Counts what this flush wrote, for {@link uncommittedChanges}. */
  #countFlushed (inserted: readonly InsertedBatch[], updates: readonly PendingUpdate[], deletes: ReadonlyMap<string, Entity[]>): void {
    if (inserted.length === 0 && updates.length === 0 && deletes.size === 0) return
    const flushed = this.#flushed ??= new Map()
    for (const { mapper, entities } of inserted) countChange(flushed, mapper.table.modelName, 'new', entities.length)
    for (const { state } of updates) countChange(flushed, state.mapper.table.modelName, 'changed')
    for (const entities of deletes.values()) countChange(flushed, this.#requireState(entities[0] as Entity).mapper.table.modelName, 'deleted', entities.length)
  }

  #snapshotAllCollections (): void {
    for (const [entity, state] of this.#states) {
      for (const relation of state.mapper.relations) {
        if (relation.kind === 'belongsTo' || !state.mapper.isLoaded(entity, relation.name)) continue
        this.snapshotCollection(entity, relation.name, membersOf(state.mapper, entity, relation))
      }
    }
  }

  #track (entity: Entity, mapper: EntityMapper, key: string | undefined): void {
    const state = this.#states.get(entity)
    if (state) {
      state.key = key
      state.snapshot = mapper.snapshot(entity)
    } else {
      if (mapper.behaviour !== undefined) this.#behaviours = true
      this.#states.set(entity, { mapper, status: 'persistent', snapshot: mapper.snapshot(entity), key })
    }
    if (key === undefined) return
    this.#identity.set(mapper.identityKey(key), entity)
  }

  #requireState (entity: Entity): EntityState {
    const state = this.#states.get(entity)
    if (!state) throw new UntrackedObjectError('This object is not tracked by the session (never added or loaded, expunged, or the session was rolled back). Load it again through this session.')
    return state
  }
}

/** A loaded object whose columns changed, with the changes. */
interface PendingUpdate {
  readonly entity: Entity
  readonly state: EntityState
  readonly changes: Record<string, unknown>
}

/** The after-hooks of what a flush wrote, once every statement succeeded (still in its transaction). */
async function runAfterHooks (
  inserted: readonly InsertedBatch[], updates: readonly PendingUpdate[], deletes: ReadonlyMap<string, Entity[]>, mapperOf: (entity: Entity) => EntityMapper
): Promise<void> {
  for (const { mapper, entities } of inserted) {
    const hook = mapper.behaviour?.hooks.afterInsert
    if (hook !== undefined) for (const entity of entities) await hook(entity)
  }
  for (const { entity, state } of updates) {
    const hook = state.mapper.behaviour?.hooks.afterUpdate
    if (hook !== undefined) await hook(entity)
  }
  for (const entities of deletes.values()) {
    const hook = mapperOf(entities[0] as Entity).behaviour?.hooks.afterDelete
    if (hook !== undefined) for (const entity of entities) await hook(entity)
  }
}
