import { sql, type Kysely } from 'kysely'

/**
 * SQLite cannot drop a foreign key, and DROP TABLE deletes the rows first: in a cycle that
 * delete would violate the other table's key. Deferred, the keys are checked at COMMIT.
 *
 * @example
 * ```ts
 * await db.transaction().execute(async (trx) => { await deferSqliteForeignKeyChecks(trx); … })
 * ```
 */
export async function deferSqliteForeignKeyChecks (db: Kysely<unknown>): Promise<void> {
  await sql`pragma defer_foreign_keys = on`.execute(db)
}
