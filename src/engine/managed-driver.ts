import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from 'kysely'
import { redactSecret } from '../config/redact.ts'
import { ConnectionError, ConnectionLostError, OrmError, PoolTimeoutError } from '../errors.ts'
import type { OrmDialect } from '../dialect/orm-dialect.ts'
import type { ConstraintCatalog } from './constraint-catalog.ts'
import { PoolConnectionProvider } from './pool-connection-provider.ts'
import { queryChannel, transactionChannel, type StatementTracing } from './statement-tracing.ts'

/** Connection counters, for health checks and tests. */
export interface PoolStatus {
  /** Physical connections open. */
  readonly open: number
  /** Connections checked out by fastify-orm right now. */
  readonly inUse: number
  /** Callers waiting for a connection. */
  readonly waiting: number
}

interface ManagedDriverOptions {
  /** 0 disables the timeout (SQLite, whose single connection is not pooled). */
  readonly acquireTimeoutMs: number
  readonly poolMax: number | undefined
  /** Removed from every error message before it is shown. */
  readonly password: string | undefined
  readonly redactedUrl: string
  /** Completes constraint violations from the models, where the database's report lacks names. */
  readonly constraints: ConstraintCatalog
  /** Publishes statements and transaction commands on `diagnostics_channel`, when someone subscribes. */
  readonly tracing: StatementTracing
}

/** A connection that runs a statement to completion before returning (better-sqlite3's). */
export interface SynchronousConnection extends DatabaseConnection {
  executeSync: <R>(query: CompiledQuery) => QueryResult<R>
}

/** How a connection was used since it was last acquired: what deciding on a retry needs. */
interface ConnectionUse {
  statements: number
  /** The statement running (or last run): what a constraint violation's table is read from. */
  query: CompiledQuery | undefined
  /** The first statement was a SELECT built with the query builder. */
  firstIsRead: boolean
  /** The connection broke during its first statement, a read (see {@link ManagedDriver.mayRetry}). */
  lostOnFirstRead: boolean
}

/** A driver that can lend its connection for one statement without queueing (SQLite's, in process). */
interface ImmediateDriver extends Driver {
  idleConnection?: () => SynchronousConnection | undefined
}

/**
 * Wraps a Kysely driver with what an application server needs around it: a bounded wait
 * for a pooled connection, counters, and translation of every driver error into an
 * {@link OrmError} (so constraint violations reach Fastify as 409/400, and nothing else
 * leaks SQL). Kysely's own RuntimeDriver patches connections the same way for logging.
 */
export class ManagedDriver implements Driver {
  readonly #driver: ImmediateDriver
  readonly #dialect: OrmDialect
  readonly #options: ManagedDriverOptions
  /** Every connection seen, with its use since acquired; a connection is wrapped once, at first sight. */
  readonly #uses = new WeakMap<DatabaseConnection, ConnectionUse>()
  /** Connections (as sessions hand them to Kysely) that carry an open session transaction. */
  readonly sessionTransactions = new WeakSet<DatabaseConnection>()
  /** A connection per query, without echo: shared by every session that has no transaction open. */
  readonly pooled: PoolConnectionProvider = new PoolConnectionProvider(this, undefined)
  #initPromise: Promise<void> | undefined
  #inUse = 0
  #waiting = 0
  #destroyed = false
  #initialised = false

  constructor (dialect: OrmDialect, options: ManagedDriverOptions) {
    this.#dialect = dialect
    this.#driver = dialect.kyselyDialect.createDriver()
    this.#options = options
  }

