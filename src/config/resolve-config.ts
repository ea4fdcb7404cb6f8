import { ConfigurationError } from '../errors.ts'
import { ACCEPTED_URL_FORMS, parseDatabaseUrl, type ParsedDatabaseUrl } from './parse-database-url.ts'
import { redactUrl } from './redact.ts'

/** Connection-pool settings (ignored for SQLite, which has one connection). */
export interface PoolOptions {
  /** Most connections open at once. Env: `DATABASE_POOL_MAX`. Default 10. */
  max?: number
  /** Close a connection idle for this long. Default 10000. */
  idleTimeoutMs?: number
  /** Fail with a 503 {@link PoolTimeoutError} after waiting this long for a free connection. Default 30000. */
  acquireTimeoutMs?: number
}

/** Options of the fastify-orm plugin. Every one has an environment-variable fallback or a default. */
export interface DatabaseOptions {
  /** Database URL (SQLAlchemy forms). Env: `DATABASE_URL`. The option wins over the env var. */
  url?: string
  /** Log every statement with its parameter count and duration. Env: `DATABASE_ECHO=1|true`. */
  echo?: boolean
  pool?: PoolOptions
  /**
   * PostgreSQL: run statements that repeat as server-side prepared statements (parsed and
   * planned once per connection). Turn off behind a pooler that cannot keep them (PgBouncer
   * in transaction mode before 1.21). Env: `DATABASE_PREPARED_STATEMENTS=0|false`. Default true.
   */
  preparedStatements?: boolean
  /**
   * Extra named databases: `{ analytics: 'postgresql://…' }`, or with read replicas
   * `{ analytics: { url: 'postgresql://…', replicas: ['postgresql://…'] } }`.
   */
  binds?: Record<string, string | BindOptions>
  /**
   * PostgreSQL read replicas of the database (streaming standbys). Request sessions read
   * from them outside transactions until their first write. Env: `DATABASE_REPLICA_URLS`
   * (comma-separated).
   */
  replicas?: readonly string[]
  /** Take a replica out of rotation while it lags more than this (ms). Default 5000. */
  replicaMaxLagMs?: number
  /** How often replicas' health and lag are checked (ms). Default 2000. */
  replicaCheckIntervalMs?: number
  /**
   * The secret that signs `cursorPaginate` cursors (at least 16 characters). Without it each
   * process signs with a random key: cursors then do not survive a restart or cross processes.
   * Env: `DATABASE_CURSOR_SECRET`.
   */
  cursorSecret?: string
  /**
   * Keep every request session's statements (`request.db.queries`, `request.db.stats`) and
   * add `db: { queries, ms }` to Fastify's `request completed` log line.
   * Env: `DATABASE_RECORD_QUERIES=1|true|0|false`. Default: on, off when `NODE_ENV=production`.
   */
  recordQueries?: boolean
  /** Log every statement slower than this many milliseconds at warn. Env: `DATABASE_SLOW_QUERY_MS`. Default: off. */
  slowQueryMs?: number
  /**
   * N+1 detection: when one relationship is loaded object by object (`load()`, `related()`)
   * more than {@link nPlusOneThreshold} times in one session, `'warn'` logs a warning naming
   * the fix, `'error'` throws {@link NPlusOneError} (for tests). Env: `DATABASE_N_PLUS_ONE=warn|error|off`.
   * Default: `'warn'`, off when `NODE_ENV=production`.
   */
  nPlusOne?: 'warn' | 'error' | false
  /** How many one-by-one loads of a relationship a session may make before it is an N+1. Default 5. */
  nPlusOneThreshold?: number
  /**
   * OpenTelemetry spans for every statement, when `@opentelemetry/api` is installed (see
   * README "Tracing"). `false` makes none and never loads the package; the
   * `diagnostics_channel` messages stay. Env: `DATABASE_TRACING=0|false`. Default true.
   */
  tracing?: boolean
  /**
   * Cancel any statement that runs longer than this, on the server (PostgreSQL:
   * `statement_timeout`; MariaDB: `max_statement_time`, every statement; MySQL:
   * `max_execution_time`, SELECTs only). No effect on SQLite. The statement fails with a
   * 503 {@link StatementTimeoutError}; the connection stays usable. Revisions run without
   * it. Env: `DATABASE_STATEMENT_TIMEOUT_MS`. Default: no timeout.
   */
  statementTimeoutMs?: number
  /**
   * PostgreSQL URLs point at PgBouncer in transaction mode (as `?pgbouncer=true` in a
   * URL): prepared statements are off unless `preparedStatements` says otherwise, and
   * nothing relies on a server session lasting beyond one transaction.
   */
  pgbouncer?: boolean
}

