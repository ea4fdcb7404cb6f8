import type { CompiledQuery } from 'kysely'

/**
 * A SELECT whose caller reads its result by position: a driver that can (better-sqlite3's
 * `raw()`, pg's `rowMode: 'array'`) returns each row as an array of values in select-list
 * order instead of an object keyed by column name, which saves building one object with a
 * property per column for every row (a third of a wide joined statement's time on SQLite).
 * Other drivers return objects as usual: the caller handles both (see {@link rowValues}).
 */
export interface ArrayRowsQuery extends CompiledQuery {
  readonly arrayRows: true
}

/** The statement, asking for its rows as arrays. */
export function withArrayRows (query: CompiledQuery): ArrayRowsQuery {
  return { query: query.query, queryId: query.queryId, sql: query.sql, parameters: query.parameters, arrayRows: true }
}

export function wantsArrayRows (query: CompiledQuery): boolean {
  return (query as Partial<ArrayRowsQuery>).arrayRows === true
}

/**
 * The rows of an {@link ArrayRowsQuery} as arrays, whichever the driver returned:
 * `columns` are the result's column names in select-list order, for drivers that gave objects.
 */
export function rowValues (rows: readonly unknown[], columns: readonly string[]): ReadonlyArray<readonly unknown[]> {
  if (rows.length === 0 || Array.isArray(rows[0])) return rows as ReadonlyArray<readonly unknown[]>
  return rows.map((row) => columns.map((column) => (row as Record<string, unknown>)[column]))
}