  get status (): PoolStatus {
    return { open: this.#destroyed ? 0 : this.#dialect.openConnections(), inUse: this.#inUse, waiting: this.#waiting }
  }

  init (): Promise<void> {
    this.#initPromise ??= this.#driver.init().then(() => { this.#initialised = true }, (error: unknown) => {
      this.#initPromise = undefined
      throw this.#connectionError(error)
    })
    return this.#initPromise
  }

  acquireConnection (): Promise<DatabaseConnection> {
    if (this.#destroyed) {
      return Promise.reject(new ConnectionError('The database engine is closed (the app was closed); it cannot run queries any more.', {
        code: 'ORM_ENGINE_CLOSED', detail: `The engine of ${this.#options.redactedUrl} was closed`
      }))
    }
    // Once initialised, no extra await: this runs for every query (one promise, not four).
    if (!this.#initialised) return this.init().then(() => this.acquireConnection())
    this.#waiting++
    return this.#acquireWithTimeout().then((connection) => {
      this.#waiting--
      this.#inUse++
      const use = this.#uses.get(connection)
      if (use === undefined) this.#translateErrorsOf(connection)
      else { use.statements = 0; use.lostOnFirstRead = false }
      return connection
    }, (error: unknown) => {
      this.#waiting--
      throw error
    })
  }

  /**
   * Runs one statement synchronously when the driver has a connection free without waiting
   * (SQLite's, when no transaction holds it): no acquire and release round through the
   * promise queue, and no promise at all. Undefined when it cannot; take a connection the
   * usual way then. Errors are thrown, translated as every other query's are.
   */
  executeNow (query: CompiledQuery): QueryResult<unknown> | undefined {
    if (!this.#initialised || this.#destroyed) return undefined
    const connection = this.#driver.idleConnection?.()
    if (connection === undefined) return undefined
    const normalize = this.#dialect.normalizeParameters
    try {
      const prepared = normalize ? { ...query, parameters: normalize(query.parameters) } : query
      if (queryChannel.hasSubscribers) {
        // Traced with the error the caller gets (translated inside, so the trace sees it too).
        return this.#options.tracing.traceSync(query, () => {
          try {
            return connection.executeSync(prepared)
          } catch (error) {
            throw this.#translate(error, query)
          }
        })
      }
      return connection.executeSync(prepared)
    } catch (error) {
      throw this.#translate(error, query)
    }
  }

  /**
   * True when `error` broke `connection` during its first statement since it was acquired,
   * and that statement was a read built with the query builder (a SELECT): it changed
   * nothing, was in no transaction (BEGIN would have been the first statement), and may be
   * run again on another connection. Raw SQL and writes never are.
   */
  mayRetry (connection: DatabaseConnection, error: unknown): boolean {
    return error instanceof ConnectionLostError && this.#uses.get(connection)?.lostOnFirstRead === true
  }

  releaseConnection (connection: DatabaseConnection): Promise<void> {
    this.#inUse--
    return this.#driver.releaseConnection(connection)
  }

  beginTransaction (connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (transactionChannel.hasSubscribers) return this.#options.tracing.traceTransaction('begin', undefined, () => this.#driver.beginTransaction(connection, settings))
    return this.#driver.beginTransaction(connection, settings)
  }

  /** Limits the open transaction's statements to `ms` (see {@link OrmDialect.transactionStatementTimeout}); returns the undo. */
  async transactionStatementTimeout (connection: DatabaseConnection, ms: number): Promise<(() => Promise<void>) | undefined> {
    return this.#dialect.transactionStatementTimeout?.(connection, ms)
  }

  commitTransaction (connection: DatabaseConnection): Promise<void> {
    if (transactionChannel.hasSubscribers) return this.#options.tracing.traceTransaction('commit', undefined, () => this.#driver.commitTransaction(connection))
    return this.#driver.commitTransaction(connection)
  }

  rollbackTransaction (connection: DatabaseConnection): Promise<void> {
    if (transactionChannel.hasSubscribers) return this.#options.tracing.traceTransaction('rollback', undefined, () => this.#driver.rollbackTransaction(connection))
    return this.#driver.rollbackTransaction(connection)
  }

  savepoint (...args: Parameters<NonNullable<Driver['savepoint']>>): Promise<void> {
    if (transactionChannel.hasSubscribers) return this.#options.tracing.traceTransaction('savepoint', args[1], () => this.#driver.savepoint!(...args))
    return this.#driver.savepoint!(...args)
  }

  rollbackToSavepoint (...args: Parameters<NonNullable<Driver['rollbackToSavepoint']>>): Promise<void> {
    if (transactionChannel.hasSubscribers) return this.#options.tracing.traceTransaction('rollbackToSavepoint', args[1], () => this.#driver.rollbackToSavepoint!(...args))
    return this.#driver.rollbackToSavepoint!(...args)
  }

  releaseSavepoint (...args: Parameters<NonNullable<Driver['releaseSavepoint']>>): Promise<void> {
    if (transactionChannel.hasSubscribers) return this.#options.tracing.traceTransaction('releaseSavepoint', args[1], () => this.#driver.releaseSavepoint!(...args))
    return this.#driver.releaseSavepoint!(...args)
  }

  async destroy (): Promise<void> {
    this.#destroyed = true
    if (this.#initPromise === undefined) return
    await this.#initPromise.catch(() => undefined)
    await this.#driver.destroy()
  }

  #acquireWithTimeout (): Promise<DatabaseConnection> {
    const { acquireTimeoutMs, poolMax } = this.#options
    // While an idle connection waits for every caller (this one included), nobody queues and
    // nothing connects: no timer, whose cost per query is measurable.
    if (acquireTimeoutMs === 0 || this.#inUse + this.#waiting <= this.#dialect.openConnections()) {
      return this.#driver.acquireConnection().catch(this.#toConnectionError)
    }
    const pending = this.#driver.acquireConnection().catch(this.#toConnectionError)
    return new Promise((resolve, reject) => {
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        reject(new PoolTimeoutError(acquireTimeoutMs, poolMax))
      }, acquireTimeoutMs)
      pending.then((connection) => {
        clearTimeout(timer)
        // Nobody waits for a connection that arrives after the timeout: give it back.
        if (timedOut) void this.#driver.releaseConnection(connection)
        else resolve(connection)
      }, (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      })
    })
  }

  #translateErrorsOf (connection: DatabaseConnection): void {
    const use: ConnectionUse = { statements: 0, query: undefined, firstIsRead: false, lostOnFirstRead: false }
    this.#uses.set(connection, use)
    const executeQuery = connection.executeQuery.bind(connection)
    const translate = (error: unknown): never => {
      const translated = this.#translate(error, use.query)
      use.lostOnFirstRead = use.statements === 1 && use.firstIsRead && translated instanceof ConnectionLostError
      throw translated
    }
    const normalize = this.#dialect.normalizeParameters
    const tracing = this.#options.tracing
    connection.executeQuery = <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
      if (++use.statements === 1) use.firstIsRead = query.query.kind === 'SelectQueryNode'
      use.query = query
      try {
        const parameters = normalize ? normalize(query.parameters) : query.parameters
        const prepared = parameters === query.parameters ? query : { ...query, parameters }
        if (queryChannel.hasSubscribers) {
          return tracing.tracePromise(query, () => {
            try {
              return executeQuery<R>(prepared).catch(translate)
            } catch (error) {
              return Promise.reject(this.#translate(error, query))
            }
          })
        }
        return executeQuery<R>(prepared).catch(translate)
      } catch (error) {
        // better-sqlite3 throws synchronously from inside Kysely's connection
        return Promise.reject(this.#translate(error, query))
      }
    }
    // Streamed queries (`.stream()`) fail inside the iterator: translate there too. Their
    // parameters are normalised as every other statement's are.
    const streamQuery = connection.streamQuery.bind(connection)
    const translatedStream = async function * <R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
      try {
        const parameters = normalize ? normalize(query.parameters) : query.parameters
        yield * streamQuery<R>(parameters === query.parameters ? query : { ...query, parameters }, chunkSize)
      } catch (error) {
        translate(error)
      }
    }
    connection.streamQuery = async function * <R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
      // A stream may have sent rows already: never retried.
      if (++use.statements === 1) use.firstIsRead = false
      use.query = query
      const stream = translatedStream<R>(query, chunkSize)
      yield * (queryChannel.hasSubscribers ? tracing.traceStream(query, stream) : stream)
    }
  }

  #translate (error: unknown, query: CompiledQuery | undefined): OrmError {
    return error instanceof OrmError ? error : this.#options.constraints.complete(this.#dialect.translateError(error), query)
  }

  readonly #toConnectionError = (error: unknown): never => {
    throw this.#connectionError(error)
  }

  #connectionError (error: unknown): OrmError {
    if (error instanceof OrmError) return error
    const reason = redactSecret(error instanceof Error ? error.message : String(error), this.#options.password)
    // The reply says only that the database is unavailable; where and why goes to the log.
    return new ConnectionError('The database is unavailable (no connection could be opened); try again later', {
      cause: error, detail: `Could not connect to ${this.#options.redactedUrl}: ${reason}`
    })
  }
}
