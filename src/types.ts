import type { Engine } from './engine/engine.ts'
import type { AnyDatabase, DatabaseOf } from './model/infer.ts'
import type { Session } from './session/session.ts'

/**
 * Augment this interface once to type `app.db` and `request.db` across the app:
 *
 * @example
 * ```ts
 * import * as models from './models.ts'
 * declare module 'fastify-orm' {
 *   interface Register { models: typeof models }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface Register {}

/**
 * The database type registered through {@link Register}: computed from `models`, or a
 * Kysely database interface given as `database`; untyped when nothing is registered.
 */
export type RegisteredDatabase = Register extends { models: infer M }
  ? DatabaseOf<M>
  : Register extends { database: infer DB } ? DB : AnyDatabase

/** Per-route database options, set in the route's `config.db`. */
export interface RouteDatabaseOptions {
  /**
   * Run the whole handler in one transaction: committed when the reply's status is below
   * 400, rolled back on a thrown error or a 4xx/5xx reply (like `@fastify/postgres`' `transact`).
   */
  transaction?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The engine of the default database: `kysely`, `dialect`, `session()`, binds. */
    db: Engine<RegisteredDatabase>
  }
  interface FastifyRequest {
    /** This request's session, created on first use and closed when the request ends. */
    db: Session<RegisteredDatabase>
  }
  interface FastifyContextConfig {
    db?: RouteDatabaseOptions
  }
}
