import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'

/**
 * Told of every statement a connection ran: echo and a session's query records listen
 * this way. `start` is the `performance.now()` taken before the statement was sent;
 * `server` names a read replica that answered (the database's own URL otherwise).
 */
export interface StatementObserver {
  statementDone (query: CompiledQuery, start: number, rows: number | undefined, failed: boolean, server?: string): void
}

/**
 * How many rows a statement returned, or for a write without RETURNING how many it
 * changed: the figure a query log shows.
 */
export function rowCount (result: QueryResult<unknown>): number {
  if (result.rows.length > 0 || result.numAffectedRows === undefined) return result.rows.length
  return Number(result.numAffectedRows)
}

/**
 * Wraps a connection so that `observer` hears of every statement once it has finished
 * (or failed). Streams are reported when they end, with the rows they yielded.
 *
 * @example
 * ```ts
 * const observed = observeStatements(connection, { statementDone: (query, start) => console.log(query.sql, performance.now() - start) })
 * ```
 */
export function observeStatements (connection: DatabaseConnection, observer: StatementObserver): DatabaseConnection {
  return {
    async executeQuery<R> (query: CompiledQuery): Promise<QueryResult<R>> {
      const start = performance.now()
      let result: QueryResult<R>
      try {
        result = await connection.executeQuery<R>(query)
      } catch (error) {
        observer.statementDone(query, start, undefined, true)
        throw error
      }
      observer.statementDone(query, start, rowCount(result), false)
      return result
    },
    async * streamQuery<R> (query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
      const start = performance.now()
      let rows = 0
      let failed = false
      try {
        for await (const chunk of connection.streamQuery<R>(query, chunkSize)) {
          rows += chunk.rows.length
          yield chunk
        }
      } catch (error) {
        failed = true
        throw error
      } finally {
        // Also when the consumer stops early: what ran is reported.
        observer.statementDone(query, start, failed ? undefined : rows, failed)
      }
    }
  }
}
