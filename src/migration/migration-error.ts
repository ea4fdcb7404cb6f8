import { OrmError } from '../errors.ts'

/**
 * Anything that stops a migration command: a broken revision chain, an unknown target, a
 * revision that failed (its `cause` is the database's error). The message is one line that
 * says what to do; the CLI prints it and exits 1.
 *
 * @example
 * ```ts
 * throw new MigrationError('Unknown revision abc: fastify-orm history lists the known ones.')
 * ```
 */
export class MigrationError extends OrmError {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, 'ORM_MIGRATION', 500, options)
    this.name = 'MigrationError'
  }
}
