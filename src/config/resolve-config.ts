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
   * OpenTelemetry spans for every statement, when `@opentelemetry/api` is installed (see
   * README "Tracing"). `false` makes none and never loads the package; the
   * `diagnostics_channel` messages stay. Env: `DATABASE_TRACING=0|false`. Default true.
   */
  tracing?: boolean
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
  /** Make OpenTelemetry spans (when `@opentelemetry/api` is installed). */
  readonly tracing: boolean
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
  const preparedStatements = booleanSetting(options, 'preparedStatements', env, 'DATABASE_PREPARED_STATEMENTS', true)
  const tracing = booleanSetting(options, 'tracing', env, 'DATABASE_TRACING', true)
  const pool = resolvePool(options.pool, env)
  const build = (name: string, rawUrl: string): ResolvedDatabaseConfig => Object.freeze({
    name,
    url: Object.freeze(parseDatabaseUrl(rawUrl, cwd)),
    redactedUrl: redactUrl(rawUrl),
    echo,
    pool,
    preparedStatements,
    tracing
  })
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
function booleanSetting (options: DatabaseOptions, option: 'echo' | 'preparedStatements' | 'tracing', env: NodeJS.ProcessEnv, envName: string, fallback: boolean): boolean {
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