/** A bind with read replicas. */
export interface BindOptions {
  url: string
  replicas?: readonly string[]
}

/** Read replicas of one database. */
export interface ReplicaConfig {
  /** Each replica's settings: the primary's, with the replica's URL. */
  readonly servers: readonly ResolvedDatabaseConfig[]
  readonly maxLagMs: number
  readonly checkIntervalMs: number
}

/** What a session watches in the statements it runs. */
export interface ObservationConfig {
  readonly recordQueries: boolean
  readonly slowQueryMs: number | undefined
  readonly nPlusOne: 'warn' | 'error' | 'off'
  readonly nPlusOneThreshold: number
}

/** One database's settings after options, env vars and defaults are merged. Frozen. */
export interface ResolvedDatabaseConfig {
  readonly name: string
  readonly url: ParsedDatabaseUrl
  /** The URL with its password replaced by `***`: the only form that is ever logged. */
  readonly redactedUrl: string
  readonly echo: boolean
  readonly pool: Readonly<Required<PoolOptions>>
  readonly preparedStatements: boolean
  readonly observation: ObservationConfig
  /** Undefined without replicas. */
  readonly replicas: ReplicaConfig | undefined
  readonly cursorSecret: string | undefined
  /** Make OpenTelemetry spans (when `@opentelemetry/api` is installed). */
  readonly tracing: boolean
  /** Milliseconds, or undefined for no statement timeout. */
  readonly statementTimeoutMs: number | undefined
  /** PostgreSQL behind PgBouncer in transaction mode (`?pgbouncer=true` or the option). */
  readonly pgbouncer: boolean
}

/** The default database and its binds. */
export interface ResolvedConfig {
  readonly default: ResolvedDatabaseConfig
  readonly binds: Readonly<Record<string, ResolvedDatabaseConfig>>
}

const POOL_DEFAULTS: Required<PoolOptions> = { max: 10, idleTimeoutMs: 10_000, acquireTimeoutMs: 30_000 }

/**
 * Merges plugin options with environment variables (options win) and parses every URL.
 * Pure apart from the `env` and `cwd` it is given.
 *
 * @example
 * ```ts
 * resolveConfig({ url: 'sqlite://' }, {}).default.url // { dialect: 'sqlite', filename: ':memory:', … }
 * ```
 */
