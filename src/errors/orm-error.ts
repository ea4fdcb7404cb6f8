/**
 * Every error fastify-orm throws on purpose is an {@link OrmError}: it has a stable `code`
 * and the HTTP `statusCode` that Fastify's error handler uses for the reply. Messages say
 * what happened and what to do; they never contain SQL, parameter values or passwords.
 *
 * @example
 * ```ts
 * import { OrmError, UniqueViolationError } from 'fastify-orm'
 * try { await request.db.commit() } catch (err) {
 *   if (err instanceof UniqueViolationError) reply.code(409)
 *   else throw err
 * }
 * ```
 */
export class OrmError extends Error {
  /** A stable, machine-readable identifier, e.g. `ORM_UNIQUE_VIOLATION`. */
  readonly code: string
  /** The HTTP status a Fastify error handler replies with. */
  readonly statusCode: number

  constructor (message: string, code: string, statusCode: number, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.statusCode = statusCode
  }
}
