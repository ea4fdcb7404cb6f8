import { CompiledQuery, DefaultQueryExecutor, Kysely, type ConnectionProvider, type Driver, type KyselyProps, type QueryCompiler } from 'kysely'
import type { DialectName } from '../config/parse-database-url.ts'
import type { ResolvedDatabaseConfig } from '../config/resolve-config.ts'
import { createOrmDialect } from '../dialect/create-orm-dialect.ts'
import type { DialectCapabilities, OrmDialect } from '../dialect/orm-dialect.ts'
import { ConnectionError, ConnectionLostError, SessionStateError } from '../errors.ts'
import type { RegisteredTable } from '../model/registry.ts'
import { ConstraintCatalog } from './constraint-catalog.ts'
import { ManagedDriver } from './managed-driver.ts'
import { enableOpenTelemetrySpans } from './open-telemetry-spans.ts'
import { PoolConnectionProvider } from './pool-connection-provider.ts'
import { echoObserver, type EchoLogger } from './query-echo.ts'
import { ReplicaSet } from './replica-set.ts'
import { StatementTracing, tracingTarget } from './statement-tracing.ts'

/** The logger an engine writes to: Fastify's `app.log` fits. */
export interface EngineLogger extends EchoLogger {
  warn (details: Record<string, unknown>, message: string): void
  error (details: Record<string, unknown>, message: string): void
}

/**
 * One database's connections: its dialect, the pool (a {@link ManagedDriver}), the Kysely
 * instance on it and what the server can do. `app.db` (the `Engine`) and the sessions it
 * makes work through this; it knows nothing of models' objects or sessions.
 *
 * @example
 * ```ts
 * const pool = await DatabasePool.connect(resolveConfig({ url: 'sqlite://' }).default, app.log, [])
 * await pool.kysely.selectFrom('movie').selectAll().execute()
 * ```
 */
export class DatabasePool<DB = unknown> {
  /** Which database this is: `'sqlite' | 'postgres' | 'mysql'`. */
  readonly dialect: DialectName
  readonly ormDialect: OrmDialect
  /** A typed Kysely instance on the pool (no session, no transaction). */
  readonly kysely: Kysely<DB>
  readonly driver: ManagedDriver
  /** The read replicas, when the database has some. */
  replicas: ReplicaSet | undefined
  /** Echo's logger; undefined when echo is off. */
  readonly echo: EchoLogger | undefined
  #capabilities: DialectCapabilities
  readonly #props: KyselyProps
  readonly #compiler: QueryCompiler
  #sessionDriver: Driver | undefined

  private constructor (props: KyselyProps, driver: ManagedDriver, dialect: OrmDialect, echo: EchoLogger | undefined) {
    this.dialect = dialect.name
    this.ormDialect = dialect
    this.driver = driver
    this.echo = echo
    this.#capabilities = dialect.capabilities
    this.#props = props
    this.#compiler = props.dialect.createQueryCompiler()
    this.kysely = new Kysely<DB>(props)
  }

  /**
   * Opens the pool and runs `SELECT 1` (or reads the server's version where capabilities
   * depend on it), so a wrong URL or password fails here with the URL (password redacted)
   * in the message.
   */
  static async connect<DB> (config: ResolvedDatabaseConfig, logger: EngineLogger, tables: readonly RegisteredTable[]): Promise<DatabasePool<DB>> {
    if (config.tracing) {
      await enableOpenTelemetrySpans((error) => {
        logger.warn({ err: error }, '@opentelemetry/api is installed but could not be loaded: no OpenTelemetry spans are made for database statements')
      })
    }
    const constraints = new ConstraintCatalog(tables)
    const { dialect, driver } = await openDriver(config, logger, constraints)
    const echo = config.echo ? logger : undefined
    const kyselyDialect = dialect.kyselyDialect
    const executor = new DefaultQueryExecutor(
      kyselyDialect.createQueryCompiler(),
      kyselyDialect.createAdapter(),
      new PoolConnectionProvider(driver, echo ? echoObserver(echo, config.redactedUrl) : undefined)
    )
    const props: KyselyProps = { config: { dialect: kyselyDialect }, dialect: kyselyDialect, driver, executor }
    const pool = new DatabasePool<DB>(props, driver, dialect, echo)
    try {
      await pool.#ping()
      if (config.replicas) pool.replicas = await ReplicaSet.connect(config.replicas, (replica) => openDriver(replica, logger, constraints), logger)
    } catch (error) {
      await driver.destroy().catch(() => undefined)
      // At start-up the operator reads this, not a client: say where and why.
      if (error instanceof ConnectionError && error.detail !== undefined) throw new ConnectionError(error.detail, { cause: error.cause })
      throw error
    }
    return pool
  }

