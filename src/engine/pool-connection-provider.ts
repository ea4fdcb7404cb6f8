import type { ConnectionProvider, DatabaseConnection } from 'kysely'
import { observeStatements, type StatementObserver } from './statement-observer.ts'

/** The pool a provider borrows from: `ManagedDriver`. */
export interface ConnectionPool {
  acquireConnection (): Promise<DatabaseConnection>
  releaseConnection (connection: DatabaseConnection): Promise<void>
  /** Whether a statement that failed with `error` may run once more on a fresh connection. */
  mayRetry (connection: DatabaseConnection, error: unknown): boolean
}

/**
 * Kysely's default provider (a pooled connection per query, released right after), with
 * an optional observer of its statements (echo, a session's query records). Used by `app.db.kysely` and by a session that has no open transaction.
 *
 * @example
 * ```ts
 * const provider = new PoolConnectionProvider(driver, echo ? echoObserver(app.log, redactedUrl) : undefined)
 * ```
 */
export class PoolConnectionProvider implements ConnectionProvider {
  readonly #driver: ConnectionPool
  readonly #observer: StatementObserver | undefined

  constructor (driver: ConnectionPool, observer: StatementObserver | undefined) {
    this.#driver = driver
    this.#observer = observer
  }

  async provideConnection<T> (consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const connection = await this.#driver.acquireConnection()
      try {
        return await consumer(this.#observer ? observeStatements(connection, this.#observer) : connection)
      } catch (error) {
        // A read that broke with its connection (a restart, a killed backend) changed
        // nothing: run it once more on a fresh connection. Writes and transactions never are.
        if (attempt > 1 || !this.#driver.mayRetry(connection, error)) throw error
      } finally {
        await this.#driver.releaseConnection(connection)
      }
    }
  }
}
