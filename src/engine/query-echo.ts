import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'

/** The part of Fastify's (pino) logger that echo uses. */
export interface EchoLogger {
  info (details: Record<string, unknown>, message: string): void
}

/**
 * Wraps a connection so that every statement is logged with its SQL, its parameters'
 * count (never their values) and its duration — Flask-SQLAlchemy's `SQLALCHEMY_ECHO`.
 * Given a request's logger, the lines carry that request's id.
 *
 * @example
 * ```ts
 * const logged = echoQueries(connection, request.log)
 * // {"reqId":"req-1","sql":"select * from \"movie\" where \"id\" = $1","params":1,"durationMs":0.41,"msg":"sql"}
 * ```
 */
export function echoQueries (connection: DatabaseConnection, logger: EchoLogger): DatabaseConnection {
  return {
    async executeQuery<R> (query: CompiledQuery): Promise<QueryResult<R>> {
      const start = performance.now()
      let failed = false
      try {
        return await connection.executeQuery<R>(query)
      } catch (error) {
        failed = true
        throw error
      } finally {
        logStatement(logger, query, start, failed)
      }
    },
    async * streamQuery<R> (query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
      // Logged once the stream ends (or fails, or the consumer stops early).
      const start = performance.now()
      let failed = false
      try {
        yield * connection.streamQuery<R>(query, chunkSize)
      } catch (error) {
        failed = true
        throw error
      } finally {
        logStatement(logger, query, start, failed)
      }
    }
  }
}

function logStatement (logger: EchoLogger, query: CompiledQuery, start: number, failed: boolean): void {
  const durationMs = Math.round((performance.now() - start) * 1000) / 1000
  logger.info({ sql: query.sql, params: query.parameters.length, durationMs, ...(failed ? { failed } : {}) }, 'sql')
}
