import type { Kysely } from 'kysely'
import type { DialectName } from '../config/parse-database-url.ts'
import type { OrmDialect } from '../dialect/orm-dialect.ts'
import type { MigrationOperations, MigrationTypes } from '../dialect/migration-operations.ts'
import { migrationTypes } from '../dialect/migration-types.ts'

export { migrationTypes }

/**
 * What a revision's `up` and `down` receive.
 *
 * @example
 * ```ts
 * export async function up ({ db, t, op }: MigrationContext): Promise<void> {
 *   await db.schema.alterTable('movie').addColumn('mpa', ...t.column(c.string(10).nullable())).execute()
 *   await db.updateTable('movie').set({ mpa: 'PG' }).where('year', '<', 1990).execute() // data migration
 * }
 * ```
 */
export interface MigrationContext {
  /** Kysely on the revision's connection (inside its transaction where DDL is transactional). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- revisions see every table, past and future
  readonly db: Kysely<any>
  readonly dialect: DialectName
  readonly t: MigrationTypes
  readonly op: MigrationOperations
  /** True when the SQL is only printed (`upgrade --sql`): the database is not read or written. */
  readonly offline: boolean
}

/**
 * The context a revision's `up`/`down` receives, on `db` (the revision's transaction, or
 * the SQL recorder of `--sql` when `offline`).
 *
 * @example
 * ```ts
 * await db.transaction().execute((trx) => revision.up(createMigrationContext(trx, dialect, { offline: false })))
 * ```
 */
export function createMigrationContext (
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- revisions see every table, past and future
  db: Kysely<any>, dialect: Pick<OrmDialect, 'name' | 'columnTypes' | 'migrationOperations'>, options: { readonly offline: boolean }
): MigrationContext {
  const t = migrationTypes(dialect)
  return Object.freeze({ db, dialect: dialect.name, t, op: dialect.migrationOperations(db, t, options), offline: options.offline })
}
