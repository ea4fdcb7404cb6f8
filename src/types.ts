import type { Engine } from './database/engine.ts'
import type { RegisteredDatabase } from './model/register.ts'
import type { Session } from './session/session.ts'

/** Per-route database options, set in the route's `config.db`. */
export interface RouteDatabaseOptions {
  /**
   * Run the whole handler in one transaction: committed when the reply's status is below
   * 400, rolled back on a thrown error or a 4xx/5xx reply (like `@fastify/postgres`' `transact`).
   */
  transaction?: boolean
  /** Read from the primary even when the database has read replicas (see `request.db.primary()`). */
  primary?: boolean
  /**
   * Cancel any statement of this route running longer than this (ms), on the server. The
   * handler then runs in one transaction, as with `transaction: true`, whose statements get
   * the limit (PostgreSQL `SET LOCAL statement_timeout`; MariaDB/MySQL the session variable,
   * set back after it). A cancelled statement is a 503 `StatementTimeoutError`.
   */
  statementTimeoutMs?: number
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
