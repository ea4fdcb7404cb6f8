import type Mysql2 from 'mysql2'
import { CompiledQuery, MysqlDialect, MysqlQueryCompiler, type CreateTableNode, type Kysely, type QueryCompiler } from 'kysely'
import type { ServerUrl } from '../../config/parse-database-url.ts'
import type { ResolvedDatabaseConfig } from '../../config/resolve-config.ts'
import { loadDriver } from '../load-driver.ts'
import type { OrmDialect } from '../orm-dialect.ts'
import { mysqlMigrationOperations } from './mysql-alter.ts'
import { mysqlColumnTypes } from './mysql-column-types.ts'
import { translateMysqlError } from './mysql-errors.ts'
import { mysqlIntrospector } from './mysql-introspector.ts'
import { mysqlSqlLiterals } from './mysql-sql-literals.ts'
import { liftMysqlStatementTimeout, mysqlFlavor, statementTimeoutAssignment, type MysqlFlavor } from './mysql-statement-timeout.ts'
import { forwardConnectionLossToStreams } from './mysql-stream-loss.ts'

/**
 * MySQL and MariaDB through a mysql2 pool. Dates are exchanged in UTC (`timezone: 'Z'`)
 * so that a `Date` reads back as the same instant whatever the server's zone.
 * URL query parameters become mysql2 options (`?charset=utf8mb4&connectTimeout=5000`).
 * A statement timeout is set on each new connection, with the time zone, by the variable
 * of the server's flavour (see {@link statementTimeoutAssignment}).
 *
 * @example
 * ```ts
 * const dialect = await createMysqlDialect(url, config, (err) => app.log.error(err))
 * ```
 */
export async function createMysqlDialect (url: ServerUrl, config: ResolvedDatabaseConfig, onConnectionError: (error: Error) => void): Promise<OrmDialect> {
  const mysql = await loadDriver<typeof Mysql2>('mysql2', 'mysql')
  const pool = mysql.createPool({
    host: url.host,
    port: url.port ?? 3306,
    user: url.user,
    password: url.password,
    database: url.database,
    connectionLimit: config.pool.max,
    // mysql2 only closes idle connections above maxIdle; 0 closes every connection idle
    // for idleTimeout, as pg does.
    maxIdle: 0,
    idleTimeout: config.pool.idleTimeoutMs,
    timezone: 'Z',
    // bigint columns read exactly (as text, then BigInt below); DATE stays 'YYYY-MM-DD'.
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: ['DATE'],
    typeCast: castValue,
    ...driverOptions(url.params)
  })
  const timeoutMs = config.statementTimeoutMs
  // Every connection of a pool reaches the same server; the last one seen says which.
  let flavor: MysqlFlavor = 'mysql'
  pool.on('connection', (connection) => {
    flavor = mysqlFlavor((connection as unknown as { _handshakePacket?: { serverVersion?: string } })._handshakePacket?.serverVersion ?? '')
    // Dates are exchanged in UTC (timezone 'Z'); a UTC session makes CURRENT_TIMESTAMP agree.
    // The command is queued before any the pool's borrower sends, so it applies to them all.
    const timeout = timeoutMs === undefined ? '' : `, ${statementTimeoutAssignment(flavor, timeoutMs)}`
    connection.query(`set time_zone = '+00:00'${timeout}`, (error: Error | null) => { if (error) onConnectionError(error) })
    // mysql2's pool listens to a connection's first 'error' only (to drop it); a closed
    // connection can emit another, which with no listener would crash the process.
    connection.on('error', onConnectionError)
    // A stream on a connection that is lost fails instead of waiting forever.
    forwardConnectionLossToStreams(connection)
  })
  const tables = { collation: 'utf8mb4_bin' }
  return {
    name: 'mysql',
    capabilities: { supportsReturning: false, supportsUpdateReturning: false, supportsTransactionalDdl: false, singleConnection: false, forwardForeignKeys: false, rowsPerInsert: undefined, emptyInsert: 'emptyTuples' },
    kyselyDialect: new BinaryCollationMysqlDialect({ pool }, tables),
    columnTypes: mysqlColumnTypes,
    introspector: mysqlIntrospector,
    sqlLiterals: mysqlSqlLiterals,
    normalizeParameters: toMysqlParameters,
    refineCapabilities: (version) => {
      tables.collation = binaryCollation(version)
      return { supportsReturning: supportsInsertReturning(version) }
    },
    translateError: translateMysqlError,
    migrationOperations: mysqlMigrationOperations,
    ...(timeoutMs === undefined ? {} : { enterRevision: (db: Kysely<unknown>) => liftMysqlStatementTimeout(db, flavor, timeoutMs) }),
    // A session variable: set for the transaction, then back to the app's own timeout.
    transactionStatementTimeout: async (connection, ms) => {
      await connection.executeQuery(CompiledQuery.raw(`set session ${statementTimeoutAssignment(flavor, Math.trunc(ms))}`))
      return async () => { await connection.executeQuery(CompiledQuery.raw(`set session ${statementTimeoutAssignment(flavor, timeoutMs ?? 0)}`)) }
    },
    // mysql2 does not expose its counters; this internal queue has been stable since 1.x.
    closeUnused: () => new Promise<void>((resolve, reject) => { pool.end((error) => { if (error) reject(error); else resolve() }) }),
    openConnections: () => (pool as unknown as { _allConnections: { length: number } })._allConnections.length
  }
}

