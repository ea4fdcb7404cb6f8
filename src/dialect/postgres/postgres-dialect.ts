import type Pg from 'pg'
import { CompiledQuery, PostgresDialect, sql, type DatabaseConnection, type DialectAdapter, type Driver } from 'kysely'
import type { ServerUrl } from '../../config/parse-database-url.ts'
import type { ResolvedDatabaseConfig } from '../../config/resolve-config.ts'
import { loadDriver } from '../load-driver.ts'
import type { OrmDialect } from '../orm-dialect.ts'
import { postgresMigrationOperations } from './postgres-alter.ts'
import { postgresColumnTypes } from './postgres-column-types.ts'
import { postgresIntrospector } from './postgres-introspector.ts'
import { postgresSqlLiterals } from './postgres-sql-literals.ts'
import { PreparingPostgresDriver } from './postgres-driver.ts'
import { enterPostgresRevision, TransactionLockPostgresAdapter } from './postgres-migration-lock.ts'
import { StatementNames } from './statement-names.ts'
import { translatePostgresError } from './postgres-errors.ts'

/**
 * PostgreSQL through a pg `Pool`. The URL goes to pg as its connection string, so query
 * parameters such as `sslmode` and `application_name` keep their libpq meaning. A
 * statement timeout is a startup parameter of every connection (`statement_timeout`): no
 * extra round trip, and it holds for the connection's whole life.
 *
 * @example
 * ```ts
 * const dialect = await createPostgresDialect(url, config, (err) => app.log.error(err))
 * ```
 */
export async function createPostgresDialect (
  url: ServerUrl,
  config: ResolvedDatabaseConfig,
  onIdleClientError: (error: Error) => void
): Promise<OrmDialect> {
  const pg = await loadDriver<typeof Pg>('pg', 'postgresql')
  const pool = new pg.Pool({
    connectionString: url.driverUrl,
    max: config.pool.max,
    idleTimeoutMillis: config.pool.idleTimeoutMs,
    ...(config.statementTimeoutMs === undefined ? {} : { statement_timeout: config.statementTimeoutMs }),
    types: { getTypeParser: typeParser(pg.types) }
  })
  // An idle client that loses its server emits 'error' on the pool; unhandled, it would
  // crash the process. The pool drops that client by itself.
  pool.on('error', onIdleClientError)
  // `timestamp` columns hold UTC (see toPostgresParameters); a UTC session makes
  // CURRENT_TIMESTAMP defaults agree, whatever the server's configured zone. PgBouncer
  // tracks TimeZone per client and sets it on every server connection the client gets.
  pool.on('connect', (client) => {
    client.query("set time zone 'UTC'").catch(onIdleClientError)
  })
  return {
    name: 'postgres',
    capabilities: { supportsReturning: true, supportsUpdateReturning: true, supportsTransactionalDdl: true, singleConnection: false, forwardForeignKeys: false, rowsPerInsert: undefined, emptyInsert: 'defaultKeyword' },
    kyselyDialect: new PreparingPostgresDialect(pool, config.preparedStatements ? new StatementNames(PREPARED_STATEMENT_LIMIT) : undefined),
    columnTypes: postgresColumnTypes,
    introspector: postgresIntrospector,
    sqlLiterals: postgresSqlLiterals,
    normalizeParameters: toPostgresParameters,
    translateError: translatePostgresError,
    migrationOperations: postgresMigrationOperations,
    enterRevision: enterPostgresRevision,
    closeUnused: () => pool.end(),
    currentSchema: async (db) => (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema ?? 'public',
    openConnections: () => pool.totalCount,
    replicationLagMs: postgresReplicationLagMs,
    // SET LOCAL ends with the transaction: nothing to undo, and PgBouncer's transaction mode keeps it.
    transactionStatementTimeout: async (connection, ms) => {
      await connection.executeQuery(CompiledQuery.raw(`set local statement_timeout = ${Math.trunc(ms)}`))
      return undefined
    }
  }
}

/**
 * A standby's replay lag: none while its WAL receiver runs and it has replayed all the WAL
 * received (an idle primary sends nothing, so the last replayed commit's age would grow
 * without any lag), else the age of the last transaction it replayed — also when no WAL
 * receiver runs, since then nothing says how far behind the primary it is. A server not in
 * recovery has none. (pg_stat_wal_receiver shows its row's pid to every role.)
 */
async function postgresReplicationLagMs (connection: DatabaseConnection): Promise<number> {
  const { rows } = await connection.executeQuery<{ lag_ms: number | string | null }>(CompiledQuery.raw(
    'select case when not pg_is_in_recovery() then 0 ' +
    'when exists (select 1 from pg_stat_wal_receiver where pid is not null) and pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0 ' +
    'else coalesce(extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000, 0) end as lag_ms'))
  return Number(rows[0]?.lag_ms ?? 0)
}

/** Most texts prepared per connection (pg keeps them until the connection closes). */
const PREPARED_STATEMENT_LIMIT = 500

/** Kysely's PostgreSQL dialect (compiler, adapter, introspector) with the preparing driver. */
class PreparingPostgresDialect extends PostgresDialect {
  readonly #pool: Pg.Pool
  readonly #names: StatementNames | undefined

  constructor (pool: Pg.Pool, names: StatementNames | undefined) {
    super({ pool })
    this.#pool = pool
    this.#names = names
  }

  override createDriver (): Driver {
    return new PreparingPostgresDriver(this.#pool, this.#names)
  }

  override createAdapter (): DialectAdapter {
    return new TransactionLockPostgresAdapter()
  }
}

const INT8 = 20
const INT8_ARRAY = 1016
const DATE = 1082
const TIMESTAMP = 1114
const TIMESTAMPTZ = 1184

/**
 * pg's parsers with three changes, for this pool only (pg.types is global): `bigint` reads
 * as a JS bigint instead of a string, `date` stays the text `YYYY-MM-DD` instead of a
 * Date at local midnight, and `timestamp` (without time zone) is read as UTC, as
 * {@link toPostgresParameters} writes it.
 */
function typeParser (types: typeof Pg.types): typeof Pg.types.getTypeParser {
  type Oid = Parameters<typeof types.getTypeParser>[0]
  const parseInt8Array = types.getTypeParser(INT8_ARRAY as Oid)
  const parseTimestamptz = types.getTypeParser(TIMESTAMPTZ as Oid) as (value: string) => Date
  return ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8) return (value: string) => BigInt(value)
    if (oid === INT8_ARRAY) return (value: string) => (parseInt8Array(value) as Array<string | null>).map((item) => item === null ? null : BigInt(item))
    if (oid === DATE) return (value: string) => value
    // '2024-02-29 13:45:56.789' → '…789Z' (before a trailing ' BC'); 'infinity' stays as it is.
    if (oid === TIMESTAMP) return (value: string) => parseTimestamptz(INFINITY.test(value) ? value : value.replace(/( BC)?$/, 'Z$1'))
    return types.getTypeParser(oid, format)
  }) as typeof Pg.types.getTypeParser
}

const INFINITY = /^-?infinity$/

/**
 * pg writes a Date in the process's local time with its offset, which a `timestamp`
 * column (without time zone) drops: the stored wall-clock time would depend on the app
 * server's zone, and CURRENT_TIMESTAMP defaults would not match. UTC text keeps every
 * `timestamp` in UTC, like the other dialects, and is exact for `timestamptz` too.
 */
function toPostgresParameters (parameters: readonly unknown[]): readonly unknown[] {
  if (!parameters.some(isValidDate)) return parameters
  return parameters.map((value) => isValidDate(value) ? value.toISOString() : value)
}

function isValidDate (value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime())
}
