// Revisions with two branches from one base, shared by the branch tests (not a test file).
import { sql, type Kysely } from 'kysely'
import { writeRevision } from './support.ts'

export const BASE = 'a0a0a0a0a0a0'
export const BRANCH_B = 'b1b1b1b1b1b1'
export const BRANCH_C = 'c1c1c1c1c1c1'

const log = (table: string, entry: string) => `  await db.insertInto('${table}').values({ entry: '${entry}' }).execute()`
const unlog = (table: string, entry: string) => `  await db.deleteFrom('${table}').where('entry', '=', '${entry}').execute()`

/**
 * Base creates the log table `<prefix>_log` and logs itself; Branch B and Branch C both
 * follow Base and log themselves; `extra` adds code at the start of Branch B's `up`.
 */
export function branchedRevisions (dir: string, prefix: string, extra = ''): void {
  const table = `${prefix}_log`
  writeRevision(dir, {
    id: BASE,
    parent: null,
    message: 'Base',
    up: `  await db.schema.createTable('${table}').addColumn('entry', ...t.column(c.string(20))).execute()\n${log(table, 'base')}`,
    down: `  await db.schema.dropTable('${table}').execute()`
  })
  writeRevision(dir, { id: BRANCH_B, parent: BASE, message: 'Branch B', up: `${extra}${log(table, 'branch b')}`, down: unlog(table, 'branch b') })
  writeRevision(dir, { id: BRANCH_C, parent: BASE, message: 'Branch C', up: log(table, 'branch c'), down: unlog(table, 'branch c') })
}

/** The log table's entries, sorted. */
export async function loggedEntries (db: Kysely<unknown>, prefix: string): Promise<string[]> {
  return (await sql<{ entry: string }>`select entry from ${sql.table(`${prefix}_log`)} order by entry`.execute(db)).rows.map((row) => row.entry)
}

/** The revision ids of the version table's rows, sorted. */
export async function versionIds (db: Kysely<unknown>): Promise<string[]> {
  return (await sql<{ name: string }>`select name from fastify_orm_version`.execute(db)).rows.map((row) => row.name.replace(/^\d+_/, '')).sort()
}
