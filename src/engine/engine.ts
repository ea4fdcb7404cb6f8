import { CompiledQuery, DefaultQueryExecutor, Kysely, type ConnectionProvider, type Driver, type KyselyProps, type QueryCompiler } from 'kysely'
import type { DialectName } from '../config/parse-database-url.ts'
import type { ResolvedDatabaseConfig } from '../config/resolve-config.ts'
import { createOrmDialect } from '../dialect/create-orm-dialect.ts'
import type { DialectCapabilities, OrmDialect } from '../dialect/orm-dialect.ts'
import type { AnyModel } from '../model/define-model.ts'
import type { RegisteredTable } from '../model/registry.ts'
import { EntityMapper } from '../mapping/entity-mapper.ts'
import { InsertStatements } from '../mapping/insert-statements.ts'
import { keyCondition } from '../session/unit-of-work.ts'
import type { AnyDatabase } from '../model/infer.ts'
import { createAll } from '../schema/create-all.ts'
import { dropAll } from '../schema/drop-all.ts'
import { Migrations, type MigrationsOptions } from '../migration/migrations.ts'
import { ConfigurationError, ConnectionError, SessionStateError } from '../errors.ts'
import { Session } from '../session/session.ts'
import type { SessionLifetime } from '../session/session-connection.ts'
import { ConstraintCatalog } from './constraint-catalog.ts'
import { ManagedDriver, type PoolStatus } from './managed-driver.ts'
import { PoolConnectionProvider } from './pool-connection-provider.ts'
import type { EchoLogger } from './query-echo.ts'

/** The logger an engine writes to: Fastify's `app.log` fits. */
export interface EngineLogger extends EchoLogger {
  warn (details: Record<string, unknown>, message: string): void
  error (details: Record<string, unknown>, message: string): void
}

/** Options of {@link Engine.session}. */
export interface SessionOptions {
  /** Where echo lines go; defaults to the engine's logger. `request.db` passes `request.log`. */
  logger?: EchoLogger
  /** @internal What the session's life is bound to: `request.db`'s request. */
  lifetime?: SessionLifetime
}

/**
 * One database: its pool, its typed Kysely instance and the factory of sessions.
 * `app.db` is the engine of the default database; `app.db.bind(name)` those of the binds.
 * The plugin closes every engine when the app closes.
 *
 * @example
 * ```ts
 * const session = app.db.session()
 * try {
 *   await session.kysely.insertInto('movie').values({ title: 'Alien', year: 1979 }).execute()
 * } finally {
 *   await session.close()
 * }
 * ```
 */
export class Engine<DB = unknown> {
  /** `'default'`, or the bind's name. */
  readonly name: string
  /** Which database this is: `'sqlite' | 'postgres' | 'mysql'`. */
  readonly dialect: DialectName
  #capabilities: DialectCapabilities
  /** The database URL with its password shown as `***`. */
  readonly redactedUrl: string
  /** A typed Kysely instance on the pool (no session, no transaction). */
  readonly kysely: Kysely<DB>
  /** @internal */
  readonly driver: ManagedDriver
  /** What the database can do (RETURNING, transactional DDL, …), refined by its server version. */
  get capabilities (): DialectCapabilities {
    return this.#capabilities
  }

  /** The registered tables stored in this database, parents first. */
  readonly tables: readonly RegisteredTable[]
  readonly #props: KyselyProps
  readonly #ormDialect: OrmDialect
  readonly #echo: EchoLogger | undefined
  readonly #compiler: QueryCompiler
  readonly #binds: Map<string, Engine>
  #migrationsDir: string | undefined
  readonly #mappers = new Map<AnyModel, EntityMapper>()
  #sessionDriver: Driver | undefined
  readonly #selectByKey = new Map<EntityMapper, CompiledQuery>()
  #insertStatements: InsertStatements | undefined
  #tableOrder: readonly string[] | undefined

  private constructor (config: ResolvedDatabaseConfig, props: KyselyProps, driver: ManagedDriver,
    dialect: OrmDialect, echo: EchoLogger | undefined, binds: Map<string, Engine>, tables: readonly RegisteredTable[]) {
    this.name = config.name
    this.dialect = config.url.dialect
    this.#capabilities = dialect.capabilities
    this.redactedUrl = config.redactedUrl
    this.tables = tables
    this.driver = driver
    this.#props = props
    this.#ormDialect = dialect
    this.#echo = echo
    this.#compiler = props.dialect.createQueryCompiler()
    this.#binds = binds
    this.kysely = new Kysely<DB>(props)
  }

