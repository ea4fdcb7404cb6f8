import { sql, type Expression, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely'
import type { AnyDatabase } from '../model/infer.ts'

/** What selects a query's rows: its table, filters, order and page. */
export interface RowSelection {
  readonly tableName: string
  readonly filters: ReadonlyArray<Expression<SqlBool>>
  readonly orders: ReadonlyArray<{ readonly column: string, readonly direction: 'asc' | 'desc' }>
  readonly limit: number | undefined
  readonly offset: number | undefined
}

/**
 * `select * from t where … order by … limit … offset …` — a query's own rows, and the
 * root rows a joined load starts from.
 *
 * @example
 * ```ts
 * selectRows(app.db.kysely, { tableName: 'movie', filters: [], orders: [{ column: 'id', direction: 'desc' }], limit: 10, offset: undefined })
 * ```
 */
export function selectRows (builder: Kysely<AnyDatabase>, selection: RowSelection): SelectQueryBuilder<AnyDatabase, string, Record<string, unknown>> {
  const { tableName, filters, orders, limit, offset } = selection
  let query = builder.selectFrom(tableName).selectAll() as SelectQueryBuilder<AnyDatabase, string, Record<string, unknown>>
  for (const filter of filters) query = query.where(filter)
  for (const { column, direction } of orders) query = query.orderBy(sql.ref(column), direction)
  if (limit !== undefined) query = query.limit(limit)
  // MySQL and SQLite cannot OFFSET without a LIMIT; their "no limit" is a huge one.
  if (offset !== undefined) query = (limit === undefined ? query.limit(Number.MAX_SAFE_INTEGER) : query).offset(offset)
  return query
}
