import type { CompiledQuery } from 'kysely'
import type { StatementObserver } from './statement-observer.ts'

/** The part of Fastify's (pino) logger that echo uses. */
export interface EchoLogger {
  info (details: Record<string, unknown>, message: string): void
}

/**
 * Logs one statement with its SQL, its parameters' count (never their values), its
 * duration and the server that answered (a redacted URL) — Flask-SQLAlchemy's
 * `SQLALCHEMY_ECHO`. Given a request's logger, the line carries that request's id.
 *
 * @example
 * ```ts
 * echoStatement(request.log, 'postgresql://app:***@db:5432/app', query, start, 1, false)
 * // {"reqId":"req-1","sql":"select * from \"movie\" where \"id\" = $1","params":1,"rows":1,"durationMs":0.41,"server":"postgresql://app:***@db:5432/app","msg":"sql"}
 * ```
 */
export function echoStatement (logger: EchoLogger, server: string, query: CompiledQuery, start: number, rows: number | undefined, failed: boolean): void {
  const durationMs = roundMs(performance.now() - start)
  logger.info({ sql: query.sql, params: query.parameters.length, ...(failed ? { failed } : { rows }), durationMs, server }, 'sql')
}

/** Milliseconds to the microsecond, as logs and records show them. */
export function roundMs (ms: number): number {
  return Math.round(ms * 1000) / 1000
}

/** Echo as a {@link StatementObserver}: every statement it hears of is logged to `logger`. */
export function echoObserver (logger: EchoLogger, server: string): StatementObserver {
  return { statementDone: (query, start, rows, failed, replica) => { echoStatement(logger, replica ?? server, query, start, rows, failed) } }
}