  /**
   * Opens the pool and runs `SELECT 1`, so a wrong URL or password fails here — at the
   * app's `ready()` — with the URL (password redacted) in the message.
   *
   * @example
   * ```ts
   * const engine = await Engine.connect(resolveConfig({ url: 'sqlite://' }).default, app.log)
   * ```
   */
  static async connect<DB> (config: ResolvedDatabaseConfig, logger: EngineLogger, options: {
    binds?: Map<string, Engine>
    tables?: readonly RegisteredTable[]
    /** The default folder of {@link migrations}. */
    migrationsDir?: string
  } = {}): Promise<Engine<DB>> {
    const dialect = await createOrmDialect(config, (error) => {
      logger.warn({ err: error, database: config.redactedUrl }, 'a pooled database connection failed (closed by the server or the network); it is discarded and replaced when needed')
    })
    const driver = new ManagedDriver(dialect, {
      acquireTimeoutMs: dialect.capabilities.singleConnection ? 0 : config.pool.acquireTimeoutMs,
      poolMax: config.pool.max,
      password: config.url.dialect === 'sqlite' ? undefined : config.url.password,
      redactedUrl: config.redactedUrl,
      constraints: new ConstraintCatalog(options.tables ?? [])
    })
    const echo = config.echo ? logger : undefined
    const kyselyDialect = dialect.kyselyDialect
    const executor = new DefaultQueryExecutor(
      kyselyDialect.createQueryCompiler(),
      kyselyDialect.createAdapter(),
      new PoolConnectionProvider(driver, echo)
    )
    const props: KyselyProps = { config: { dialect: kyselyDialect }, dialect: kyselyDialect, driver, executor }
    const engine = new Engine<DB>(config, props, driver, dialect, echo, options.binds ?? new Map(), options.tables ?? [])
    engine.#migrationsDir = options.migrationsDir
    try {
      await engine.#ping()
    } catch (error) {
      await driver.destroy().catch(() => undefined)
      // At start-up the operator reads this, not a client: say where and why.
      if (error instanceof ConnectionError && error.detail !== undefined) throw new ConnectionError(error.detail, { cause: error.cause })
      throw error
    }
    return engine
  }

