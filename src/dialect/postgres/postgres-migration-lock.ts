import { PostgresAdapter, sql, type Kysely } from 'kysely'

/** Kysely's own lock id, so that its Migrator and ours exclude each other. */
const MIGRATION_LOCK_ID = 3853314791062309107n
/** How long a process waits for another one's revisions, as in Kysely. */
const LOCK_TIMEOUT_MS = 60 * 60 * 1000

/**
 * Kysely's PostgreSQL adapter without its migration lock: that one is a session-level
 * advisory lock taken before the revision's transaction and released after it, three
 * statements that PgBouncer in transaction mode may send to three different server
 * connections (the lock then stays held by a connection nobody releases it from). The
 * lock is taken inside the transaction instead, by {@link enterPostgresRevision}.
 */
export class TransactionLockPostgresAdapter extends PostgresAdapter {
  override async acquireMigrationLock (): Promise<void> {}
  override async releaseMigrationLock (): Promise<void> {}
}

/**
 * Inside a revision's transaction: waits for any other process's revision (a
 * transaction-scoped advisory lock, released by COMMIT or ROLLBACK, and by the server if
 * the process dies), and runs the revision without the app's statement timeout.
 *
 * @example
 * ```ts
 * await db.transaction().execute(async (trx) => { await enterPostgresRevision(trx); … })
 * ```
 */
export async function enterPostgresRevision (db: Kysely<unknown>): Promise<undefined> {
  // Settings first, in their own statement: a running statement keeps the timeout it started with.
  await sql`select set_config('statement_timeout', '0', true), set_config('lock_timeout', ${String(LOCK_TIMEOUT_MS)}, true)`.execute(db)
  await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_ID)})`.execute(db)
  return undefined
}