/**
 * MySQL's default collations compare text ignoring case, trailing spaces and some emoji
 * (`'Bob' = 'bob '`), so a unique username or a lookup by name would mean something else
 * than on PostgreSQL and SQLite. Tables created here (by createAll and by revisions, which
 * run on this dialect's Kysely) compare text by code point instead: a binary collation
 * without padding where the server has one.
 */
class BinaryCollationMysqlDialect extends MysqlDialect {
  readonly #tables: { readonly collation: string }

  constructor (config: ConstructorParameters<typeof MysqlDialect>[0], tables: { readonly collation: string }) {
    super(config)
    this.#tables = tables
  }

  override createQueryCompiler (): QueryCompiler {
    return new BinaryCollationCompiler(this.#tables)
  }
}

class BinaryCollationCompiler extends MysqlQueryCompiler {
  readonly #tables: { readonly collation: string }

  constructor (tables: { readonly collation: string }) {
    super()
    this.#tables = tables
  }

  protected override visitCreateTable (node: CreateTableNode): void {
    super.visitCreateTable(node)
    // A table created from a query, or with its own options, is left as written.
    if (node.selectQuery === undefined && !(node.endModifiers?.length)) this.append(` default character set utf8mb4 collate ${this.#tables.collation}`)
  }
}

/** MariaDB has binary collations without padding since 10.2, MySQL since 8.0 (`_0900_bin`). */
function binaryCollation (version: string): string {
  const major = Number(/^(\d+)/.exec(version)?.[1] ?? 0)
  if (/mariadb/i.test(version)) return 'utf8mb4_nopad_bin'
  return major >= 8 ? 'utf8mb4_0900_bin' : 'utf8mb4_bin'
}

function driverOptions (params: Readonly<Record<string, string>>): Record<string, string | number | boolean> {
  const options: Record<string, string | number | boolean> = {}
  for (const [key, value] of Object.entries(params)) {
    options[key] = value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value
  }
  return options
}

interface CastField {
  readonly type: string
  readonly length: number
  string (): string | null
}

/** tinyint(1) reads as a boolean and BIGINT as a bigint, the JS values the models declare. */
function castValue (field: CastField, next: () => unknown): unknown {
  if (field.type === 'TINY' && field.length === 1) {
    const value = field.string()
    return value === null ? null : value !== '0'
  }
  if (field.type === 'LONGLONG') {
    const value = field.string()
    return value === null ? null : BigInt(value)
  }
  return next()
}

/**
 * mysql2 expands an object parameter into `key = value` pairs and an array into a list;
 * as a bound value both mean a JSON document. (Kysely expands `in (…)` lists itself.)
 */
function toMysqlParameters (parameters: readonly unknown[]): readonly unknown[] {
  const needs = parameters.some((value) => typeof value === 'object' && value !== null && !(value instanceof Date) && !Buffer.isBuffer(value))
  if (!needs) return parameters
  return parameters.map((value) => typeof value === 'object' && value !== null && !(value instanceof Date) && !Buffer.isBuffer(value) ? JSON.stringify(value) : value)
}

/** MariaDB added INSERT … RETURNING in 10.5; MySQL has none. */
function supportsInsertReturning (version: string): boolean {
  const match = /^(\d+)\.(\d+)/.exec(version)
  if (!match || !/mariadb/i.test(version)) return false
  const [major, minor] = [Number(match[1]), Number(match[2])]
  return major > 10 || (major === 10 && minor >= 5)
}
