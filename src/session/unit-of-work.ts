import { CompiledQuery, sql, type Kysely, type QueryResult, type RawBuilder, type SqlBool } from 'kysely'
import { SessionStateError } from '../errors.ts'
import type { AnyModel } from '../model/define-model.ts'
import type { ResolvedRelation } from '../model/registry.ts'
import type { AnyDatabase } from '../model/infer.ts'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import { keyCondition } from '../mapping/key-condition.ts'
import type { InsertStatements } from '../mapping/insert-statements.ts'
import {
  cascadeDeletes, cascadeSaveUpdate, collectMemberships, insertRounds, membersOf, resolveOwnerships, syncCollections, syncForeignKeys,
  type Entity, type TrackedGraph
} from './object-graph.ts'

interface EntityState {
  readonly mapper: EntityMapper
  status: 'new' | 'persistent' | 'deleted'
  /** Column values when loaded or last flushed (persistent entities only). */
  snapshot: unknown[] | undefined
  key: string | undefined
}

/** Writes of one model that were not committed, for the warning of a session that ends with them. */
export interface ModelChanges {
  readonly model: string
  new: number
  changed: number
  deleted: number
}

/** A session's changes that no COMMIT made permanent: never flushed, or flushed in a transaction still open. */
export interface UncommittedChanges {
  readonly unflushed: readonly ModelChanges[]
  readonly flushed: readonly ModelChanges[]
}

/** What one flush wrote, for logs and tests. */
export interface FlushResult {
  readonly inserted: number
  readonly updated: number
  readonly deleted: number
}

/** What the unit of work needs from its database. */
export interface FlushTarget {
  /** Builds and compiles statements (the engine's Kysely); it never runs them. */
  readonly builder: Kysely<AnyDatabase>
  /** Runs a compiled statement in the session's transaction. */
  readonly execute: (query: CompiledQuery) => Promise<QueryResult<unknown>>
  /** The engine's cache of INSERT texts. */
  readonly inserts: InsertStatements
  readonly supportsReturning: boolean
  /**
   * Rows per INSERT statement; undefined: as many as the parameter limit allows (fewest
   * round trips, for servers). SQLite, in process, is faster with a short statement it
   * prepares once and runs again than with one huge statement it must parse.
   */
  readonly rowsPerInsert: number | undefined
  /** Tables in foreign-key order (parents first); inserts follow it, deletes reverse it. */
  readonly tableOrder: readonly string[]
}

