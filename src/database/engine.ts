import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DialectName } from '../config/parse-database-url.ts'
import type { ResolvedDatabaseConfig } from '../config/resolve-config.ts'
import type { DialectCapabilities } from '../dialect/orm-dialect.ts'
import { DatabasePool, type EngineLogger } from '../engine/database-pool.ts'
import type { ManagedDriver, PoolStatus } from '../engine/managed-driver.ts'
import { ConfigurationError } from '../errors.ts'
import { Mappings } from '../mapping/mappings.ts'
import { CursorCodec } from '../query/cursor.ts'
import { Migrations, type MigrationsOptions } from '../migration/migrations.ts'
import type { AnyDatabase } from '../model/infer.ts'
import type { RegisteredTable } from '../model/registry.ts'
import { createAll } from '../schema/create-all.ts'
import { dropAll } from '../schema/drop-all.ts'
import { Session, type SessionSettings, type SessionOptions } from '../session/session.ts'
import { assertSchemaMatches } from './schema-check.ts'

declare module '../session/session.ts' {
  // `session.engine` is the Engine that made the session; the session layer below only
  // declares the name, so that it never imports this module.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the members are Engine's
  interface SessionEngine<DB> extends Engine<DB> {}
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
  /** The database URL with its password shown as `***`. */
  readonly redactedUrl: string
  /** A typed Kysely instance on the pool (no session, no transaction). */
  readonly kysely: Kysely<DB>
  /** The registered tables stored in this database, parents first. */
  readonly tables: readonly RegisteredTable[]
  readonly #pool: DatabasePool<DB>
  readonly #mappings: Mappings
  readonly #binds: Map<string, Engine>
  readonly #migrationsDir: string | undefined
  readonly #settings: SessionSettings

  private constructor (config: ResolvedDatabaseConfig, pool: DatabasePool<DB>, tables: readonly RegisteredTable[],
    binds: Map<string, Engine>, migrationsDir: string | undefined, logger: EngineLogger) {
    this.name = config.name
    this.dialect = config.url.dialect
    this.redactedUrl = config.redactedUrl
    this.tables = tables
    this.kysely = pool.kysely
    this.#pool = pool
    this.#mappings = new Mappings(config.name, tables, pool.kysely as unknown as Kysely<AnyDatabase>)
    this.#binds = binds
    this.#migrationsDir = migrationsDir
    // Cursors sign with the configured secret, else a key of this process (see cursorSecret).
    const cursors = new CursorCodec(config.cursorSecret === undefined ? randomBytes(32) : Buffer.from(config.cursorSecret))
    this.#settings = Object.freeze({ config: config.observation, echo: config.echo, logger, server: config.redactedUrl, cursors })
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
    const tables = options.tables ?? []
    const pool = await DatabasePool.connect<DB>(config, logger, tables)
    return new Engine<DB>(config, pool, tables, options.binds ?? new Map(), options.migrationsDir, logger)
  }

  /** What the database can do (RETURNING, transactional DDL, …), refined by its server version. */
  get capabilities (): DialectCapabilities {
    return this.#pool.capabilities
  }

  /** @internal The pool's driver, whose counters tests read. */
  get driver (): ManagedDriver {
    return this.#pool.driver
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
    // echo and records are on or off per engine; the option only says whose logger (a request's) gets the lines
    const observation = options?.logger === undefined ? this.#settings : { ...this.#settings, logger: options.logger }
    return new Session(this, this.#pool, this.#mappings, observation, options?.lifetime)
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
    const created = await createAll(this.kysely as Kysely<unknown>, this.#pool.ormDialect, this.tables)
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
    dropped.push(...await dropAll(this.kysely as Kysely<unknown>, this.#pool.ormDialect, this.tables))
    return dropped
  }

  /**
   * This database's migrations (Flask-Migrate's commands as methods) over the revision
   * files of `dir` — by default the plugin's `migrations.dir`, else `migrations`; a bind's
   * by default the subfolder named after it (`migrations/analytics`), its own chain.
   *
   * @example
   * ```ts
   * await app.db.migrations({ dir: 'migrations' }).upgrade()
   * ```
   */
  migrations (options: MigrationsOptions = {}): Migrations {
    return new Migrations(this.kysely as Kysely<unknown>, this.#pool.ormDialect, this.tables, { dir: options.dir ?? this.#migrationsDir })
  }

  /**
   * Checks that the tables and columns of the registered models exist, here and in every
   * bind, with one catalog query per database; throws a `SchemaMismatchError` naming what
   * is missing. A database without any of the tables passes (not created yet). The plugin
   * runs it at `ready()` unless `checkSchema: false`.
   *
   * @example
   * ```ts
   * await app.db.checkSchema()
   * ```
   */
  async checkSchema (): Promise<void> {
    await assertSchemaMatches(this.kysely as Kysely<unknown>, this.#pool.ormDialect, this.tables, this.name)
    for (const bind of this.#binds.values()) await bind.checkSchema()
  }

  /** Connection counters: open connections, checked out, callers waiting. */
  poolStatus (): PoolStatus {
    return this.#pool.driver.status
  }

  /** Closes the pool. The plugin calls this from the app's `onClose`. */
  close (): Promise<void> {
    return this.#pool.close()
  }
}
