import { expressionBuilder, sql, type ComparisonOperatorExpression, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely'
import { MultipleResultsError, NotFoundError, UnknownPropertyError } from '../errors.ts'
import type { AnyModel } from '../model/define-model.ts'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import type { AnyDatabase } from '../model/infer.ts'
import { resolvePageRequest, type PageRequestInput } from './page-request.ts'
import { assertPageInRange, Pagination } from './pagination.ts'
import type { EntityOf, RelationSpecOf, WithLoaded } from './loaded-types.ts'
import { loadJoined } from './joined-loader.ts'
import { selectRows } from './select-rows.ts'
import { loadRelations, type RelationLoaderContext, type RelationSpec } from './relation-loader.ts'

/** The Kysely database of one model: its table alone. */
export type ModelDatabase<M extends AnyModel> = { [T in M['tableName']]: M['$kysely'] }

/** A filter written with Kysely's expression builder over the model's table (column names). */
export type QueryExpression<M extends AnyModel> = (eb: ExpressionBuilder<ModelDatabase<M>, M['tableName']>) => Expression<SqlBool>

/** What a query needs from its session. */
export interface QueryRunner extends RelationLoaderContext {
  /** Writes pending changes first, so that queries see them (SQLAlchemy's autoflush). */
  autoflush (): Promise<void>
}

interface QueryProps {
  readonly runner: QueryRunner
  readonly mapper: EntityMapper
  readonly modelName: string
  readonly filters: ReadonlyArray<Expression<SqlBool>>
  readonly orders: ReadonlyArray<{ readonly column: string, readonly direction: 'asc' | 'desc' }>
  readonly limit: number | undefined
  readonly offset: number | undefined
  readonly eager: ReadonlyArray<{ readonly spec: RelationSpec, readonly strategy: LoadStrategy }>
}

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
export class Query<M extends AnyModel, R = EntityOf<M>> {
  readonly #props: QueryProps

  /** @internal Made by `session.query(Model)`. */
  constructor (props: QueryProps) {
    this.#props = Object.freeze(props)
  }

  /** Equality on each given property (`undefined` values are ignored, `null` means IS NULL). */
  filterBy (values: Partial<Row<M>>): Query<M, R> {
    const filters = Object.entries(values as Record<string, unknown>)
      .filter(([, value]) => value !== undefined)
      .map(([property, value]) => {
        const column = sql.ref(this.#column(property))
        this.#props.mapper.assertComparable(property, value)
        return value === null ? sql<SqlBool>`${column} is null` : sql<SqlBool>`${column} = ${value}`
      })
    return this.#with({ filters: [...this.#props.filters, ...filters] })
  }

  /**
   * A typed comparison on a property (`=`, `<>`, `<`, `>=`, `in`, `not in`, `like`, `is`,
   * `is not`, …), or an expression built with Kysely's expression builder for and/or logic.
   */
  where<K extends Property<M>>(property: K, operator: ComparisonOperatorExpression, value: Row<M>[K] | ReadonlyArray<Row<M>[K]> | null): Query<M, R>
  where (expression: QueryExpression<M>): Query<M, R>
  where (first: string | QueryExpression<M>, operator?: ComparisonOperatorExpression, value?: unknown): Query<M, R> {
    let filter: Expression<SqlBool>
    if (typeof first === 'function') {
      // The callback is typed against the model's table; at run time any builder serves.
      filter = (first as unknown as (eb: ExpressionBuilder<AnyDatabase, string>) => Expression<SqlBool>)(this.#expressionBuilder())
    } else {
      const eb = this.#expressionBuilder()
      const column = this.#column(first)
      this.#props.mapper.assertComparable(first, value)
      filter = eb(column, operator as ComparisonOperatorExpression, value as never)
    }
    return this.#with({ filters: [...this.#props.filters, filter] })
  }

  /** Orders by a property; call again for further keys. */
  orderBy (property: Property<M>, direction: 'asc' | 'desc' = 'asc'): Query<M, R> {
    return this.#with({ orders: [...this.#props.orders, { column: this.#column(property), direction }] })
  }

  limit (count: number): Query<M, R> {
    return this.#with({ limit: count })
  }

  offset (count: number): Query<M, R> {
    return this.#with({ offset: count })
  }

  /**
   * Loads relationships with the results, one query per relationship and level whatever
   * the number of rows (no N+1): `with('posts')`, `with(['posts', 'profile'])`,
   * `with({ posts: { tags: true } })`. `with(spec, { strategy: 'joined' })` joins them into
   * the query instead: one statement in all (see {@link LoadStrategy}).
   */
  with<const S extends RelationSpecOf<M>> (spec: S, options: WithOptions = {}): Query<M, WithLoaded<R, S>> {
    const eager = [...this.#props.eager, { spec: spec as RelationSpec, strategy: options.strategy ?? 'selectin' }]
    return new Query<M, WithLoaded<R, S>>({ ...this.#props, eager })
  }

  /** Every matching row. */
  async all (): Promise<R[]> {
    const { runner, mapper, eager, filters, orders, limit, offset } = this.#props
    await runner.autoflush()
    const joined = eager.filter((load) => load.strategy === 'joined').map((load) => load.spec)
    let entities: Array<Record<string, unknown>>
    if (joined.length > 0) {
      entities = await loadJoined(runner, { mapper, filters, orders, limit, offset }, joined)
    } else {
      const { rows } = await runner.execute(this.#select().compile())
      entities = runner.load(mapper, rows as Array<Record<string, unknown>>)
    }
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
    let query = this.#props.runner.builder.selectFrom(this.#props.mapper.table.tableName)
      .select(sql<number | bigint | string>`count(*)`.as('count'))
    for (const filter of this.#props.filters) query = query.where(filter)
    const { rows } = await this.#props.runner.execute(query.compile())
    return Number((rows[0] as { count: unknown }).count)
  }

  /**
   * One page of the results, with the total: `paginate({ page, perPage, maxPerPage,
   * errorOut })`, or `paginate(request)` reading `?page=&perPage=`. Two queries: the count
   * (without ordering) and the page; plus one per eager-loaded relationship.
   *
   * @example
   * ```ts
   * app.get('/movies', async (request) => request.db.query(Movie).orderBy('id', 'desc').paginate(request))
   * // { items, page, perPage, total, pages, hasPrev, hasNext }
   * ```
   */
  async paginate (input?: PageRequestInput): Promise<Pagination<R>> {
    const page = resolvePageRequest(input)
    const total = await this.count()
    assertPageInRange(page, total)
    const items = page.offset >= total ? [] : await this.offset(page.offset).limit(page.limit).all()
    return new Pagination({ items, total, page: page.page, perPage: page.perPage })
  }

  /** Whether any row matches. */
  async exists (): Promise<boolean> {
    await this.#props.runner.autoflush()
    let query = this.#props.runner.builder.selectFrom(this.#props.mapper.table.tableName).select(sql<number>`1`.as('one'))
    for (const filter of this.#props.filters) query = query.where(filter)
    return (await this.#props.runner.execute(query.limit(1).compile())).rows.length > 0
  }

  #select (): SelectQueryBuilder<AnyDatabase, string, Record<string, unknown>> {
    return selectRows(this.#props.runner.builder, { ...this.#props, tableName: this.#props.mapper.table.tableName })
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

  #with (changes: Partial<QueryProps>): Query<M, R> {
    return new Query<M, R>({ ...this.#props, ...changes })
  }
}