// Bound parameters per statement: under SQLite's 32,766, PostgreSQL's and MySQL's 65,535.
const MAX_PARAMETERS = 30_000

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

  constructor (mappers: MapperSource) {
    this.#mappers = mappers
  }

  /** The object-graph walks' view of the session; made at the first flush (most requests only read). */
  get #graph (): TrackedGraph {
    this.#graphView ??= {
      entries: () => this.#states.entries(),
      isTracked: (entity) => this.#states.has(entity),
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
   * related rows yet.
   */
  add (mapper: EntityMapper, entity: Entity): void {
    const state = this.#states.get(entity)
    if (state) {
      if (state.status === 'deleted') state.status = 'persistent'
      return
    }
    mapper.applyDefaults(entity)
    if (Object.getPrototypeOf(entity) === Object.prototype) Object.setPrototypeOf(entity, Object.getPrototypeOf(mapper.create()))
    for (const relation of mapper.relations) {
      if (mapper.isLoaded(entity, relation.name)) continue
      if (relation.kind === 'hasMany' || relation.kind === 'manyToMany') entity[relation.name] = []
      else if (relation.kind === 'hasOne') entity[relation.name] = null
      else if (entity[relation.foreignKey.property] === undefined || entity[relation.foreignKey.property] === null) entity[relation.name] = null
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

  /** The mapper of a model (for loading relationships). */
  mapperOf (model: AnyModel): EntityMapper {
    return this.#mappers.mapperOf(model)
  }

  /** Marks an entity for DELETE at the next flush; a new entity is simply forgotten. */
  delete (entity: Entity): void {
    if (this.#states.get(entity)?.status === 'deleted') return
    const state = this.#states.get(entity)
    if (!state) throw new SessionStateError('delete() was given an object this session does not know: load it through this session (get/query) first.')
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
    return state?.status === 'new' && state.mapper.relations.length === 0
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
      const previous = this.#collections?.get(entity)?.get(relation.name) ?? []
      if (current.length !== previous.length || current.some((member, i) => member !== previous[i] || !this.#states.has(member))) return true
    }
    return false
  }

  /**
   * Writes every change. First the object graph: objects reachable through loaded
   * relationships join as new (save-update), each object's parent is resolved from both
   * sides of its relationships (see `resolveOwnerships`), orphans and cascaded children are
   * deleted. Then inserts, parents before children (multi-row INSERT … RETURNING where the
   * database has it; same-table dependencies in rounds), each object's foreign keys taken
   * from its parents; updates of changed columns only; many-to-many links; deletes,
   * children first. Entity states change only once every statement succeeded; then loaded
   * collections follow the new keys and the database's ON DELETE actions. On failure new
   * entities get back the values they had, and the caller rolls back.
   */
  async flush (target: FlushTarget): Promise<FlushResult> {
    cascadeSaveUpdate(this.#graph)
    const memberships = collectMemberships(this.#graph)
    const ownerships = resolveOwnerships(this.#graph, memberships)
    cascadeDeletes(this.#graph, memberships, ownerships)
    const inserts = new Map<string, Entity[]>()
    const deletes = new Map<string, Entity[]>()
    // Values no database could store are refused before any statement is sent, alike on
    // every database (SQLite would store what PostgreSQL refuses).
    for (const [entity, state] of this.#states) {
      const table = state.mapper.table.tableName
      if (state.status === 'new') {
        state.mapper.assertStorable(entity)
        append(inserts, table, entity)
      } else if (state.status === 'deleted') {
        append(deletes, table, entity)
      } else {
        const changes = state.mapper.changes(entity, state.snapshot as unknown[])
        if (changes !== undefined) state.mapper.assertStorable(entity, changes)
      }
    }
    // What each new object looked like, to put it back if a statement fails (per table,
    // in the order of its objects).
    const before: InsertedBatch[] = []
    for (const entities of inserts.values()) {
      const mapper = this.#requireState(entities[0] as Entity).mapper
      before.push({ mapper, entities, undo: entities.map((entity) => undoOf(mapper, entity)) })
    }
    const updates: Array<{ entity: Entity, state: EntityState, changes: Record<string, unknown> }> = []
    let linkChanges: Array<() => void>
    try {
      for (const table of target.tableOrder) {
        const entities = inserts.get(table)
        if (!entities) continue
        const mapper = this.#requireState(entities[0] as Entity).mapper
        for (const round of insertRounds(mapper, entities, ownerships)) {
          for (const entity of round) syncForeignKeys(mapper, entity, ownerships)
          await this.#insert(target, mapper, round)
        }
      }
      for (const [entity, state] of this.#states) {
        if (state.status !== 'persistent') continue
        syncForeignKeys(state.mapper, entity, ownerships)
        const changes = state.mapper.changes(entity, state.snapshot as unknown[])
        if (changes) updates.push({ entity, state, changes })
      }
      for (const { entity, state, changes } of updates) {
        await target.execute(target.builder.updateTable(state.mapper.table.tableName).set(changes).where(keyCondition(state.mapper, entity)).compile())
      }
      linkChanges = await this.#writeLinks(target)
      for (const table of [...target.tableOrder].reverse()) {
        const entities = deletes.get(table)
        if (entities) await deleteRows(target, this.#requireState(entities[0] as Entity).mapper, entities)
      }
    } catch (error) {
      for (const { mapper, entities, undo } of before) entities.forEach((entity, i) => { restore(mapper, entity, undo[i] as InsertUndo) })
      throw error
    }
    for (const batch of before) {
      const { mapper, entities } = batch
      for (const entity of entities) {
        const state = this.#requireState(entity)
        state.status = 'persistent'
        this.#track(entity, mapper, mapper.keyOf(entity))
      }
      this.#inserted.push(batch)
    }
    if (before.length > 0 || updates.length > 0 || deletes.size > 0) {
      const flushed = this.#flushed ??= new Map()
      for (const { mapper, entities } of before) countChange(flushed, mapper.table.modelName, 'new', entities.length)
      for (const { state } of updates) countChange(flushed, state.mapper.table.modelName, 'changed')
      for (const entities of deletes.values()) countChange(flushed, this.#requireState(entities[0] as Entity).mapper.table.modelName, 'deleted', entities.length)
    }
    for (const { entity, state } of updates) state.snapshot = state.mapper.snapshot(entity)
    // Loaded collections follow the keys just written (both sides of each relationship).
    syncCollections(this.#graph, memberships, ownerships)
    for (const change of linkChanges) change()
    const deleted = [...deletes.values()].flat()
    const gone = [...deleted, ...this.#followDatabaseDeletes(deleted)]
    for (const entity of gone) this.expunge(entity)
    this.#forgetDeleted(new Set(gone))
    this.#snapshotAllCollections()
    return { inserted: before.reduce((count, batch) => count + batch.entities.length, 0), updated: updates.length, deleted: deleted.length }
  }

  /**
   * Many-to-many: inserts the association rows of members added to loaded collections and
   * deletes those of members removed; a deleted object loses all its links. At most one
   * DELETE and one INSERT per association table, whichever side the change was made on (a
   * link added on both sides is one row). Returns the updates of the other side's loaded
   * collections, applied once the whole flush has succeeded.
   */
  async #writeLinks (target: FlushTarget): Promise<Array<() => void>> {
    const tables = new Map<string, LinkChanges>()
    const changesOf = (table: string): LinkChanges => {
      let changes = tables.get(table)
      if (!changes) tables.set(table, changes = { inserts: new Map(), removals: new Map(), owners: new Map() })
      return changes
    }
    const followUps: Array<() => void> = []
    for (const [entity, state] of this.#states) {
      for (const relation of state.mapper.relations) {
        if (relation.kind !== 'manyToMany') continue
        const through = relation.through as NonNullable<ResolvedRelation['through']>
        const changes = changesOf(through.table.tableName)
        const sourceKey = entity[state.mapper.keyColumns[0]?.property as string]
        if (state.status === 'deleted') {
          let keys = changes.owners.get(through.source.column)
          if (!keys) changes.owners.set(through.source.column, keys = new Set())
          keys.add(sourceKey)
          continue
        }
        if (!state.mapper.isLoaded(entity, relation.name)) continue
        const targetMapper = this.#mappers.mapperOf(relation.target.model)
        const current = membersOf(state.mapper, entity, relation)
        const previous = this.#collections?.get(entity)?.get(relation.name) ?? []
        const row = (member: Entity): Record<string, unknown> =>
          ({ [through.source.column]: sourceKey, [through.target.column]: member[targetMapper.keyColumns[0]?.property as string] })
        const before = new Set(previous)
        const now = new Set(current)
        for (const member of current) {
          if (before.has(member)) continue
          changes.inserts.set(linkKey(row(member)), row(member))
          followUps.push(() => this.#mirrorLink(relation, targetMapper, member, entity, 'add'))
        }
        for (const member of previous) {
          if (now.has(member)) continue
          changes.removals.set(linkKey(row(member)), row(member))
          followUps.push(() => this.#mirrorLink(relation, targetMapper, member, entity, 'remove'))
        }
      }
    }
    for (const [table, { inserts, removals, owners }] of tables) {
      const conditions: Array<{ readonly sql: RawBuilder<SqlBool>, readonly parameters: number }> = []
      for (const [column, keys] of owners) {
        for (const chunk of chunksOf([...keys], MAX_PARAMETERS)) conditions.push({ sql: sql<SqlBool>`${sql.ref(column)} in (${sql.join(chunk)})`, parameters: chunk.length })
      }
      for (const link of removals.values()) {
        const pairs = Object.entries(link).map(([column, value]) => sql`${sql.ref(column)} = ${value}`)
        conditions.push({ sql: sql<SqlBool>`(${sql.join(pairs, sql` and `)})`, parameters: pairs.length })
      }
      for (const chunk of chunksOf(conditions, MAX_PARAMETERS, (condition) => condition.parameters)) {
        await target.execute(target.builder.deleteFrom(table).where(sql<SqlBool>`${sql.join(chunk.map((condition) => condition.sql), sql` or `)}`).compile())
      }
      for (const chunk of chunksOf([...inserts.values()], MAX_PARAMETERS, (row) => Object.keys(row).length)) {
        await target.execute(target.builder.insertInto(table).values(chunk).compile())
      }
    }
    return followUps
  }

  /** The other side of a many-to-many, when loaded, shows a link written from this side. */
  #mirrorLink (relation: ResolvedRelation, targetMapper: EntityMapper, member: Entity, source: Entity, change: 'add' | 'remove'): void {
    if (relation.inverse === undefined || !this.#states.has(member) || !targetMapper.isLoaded(member, relation.inverse)) return
    const others = member[relation.inverse]
    if (!Array.isArray(others)) return
    const index = others.indexOf(source)
    if (change === 'add' && index < 0) others.push(source)
    else if (change === 'remove' && index >= 0) others.splice(index, 1)
  }

  /**
   * The database's ON DELETE actions, mirrored in memory: tracked rows whose foreign key
   * pointed at a deleted row are gone (`cascade`: returned, to be forgotten) or hold null
   * (`set null`), as the database made them — whether or not a relationship was loaded.
   */
  #followDatabaseDeletes (deleted: readonly Entity[]): Entity[] {
    const gone = new Map<string, Entity[]>()
    for (const entity of deleted) append(gone, this.#requireState(entity).mapper.table.tableName, entity)
    // The values of a referenced column among the rows gone, as text (keys compare as text).
    const values = new Map<string, Set<string>>()
    const valuesOf = (table: string, column: string): Set<string> | undefined => {
      const rows = gone.get(table)
      if (!rows) return undefined
      let set = values.get(`${table}\u0000${column}`)
      if (!set) {
        const property = this.#requireState(rows[0] as Entity).mapper.columns.find((candidate) => candidate.name === column)?.property
        set = new Set(property === undefined ? [] : rows.map((row) => String(row[property])))
        values.set(`${table}\u0000${column}`, set)
      }
      return set
    }
    const removed = new Set<Entity>()
    let changed = gone.size > 0
    while (changed) {
      changed = false
      values.clear()
      for (const [entity, state] of this.#states) {
        if (state.status !== 'persistent' || removed.has(entity)) continue
        for (const fk of state.mapper.table.foreignKeys) {
          if ((fk.onDelete !== 'cascade' && fk.onDelete !== 'set null') || fk.columns.length !== 1) continue
          const column = state.mapper.columns.find((candidate) => candidate.name === fk.columns[0])
          const value = column === undefined ? undefined : entity[column.property]
          if (!column || value === null || value === undefined) continue
          if (!valuesOf(fk.referencedTable, fk.referencedColumns[0] as string)?.has(String(value))) continue
          if (fk.onDelete === 'cascade') {
            removed.add(entity)
            append(gone, state.mapper.table.tableName, entity)
            changed = true
            break
          }
          entity[column.property] = null
          state.snapshot = state.mapper.snapshot(entity)
        }
      }
    }
    return [...removed]
  }

  /** Deleted objects leave the loaded relationships of the objects still tracked. */
  #forgetDeleted (deleted: ReadonlySet<Entity>): void {
    if (deleted.size === 0) return
    for (const [entity, state] of this.#states) {
      for (const relation of state.mapper.relations) {
        if (!state.mapper.isLoaded(entity, relation.name)) continue
        const value = entity[relation.name]
        if (Array.isArray(value)) {
          const kept = value.filter((member) => !deleted.has(member as Entity))
          if (kept.length !== value.length) entity[relation.name] = kept
        } else if (value !== null && deleted.has(value as Entity)) {
          entity[relation.name] = null
        }
      }
    }
  }

  #snapshotAllCollections (): void {
    for (const [entity, state] of this.#states) {
      for (const relation of state.mapper.relations) {
        if (relation.kind === 'belongsTo' || !state.mapper.isLoaded(entity, relation.name)) continue
        this.snapshotCollection(entity, relation.name, membersOf(state.mapper, entity, relation))
      }
    }
  }

  async #insert (target: FlushTarget, mapper: EntityMapper, entities: Entity[]): Promise<void> {
    const table = mapper.table.tableName
    if (!target.supportsReturning) {
      // One statement per row: the insert id of a multi-row insert is only reliable under
      // some InnoDB lock modes, and this path only serves MySQL (MariaDB has RETURNING).
      for (const entity of entities) {
        const result = await target.execute(target.builder.insertInto(table).values(mapper.insertValues(entity)).compile())
        const generated = mapper.columns.find((column) => column.autoincrement)
        if (generated && entity[generated.property] === undefined && result.insertId !== undefined) {
          entity[generated.property] = generated.config.kind === 'bigInteger' ? result.insertId : Number(result.insertId)
        }
        const { rows: [row] } = await target.execute(target.builder.selectFrom(table).selectAll().where(keyCondition(mapper, entity)).compile())
        if (row) mapper.hydrate(row as Record<string, unknown>, entity)
      }
      return
    }
    // Rows with the same columns go in one statement; RETURNING gives back generated keys,
    // server defaults and normalised values, in the order of the VALUES list.
    for (const group of groupByColumns(mapper, entities)) {
      const plan = mapper.insertPlan(group[0] as Entity)
      const perStatement = target.rowsPerInsert ?? Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, plan.names.length)))
      for (let start = 0; start < group.length; start += perStatement) {
        const chunk = start === 0 && group.length <= perStatement ? group : group.slice(start, start + perStatement)
        let query: CompiledQuery
        if (plan.names.length === 0) {
          // Every column from its server default: Kysely knows each dialect's form of that.
          query = target.builder.insertInto(table).values(chunk.map(() => ({}))).returningAll().compile()
        } else {
          const parameters: unknown[] = []
          for (const entity of chunk) mapper.pushInsertParameters(entity, plan.indexes, parameters)
          query = CompiledQuery.raw(target.inserts.sql(table, plan, chunk.length), parameters)
        }
        const { rows } = await target.execute(query)
        if (rows.length !== chunk.length) throw new SessionStateError(`INSERT into ${table} returned ${rows.length} rows for ${chunk.length}`)
        for (let i = 0; i < rows.length; i++) mapper.hydrate(rows[i] as Record<string, unknown>, chunk[i] as Entity)
      }
    }
  }

  #track (entity: Entity, mapper: EntityMapper, key: string | undefined): void {
    const state = this.#states.get(entity)
    if (state) {
      state.key = key
      state.snapshot = mapper.snapshot(entity)
    } else {
      this.#states.set(entity, { mapper, status: 'persistent', snapshot: mapper.snapshot(entity), key })
    }
    if (key === undefined) return
    this.#identity.set(mapper.identityKey(key), entity)
  }

  #requireState (entity: Entity): EntityState {
    const state = this.#states.get(entity)
    if (!state) throw new SessionStateError('This object is not tracked by the session (never added or loaded, expunged, or the session was rolled back). Load it again through this session.')
    return state
  }
}

/** One association table's pending rows: to insert, to delete, and every row of deleted owners (by column). */
interface LinkChanges {
  readonly inserts: Map<string, Record<string, unknown>>
  readonly removals: Map<string, Record<string, unknown>>
  readonly owners: Map<string, Set<unknown>>
}

/** The same link seen from either side gives the same key. */
function linkKey (row: Readonly<Record<string, unknown>>): string {
  return Object.keys(row).sort().map((column) => `${column}=${String(row[column])}`).join('\u0000')
}

/** Splits items into runs whose weights (bound parameters) add up to at most `limit`. */
function chunksOf<T> (items: readonly T[], limit: number, weight: (item: T) => number = () => 1): T[][] {
  const chunks: T[][] = []
  let current: T[] = []
  let total = 0
  for (const item of items) {
    const size = weight(item)
    if (current.length > 0 && total + size > limit) {
      chunks.push(current)
      current = []
      total = 0
    }
    current.push(item)
    total += size
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}

function append<K, V> (map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

/** New objects grouped by the columns they have values for (one INSERT column list each). */
function groupByColumns (mapper: EntityMapper, entities: readonly Entity[]): Entity[][] {
  const groups = new Map<number | string, Entity[]>()
  for (const entity of entities) append(groups, mapper.insertSignature(entity), entity)
  return [...groups.values()]
}

/** The new objects of one table in a flush, with what each looked like before it. */
interface InsertedBatch {
  readonly mapper: EntityMapper
  readonly entities: readonly Entity[]
  readonly undo: readonly InsertUndo[]
}

/** A new object's state before a flush: its column values and its loaded relationships. */
interface InsertUndo {
  readonly values: readonly unknown[]
  readonly relations: Readonly<Record<string, unknown>> | undefined
}

function undoOf (mapper: EntityMapper, entity: Entity): InsertUndo {
  let relations: Record<string, unknown> | undefined
  for (const relation of mapper.relations) {
    if (mapper.isLoaded(entity, relation.name)) (relations ??= {})[relation.name] = entity[relation.name]
  }
  return { values: mapper.columnValues(entity), relations }
}

/** Puts back what a failed flush changed on a new object (keys, defaults, foreign keys, parents). */
function restore (mapper: EntityMapper, entity: Entity, undo: InsertUndo): void {
  mapper.columns.forEach((column, i) => {
    const value = undo.values[i]
    if (value === undefined) delete entity[column.property]
    else entity[column.property] = value
  })
  for (const relation of mapper.relations) {
    if (undo.relations !== undefined && relation.name in undo.relations) entity[relation.name] = undo.relations[relation.name]
    else if (mapper.isLoaded(entity, relation.name)) delete entity[relation.name]
  }
}

async function deleteRows (target: FlushTarget, mapper: EntityMapper, entities: readonly Entity[]): Promise<void> {
  const [single] = mapper.keyColumns
  if (mapper.keyColumns.length === 1 && single) {
    for (let start = 0; start < entities.length; start += MAX_PARAMETERS) {
      const keys = entities.slice(start, start + MAX_PARAMETERS).map((entity) => entity[single.property])
      await target.execute(target.builder.deleteFrom(mapper.table.tableName).where(sql.ref(single.name), 'in', keys).compile())
    }
    return
  }
  for (const entity of entities) {
    await target.execute(target.builder.deleteFrom(mapper.table.tableName).where(keyCondition(mapper, entity)).compile())
  }
}

function countChange (counts: Map<string, ModelChanges>, model: string, kind: 'new' | 'changed' | 'deleted', by = 1): void {
  let entry = counts.get(model)
  if (entry === undefined) counts.set(model, entry = { model, new: 0, changed: 0, deleted: 0 })
  entry[kind] += by
}