  /**
   * A new session for a script, a job or the shell. The caller must `close()` it.
   *
   * @example
   * ```ts
   * const db = app.db.session()
   * try { await db.transaction(async () => { … }) } finally { await db.close() }
   * ```
   */
  session (options?: SessionOptions): Session<DB> {
    // echo is on or off per engine; the option only says whose logger (a request's) gets the lines
    return Session.create(this, this.#echo === undefined ? undefined : (options?.logger ?? this.#echo), options?.lifetime)
  }

  /**
   * The engine of a bind declared in the plugin's `binds` option.
   *
   * @example
   * ```ts
   * const rows = await app.db.bind('analytics').kysely.selectFrom('event').selectAll().execute()
   * ```
   */
  bind<BindDB = unknown> (name: string): Engine<BindDB> {
    const engine = name === 'default' ? this : this.#binds.get(name)
    if (!engine) {
      const known = [...this.#binds.keys()]
      throw new ConfigurationError(`Unknown bind "${name}". Declare it in the plugin's binds option${known.length > 0 ? `; known binds: ${known.join(', ')}` : ''}.`)
    }
    return engine as unknown as Engine<BindDB>
  }

  /**
   * Creates the registered tables that do not exist yet — with their indexes and
   * constraints, parents first — in this database and, on `app.db`, in every bind.
   * Existing tables are left as they are (use migrations to change them).
   * Returns the names of the tables created.
   *
   * @example
   * ```ts
   * await app.db.createAll()
   * ```
   */
  async createAll (): Promise<string[]> {
    const created = await createAll(this.kysely as Kysely<unknown>, this.#ormDialect, this.tables)
    for (const bind of this.#binds.values()) created.push(...await bind.createAll())
    return created
  }

  /**
   * Drops the registered tables that exist, children first, here and in every bind.
   * Returns the names of the tables dropped.
   *
   * @example
   * ```ts
   * await app.db.dropAll()
   * ```
   */
  async dropAll (): Promise<string[]> {
    const dropped: string[] = []
    for (const bind of this.#binds.values()) dropped.push(...await bind.dropAll())
    dropped.push(...await dropAll(this.kysely as Kysely<unknown>, this.#ormDialect, this.tables))
    return dropped
  }

  /**
   * This database's migrations (Flask-Migrate's commands as methods) over the revision
   * files of `dir` — by default the plugin's `migrations.dir`, else `migrations`.
   *
   * @example
   * ```ts
   * await app.db.migrations({ dir: 'migrations' }).upgrade()
   * ```
   */
  migrations (options: MigrationsOptions = {}): Migrations {
    return new Migrations(this.kysely as Kysely<unknown>, this.#ormDialect, this.tables, { dir: options.dir ?? this.#migrationsDir })
  }

  /** Connection counters: open connections, checked out, callers waiting. */
  poolStatus (): PoolStatus {
    return this.driver.status
  }

  /** Closes the pool. The plugin calls this from the app's `onClose`. */
  close (): Promise<void> {
    return this.kysely.destroy()
  }

  /** @internal The row ↔ entity mapper of a model stored in this database (built once). */
  mapperOf (model: AnyModel): EntityMapper {
    let mapper = this.#mappers.get(model)
    if (mapper) return mapper
    const table = this.tables.find((candidate) => candidate.model === model)
    if (!table) {
      const bind = model.table.bind
      throw new ConfigurationError(bind === this.name
        ? `Model ${model.name} is not registered: add it to the plugin's models option.`
        : `Model ${model.name} is stored in bind "${bind}": use app.db.bind('${bind}').session() for it.`)
    }
    mapper = new EntityMapper(table)
    this.#mappers.set(model, mapper)
    return mapper
  }

  /**
   * @internal `SELECT * … WHERE pk = ?` for a key: compiled once per table, then only the
   * parameters change (building and compiling the query tree is most of a query's cost).
   */
  selectByKey (mapper: EntityMapper, values: readonly unknown[]): CompiledQuery {
    let compiled = this.#selectByKey.get(mapper)
    if (!compiled) {
      compiled = (this.kysely as unknown as Kysely<AnyDatabase>).selectFrom(mapper.table.tableName).selectAll()
        .where(keyCondition(mapper, Object.fromEntries(mapper.keyColumns.map((column, i) => [column.property, values[i]])))).compile()
      this.#selectByKey.set(mapper, compiled)
    }
    // Spelled out: a spread copies by enumerating, which costs more on this hot path.
    return { query: compiled.query, queryId: compiled.queryId, sql: compiled.sql, parameters: values }
  }

  /** @internal The texts of the unit of work's INSERTs, made once per table, columns and row count. */
  get insertStatements (): InsertStatements {
    this.#insertStatements ??= new InsertStatements(this.kysely as unknown as Kysely<AnyDatabase>)
    return this.#insertStatements
  }

  /** @internal The registered tables' names, parents first (the order of a flush's inserts). */
  get tableOrder (): readonly string[] {
    this.#tableOrder ??= this.tables.map((table) => table.tableName)
    return this.#tableOrder
  }

  /** @internal The compiler's `compileQuery`, for savepoint commands. */
  get compileQuery (): QueryCompiler['compileQuery'] {
    return this.#compiler.compileQuery.bind(this.#compiler)
  }

  /**
   * @internal A Kysely instance whose queries go through `provider` (a session). Its
   * `transaction()` is refused while the session has a transaction open, because a second
   * BEGIN on the same connection would commit (MySQL) or warn and be ignored (PostgreSQL).
   */
  kyselyOn (provider: ConnectionProvider): Kysely<DB> {
    this.#sessionDriver ??= guardedDriver(this.driver)
    return new Kysely<DB>({ ...this.#props, driver: this.#sessionDriver, executor: this.#props.executor.withConnectionProvider(provider) })
  }

  async #ping (): Promise<void> {
    await this.driver.init()
    const connection = await this.driver.acquireConnection()
    try {
      const refine = this.#ormDialect.refineCapabilities
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