  /** What the database can do (RETURNING, transactional DDL, …), refined by its server version. */
  get capabilities (): DialectCapabilities {
    return this.#capabilities
  }

  /** The compiler's `compileQuery`, for savepoint commands. */
  get compileQuery (): QueryCompiler['compileQuery'] {
    return this.#compiler.compileQuery.bind(this.#compiler)
  }

  /**
   * A Kysely instance whose queries go through `provider` (a session). Its `transaction()`
   * is refused while the session has a transaction open, because a second BEGIN on the
   * same connection would commit (MySQL) or warn and be ignored (PostgreSQL).
   */
  kyselyOn (provider: ConnectionProvider): Kysely<DB> {
    this.#sessionDriver ??= guardedDriver(this.driver)
    return new Kysely<DB>({ ...this.#props, driver: this.#sessionDriver, executor: this.#props.executor.withConnectionProvider(provider) })
  }

  /** Closes the pool, and the replicas' pools. */
  async close (): Promise<void> {
    await Promise.all([this.kysely.destroy(), this.replicas?.close()])
  }

  async #ping (): Promise<void> {
    await this.driver.init()
    try {
      await this.#pingOnce()
    } catch (error) {
      // A connection the server ended before its first statement (PostgreSQL's
      // idle_session_timeout during a busy start-up) is retried once on a new one, as every
      // first read is; the failed one was dropped from the pool on release.
      if (!(error instanceof ConnectionLostError)) throw error
      await this.#pingOnce()
    }
  }

  async #pingOnce (): Promise<void> {
    const connection = await this.driver.acquireConnection()
    try {
      const refine = this.ormDialect.refineCapabilities
      if (refine) {
        const { rows } = await connection.executeQuery<{ version: string }>(CompiledQuery.raw('select version() as version'))
        this.#capabilities = Object.freeze({ ...this.#capabilities, ...refine(rows[0]?.version ?? '') })
      } else {
        await connection.executeQuery(CompiledQuery.raw('select 1'))
      }
    } finally {
      await this.driver.releaseConnection(connection)
    }
  }
}

/** A database's dialect and its pool, wrapped in a {@link ManagedDriver}. */
async function openDriver (config: ResolvedDatabaseConfig, logger: EngineLogger, constraints: ConstraintCatalog): Promise<{ dialect: OrmDialect, driver: ManagedDriver }> {
  const dialect = await createOrmDialect(config, (error) => {
    logger.warn({ err: error, database: config.redactedUrl }, 'a pooled database connection failed (closed by the server or the network); it is discarded and replaced when needed')
  })
  const driver = new ManagedDriver(dialect, {
    acquireTimeoutMs: dialect.capabilities.singleConnection ? 0 : config.pool.acquireTimeoutMs,
    poolMax: config.pool.max,
    password: config.url.dialect === 'sqlite' ? undefined : config.url.password,
    redactedUrl: config.redactedUrl,
    constraints,
    tracing: new StatementTracing(tracingTarget(config.url, config.tracing))
  })
  return { dialect, driver }
}

/**
 * The driver behind sessions' Kysely instances (one per engine): it refuses a BEGIN on a
 * connection that already carries a session transaction, and never closes the pool.
 */
function guardedDriver (driver: ManagedDriver): Driver {
  return {
    init: () => driver.init(),
    acquireConnection: () => driver.acquireConnection(),
    releaseConnection: (connection) => driver.releaseConnection(connection),
    beginTransaction: (connection, settings) => {
      if (driver.sessionTransactions.has(connection)) {
        return Promise.reject(new SessionStateError('The session already has a transaction open: use session.transaction(fn) (a savepoint) instead of session.kysely.transaction().'))
      }
      return driver.beginTransaction(connection, settings)
    },
    commitTransaction: (connection) => driver.commitTransaction(connection),
    rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
    savepoint: (...args) => driver.savepoint(...args),
    rollbackToSavepoint: (...args) => driver.rollbackToSavepoint(...args),
    releaseSavepoint: (...args) => driver.releaseSavepoint(...args),
    // A session's Kysely must never close the engine's pool.
    destroy: () => Promise.reject(new SessionStateError('A session cannot destroy the engine; close the app (or app.db.close()) instead.'))
  }
}
