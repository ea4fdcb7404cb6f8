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
  /** Extra named databases, `{ analytics: 'postgresql://…' }`. */
  binds?: Record<string, string>
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
  const pool = resolvePool(options.pool, env)
  const build = (name: string, rawUrl: string): ResolvedDatabaseConfig => {
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
      statementTimeoutMs,
      pgbouncer
    })
  }
  const binds: Record<string, ResolvedDatabaseConfig> = {}
  for (const [name, bindUrl] of Object.entries(options.binds ?? {})) {
    if (typeof bindUrl !== 'string' || bindUrl === '') {
      throw new ConfigurationError(`Bind "${name}" needs a database URL string, e.g. binds: { ${name}: 'postgresql://…' }`)
    }
    // app.db.bind('default') is the default database itself, so a bind of that name is unreachable
    if (name === 'default') {
      throw new ConfigurationError('A bind cannot be named "default": that name is the main database (the url option). Pick another name.')
    }
    try {
      binds[name] = build(name, bindUrl)
    } catch (error) {
      throw error instanceof ConfigurationError ? new ConfigurationError(`Bind "${name}": ${error.message}`) : error
    }
  }
  return Object.freeze({ default: build('default', url), binds: Object.freeze(binds) })
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

/** A true/false option, else its env var (`1`, `true`, `0`, `false`), else the default. */
function booleanSetting<F extends boolean | undefined> (options: DatabaseOptions, option: 'echo' | 'preparedStatements' | 'pgbouncer', env: NodeJS.ProcessEnv, envName: string, fallback: F): boolean | F {
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
