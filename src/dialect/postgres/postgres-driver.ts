import type Pg from 'pg'
import { PostgresDriver, type CompiledQuery, type DatabaseConnection, type PostgresCursor, type PostgresCursorConstructor, type QueryResult, type TransactionSettings } from 'kysely'
import { DriverNotInstalledError } from '../../errors.ts'
import { wantsArrayRows } from '../array-rows.ts'
import { loadDriver } from '../load-driver.ts'
import { isConnectionFailure } from './postgres-errors.ts'
import { isStalePreparedStatement, type StatementNames } from './statement-names.ts'

/** pg's query config, rows as arrays (`rowMode: 'array'`) or as objects. */
type RunConfig = Pg.QueryConfig & { rowMode?: 'array' }

/**
 * Kysely's PostgreSQL driver with connections that run repeated statements as named
 * (prepared) statements: see {@link StatementNames}. Transactions and savepoints are
 * Kysely's own commands, sent through these connections. `.stream()` reads through a
 * pg-cursor portal on the same pooled connection (see {@link PreparingPostgresConnection.streamQuery}).
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
  readonly #cursor: CursorLoader
  #destroyed = false

  /**
   * `names` undefined: no statement is prepared (the `preparedStatements: false` option).
   * `loadCursor` imports pg-cursor, on the first `.stream()` only.
   */
  constructor (pool: Pg.Pool, names: StatementNames | undefined, loadCursor: () => Promise<PostgresCursorConstructor> = loadPgCursor) {
    super({ pool })
    this.#pool = pool
    this.#names = names
    this.#cursor = new CursorLoader(loadCursor)
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
      connection = new PreparingPostgresConnection(client, this.#names, this.#cursor)
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

/**
 * Imports pg-cursor, an optional peer dependency: only apps that stream need it. A missing
 * package is a {@link DriverNotInstalledError} that says what to install.
 *
 * @example
 * ```ts
 * const Cursor = await loadPgCursor()
 * ```
 */
export async function loadPgCursor (packageName = 'pg-cursor'): Promise<PostgresCursorConstructor> {
  try {
    return await loadDriver<PostgresCursorConstructor>(packageName, 'postgresql')
  } catch (error) {
    if (error instanceof DriverNotInstalledError) {
      error.message = `Streaming (.stream()) on PostgreSQL needs the "${packageName}" package, which is not installed. Run: npm install ${packageName}`
    }
    throw error
  }
}

/** Imports pg-cursor once, on first use; a failed import is tried again at the next stream. */
class CursorLoader {
  readonly #load: () => Promise<PostgresCursorConstructor>
  #loading: Promise<PostgresCursorConstructor> | undefined

  constructor (load: () => Promise<PostgresCursorConstructor>) {
    this.#load = load
  }

  get (): Promise<PostgresCursorConstructor> {
    this.#loading ??= this.#load().catch((error: unknown) => {
      this.#loading = undefined
      throw error
    })
    return this.#loading
  }
}

class PreparingPostgresConnection implements DatabaseConnection {
  readonly client: Pg.PoolClient
  readonly #names: StatementNames | undefined
  readonly #cursor: CursorLoader
  /** Between BEGIN and COMMIT/ROLLBACK: a failed statement aborts the transaction, so it cannot be retried. */
  inTransaction = false
  /** Why the connection is unusable, once its socket failed or the server ended its session. */
  failure: Error | undefined

  constructor (client: Pg.PoolClient, names: StatementNames | undefined, cursor: CursorLoader) {
    this.client = client
    this.#names = names
    this.#cursor = cursor
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
    const rowMode = wantsArrayRows(query) ? 'array' as const : undefined
    if (name === undefined) return this.#run<R>(rowMode === undefined ? query.sql : { text: query.sql, rowMode }, values)
    return this.#run<R>({ name, text: query.sql, values, rowMode }).catch((error: unknown) => {
      if (!isStalePreparedStatement(error)) throw error
      // The table changed under the prepared statement (a migration from another process):
      // prepare it again under a new name. Outside a transaction nothing was lost: retry.
      this.#names!.forget(query.sql)
      if (this.inTransaction) throw error
      return this.#run<R>({ text: query.sql, rowMode }, values)
    })
  }

  /** A text alone is cheaper for pg than a config object, which it copies property by property. */
  async #run<R> (config: RunConfig | string, values?: unknown[]): Promise<QueryResult<R>> {
    let result: Pg.QueryResult
    try {
      result = await this.client.query(config as Pg.QueryConfig, values)
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

  /**
   * Reads the result `chunkSize` rows at a time through a pg-cursor portal on this
   * connection, so that only one chunk is in memory. The rows go through the pool's type
   * parsers like every other result (pg hands them to the cursor). The statement is parsed
   * unnamed: pg-cursor has no way to run a prepared statement, and one parse is nothing
   * next to a result worth streaming. Stopping early closes the portal (the connection is
   * then ready for its next statement); after an error it is not closed, since the cursor
   * has synced already, or the connection is gone and is dropped at release.
   */
  async * streamQuery<R> (query: CompiledQuery, chunkSize = DEFAULT_CHUNK_SIZE): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new Error(`chunkSize must be a positive integer (got ${String(chunkSize)})`)
    if (this.failure !== undefined) throw this.failure
    const Cursor = await this.#cursor.get()
    const cursor = this.client.query(new Cursor<R>(query.sql, query.parameters.slice()) as unknown as Pg.Submittable) as unknown as PostgresCursor<R>
    let failed = false
    try {
      for (;;) {
        const rows = await cursor.read(chunkSize)
        if (rows.length === 0) return
        yield { rows }
      }
    } catch (error) {
      failed = true
      if (isConnectionFailure(error)) this.failure ??= error as Error
      throw error
    } finally {
      if (!failed) await this.#close(cursor)
    }
  }

  /** Closes the portal, or gives up when the connection goes away meanwhile (the close would wait forever). */
  #close (cursor: PostgresCursor<unknown>): Promise<void> {
    if (this.failure !== undefined) return Promise.resolve()
    const { client } = this
    return new Promise<void>((resolve, reject) => {
      const gone = (error?: Error): void => {
        this.failure ??= error ?? new Error('Connection terminated while closing a cursor')
        done()
      }
      const done = (): void => {
        client.off('error', gone)
        client.off('end', gone)
        resolve()
      }
      client.once('error', gone)
      client.once('end', gone)
      cursor.close().then(done, (error: unknown) => {
        client.off('error', gone)
        client.off('end', gone)
        reject(error)
      })
    })
  }
}

/** Kysely's default for `.stream()` without a chunk size. */
const DEFAULT_CHUNK_SIZE = 100