export function resolveConfig (options: DatabaseOptions, env: NodeJS.ProcessEnv = process.env, cwd?: string): ResolvedConfig {
  const url = options.url ?? nonEmpty(env.DATABASE_URL)
  if (url === undefined) {
    throw new ConfigurationError(
      `No database URL: pass { url } to the fastify-orm plugin or set DATABASE_URL. Accepted forms: ${ACCEPTED_URL_FORMS}`
    )
  }
  // JavaScript callers get no type check; a number or an object would fail later as a TypeError
  if (typeof url !== 'string') {
    throw new ConfigurationError(`The url option must be a string, got ${typeof url}. Accepted forms: ${ACCEPTED_URL_FORMS}`)
  }
  const echo = booleanSetting(options, 'echo', env, 'DATABASE_ECHO', false)
  // undefined: on, unless the database is behind PgBouncer
  const preparedStatements = booleanSetting(options, 'preparedStatements', env, 'DATABASE_PREPARED_STATEMENTS', undefined)
  // no env var: PgBouncer belongs to a URL, and DATABASE_URL can say ?pgbouncer=true
  const pgbouncerOption = booleanSetting(options, 'pgbouncer', {}, 'pgbouncer', false)
  const statementTimeoutMs = resolveStatementTimeout(options.statementTimeoutMs, env)
  const tracing = booleanSetting(options, 'tracing', env, 'DATABASE_TRACING', true)
  const pool = resolvePool(options.pool, env)
  const observation = resolveObservation(options, env)
  const maxLagMs = numberSetting(options.replicaMaxLagMs, 'replicaMaxLagMs', undefined, '', 1) ?? 5_000
  const checkIntervalMs = numberSetting(options.replicaCheckIntervalMs, 'replicaCheckIntervalMs', undefined, '', 1) ?? 2_000
  const cursorSecret = options.cursorSecret ?? nonEmpty(env.DATABASE_CURSOR_SECRET)
  if (cursorSecret !== undefined && (typeof cursorSecret !== 'string' || cursorSecret.length < 16)) {
    throw new ConfigurationError('cursorSecret (or DATABASE_CURSOR_SECRET) must be a string of at least 16 characters, e.g. 32 random bytes in hex')
  }
  const single = (name: string, rawUrl: string): ResolvedDatabaseConfig => {
    const { url, pgbouncer } = withoutPgbouncerParam(parseDatabaseUrl(rawUrl, cwd), rawUrl, pgbouncerOption)
    if (pgbouncer && statementTimeoutMs !== undefined) {
      throw new ConfigurationError(
        'statementTimeoutMs (DATABASE_STATEMENT_TIMEOUT_MS) cannot be sent through PgBouncer in transaction mode, which refuses it as a ' +
        "startup parameter and mixes sessions: set it on the role instead (ALTER ROLE app SET statement_timeout = '5s') or in " +
        "PgBouncer's [databases] entry (connect_query='SET statement_timeout = 5000'), and drop the option"
      )
    }
    return Object.freeze({
      name,
      url: Object.freeze(url),
      redactedUrl: redactUrl(rawUrl),
      echo,
      pool,
      preparedStatements: preparedStatements ?? !pgbouncer,
      observation,
      replicas: undefined,
      cursorSecret,
      tracing,
      statementTimeoutMs,
      pgbouncer
    })
  }
  const build = (name: string, rawUrl: string, replicaUrls: readonly string[] = []): ResolvedDatabaseConfig => {
    const primary = single(name, rawUrl)
    if (replicaUrls.length === 0) return primary
    if (primary.url.dialect !== 'postgres') {
      throw new ConfigurationError(`Read replicas are supported on PostgreSQL; ${primary.redactedUrl} is ${primary.url.dialect}. Remove the replicas option (or DATABASE_REPLICA_URLS).`)
    }
    const servers = replicaUrls.map((replicaUrl, index) => {
      if (typeof replicaUrl !== 'string' || replicaUrl === '') throw new ConfigurationError(`Replica ${index + 1} needs a database URL string, e.g. replicas: ['postgresql://replica-host/app']`)
      const replica = single(`${name} replica ${index + 1}`, replicaUrl)
      if (replica.url.dialect !== 'postgres') throw new ConfigurationError(`Replica ${replica.redactedUrl} is not a PostgreSQL URL; replicas must be of the same database as ${primary.redactedUrl}`)
      return replica
    })
    return Object.freeze({ ...primary, replicas: Object.freeze({ servers: Object.freeze(servers), maxLagMs, checkIntervalMs }) })
  }
  const binds: Record<string, ResolvedDatabaseConfig> = {}
  for (const [name, bind] of Object.entries(options.binds ?? {})) {
    const bindUrl: unknown = typeof bind === 'object' && bind !== null ? bind.url : bind
    if (typeof bindUrl !== 'string' || bindUrl === '') {
      throw new ConfigurationError(`Bind "${name}" needs a database URL string, e.g. binds: { ${name}: 'postgresql://…' }`)
    }
    // app.db.bind('default') is the default database itself, so a bind of that name is unreachable
    if (name === 'default') {
      throw new ConfigurationError('A bind cannot be named "default": that name is the main database (the url option). Pick another name.')
    }
    try {
      const bindReplicas: unknown = typeof bind === 'object' ? bind.replicas ?? [] : []
      if (!Array.isArray(bindReplicas)) throw new ConfigurationError(`replicas must be an array of database URLs, got ${JSON.stringify(bindReplicas)}`)
      binds[name] = build(name, bindUrl, bindReplicas as string[])
    } catch (error) {
      throw error instanceof ConfigurationError ? new ConfigurationError(`Bind "${name}": ${error.message}`) : error
    }
  }
  const replicas = options.replicas ?? nonEmpty(env.DATABASE_REPLICA_URLS)?.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '') ?? []
  if (!Array.isArray(replicas)) throw new ConfigurationError(`The replicas option must be an array of database URLs, got ${JSON.stringify(replicas)}`)
  return Object.freeze({ default: build('default', url, replicas), binds: Object.freeze(binds) })
}

