import type { CompiledQuery, Kysely, QueryResult, TransactionSettings } from 'kysely'
import type { DatabasePool } from '../engine/database-pool.ts'
import type { ObservationConfig } from '../config/resolve-config.ts'
import { rowValues } from '../dialect/array-rows.ts'
import { InvalidArgumentError, NotFoundError } from '../errors.ts'
import type { ModelColumn } from '../model/column.ts'
import type { AnyModel } from '../model/define-model.ts'
import type { CursorCodec } from '../query/cursor.ts'
import { Query, type QueryRunner } from '../query/query.ts'
import type { AddValues, Added, EntityOf, LoadSpecOf, WithLoaded } from '../query/loaded-types.ts'
import { currentMembers, loadRelations, type RelationSpec } from '../query/relation-loader.ts'
import { relatedQuery } from '../query/related-query.ts'
import type { CollectionName, ModelOfEntity, TargetOf } from '../query/relationship-types.ts'
import type { AnyDatabase } from '../model/infer.ts'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import { keyCondition } from '../mapping/key-condition.ts'
import type { Mappings } from '../mapping/mappings.ts'
import { QueryRecorder, type QueryRecord, type QueryStats, type QueryWarning, type SessionLogger } from './query-recorder.ts'
import { SessionConnection, type SessionLifetime } from './session-connection.ts'
import type { UncommittedChanges } from './change-counts.ts'
import { UnitOfWork, type FlushResult } from './unit-of-work.ts'

/**
 * Isolation level and access mode of a transaction, passed through to the database, and a
 * statement timeout for this transaction alone (PostgreSQL `SET LOCAL statement_timeout`,
 * MariaDB `max_statement_time`, MySQL `max_execution_time` for SELECTs; no effect on SQLite).
 */
export interface TransactionOptions extends TransactionSettings {
  readonly statementTimeoutMs?: number
}

/** A primary-key value: the value itself, or for a composite key the values in key order or by property. */
export type PrimaryKeyInput = string | number | bigint | ReadonlyArray<string | number | bigint> | Readonly<Record<string, string | number | bigint>>

export type { EntityOf }

/** Options of `app.db.session()`. */
export interface SessionOptions {
  /** Where echo lines and warnings go; defaults to the engine's logger. `request.db` passes `request.log`. */
  logger?: SessionLogger
  /** @internal What the session's life is bound to: `request.db`'s request. */
  lifetime?: SessionLifetime
}

/**
 * The engine (`app.db`, or a bind) a session belongs to. It is the `Engine` class of the
 * database façade, which declares so by declaration merging: the session never imports it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars -- filled by declaration merging
export interface SessionEngine<DB> {}

/** @internal What a session takes from its engine: how to watch its statements, and the cursor signer. */
export interface SessionSettings {
  readonly config: ObservationConfig
  readonly echo: boolean
  readonly logger: SessionLogger
  /** The database's redacted URL. */
  readonly server: string
  readonly cursors: CursorCodec
}

/**
 * A unit of work on one database: Flask-SQLAlchemy's `db.session`. In a route it is
 * `request.db`, created on first use and closed when the request ends; in scripts it is
 * `app.db.session()`, which the caller closes.
 *
 * Outside a transaction each query runs on a pooled connection that is returned at once.
 * `begin()` opens a transaction lazily: the connection is taken at the first query and
 * held until `commit()` or `rollback()`.
 *
 * @example
 * ```ts
 * app.post('/movies', async (request) => {
 *   await request.db.begin()
 *   const movie = await request.db.kysely.insertInto('movie').values(request.body).returningAll().executeTakeFirstOrThrow()
 *   await request.db.commit()
 *   return movie
 * })
 * ```
 */
export class Session<DB = unknown> {
  readonly #engine: SessionEngine<DB>
  readonly #pool: DatabasePool<DB>
  readonly #mappings: Mappings
  readonly #connection: SessionConnection
  #kysely: Kysely<DB> | undefined
  #savepoints = 0
  /** Savepoints open now (nested `transaction(fn)` calls). */
  #savepointDepth = 0
  #unitOfWork: UnitOfWork | undefined
  #runner: QueryRunner | undefined
  /** The `commit()` under way, which {@link close} lets finish. */
  #committing: Promise<void> | undefined
  readonly #settings: SessionSettings
  readonly #lifetime: SessionLifetime | undefined
  /** Made at once when statements are watched, else at the first relationship load (N+1 counts). */
  #recorder: QueryRecorder | undefined

