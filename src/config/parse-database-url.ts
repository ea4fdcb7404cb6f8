import { isAbsolute, resolve } from 'node:path'
import { ConfigurationError } from '../errors.ts'
import { redactUrl } from './redact.ts'

/** The databases fastify-orm speaks to. */
export type DialectName = 'sqlite' | 'postgres' | 'mysql'

/** A SQLite database: a file, or memory. */
export interface SqliteUrl {
  readonly dialect: 'sqlite'
  /** Absolute file path, or `':memory:'`. */
  readonly filename: string
  readonly readonly: boolean
}

/** A server database (PostgreSQL or MySQL/MariaDB). */
export interface ServerUrl {
  readonly dialect: 'postgres' | 'mysql'
  readonly host: string
  readonly port: number | undefined
  readonly user: string | undefined
  readonly password: string | undefined
  readonly database: string | undefined
  /** Query parameters, passed through to the driver (e.g. `sslmode`, `application_name`). */
  readonly params: Readonly<Record<string, string>>
  /** The URL in the form its driver reads (`postgresql://…`), password included. */
  readonly driverUrl: string
}

export type ParsedDatabaseUrl = SqliteUrl | ServerUrl

export const ACCEPTED_URL_FORMS = [
  'sqlite:///relative/path.db',
  'sqlite:////absolute/path.db',
  'sqlite:// or sqlite://:memory:',
  'postgresql://user:pass@host:5432/db (also postgres:// and postgresql+pg://)',
  'mysql://user:pass@host:3306/db (also mariadb:// and mysql+mysql2://)'
].join('; ')

// scheme (before any "+driver") -> dialect, and the one driver spelling we accept per dialect
// ("+pysqlite" is SQLAlchemy's default SQLite driver name; pasted URLs carry it.)
const SCHEMES: Record<string, { dialect: DialectName, driver: string, driverSpellings: string[] }> = {
  sqlite: { dialect: 'sqlite', driver: 'better-sqlite3', driverSpellings: ['better-sqlite3', 'pysqlite'] },
  postgresql: { dialect: 'postgres', driver: 'pg', driverSpellings: ['pg'] },
  postgres: { dialect: 'postgres', driver: 'pg', driverSpellings: ['pg'] },
  mysql: { dialect: 'mysql', driver: 'mysql2', driverSpellings: ['mysql2'] },
  mariadb: { dialect: 'mysql', driver: 'mysql2', driverSpellings: ['mysql2'] }
}

// SQLAlchemy URLs copied from Python projects often carry these; they mean nothing to Node.
const IGNORED_SQLITE_PARAMS = new Set(['check_same_thread', 'uri'])

/**
 * Parses a SQLAlchemy-style database URL. Pure: the only outside input is `cwd`, against
 * which relative SQLite paths resolve.
 *
 * @example
 * ```ts
 * parseDatabaseUrl('sqlite:///data/app.db', '/srv') // { dialect: 'sqlite', filename: '/srv/data/app.db', … }
 * parseDatabaseUrl('postgresql://app:s3cret@db:5432/app?sslmode=require')
 * ```
 */
export function parseDatabaseUrl (url: string, cwd: string = process.cwd()): ParsedDatabaseUrl {
  const match = /^([a-zA-Z][a-zA-Z0-9]*)(?:\+([a-zA-Z0-9_-]+))?:(.*)$/s.exec(url.trim())
  if (!match) {
    throw new ConfigurationError(`Malformed database URL "${redactUrl(url)}". Accepted forms: ${ACCEPTED_URL_FORMS}`)
  }
  const [, rawScheme = '', driver, rest = ''] = match
  const scheme = rawScheme.toLowerCase()
  const known = SCHEMES[scheme]
  if (!known) {
    throw new ConfigurationError(`Unknown database URL scheme "${scheme}:" in "${redactUrl(url)}". Accepted forms: ${ACCEPTED_URL_FORMS}`)
  }
  if (driver !== undefined && !known.driverSpellings.includes(driver.toLowerCase())) {
    throw new ConfigurationError(
      `Unsupported driver "+${driver}" in "${redactUrl(url)}": fastify-orm talks to ${known.dialect} through "${known.driver}". ` +
      `Write ${scheme}://… without "+${driver}".`
    )
  }
  if (!rest.startsWith('//')) {
    throw new ConfigurationError(`Malformed database URL "${redactUrl(url)}": expected "${scheme}://…". Accepted forms: ${ACCEPTED_URL_FORMS}`)
  }
  return known.dialect === 'sqlite'
    ? parseSqlite(rest.slice(2), url, cwd)
    : parseServer(known.dialect, rest, url)
}