/** The largest timeout every database accepts (PostgreSQL's statement_timeout is a 32-bit integer). */
const MAX_STATEMENT_TIMEOUT_MS = 2_147_483_647

function resolveStatementTimeout (option: number | undefined, env: NodeJS.ProcessEnv): number | undefined {
  const fromEnv = nonEmpty(env.DATABASE_STATEMENT_TIMEOUT_MS)
  const source = option === undefined ? 'DATABASE_STATEMENT_TIMEOUT_MS' : 'The statementTimeoutMs option'
  const raw: unknown = option ?? fromEnv
  if (raw === undefined) return undefined
  // digits only for the env var: Number() would also take "1e3", "0x10" or " 5 "; the option must be a number
  const value = option === undefined && typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_STATEMENT_TIMEOUT_MS) {
    throw new ConfigurationError(`${source} must be a positive integer of milliseconds (at most ${MAX_STATEMENT_TIMEOUT_MS}), e.g. 5000, got ${JSON.stringify(raw)}`)
  }
  return value
}

/**
 * Takes `pgbouncer` out of a PostgreSQL URL's parameters (pg would send it to the server as
 * a setting, which PostgreSQL refuses) and says whether the database is behind PgBouncer.
 */
function withoutPgbouncerParam (url: ParsedDatabaseUrl, rawUrl: string, option: boolean): { url: ParsedDatabaseUrl, pgbouncer: boolean } {
  if (url.dialect === 'sqlite') return { url, pgbouncer: false }
  const value = url.params.pgbouncer
  if (value === undefined) return { url, pgbouncer: url.dialect === 'postgres' && option }
  if (url.dialect !== 'postgres') {
    throw new ConfigurationError(`?pgbouncer= in "${redactUrl(rawUrl)}": PgBouncer is a PostgreSQL pooler; remove the parameter from this ${url.dialect} URL`)
  }
  const pgbouncer = parseBoolean(value, `?pgbouncer= in "${redactUrl(rawUrl)}"`) ?? option
  const { pgbouncer: _removed, ...params } = url.params
  const driverUrl = new URL(url.driverUrl)
  driverUrl.searchParams.delete('pgbouncer')
  return { url: { ...url, params: Object.freeze(params), driverUrl: driverUrl.toString() }, pgbouncer }
}

