import { sql, type Kysely } from 'kysely'

/** MariaDB or MySQL: their statement timeouts are different variables. */
export type MysqlFlavor = 'mariadb' | 'mysql'

/**
 * The server's flavour from the version its handshake announced (MariaDB says so:
 * `5.5.5-10.11.6-MariaDB-…`, `11.4.2-MariaDB`).
 *
 * @example
 * ```ts
 * mysqlFlavor('8.0.36') // 'mysql'
 * ```
 */
export function mysqlFlavor (serverVersion: string): MysqlFlavor {
  return /mariadb/i.test(serverVersion) ? 'mariadb' : 'mysql'
}

/**
 * The session assignment of a statement timeout of `ms` milliseconds (0: none). MariaDB's
 * `max_statement_time` (seconds, fractional) cancels every kind of statement; MySQL's
 * `max_execution_time` (milliseconds) only read-only SELECTs.
 *
 * @example
 * ```ts
 * statementTimeoutAssignment('mariadb', 2500) // 'max_statement_time = 2.5'
 * ```
 */
export function statementTimeoutAssignment (flavor: MysqlFlavor, ms: number): string {
  return flavor === 'mariadb' ? `max_statement_time = ${ms / 1000}` : `max_execution_time = ${ms}`
}

/**
 * Runs a revision without the app's statement timeout, on the connection the migrations
 * runner holds, and returns how to set it back before that connection serves the app again.
 *
 * @example
 * ```ts
 * const restore = await liftMysqlStatementTimeout(db, 'mariadb', 5000)
 * ```
 */
export async function liftMysqlStatementTimeout (db: Kysely<unknown>, flavor: MysqlFlavor, ms: number): Promise<() => Promise<void>> {
  await sql.raw(`set session ${statementTimeoutAssignment(flavor, 0)}`).execute(db)
  return async () => { await sql.raw(`set session ${statementTimeoutAssignment(flavor, ms)}`).execute(db) }
}
