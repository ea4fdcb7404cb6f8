import { sql, type Expression, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely'
import { selectedColumn } from '../mapping/selected-columns.ts'
import type { AnyDatabase } from '../model/infer.ts'
import { applyJoins, type JoinClause } from './relationship-filters.ts'
import type { FilterShape } from './statement-cache.ts'

/** What selects a query's rows: its table, filters, order and page. */
export interface RowSelection {
  readonly tableName: string
  readonly filters: ReadonlyArray<Expression<SqlBool>>
  /** An order's `table` is a joined relationship's alias; none means the query's own table. */
  readonly orders: ReadonlyArray<{ readonly column: string, readonly direction: 'asc' | 'desc', readonly table?: string }>
  readonly limit: number | undefined
  readonly offset: number | undefined
  /** Relationships joined to filter and order by (`join('author')`): their rows are not selected. */
  readonly joins?: readonly JoinClause[] | undefined
  /**
   * The columns to select, in this order (the model's, to read rows by position); all of
   * the table's (`*`) when absent.
   */
  readonly columns?: readonly string[] | undefined
}

/** The result column under which a joined load selects the `index`th order key of a joined table. */
export function orderKey (index: number): string {
  return `__fastify_orm_order_${index}`
}

/**
 * `select * from t where … order by … limit … offset …` (or the given columns) — a query's own rows, and the
 * root rows a joined load starts from.
 *
 * @example
 * ```ts
 * selectRows(app.db.kysely, { tableName: 'movie', filters: [], orders: [{ column: 'id', direction: 'desc' }], limit: 10, offset: undefined })
 * ```
 */
export function selectRows (builder: Kysely<AnyDatabase>, selection: RowSelection, selectOrderKeys = false): SelectQueryBuilder<AnyDatabase, string, Record<string, unknown>> {
  const { tableName, filters, orders, limit, offset, joins = [], columns } = selection
  const from = joins.length === 0 ? builder.selectFrom(tableName) : applyJoins(builder.selectFrom(tableName), joins)
  // With joins, the table's own columns are named with it: a joined table may have the same names.
  let query = (columns === undefined
    ? joins.length === 0 ? from.selectAll() : from.selectAll(tableName)
    : from.select(columns.map((column) => selectedColumn(column, joins.length === 0 ? undefined : tableName)))) as SelectQueryBuilder<AnyDatabase, string, Record<string, unknown>>
  // A joined load orders its outer statement by the joined tables' keys too: it needs them selected.
  if (selectOrderKeys) {
    orders.forEach(({ column, table }, i) => { if (table !== undefined) query = query.select(sql.ref(`${table}.${column}`).as(orderKey(i))) })
  }
  for (const filter of filters) query = query.where(filter)
  const own = joins.length === 0 ? undefined : tableName
  for (const { column, direction, table = own } of orders) query = query.orderBy(sql.ref(table === undefined ? column : `${table}.${column}`), direction)
  if (limit !== undefined) query = query.limit(limit)
  // MySQL and SQLite cannot OFFSET without a LIMIT; their "no limit" is a huge one.
  if (offset !== undefined) query = (limit === undefined ? query.limit(NO_LIMIT) : query).offset(offset)
  return query
}

const NO_LIMIT = Number.MAX_SAFE_INTEGER

/** A selection whose filters have known shapes (see `cachedStatement`). */
export type ShapedSelection = Omit<RowSelection, 'tableName'> & { readonly shapes: ReadonlyArray<FilterShape | undefined> }

/**
 * What tells {@link selectRows}' statements apart, values aside: the filters' shapes, the
 * order and whether there is a LIMIT and an OFFSET. Call only when every shape is known.
 */
export function statementShape ({ shapes, orders, limit, offset }: ShapedSelection): string {
  let shape = ''
  for (const filter of shapes) shape += `${(filter as FilterShape).key};`
  for (const { column, direction, table } of orders) shape += `|${table ?? ''}.${column} ${direction}`
  return `${shape}|${limit === undefined ? '' : 'limit'}|${offset === undefined ? '' : 'offset'}`
}

/** The values {@link selectRows} binds, in statement order: the filters' (with the page's when `withPage`). */
export function statementValues ({ shapes, limit, offset }: ShapedSelection, withPage: boolean): unknown[] {
  const values: unknown[] = []
  for (const filter of shapes) values.push(...(filter as FilterShape).values)
  if (!withPage) return values
  if (limit !== undefined) values.push(limit)
  if (offset !== undefined) values.push(...(limit === undefined ? [NO_LIMIT, offset] : [offset]))
  return values
}
