import { sql, type Kysely } from 'kysely'
import type { RevisionGuards } from '../orm-dialect.ts'

/**
 * SQLite's rule for changing tables (https://www.sqlite.org/lang_altertable.html#otheralter):
 * foreign keys off while a revision runs — PRAGMA foreign_keys is a no-op inside a
 * transaction, so it is set before and after — and `PRAGMA foreign_key_check` before the
 * commit, so a revision that leaves a dangling reference rolls back instead.
 *
 * @example
 * ```ts
 * await sqliteRevisionGuards.before(db) // then the revision's transaction, verify(trx), after(db)
 * ```
 */
export const sqliteRevisionGuards: RevisionGuards = {
  async before (db: Kysely<unknown>): Promise<void> {
    await sql`pragma foreign_keys = off`.execute(db)
  },
  async verify (db: Kysely<unknown>): Promise<void> {
    const { rows } = await sql<{ table: string, rowid: number | null, parent: string }>`pragma foreign_key_check`.execute(db)
    if (rows.length === 0) return
    const sample = rows.slice(0, 5).map((row) => `${row.table} row ${row.rowid ?? '?'} → ${row.parent}`).join(', ')
    throw new Error(`the revision leaves ${rows.length} row(s) whose foreign key points at no row (${sample}); fix the data in the revision`)
  },
  async after (db: Kysely<unknown>): Promise<void> {
    await sql`pragma foreign_keys = on`.execute(db)
  }
}