function parseSqlite (afterSlashes: string, url: string, cwd: string): SqliteUrl {
  const [pathPart = '', query = ''] = splitOnce(afterSlashes, '?')
  let readonly = false
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === 'mode') {
      if (value !== 'ro' && value !== 'rw' && value !== 'rwc') {
        throw new ConfigurationError(`Unsupported SQLite mode "${value}" in "${redactUrl(url)}". Accepted: mode=ro|rw|rwc`)
      }
      readonly = value === 'ro'
    } else if (!IGNORED_SQLITE_PARAMS.has(key)) {
      throw new ConfigurationError(`Unknown SQLite URL parameter "${key}" in "${redactUrl(url)}". Accepted: mode=ro|rw|rwc`)
    }
  }
  // "sqlite://" and "sqlite://:memory:" are in memory; "sqlite:///x" has path "/x" after the
  // host part (empty), which SQLAlchemy reads as the relative path "x".
  if (pathPart === '' || pathPart === ':memory:' || pathPart === '/:memory:') {
    // better-sqlite3 refuses this only when the database is opened, as a connection error
    if (readonly) throw new ConfigurationError(`An in-memory SQLite database cannot be read-only: "${redactUrl(url)}". Drop mode=ro, or name a file`)
    return { dialect: 'sqlite', filename: ':memory:', readonly }
  }
  if (!pathPart.startsWith('/')) {
    throw new ConfigurationError(
      `Malformed SQLite URL "${redactUrl(url)}": SQLite URLs have no host. Use sqlite:///relative/path.db or sqlite:////absolute/path.db`
    )
  }
  const path = decode(pathPart.slice(1), url)
  if (path === '') {
    throw new ConfigurationError(`Malformed SQLite URL "${redactUrl(url)}": no file name. Use sqlite:///relative/path.db, or sqlite:// for memory`)
  }
  return { dialect: 'sqlite', filename: isAbsolute(path) ? path : resolve(cwd, path), readonly }
}

function parseServer (dialect: 'postgres' | 'mysql', rest: string, url: string): ServerUrl {
  let parsed: URL
  try {
    // WHATWG URL parses any "scheme://authority/path?query"; the scheme itself is irrelevant here.
    parsed = new URL(`${dialect === 'postgres' ? 'postgresql' : 'mysql'}:${rest}`)
  } catch {
    throw new ConfigurationError(`Malformed database URL "${redactUrl(url)}". Accepted forms: ${ACCEPTED_URL_FORMS}`)
  }
  const database = decode(parsed.pathname.replace(/^\//, ''), url)
  const params: Record<string, string> = {}
  for (const [key, value] of parsed.searchParams) params[key] = value
  // PostgreSQL allows a Unix socket directory as ?host=/run/postgresql with an empty authority.
  if (parsed.hostname === '' && params.host === undefined) {
    throw new ConfigurationError(`Malformed database URL "${redactUrl(url)}": no host. Example: ${dialect === 'postgres' ? 'postgresql://user:pass@localhost:5432/db' : 'mysql://user:pass@localhost:3306/db'}`)
  }
  if (database.includes('/')) {
    throw new ConfigurationError(`Malformed database URL "${redactUrl(url)}": the path must be a single database name`)
  }
  return {
    dialect,
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? undefined : Number(parsed.port),
    user: parsed.username === '' ? undefined : decode(parsed.username, url),
    password: parsed.password === '' ? undefined : decode(parsed.password, url),
    database: database === '' ? undefined : database,
    params: Object.freeze(params),
    driverUrl: parsed.toString()
  }
}

// decodeURIComponent throws a bare URIError on a stray "%" (a password such as "50%off")
function decode (text: string, url: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw new ConfigurationError(`Malformed database URL "${redactUrl(url)}": invalid percent-encoding; write "%" as %25 and "@" as %40`)
  }
}

function splitOnce (text: string, separator: string): [string, string] {
  const at = text.indexOf(separator)
  return at === -1 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)]
}
