import { expressionBuilder, sql, type CompiledQuery, type ComparisonOperatorExpression, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely'
import { InvalidArgumentError, InvalidCursorError, MultipleResultsError, NotFoundError, UnknownPropertyError, UnknownRelationshipError } from '../errors.ts'
import { rowValues, withArrayRows } from '../dialect/array-rows.ts'
import type { AnyModel } from '../model/define-model.ts'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import type { AnyDatabase, Simplify } from '../model/infer.ts'
import type { CursorCodec, CursorDirection } from './cursor.ts'
import { CursorPagination, resolveCursorRequest, type CursorPageInput } from './cursor-pagination.ts'
import { resolvePageRequest, type PageRequestInput } from './page-request.ts'
import { assertPageInRange, Pagination } from './pagination.ts'
import type { EntityOf, RelationSpecOf, WithLoaded } from './loaded-types.ts'
import { loadJoined } from './joined-loader.ts'
import { selectRows, statementShape, statementValues } from './select-rows.ts'
import { cachedStatement, comparisonShape, equalityShape, type FilterShape } from './statement-cache.ts'
import { loadRelations, relationOf, type RelationLoaderContext, type RelationSpec } from './relation-loader.ts'
import { applyJoins, existsRelated, freshName, qualifyFilters, relationshipJoin, type RelationshipJoin } from './relationship-filters.ts'
import type { JoinableName, JoinedPath, JoinedValue, JoinedValues, Joins, RelationshipName, TargetOf } from './relationship-types.ts'

/** The Kysely database of one model: its table alone. */
export type ModelDatabase<M extends AnyModel> = { [T in M['tableName']]: M['$kysely'] }

/** A filter written with Kysely's expression builder over the model's table (column names). */
export type QueryExpression<M extends AnyModel> = (eb: ExpressionBuilder<ModelDatabase<M>, M['tableName']>) => Expression<SqlBool>

/** What a query needs from its session. */
export interface QueryRunner extends RelationLoaderContext {
  /** Writes pending changes first, so that queries see them (SQLAlchemy's autoflush). */
  autoflush (): Promise<void>
  /** Signs and reads {@link Query.cursorPaginate}'s cursors. */
  readonly cursors: CursorCodec
}

interface QueryProps {
  readonly runner: QueryRunner
  readonly mapper: EntityMapper
  readonly modelName: string
  readonly filters: ReadonlyArray<Expression<SqlBool>>
  /** Each filter's shape (see {@link FilterShape}), or undefined for one of free form. */
  readonly shapes: ReadonlyArray<FilterShape | undefined>
  readonly orders: ReadonlyArray<{ readonly column: string, readonly direction: 'asc' | 'desc', readonly table?: string }>
  readonly limit: number | undefined
  readonly offset: number | undefined
  readonly eager: ReadonlyArray<{ readonly spec: RelationSpec, readonly strategy: LoadStrategy }>
  /** Relationships joined with `join()`, in order. */
  readonly joins?: readonly RelationshipJoin[]
  /** The table's name in the statement: its own, or an alias inside an enclosing query's `has()`. */
  readonly ref?: string
  /** Names of the enclosing query that this one's aliases must not shadow. */
  readonly outerNames?: readonly string[]
}

/** A query over a relationship's target, as a `has()` condition returns it (any loaded type, any joins). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the condition's result type and joins do not matter
export type RelatedQuery<T extends AnyModel> = Query<T, any, any>

/**
 * The condition of `has()` on the related model's query. Without registered types the
 * related model is unknown: annotate the parameter, `(q: Query<typeof Tag>) => …`.
 */
export type RelatedCondition<T extends AnyModel> = AnyModel extends T
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- lets an unregistered app name the model it knows
  ? (query: any) => Query<any, any, any>
  : (query: Query<T>) => RelatedQuery<T>

/**
 * How `with()` loads: `'selectin'` (default) sends one more SELECT per relationship and
 * level (`WHERE key IN (…)`), whatever the number of rows; `'joined'` LEFT JOINs the
 * relationships into the query itself: one statement in all, the choice for one object or
 * a small page (sibling collections multiply its rows).
 */
export type LoadStrategy = 'selectin' | 'joined'

/** Options of {@link Query.with}. */
export interface WithOptions {
  readonly strategy?: LoadStrategy
}

type Row<M extends AnyModel> = M['$row']
type Property<M extends AnyModel> = keyof Row<M> & string

/**
 * A query for a model's rows, returned as tracked entities: Flask-SQLAlchemy's
 * `db.session.query(Model)` / `Model.query`. Immutable: every method returns a new query.
 * Filters name model properties; `where(eb => …)` takes Kysely's expression builder for
 * anything else (column names as stored).
 *
 * @example
 * ```ts
 * const recent = await request.db.query(Post)
 *   .filterBy({ userId: 1 })
 *   .where('title', 'like', '%Fastify%')
 *   .orderBy('id', 'desc')
 *   .limit(10)
 *   .all()
 * ```
 */
export class Query<M extends AnyModel, R = EntityOf<M>, J extends Joins = Record<never, AnyModel>> {
  readonly #props: QueryProps

  /** @internal Made by `session.query(Model)`. */
  constructor (props: QueryProps) {
    this.#props = Object.freeze(props)
  }

  /** Equality on each given property (`undefined` values are ignored, `null` means IS NULL). */
  filterBy (values: Partial<Row<M>> & JoinedValues<J>): Query<M, R, J> {
    const filters: Array<Expression<SqlBool>> = [...this.#props.filters]
    const shapes: Array<FilterShape | undefined> = [...this.#props.shapes]
    for (const [property, value] of Object.entries(values as Record<string, unknown>)) {
      if (value === undefined) continue
      const target = this.#target(property)
      const column = sql.ref(target.ref)
      target.mapper.assertComparable(target.property, value)
      filters.push(value === null ? sql<SqlBool>`${column} is null` : sql<SqlBool>`${column} = ${value}`)
      shapes.push(equalityShape(target.ref, value))
    }
    return this.#with({ filters, shapes })
  }

  /**
   * A typed comparison on a property (`=`, `<>`, `<`, `>=`, `in`, `not in`, `like`, `is`,
   * `is not`, …), or an expression built with Kysely's expression builder for and/or logic.
   */
  where<K extends Property<M>>(property: K, operator: ComparisonOperatorExpression, value: Row<M>[K] | ReadonlyArray<Row<M>[K]> | null): Query<M, R, J>
  /** A comparison on a joined relationship's property: `join('author').where('author.email', '=', email)`. */
  where<P extends JoinedPath<J>>(path: P, operator: ComparisonOperatorExpression, value: JoinedValue<J, P> | ReadonlyArray<JoinedValue<J, P>> | null): Query<M, R, J>
  where (expression: QueryExpression<M>): Query<M, R, J>
  where (first: string | QueryExpression<M>, operator?: ComparisonOperatorExpression, value?: unknown): Query<M, R, J> {
    if (typeof first === 'function') {
      // The callback is typed against the model's table; at run time any builder serves.
      return this.#withFilter((first as unknown as (eb: ExpressionBuilder<AnyDatabase, string>) => Expression<SqlBool>)(this.#expressionBuilder()))
    }
    const eb = this.#expressionBuilder()
    const target = this.#target(first)
    target.mapper.assertComparable(target.property, value)
    const filter = eb(target.ref, operator as ComparisonOperatorExpression, value as never)
    return this.#withFilter(filter, comparisonShape(target.ref, operator, value))
  }

  /** Orders by a property, or a joined relationship's (`'author.username'`); call again for further keys. */
  orderBy (property: Property<M> | JoinedPath<J>, direction: 'asc' | 'desc' = 'asc'): Query<M, R, J> {
    if (!property.includes('.')) return this.#with({ orders: [...this.#props.orders, { column: this.#column(property), direction }] })
    const { column, table } = this.#target(property)
    return this.#with({ orders: [...this.#props.orders, { column, direction, table }] })
  }

  /**
   * Inner-joins a many-to-one or one-to-one relationship (SQLAlchemy's `join(Post.author)`),
   * so that `where`, `filterBy` and `orderBy` take its properties as `'author.email'`. The
   * results are still this model's objects; rows without a related object are left out. A
   * collection (`hasMany`, `manyToMany`) is refused: filter through it with {@link has}.
   *
   * @example
   * ```ts
   * const posts = await request.db.query(Post).join('author').where('author.email', '=', email).orderBy('author.username').all()
   * ```
   */
  join<const N extends JoinableName<M>> (relationship: N): Query<M, R, Simplify<J & { [K in N]: TargetOf<M, N> }>> {
    const joins = this.#props.joins ?? []
    if (joins.some((join) => join.name === relationship)) return this as unknown as Query<M, R, Simplify<J & { [K in N]: TargetOf<M, N> }>>
    const ref = this.#ref
    const taken = new Set([ref, ...(this.#props.outerNames ?? []), ...joins.map((join) => join.alias)])
    const join = relationshipJoin(this.#props.mapper, ref, relationship, taken, (relation) => this.#props.runner.mapperOf(relation.target.model))
    return new Query({ ...this.#props, joins: [...joins, join] })
  }

  /**
   * Keeps the rows with at least one related object (any, for a collection) matching an
   * optional condition on the related model: `has('tags', (q) => q.where('name', '=', 'x'))`
   * — SQLAlchemy's `any()` / `has()`. A correlated `EXISTS (SELECT 1 …)`, so rows are never
   * repeated; a many-to-many goes through its association table.
   */
  has<const N extends RelationshipName<M>> (relationship: N, condition?: RelatedCondition<TargetOf<M, N>>): Query<M, R, J> {
    return this.#withFilter(this.#existsFilter(relationship, condition, false))
  }

  /** The rows with no related object (matching the condition, if any): `hasNot('tags')` is the posts without tags. */
  hasNot<const N extends RelationshipName<M>> (relationship: N, condition?: RelatedCondition<TargetOf<M, N>>): Query<M, R, J> {
    return this.#withFilter(this.#existsFilter(relationship, condition, true))
  }

  limit (count: number): Query<M, R, J> {
    return this.#with({ limit: count })
  }

  offset (count: number): Query<M, R, J> {
    return this.#with({ offset: count })
  }

  /**
   * Loads relationships with the results, one query per relationship and level whatever
   * the number of rows (no N+1): `with('posts')`, `with(['posts', 'profile'])`,
   * `with({ posts: { tags: true } })`. `with(spec, { strategy: 'joined' })` joins them into
   * the query instead: one statement in all (see {@link LoadStrategy}).
   */
  with<const S extends RelationSpecOf<M>> (spec: S, options: WithOptions = {}): Query<M, WithLoaded<R, S>, J> {
    const eager = [...this.#props.eager, { spec: spec as RelationSpec, strategy: options.strategy ?? 'selectin' }]
    return new Query<M, WithLoaded<R, S>, J>({ ...this.#props, eager })
  }

  /** Every matching row. */
  async all (): Promise<R[]> {
    await this.#props.runner.autoflush()
    return await this.#load(await this.#rows())
  }

  /** The rows of this query, read by position in the model's column order (joined loads: the entities already). */
  async #rows (): Promise<ReadonlyArray<readonly unknown[]> | { entities: Array<Record<string, unknown>> }> {
    const { runner, mapper, eager, orders, limit, offset, shapes } = this.#props
    const joined = eager.filter((load) => load.strategy === 'joined').map((load) => load.spec)
    if (joined.length > 0) {
      return { entities: await loadJoined(runner, { mapper, filters: this.#rootFilters, shapes, orders, limit, offset, joins: this.#props.joins }, joined) }
    }
    const { rows } = await runner.execute(withArrayRows(this.#compiled('rows')))
    return rowValues(rows, mapper.columnNames)
  }

  /** Rows → tracked entities, with the select-in relationship loads. */
  async #load (rows: ReadonlyArray<readonly unknown[]> | { entities: Array<Record<string, unknown>> }): Promise<R[]> {
    const { runner, mapper, eager } = this.#props
    const entities = 'entities' in rows ? rows.entities : rows.map((row) => runner.loadValues(mapper, row, 0))
    for (const load of eager) if (load.strategy === 'selectin') await loadRelations(runner, mapper, entities, load.spec)
    return entities as R[]
  }

  /** The first row, or undefined. */
  async first (): Promise<R | undefined> {
    const [row] = await this.limit(1).all()
    return row
  }

  /** The first row, or a 404 {@link NotFoundError}. */
  async firstOr404 (message?: string): Promise<R> {
    const row = await this.first()
    if (row === undefined) throw new NotFoundError(message ?? `${this.#props.modelName} not found`)
    return row
  }

  /** Exactly one row: none or several is an error (several is a 500: the query is wrong). */
  async one (): Promise<R> {
    const rows = await this.limit(2).all()
    if (rows.length === 0) throw new NotFoundError(`${this.#props.modelName} not found`)
    if (rows.length > 1) throw new MultipleResultsError(this.#props.modelName)
    return rows[0] as R
  }

  /** Exactly one row; none is a 404 with `message`. */
  async oneOr404 (message?: string): Promise<R> {
    try {
      return await this.one()
    } catch (error) {
      if (error instanceof NotFoundError && message !== undefined) throw new NotFoundError(message)
      throw error
    }
  }

  /** How many rows match (ignoring order, limit and offset). */
  async count (): Promise<number> {
    await this.#props.runner.autoflush()
    return await this.#countRows()
  }

  async #countRows (): Promise<number> {
    const { rows } = await this.#props.runner.execute(this.#compiled('count'))
    return Number((rows[0] as { count: unknown }).count)
  }

  /**
   * One page of the results, with the total: `paginate({ page, perPage, maxPerPage,
   * errorOut })`, or `paginate(request)` reading `?page=&perPage=`. Two statements, the
   * count (without ordering) and the page, sent at once: outside a transaction each takes
   * its own pooled connection, so the request waits for one round trip, not two (SQLite
   * runs them one after the other, in microseconds). The page's rows become objects only
   * once the count says the page exists (those of a joined load, as they arrive). Plus one
   * query per relationship loaded select-in.
   *
   * @example
   * ```ts
   * app.get('/movies', async (request) => request.db.query(Movie).orderBy('id', 'desc').paginate(request))
   * // { items, page, perPage, total, pages, hasPrev, hasNext }
   * ```
   */
  async paginate (input?: PageRequestInput): Promise<Pagination<R>> {
    const page = resolvePageRequest(input)
    await this.#props.runner.autoflush()
    const pageQuery = this.offset(page.offset).limit(page.limit)
    const [total, rows] = await Promise.all([this.#countRows(), pageQuery.#rows()])
    assertPageInRange(page, total)
    // A row added between the two statements may show on a page the count says is past the end: none is shown.
    const items = page.offset >= total ? [] : await pageQuery.#load(rows)
    return new Pagination({ items, total, page: page.page, perPage: page.perPage })
  }

  /**
   * One page of keyset ("cursor") pagination: the rows after (or before) the boundary row a
   * cursor names, found through the ordering's index instead of skipping `OFFSET` rows, so a
   * deep page costs what the first does, and rows added meanwhile never shift a page. The
   * ordering must be on the model's own NOT NULL columns; the primary key is added as the
   * last key when missing, so that the order is total. Cursors are opaque and signed (see
   * `cursorSecret`): an altered one is a 400 {@link InvalidCursorError}. Reads
   * `?cursor=&perPage=` from a request, like {@link paginate}. One statement per page (it
   * fetches one row more to know if there is a next), plus one per eager-loaded relationship.
   *
   * @example
   * ```ts
   * app.get('/members', async (request) =>
   *   request.db.query(User).orderBy('createdAt', 'desc').orderBy('id', 'desc').cursorPaginate(request))
   * // { items, perPage, nextCursor, prevCursor, hasNext, hasPrev }
   * ```
   */
  async cursorPaginate (input?: CursorPageInput): Promise<CursorPagination<R>> {
    const { cursor, perPage } = resolveCursorRequest(input)
    const { runner, mapper, limit, offset } = this.#props
    if (limit !== undefined || offset !== undefined) {
      throw new InvalidArgumentError('cursorPaginate() chooses the rows itself: remove limit() and offset() from the query')
    }
    const keys = this.#keysetOrder()
    const ordering = `${mapper.table.tableName}:${keys.map((key) => `${key.column} ${key.direction}`).join(',')}`
    const position = cursor === undefined ? undefined : runner.cursors.decode(ordering, cursor)
    const backwards = position?.direction === 'before'
    const flip = (direction: 'asc' | 'desc'): 'asc' | 'desc' => direction === 'asc' ? 'desc' : 'asc'
    let query = this.#with({ orders: keys.map(({ column, direction }) => ({ column, direction: backwards ? flip(direction) : direction })) })
    if (position !== undefined) query = query.#withFilter(this.#keysetFilter(keys, position.values, position.direction))
    const rows = await query.limit(perPage + 1).all()
    const more = rows.length > perPage
    const items = rows.slice(0, perPage)
    if (backwards) items.reverse()
    const encode = (direction: CursorDirection, item: R | undefined): string | null => item === undefined
      ? null
      : runner.cursors.encode(ordering, { direction, values: keys.map((key) => (item as Record<string, unknown>)[key.property]) })
    return new CursorPagination({
      items,
      perPage,
      // Paging back, the page we came from is after this one; paging forward, the one before.
      nextCursor: (backwards || more) ? encode('after', items.at(-1)) : null,
      prevCursor: (backwards ? more : position !== undefined) ? encode('before', items[0]) : null
    })
  }

  /** The ordering as keyset keys: the model's own columns, with the primary key last. */
  #keysetOrder (): Array<{ column: string, property: string, direction: 'asc' | 'desc' }> {
    const { mapper, orders, modelName } = this.#props
    const keys = orders.map(({ column, direction, table }) => {
      const found = table === undefined ? mapper.columns.find((candidate) => candidate.name === column) : undefined
      if (found === undefined) throw new InvalidArgumentError(`cursorPaginate() orders by ${modelName}'s own columns; ${table ?? ''}.${column} is a joined one`)
      if (found.config.kind === 'dateTime' && found.config.serverDefault !== undefined) {
        throw new InvalidArgumentError(`cursorPaginate() cannot order by ${modelName}.${found.property}: its values come from the database (serverDefault), ` +
          'at a precision or in a text form a cursor (a JavaScript Date) cannot carry, so rows could be skipped or repeated; give it a client default, ' +
          `default(() => new Date()), or order by ${mapper.keyColumns[0]?.property ?? 'the primary key'}`)
      }
      if (found.config.kind === 'binary' || found.config.kind === 'json' || found.config.kind === 'array') {
        throw new InvalidArgumentError(`cursorPaginate() cannot order by ${modelName}.${found.property} (${found.config.kind}): order by numbers, text or dates`)
      }
      if (found.config.nullable) {
        throw new InvalidArgumentError(`cursorPaginate() needs an ordering without NULLs: ${modelName}.${found.property} is nullable; order by NOT NULL columns`)
      }
      return { column, property: found.property, direction }
    })
    const last = keys.at(-1)?.direction ?? 'asc'
    for (const key of mapper.keyColumns) {
      if (!keys.some((existing) => existing.column === key.name)) keys.push({ column: key.name, property: key.property, direction: last })
    }
    return keys
  }

  /** The rows past the boundary `values` in the keys' order: `a > x or (a = x and b > y)`, per direction. */
  #keysetFilter (keys: ReadonlyArray<{ property: string, direction: 'asc' | 'desc' }>, values: readonly unknown[], side: CursorDirection): Expression<SqlBool> {
    if (values.length !== keys.length) throw new InvalidCursorError('it was made for another ordering')
    const eb = this.#expressionBuilder()
    const mapper = this.#props.mapper
    const bound = keys.map((key, index) => {
      const value = mapper.fromCursor(key.property, values[index])
      mapper.assertComparable(key.property, value)
      return { ref: this.#target(key.property).ref, value, after: (key.direction === 'asc') === (side === 'after') }
    })
    const past = eb.or(bound.map((key, index) => eb.and([
      ...bound.slice(0, index).map((before) => eb(before.ref, '=', before.value as never)),
      eb(key.ref, key.after ? '>' : '<', key.value as never)
    ])))
    // The same bound on the leading key alone, implied by the OR, lets the database seek
    // through an index on it rather than filter every row in order.
    const lead = bound[0]!
    return bound.length === 1 ? past : eb.and([eb(lead.ref, lead.after ? '>=' : '<=', lead.value as never), past])
  }

  /** Whether any row matches. */
  async exists (): Promise<boolean> {
    await this.#props.runner.autoflush()
    let query = applyJoins(this.#props.runner.builder.selectFrom(this.#props.mapper.table.tableName), this.#props.joins ?? []).select(sql<number>`1`.as('one'))
    for (const filter of this.#rootFilters) query = query.where(filter)
    return (await this.#props.runner.execute(query.limit(1).compile())).rows.length > 0
  }

  /**
   * This query's own statement: its rows, or their count. Compiled once per shape when
   * every filter's shape is known (see {@link cachedStatement}), else every time.
   */
  #compiled (kind: 'rows' | 'count'): CompiledQuery {
    const props = this.#props
    const { runner, mapper } = props
    const known = (props.joins?.length ?? 0) === 0 && props.shapes.every((shape) => shape !== undefined)
    if (kind === 'count') {
      const count = (): CompiledQuery => {
        let query = applyJoins(runner.builder.selectFrom(mapper.table.tableName), props.joins ?? [])
          .select(sql<number | bigint | string>`count(*)`.as('count'))
        for (const filter of this.#rootFilters) query = query.where(filter)
        return query.compile()
      }
      return known ? cachedStatement(mapper, `count|${statementShape({ ...props, orders: [], limit: undefined, offset: undefined })}`, statementValues(props, false), count) : count()
    }
    const rows = (): CompiledQuery => selectRows(runner.builder, { ...props, filters: this.#rootFilters, tableName: mapper.table.tableName, columns: mapper.columnNames }).compile()
    return known ? cachedStatement(mapper, `rows|${statementShape(props)}`, statementValues(props, true), rows) : rows()
  }

  #expressionBuilder (): ExpressionBuilder<AnyDatabase, string> {
    return expressionBuilder<AnyDatabase, string>()
  }

  #column (property: string): string {
    const column = this.#props.mapper.columns.find((candidate) => candidate.property === property)
    if (!column) {
      throw new UnknownPropertyError(this.#props.modelName, property, this.#props.mapper.columns.map((c) => c.property))
    }
    return column.name
  }

  /** The filters, their columns qualified once joined tables may have columns of the same names. */
  get #rootFilters (): ReadonlyArray<Expression<SqlBool>> {
    const { filters, joins = [] } = this.#props
    return joins.length === 0 ? filters : qualifyFilters(filters, this.#ref)
  }

  /** The table's name in the statement. */
  get #ref (): string {
    return this.#props.ref ?? this.#props.mapper.table.tableName
  }

  /**
   * What a property path names: `'title'` a column of this model, `'author.email'` one of
   * a joined relationship's model; with its mapper (for the value check) and its
   * qualified reference (a join may bring columns of the same name).
   */
  #target (path: string): { ref: string, table: string | undefined, column: string, mapper: EntityMapper, property: string } {
    const dot = path.indexOf('.')
    if (dot < 0) {
      // Unqualified, as without joins; qualified at compile time once joins are there.
      const column = this.#column(path)
      return { ref: column, table: undefined, column, mapper: this.#props.mapper, property: path }
    }
    const name = path.slice(0, dot)
    const property = path.slice(dot + 1)
    const join = (this.#props.joins ?? []).find((candidate) => candidate.name === name)
    if (join === undefined) {
      const { mapper, modelName } = this.#props
      if (!mapper.table.relations.has(name)) throw new UnknownRelationshipError(modelName, name, [...mapper.table.relations.keys()])
      throw new UnknownPropertyError(modelName, path, mapper.columns.map((c) => c.property), `join the relationship first: query(${modelName}).join('${name}')`)
    }
    const column = join.mapper.columns.find((candidate) => candidate.property === property)
    if (!column) throw new UnknownPropertyError(join.mapper.table.modelName, property, join.mapper.columns.map((c) => c.property))
    return { ref: `${join.alias}.${column.name}`, table: join.alias, column: column.name, mapper: join.mapper, property }
  }

  #existsFilter (name: string, condition: ((query: never) => Query<AnyModel, unknown, Joins>) | undefined, negate: boolean): Expression<SqlBool> {
    const { runner, mapper } = this.#props
    const relation = relationOf(mapper, name)
    const target = runner.mapperOf(relation.target.model)
    const outer = this.#ref
    const ref = freshName(target.table.tableName, new Set([outer]))
    let sub = new Query<AnyModel, unknown, Joins>({
      runner,
      mapper: target,
      modelName: target.table.modelName,
      filters: [],
      shapes: [],
      orders: [],
      limit: undefined,
      offset: undefined,
      eager: [],
      ref,
      outerNames: [outer]
    })
    if (condition !== undefined) sub = condition(sub as never)
    const props = sub.#props
    if (props.orders.length > 0 || props.limit !== undefined || props.offset !== undefined || props.eager.length > 0) {
      throw new InvalidArgumentError(`the condition of has('${name}') only filters (where, filterBy, join, has): drop its orderBy, limit, offset and with`)
    }
    return existsRelated(runner.builder, mapper, outer, relation, { mapper: target, ref, joins: props.joins ?? [], filters: props.filters }, negate)
  }

  #withFilter (filter: Expression<SqlBool>, shape?: FilterShape): Query<M, R, J> {
    return this.#with({ filters: [...this.#props.filters, filter], shapes: [...this.#props.shapes, shape] })
  }

  #with (changes: Partial<QueryProps>): Query<M, R, J> {
    return new Query<M, R, J>({ ...this.#props, ...changes })
  }
}
