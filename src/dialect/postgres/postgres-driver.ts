import type Pg from 'pg'
import { PostgresDriver, type CompiledQuery, type DatabaseConnection, type QueryResult, type TransactionSettings } from 'kysely'
import { isConnectionFailure } from './postgres-errors.ts'
import { isStalePreparedStatement, type StatementNames } from './statement-names.ts'

/**
 * Kysely's PostgreSQL driver with connections that run repeated statements as named
 * (prepared) statements: see {@link StatementNames}. Transactions and savepoints are
 * Kysely's own commands, sent through these connections.
 *
 * @example
 * ```ts
 * const driver = new PreparingPostgresDriver(pool, new StatementNames(500))
 * ```
 */
export class PreparingPostgresDriver extends PostgresDriver {
  readonly #pool: Pg.Pool
  readonly #names: StatementNames | undefined
  readonly #connections = new WeakMap<Pg.PoolClient, PreparingPostgresConnection>()
  #destroyed = false

  /** `names` undefined: no statement is prepared (the `preparedStatements: false` option). */
  constructor (pool: Pg.Pool, names: StatementNames | undefined) {
    super({ pool })
    this.#pool = pool
    this.#names = names
  }

  override async init (): Promise<void> {}

  override async acquireConnection (): Promise<DatabaseConnection> {
    const client = await this.#pool.connect()
    // destroy() was called while the connection was being acquired
    if (this.#destroyed) {
      client.release()
      throw new Error('The PostgreSQL driver has been destroyed')
    }
    let connection = this.#connections.get(client)
    if (!connection) {
      connection = new PreparingPostgresConnection(client, this.#names)
      this.#connections.set(client, connection)
    }
    return connection
  }

  override async beginTransaction (connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await super.beginTransaction(connection, settings)
    ;(connection as PreparingPostgresConnection).inTransaction = true
  }

  override async commitTransaction (connection: DatabaseConnection): Promise<void> {
    ;(connection as PreparingPostgresConnection).inTransaction = false
    await super.commitTransaction(connection)
  }

  override async rollbackTransaction (connection: DatabaseConnection): Promise<void> {
    ;(connection as PreparingPostgresConnection).inTransaction = false
    await super.rollbackTransaction(connection)
  }

  override async releaseConnection (connection: DatabaseConnection): Promise<void> {
    const { client, failure } = connection as PreparingPostgresConnection
    // With an error, pg-pool closes the client instead of keeping it idle: a broken
    // connection is never handed out again, and the pool opens a new one when needed.
    client.release(failure)
  }

  override async destroy (): Promise<void> {
    if (this.#destroyed) return
    this.#destroyed = true
    await this.#pool.end()
  }
}

class PreparingPostgresConnection implements DatabaseConnection {
  readonly client: Pg.PoolClient
  readonly #names: StatementNames | undefined
  /** Between BEGIN and COMMIT/ROLLBACK: a failed statement aborts the transaction, so it cannot be retried. */
  inTransaction = false
  /** Why the connection is unusable, once its socket failed or the server ended its session. */
  failure: Error | undefined

  constructor (client: Pg.PoolClient, names: StatementNames | undefined) {
    this.client = client
    this.#names = names
    // pg-pool listens for 'error' only on idle clients. A checked-out client whose server
    // goes away (a restart, pg_terminate_backend, idle_in_transaction_session_timeout)
    // emits 'error' too, even between queries, and with no listener Node would crash the
    // process. Its statement, if one is running, fails on its own; note why, for release.
    client.on('error', (error: Error) => { this.failure ??= error })
  }

  executeQuery<R> (query: CompiledQuery): Promise<QueryResult<R>> {
    // pg would reject it too, with a message that hides the original reason.
    if (this.failure !== undefined) return Promise.reject(this.failure)
    const values = query.parameters as unknown[]
    const name = this.#names?.nameFor(query.sql, values.length)
    if (name === undefined) return this.#run<R>(query.sql, values)
    return this.#run<R>({ name, text: query.sql, values }).catch((error: unknown) => {
      if (!isStalePreparedStatement(error)) throw error
      // The table changed under the prepared statement (a migration from another process):
      // prepare it again under a new name. Outside a transaction nothing was lost: retry.
      this.#names!.forget(query.sql)
      if (this.inTransaction) throw error
      return this.#run<R>(query.sql, values)
    })
  }

  /** A text alone is cheaper for pg than a config object, which it copies property by property. */
  async #run<R> (config: Pg.QueryConfig | string, values?: unknown[]): Promise<QueryResult<R>> {
    let result: Pg.QueryResult
    try {
      result = await this.client.query(config, values)
    } catch (error) {
      if (isConnectionFailure(error)) this.failure ??= error as Error
      throw error
    }
    const { command, rowCount, rows } = result
    return {
      numAffectedRows: command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' ? BigInt(rowCount ?? 0) : undefined,
      rows: (rows ?? []) as R[]
    }
  }

  // eslint-disable-next-line require-yield
  async * streamQuery<R> (): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not available on PostgreSQL here (it needs the pg-cursor package): use limit/offset or keyset pagination.')
  }
}