function resolvePool (options: PoolOptions | undefined, env: NodeJS.ProcessEnv): Readonly<Required<PoolOptions>> {
  const envMax = nonEmpty(env.DATABASE_POOL_MAX)
  const pool = {
    // digits only: Number() would also take "1e3", "0x10" or " 5 "
    max: options?.max ?? (envMax === undefined ? POOL_DEFAULTS.max : /^\d+$/.test(envMax) ? Number(envMax) : Number.NaN),
    idleTimeoutMs: options?.idleTimeoutMs ?? POOL_DEFAULTS.idleTimeoutMs,
    acquireTimeoutMs: options?.acquireTimeoutMs ?? POOL_DEFAULTS.acquireTimeoutMs
  }
  for (const [key, value] of Object.entries(pool)) {
    if (!Number.isInteger(value) || value < (key === 'max' ? 1 : 0)) {
      const source = key === 'max' && options?.max === undefined ? 'DATABASE_POOL_MAX' : `pool.${key}`
      throw new ConfigurationError(`${source} must be a ${key === 'max' ? 'positive' : 'non-negative'} integer, got ${JSON.stringify(key === 'max' && options?.max === undefined ? envMax : value)}`)
    }
  }
  return Object.freeze(pool)
}

function resolveObservation (options: DatabaseOptions, env: NodeJS.ProcessEnv): ObservationConfig {
  // Development aids on by default, as Flask-SQLAlchemy's SQLALCHEMY_RECORD_QUERIES is in debug and testing.
  const production = env.NODE_ENV === 'production'
  const recordQueries = booleanSetting(options, 'recordQueries', env, 'DATABASE_RECORD_QUERIES', !production)
  const slowQueryMs = numberSetting(options.slowQueryMs, 'slowQueryMs', env.DATABASE_SLOW_QUERY_MS, 'DATABASE_SLOW_QUERY_MS', 0)
  const nPlusOneThreshold = numberSetting(options.nPlusOneThreshold, 'nPlusOneThreshold', undefined, '', 1) ?? 5
  let nPlusOne: ObservationConfig['nPlusOne']
  const option: unknown = options.nPlusOne
  if (option === undefined) {
    const fromEnv = nonEmpty(env.DATABASE_N_PLUS_ONE)
    if (fromEnv !== undefined && fromEnv !== 'warn' && fromEnv !== 'error' && fromEnv !== 'off') {
      throw new ConfigurationError(`DATABASE_N_PLUS_ONE must be warn, error or off, got "${fromEnv}"`)
    }
    nPlusOne = fromEnv ?? (production ? 'off' : 'warn')
  } else if (option === 'warn' || option === 'error') {
    nPlusOne = option
  } else if (option === false) {
    nPlusOne = 'off'
  } else {
    throw new ConfigurationError(`The nPlusOne option must be 'warn', 'error' or false, got ${JSON.stringify(option)}`)
  }
  return Object.freeze({ recordQueries, slowQueryMs, nPlusOne, nPlusOneThreshold })
}

/** A number option (at least `min`), else its env var (digits, optionally with a fraction), else undefined. */
function numberSetting (value: unknown, option: string, envValue: string | undefined, envName: string, min: number): number | undefined {
  if (value === undefined) {
    const text = nonEmpty(envValue)
    if (text === undefined) return undefined
    if (!/^\d+(\.\d+)?$/.test(text)) throw new ConfigurationError(`${envName} must be a number of milliseconds, got "${text}"`)
    return Number(text)
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (min === 1 && !Number.isInteger(value))) {
    throw new ConfigurationError(`The ${option} option must be ${min === 1 ? 'a positive integer' : 'a non-negative number'}, got ${JSON.stringify(value)}`)
  }
  return value
}

/** A true/false option, else its env var (`1`, `true`, `0`, `false`), else the default. */
function booleanSetting<F extends boolean | undefined> (options: DatabaseOptions, option: 'echo' | 'preparedStatements' | 'pgbouncer' | 'recordQueries' | 'tracing', env: NodeJS.ProcessEnv, envName: string, fallback: F): boolean | F {
  const value: unknown = options[option]
  // JavaScript callers get no type check
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ConfigurationError(`The ${option} option must be true or false, got ${JSON.stringify(value)}`)
  }
  return value ?? parseBoolean(env[envName], envName) ?? fallback
}

function parseBoolean (value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined
  const normal = value.toLowerCase()
  if (normal === '1' || normal === 'true') return true
  if (normal === '0' || normal === 'false') return false
  throw new ConfigurationError(`${name} must be 1, true, 0 or false, got "${value}"`)
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