  /** @internal Sessions are made by `request.db` and `app.db.session()`. */
  constructor (engine: SessionEngine<DB>, pool: DatabasePool<DB>, mappings: Mappings, observation: SessionSettings, lifetime: SessionLifetime | undefined) {
    this.#engine = engine
    this.#pool = pool
    this.#mappings = mappings
    this.#settings = observation
    const { config, echo } = observation
    this.#lifetime = lifetime
    if (QueryRecorder.watchesStatements(config, echo)) this.#recorder = this.#newRecorder()
    this.#connection = new SessionConnection(pool.driver, this.#recorder, lifetime, pool.replicas)
  }

  #newRecorder (): QueryRecorder {
    const { config, echo, logger, server } = this.#settings
    const lifetime = this.#lifetime
    return new QueryRecorder(config, { logger, server, echo, route: lifetime?.route === undefined ? undefined : () => lifetime.route?.() })
  }

  #relationshipLoaded (model: string, relationship: string, objects: number): void {
    if (this.#settings.config.nPlusOne === 'off' || objects > 1) return
    this.#recorder ??= this.#newRecorder()
    this.#recorder.relationshipLoaded(model, relationship, objects)
  }

  /**
   * The statements this session ran, in order, with their durations and row counts
   * (never parameter values): Flask-SQLAlchemy's `get_recorded_queries()`. Empty unless
   * `recordQueries` is on (the default outside production).
   */
  get queries (): readonly QueryRecord[] {
    return this.#recorder?.queries ?? []
  }

  /** How many statements the session ran and their total milliseconds (zeros unless `recordQueries` is on). */
  get stats (): QueryStats {
    return this.#recorder?.stats ?? { count: 0, totalMs: 0 }
  }

  /** N+1 loads and slow statements noticed in this session (see the `nPlusOne` and `slowQueryMs` options). */
  get warnings (): readonly QueryWarning[] {
    return this.#recorder?.warnings ?? []
  }

  /** The engine (`app.db`, or a bind) this session works on. */
  get engine (): SessionEngine<DB> {
    return this.#engine
  }

  /**
   * A typed Kysely instance bound to this session: its queries run inside the session's
   * transaction when one is open, on a pooled connection otherwise.
   */
  get kysely (): Kysely<DB> {
    this.#kysely ??= this.#pool.kyselyOn(this.#connection)
    return this.#kysely
  }

  /**
   * Sends this session's statements to the primary from now on, reads included: for a
   * read that must see a write made elsewhere just before (the session's own writes switch
   * it to the primary by themselves). Without read replicas it changes nothing.
   *
   * @example
   * ```ts
   * const order = await request.db.primary().getOr404(Order, id)
   * ```
   */
  primary (): this {
    this.#connection.usePrimary()
    return this
  }

  /** True between `begin()` and `commit()`/`rollback()`. */
  get inTransaction (): boolean {
    return this.#connection.inTransaction
  }

  /** @internal True while a `commit()` is under way. */
  get committing (): boolean {
    return this.#committing !== undefined
  }

  /** True after `close()`; a closed session refuses every operation. */
  get closed (): boolean {
    return this.#connection.closed
  }

  /**
   * Opens a transaction. Nothing is sent yet: BEGIN goes out with the first query.
   * Throws {@link SessionStateError} if one is already open.
   */
  async begin (options?: TransactionOptions): Promise<void> {
    this.#connection.begin(options)
  }

  /**
   * Flushes pending changes and commits, in one short transaction when none was open
   * (or none at all when the flush is a single INSERT … RETURNING, atomic by itself).
   * A failed flush or COMMIT rolls everything back (see {@link rollback}) and rethrows.
   */
  async commit (): Promise<void> {
    const committing = this.#commit()
    this.#committing = committing
    try {
      await committing
    } finally {
      this.#committing = undefined
    }
  }

  async #commit (): Promise<void> {
    this.#assertOpen()
    // Outside a transaction, a flush that is one INSERT … RETURNING runs in autocommit: the
    // statement is atomic by itself, and BEGIN and COMMIT are two round trips of a POST's three.
    const autocommit = !this.#connection.inTransaction && this.#pool.capabilities.supportsReturning && this.#unitOfWork?.isLoneInsert === true
    if (this.#unitOfWork?.hasChanges === true) await this.#flush(!autocommit)
    // Nothing to end when the flush ran in autocommit (its row is stored) or nothing was open.
    if (this.#connection.inTransaction) {
      try {
        await this.#connection.commit()
      } catch (error) {
        this.#unitOfWork?.rolledBack()
        throw error
      }
    }
    this.#unitOfWork?.committed()
  }

  /**
   * Rolls back the open transaction. Every object the session tracked is then detached
   * (forgotten): load rows again to keep working. Objects inserted in the transaction keep
   * their values but not the keys and server defaults the rolled-back INSERT generated.
   */
  async rollback (): Promise<void> {
    this.#unitOfWork?.rolledBack()
    await this.#connection.rollback()
  }

  /**
   * Adds a new object of `model` (Flask-SQLAlchemy's `db.session.add(Model(...))`): client
   * defaults are applied at once, the INSERT happens at the next flush or commit. `values`
   * may hold relationships (nested create): a related object for a `belongsTo` (its foreign
   * key then taken from it at flush) or `hasOne`, an array for a collection.
   *
   * @example
   * ```ts
   * const movie = request.db.add(Movie, { title: 'Alien', year: 1979, directors: ['Ridley Scott'] })
   * await request.db.commit()
   * movie.id // set from the database
   * ```
   */
  add<M extends AnyModel, V extends AddValues<M>> (model: M, values: V & NoExtraKeys<V, AddValues<M>>): Added<M, V> {
    this.#assertOpen()
    const mapper = this.#mappings.mapperOf(model)
    const entity = mapper.create(values as Record<string, unknown>)
    this.#uow.add(mapper, entity)
    return entity as Added<M, V>
  }

  /** Adds several new objects of `model`; inserted together (multi-row INSERT) at flush. */
  addAll<M extends AnyModel> (model: M, values: ReadonlyArray<AddValues<M>>): Array<Added<M, object>> {
    return values.map((value) => this.add(model, value as never) as Added<M, object>)
  }

  /** Marks a loaded object for deletion at the next flush (a new one is simply dropped). */
  delete (entity: object): void {
    this.#assertOpen()
    this.#uow.delete(entity as Record<string, unknown>)
  }

  /** Stops tracking an object: it is neither flushed nor returned by `get` any more. */
  expunge (entity: object): void {
    this.#unitOfWork?.expunge(entity as Record<string, unknown>)
  }

  /**
   * Writes pending changes (inserts, updates of changed columns, deletes) inside the
   * session's transaction, opening one if needed; `commit()` ends it. On failure the
   * transaction is rolled back, the session stays usable and its objects are detached.
   */
  flush (): Promise<FlushResult> {
    return this.#flush(true)
  }

  async #flush (transactional: boolean): Promise<FlushResult> {
    this.#assertOpen()
    const unitOfWork = this.#uow
    if (transactional && !this.#connection.inTransaction) this.#connection.begin()
    try {
      for (const { mapper, relation, entities } of unitOfWork.assignedUnloaded()) {
        const members = await currentMembers(this.#queryRunner, mapper, relation, entities)
        for (const [entity, list] of members) unitOfWork.snapshotCollection(entity, relation.name, list)
      }
      const capabilities = this.#pool.capabilities
      return await unitOfWork.flush({
        builder: this.#pool.kysely as unknown as Kysely<AnyDatabase>,
        execute: (query) => this.#execute(query),
        inserts: this.#mappings.insertStatements,
        supportsReturning: capabilities.supportsReturning,
        supportsUpdateReturning: capabilities.supportsUpdateReturning,
        rowsPerInsert: capabilities.rowsPerInsert,
        emptyInsert: capabilities.emptyInsert,
        tableOrder: this.#mappings.tableOrder
      })
    } catch (error) {
      // Inside transaction(fn)'s savepoint, rolling back to it is that savepoint's job.
      if (this.#savepointDepth === 0) await this.rollback().catch(() => undefined)
      throw error
    }
  }

  /**
   * The object with this primary key: from the identity map when already loaded (no
   * query), else one SELECT. Undefined when there is no such row.
   *
   * @example
   * ```ts
   * const user = await request.db.get(User, request.params.id)
   * ```
   */
  // Not async: a SQLite lookup completes synchronously, and then the promise returned is
  // the only one made (an async function would add its own and a turn per await).
  get<M extends AnyModel> (model: M, key: PrimaryKeyInput): Promise<EntityOf<M> | undefined> {
    try {
      this.#assertOpen()
      const mapper = this.#mappings.mapperOf(model)
      const values = checkedKeyValues(mapper, key)
      const known = this.#unitOfWork?.lookup(mapper, mapper.keyFromValues(values) as string)
      if (known) return Promise.resolve(known as EntityOf<M>)
      const query = this.#mappings.selectByKey(mapper, values)
      const result = this.#connection.executeNow(query)
      if (result !== undefined) return Promise.resolve(this.#loadFirst(mapper, result) as EntityOf<M> | undefined)
      return this.#execute(query).then((result) => this.#loadFirst(mapper, result) as EntityOf<M> | undefined)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #loadFirst (mapper: EntityMapper, { rows }: QueryResult<unknown>): object | undefined {
    const [row] = rowValues(rows, mapper.columnNames)
    return row === undefined ? undefined : this.#uow.loadValues(mapper, row, 0)
  }

  /** Like {@link get}, but a missing row is a 404 {@link NotFoundError}. */
  async getOr404<M extends AnyModel> (model: M, key: PrimaryKeyInput, message?: string): Promise<EntityOf<M>> {
    const entity = await this.get(model, key)
    if (entity === undefined) throw new NotFoundError(message ?? `${model.name} ${keyText(key)} not found`)
    return entity
  }

  /** Reloads an object's columns from the database, discarding its unflushed changes. */
  async refresh (entity: object): Promise<void> {
    this.#assertOpen()
    const { mapper } = this.#uow.stateOf(entity as Record<string, unknown>)
    const row = await (this.kysely as unknown as Kysely<AnyDatabase>).selectFrom(mapper.table.tableName).selectAll()
      .where(keyCondition(mapper, entity as Record<string, unknown>)).executeTakeFirst()
    if (!row) throw new NotFoundError(`${mapper.table.modelName} no longer exists`)
    this.#uow.reload(entity as Record<string, unknown>, row)
  }

  /**
   * A query for `model`'s rows as tracked objects.
   *
   * @example
   * ```ts
   * const movies = await request.db.query(Movie).filterBy({ year: 1979 }).orderBy('title').all()
   * ```
   */
  query<M extends AnyModel> (model: M): Query<M> {
    this.#assertOpen()
    return new Query<M>({
      runner: this.#queryRunner,
      mapper: this.#mappings.mapperOf(model),
      modelName: model.name,
      filters: [],
      shapes: [],
      orders: [],
      limit: undefined,
      offset: undefined,
      eager: []
    })
  }

  /**
   * Turns rows fetched with the Kysely escape hatch (`selectAll()` of the model's table)
   * into tracked objects, as if a query had loaded them.
   *
   * @example
   * ```ts
   * const rows = await request.db.kysely.selectFrom('movie').selectAll().where('year', '<', 1950).execute()
   * const movies = request.db.track(Movie, rows)
   * ```
   */
  track<M extends AnyModel> (model: M, rows: ReadonlyArray<Record<string, unknown>>): Array<EntityOf<M>> {
    this.#assertOpen()
    const mapper = this.#mappings.mapperOf(model)
    return rows.map((row) => this.#uow.load(mapper, row) as EntityOf<M>)
  }

  /**
   * Loads relationships of objects already loaded (SQLAlchemy's lazy load, made explicit
   * because JavaScript cannot load on property access). One query per relationship and
   * level for all the objects given. Resolves to the same object(s), typed with the
   * relationships loaded.
   *
   * @example
   * ```ts
   * const user = await request.db.load(await request.db.getOr404(User, id), { posts: { tags: true } })
   * user.posts[0]?.tags
   * ```
   */
  load<E extends object, const S extends LoadSpecOf<E>> (entities: readonly E[], spec: S): Promise<Array<WithLoaded<E, S>>>
  load<E extends object, const S extends LoadSpecOf<E>> (entity: E, spec: S): Promise<WithLoaded<E, S>>
  async load (entities: object | readonly object[], spec: RelationSpec): Promise<unknown> {
    this.#assertOpen()
    const list = (Array.isArray(entities) ? entities : [entities]) as Array<Record<string, unknown>>
    if (list.length === 0) return entities
    const { mapper } = this.#uow.stateOf(list[0] as Record<string, unknown>)
    // As queries do: a reloaded collection would otherwise drop the objects pushed into it.
    await this.#queryRunner.autoflush()
    await loadRelations(this.#queryRunner, mapper, list, spec)
    return entities
  }

  /**
   * A query over the members of one object's collection (`hasMany` or `manyToMany`), to
   * filter, order, count or paginate them in the database rather than load them all:
   * Flask-SQLAlchemy's `lazy='dynamic'`, SQLAlchemy 2's `with_parent`. The members are the
   * target model's tracked objects; the object's own collection is left as it is.
   *
   * @example
   * ```ts
   * const user = await request.db.getOr404(User, id)
   * const page = await request.db.related(user, 'posts').where('title', 'like', '%orm%').orderBy('id', 'desc').paginate(request)
   * ```
   */
  related<E extends object, const N extends CollectionName<ModelOfEntity<E>>> (entity: E, relationship: N): Query<TargetOf<ModelOfEntity<E>, N>> {
    this.#assertOpen()
    const { mapper } = this.#uow.stateOf(entity as Record<string, unknown>)
    this.#relationshipLoaded(mapper.table.modelName, relationship, 1)
    return relatedQuery(this.#queryRunner, mapper, entity as Record<string, unknown>, relationship,
      (model) => this.query(model)) as unknown as Query<TargetOf<ModelOfEntity<E>, N>>
  }

  get #uow (): UnitOfWork {
    if (this.#unitOfWork === undefined) {
      this.#unitOfWork = new UnitOfWork(this.#mappings)
      // Tracked objects may be changed and never committed: have that reported at the end.
      this.#connection.watchObjects()
    }
    return this.#unitOfWork
  }

  /**
   * @internal Changes that no COMMIT made permanent (unflushed, or flushed in the open
   * transaction), by model: what a request session reports when its request ends with them.
   */
  uncommittedChanges (): UncommittedChanges {
    return this.#unitOfWork?.uncommittedChanges() ?? { unflushed: [], flushed: [] }
  }

  get #queryRunner (): QueryRunner {
    this.#runner ??= {
      builder: this.#pool.kysely as unknown as Kysely<AnyDatabase>,
      execute: (query) => this.#execute(query),
      autoflush: async () => { if (this.#unitOfWork?.hasChanges) await this.flush() },
      load: (mapper, rows) => rows.map((row) => this.#uow.load(mapper, row)),
      loadValues: (mapper, values, start) => this.#uow.loadValues(mapper, values, start),
      mapperOf: (model) => this.#mappings.mapperOf(model),
      snapshotCollection: (entity, relation, members) => this.#uow.snapshotCollection(entity, relation, members),
      relationshipLoaded: (model, relationship, objects) => { this.#relationshipLoaded(model, relationship, objects) },
      cursors: this.#settings.cursors
    }
    return this.#runner
  }

  /**
   * Runs a compiled query on the session's connection. The ORM's own queries are built on
   * the engine's Kysely and run here, so they never need the session's Kysely instance.
   */
  #execute (query: CompiledQuery): Promise<QueryResult<unknown>> {
    return this.#connection.execute(query)
  }

  #assertOpen (): void {
    this.#connection.assertOpen()
  }

  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws
   * (the error is rethrown). Inside an open transaction it runs in a savepoint instead, so
   * only `fn`'s work is undone on failure.
   *
   * @example
   * ```ts
   * const id = await request.db.transaction(async (db) => {
   *   const row = await db.kysely.insertInto('movie').values(movie).returning('id').executeTakeFirstOrThrow()
   *   return row.id
   * })
   * ```
   */
  async transaction<T> (fn: (session: this) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (this.inTransaction) return this.#inSavepoint(fn)
    this.#connection.begin(options)
    let result: T
    try {
      result = await fn(this)
    } catch (error) {
      await this.rollback()
      throw error
    }
    await this.commit()
    return result
  }

  /**
   * Rolls back anything uncommitted, forgets every object and releases the connection.
   * Idempotent. A `commit()` under way is let finish first (its request may have ended
   * meanwhile): once COMMIT is sent, its outcome and the objects' keys stand.
   */
  close (): Promise<void> {
    if (this.#committing !== undefined) return this.#committing.then(() => this.close(), () => this.close())
    this.#unitOfWork?.rolledBack()
    return this.#connection.close()
  }

  /**
   * @internal Closes the session at once when it has no transaction open (the common
   * request), so the request hook need not wait for a promise. False: call {@link close}.
   */
  closeIfIdle (): boolean {
    if (this.#committing !== undefined || !this.#connection.closeIfIdle()) return false
    this.#unitOfWork?.rolledBack()
    return true
  }

  async #inSavepoint<T> (fn: (session: this) => Promise<T>): Promise<T> {
    const connection = await this.#connection.transactionConnection()
    const name = `fastify_orm_sp_${++this.#savepoints}`
    const driver = this.#pool.driver
    const compile = this.#pool.compileQuery
    await driver.savepoint(connection, name, compile)
    const mark = this.#uow.insertMark
    let result: T
    this.#savepointDepth++
    try {
      result = await fn(this)
    } catch (error) {
      await driver.rollbackToSavepoint(connection, name, compile)
      // The objects' values no longer match the database: detach them, as rollback() does.
      this.#unitOfWork?.rolledBack(mark)
      throw error
    } finally {
      this.#savepointDepth--
    }
    await driver.releaseSavepoint(connection, name, compile)
    return result
  }
}

/** Refuses properties `V` has beyond `Allowed` (a generic parameter escapes excess-property checks). */
type NoExtraKeys<V, Allowed> = [KeysOf<Allowed>] extends [never] ? unknown : string extends keyof V ? unknown : { [K in Exclude<keyof V, KeysOf<Allowed>>]: never }
type KeysOf<T> = T extends unknown ? keyof T : never

function keyValues (mapper: EntityMapper, key: PrimaryKeyInput): unknown[] {
  const columns = mapper.keyColumns
  if (Array.isArray(key)) {
    if (key.length !== columns.length) throw new InvalidArgumentError(`${mapper.table.modelName} has a ${columns.length}-column primary key; got ${key.length} values`)
    return key
  }
  if (typeof key === 'object' && key !== null) {
    return columns.map((column) => (key as Record<string, unknown>)[column.property])
  }
  if (columns.length !== 1) throw new InvalidArgumentError(`${mapper.table.modelName} has a composite primary key: pass [${columns.map((c) => c.property).join(', ')}]`)
  return [key]
}

function checkedKeyValues (mapper: EntityMapper, key: PrimaryKeyInput): unknown[] {
  const values = keyValues(mapper, key)
  if (values.some((value) => value === undefined || value === null)) {
    throw new InvalidArgumentError(`get(${mapper.table.modelName}, …) needs a value for every primary-key column (${mapper.keyColumns.map((c) => c.property).join(', ')})`)
  }
  for (let i = 0; i < values.length; i++) mapper.assertComparable((mapper.keyColumns[i] as ModelColumn).property, values[i])
  return values
}

function keyText (key: PrimaryKeyInput): string {
  return typeof key === 'object' ? JSON.stringify(key, (_k, v: unknown) => typeof v === 'bigint' ? v.toString() : v) : String(key)
}
