import type { AnyDatabase, DatabaseOf } from './infer.ts'

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
