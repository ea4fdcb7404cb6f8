import type BetterSqlite3 from 'better-sqlite3'
import { CompiledQuery, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely'
import { SqliteConnection } from './sqlite-connection.ts'

/**
 * Kysely's SQLite driver design (one connection, a mutex so that one transaction owns it
 * at a time) over fastify-orm's {@link SqliteConnection}.
 */
export class SqliteDriver implements Driver {
  readonly #open: () => BetterSqlite3.Database
  #db: BetterSqlite3.Database | undefined
  #connection: SqliteConnection | undefined
  #locked: Promise<void> | undefined
  #unlock: (() => void) | undefined

  constructor (open: () => BetterSqlite3.Database) {
    this.#open = open
  }

  async init (): Promise<void> {
    this.#db = this.#open()
    this.#connection = new SqliteConnection(this.#db)
  }

  async acquireConnection (): Promise<DatabaseConnection> {
    while (this.#locked) await this.#locked
    this.#locked = new Promise((resolve) => { this.#unlock = resolve })
    return this.#connection as SqliteConnection
  }

  /**
   * The connection when no transaction or other borrower holds it. A lone statement can run
   * on it at once: better-sqlite3 runs it synchronously, so nothing can come in between.
   */
  idleConnection (): SqliteConnection | undefined {
    return this.#locked === undefined ? this.#connection : undefined
  }

  async releaseConnection (): Promise<void> {
    const unlock = this.#unlock
    this.#locked = undefined
    this.#unlock = undefined
    unlock?.()
  }

  async beginTransaction (connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    // IMMEDIATE takes the write lock now: another process (a second `upgrade`, a script)
    // waits for it under busy_timeout instead of failing with SQLITE_BUSY when its read
    // transaction later tries to write.
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }

  async commitTransaction (connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }

  async rollbackTransaction (connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }

  // Savepoint names are fastify-orm's own (fastify_orm_sp_N), so they can be inlined.
  async savepoint (connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint "${name}"`))
  }

  async rollbackToSavepoint (connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to "${name}"`))
  }

  async releaseSavepoint (connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release "${name}"`))
  }

  async destroy (): Promise<void> {
    this.#db?.close()
  }
}
