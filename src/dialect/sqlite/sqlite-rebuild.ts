import { sql, type Kysely } from 'kysely'
import { MigrationError } from '../../errors.ts'
import { createSqliteTable, readSqliteTable, type SqliteTableShape } from './sqlite-table-shape.ts'

// The new table's name until it replaces the old one.
const REBUILD_PREFIX = 'fastify_orm_rebuild_'

/**
 * Changes a table the way SQLite's documentation prescribes for what ALTER TABLE cannot do
 * (https://www.sqlite.org/lang_altertable.html#otheralter): create the changed table under
 * a temporary name, copy every row (the shared columns, rowid-alias ids included), drop
 * the old table, rename the new one, recreate its indexes and triggers, then
 * `foreign_key_check`. Runs inside the caller's transaction, so any error rolls it all back.
 *
 * Refuses while `PRAGMA foreign_keys` is on: DROP TABLE would then delete (ON DELETE
 * CASCADE) or null out the rows of child tables. The migrations runner switches foreign
 * keys off around each revision, outside its transaction (inside one the pragma is a no-op).
 *
 * @example
 * ```ts
 * await rebuildSqliteTable(trx, 'movie', (table) => ({ ...table, checks: [...table.checks, { name: 'ck_movie_year', expression: 'year >= 1888' }] }))
 * ```
 */
export async function rebuildSqliteTable (db: Kysely<unknown>, table: string, change: (table: SqliteTableShape) => SqliteTableShape): Promise<void> {
  const { rows: [pragma] } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)
  if (pragma?.foreign_keys !== 0) {
    throw new MigrationError(`Rebuilding SQLite table "${table}" needs PRAGMA foreign_keys off, or dropping the old table would delete or change rows of the tables that reference it. ` +
      'Run the revision through fastify-orm upgrade/downgrade, which switches foreign keys off around it, or run PRAGMA foreign_keys = OFF outside the transaction first.')
  }
  const before = await readSqliteTable(db, table)
  const after = change(before)
  const temporary = REBUILD_PREFIX + before.name
  // Generated columns compute their values: never copied into (SQLite refuses it).
  const shared = after.columns.filter((column) => column.generated === undefined && before.columns.some((old) => old.name === column.name)).map((column) => sql.id(column.name))
  const { rows: [sequence] } = before.autoincrement
    ? await sql<{ seq: number }>`select seq from sqlite_sequence where name = ${before.name}`.execute(db)
    : { rows: [] }

  await createSqliteTable(after, temporary).execute(db)
  try {
    await sql`insert into ${sql.table(temporary)} (${sql.join(shared)}) select ${sql.join(shared)} from ${sql.table(before.name)}`.execute(db)
  } catch (error) {
    // A NOT NULL, CHECK or UNIQUE of the new definition that existing rows break.
    const reason = (error as Error).message.replaceAll(temporary, before.name)
    throw new MigrationError(`Rebuilding SQLite table "${before.name}" failed: its rows do not fit the new definition (${reason}); fix them earlier in the revision.`, { cause: error })
  }
  await sql`drop table ${sql.table(before.name)}`.execute(db)
  await renameTable(db, temporary, before.name)
  for (const dependent of after.dependents) await sql.raw(dependent.sql).execute(db)
  // AUTOINCREMENT never reuses an id, even of a deleted row: keep the highest one handed
  // out (the copied rows hold at most that one; an emptied table holds none).
  if (sequence !== undefined && after.autoincrement) {
    await sql`delete from sqlite_sequence where name = ${before.name}`.execute(db)
    await sql`insert into sqlite_sequence (name, seq) values (${before.name}, ${sequence.seq})`.execute(db)
  }
  await assertForeignKeysHold(db, before.name)
}

/**
 * ALTER TABLE … RENAME with `legacy_alter_table` on, for this statement only: the modern
 * rename re-checks every view and trigger of the schema, and fails on those that name the
 * old table while it is, for a moment, missing. Nothing names the temporary table, so the
 * legacy rename (which rewrites no other definition) is exactly what a rebuild needs.
 */
async function renameTable (db: Kysely<unknown>, from: string, to: string): Promise<void> {
  const { rows: [legacy] } = await sql<{ legacy_alter_table: number }>`pragma legacy_alter_table`.execute(db)
  await sql`pragma legacy_alter_table = on`.execute(db)
  try {
    await sql`alter table ${sql.table(from)} rename to ${sql.table(to)}`.execute(db)
  } finally {
    if (legacy?.legacy_alter_table !== 1) await sql`pragma legacy_alter_table = off`.execute(db)
  }
}

/**
 * `PRAGMA foreign_key_check`; throws, listing the violations that involve the table — its
 * own foreign keys and those of its children. Others are the revision's to answer for (the
 * runner checks the whole database before the commit).
 */
async function assertForeignKeysHold (db: Kysely<unknown>, table: string): Promise<void> {
  const involved = (name: string): boolean => name.toLowerCase() === table.toLowerCase()
  let violations: Array<{ table: string, rowid: number | null, parent: string }>
  try {
    const { rows } = await sql<{ table: string, rowid: number | null, parent: string }>`pragma foreign_key_check`.execute(db)
    violations = rows.filter((row) => involved(row.table) || involved(row.parent))
  } catch (error) {
    // "foreign key mismatch": a foreign key now names columns that are not a key of the parent.
    throw new MigrationError(`After rebuilding SQLite table "${table}", the foreign keys no longer hold: ${(error as Error).message}`, { cause: error })
  }
  if (violations.length === 0) return
  const listed = violations.slice(0, 10).map((row) => `${row.table} row ${row.rowid ?? '?'} → ${row.parent}`).join(', ')
  const more = violations.length > 10 ? `, and ${violations.length - 10} more` : ''
  throw new MigrationError(`Rebuilding SQLite table "${table}" would leave ${violations.length} row(s) whose foreign key points at no row (${listed}${more}); ` +
    'fix or delete those rows earlier in the revision.')
}
