import type { ConnectionProvider, DatabaseConnection } from 'kysely'
import { echoQueries, type EchoLogger } from './query-echo.ts'

/** The pool a provider borrows from: `ManagedDriver`. */
export interface ConnectionPool {
  acquireConnection (): Promise<DatabaseConnection>
  releaseConnection (connection: DatabaseConnection): Promise<void>
  /** Whether a statement that failed with `error` may run once more on a fresh connection. */
  mayRetry (connection: DatabaseConnection, error: unknown): boolean
}

/**
 * Kysely's default provider (a pooled connection per query, released right after), with
 * optional echo. Used by `app.db.kysely` and by a session that has no open transaction.
 *
 * @example
 * ```ts
 * const provider = new PoolConnectionProvider(driver, echo ? app.log : undefined)
 * ```
 */
export class PoolConnectionProvider implements ConnectionProvider {
  readonly #driver: ConnectionPool
  readonly #echo: EchoLogger | undefined

  constructor (driver: ConnectionPool, echo: EchoLogger | undefined) {
    this.#driver = driver
    this.#echo = echo
  }

  async provideConnection<T> (consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const connection = await this.#driver.acquireConnection()
      try {
        return await consumer(this.#echo ? echoQueries(connection, this.#echo) : connection)
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
