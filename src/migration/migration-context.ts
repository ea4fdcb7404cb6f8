import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { DialectName } from '../config/parse-database-url.ts'
import type { OrmDialect } from '../dialect/orm-dialect.ts'
import { enumCheck, serverDefaultValue } from '../dialect/ddl-fragments.ts'
import type { MigrationOperations, MigrationTypes } from '../dialect/migration-operations.ts'
import type { AnyColumn } from '../model/column.ts'

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
 * The `t` of a revision's context for one database.
 *
 * @example
 * ```ts
 * const t = migrationTypes(dialect)
 * await db.schema.alterTable('movie').addColumn('mpa', ...t.column(c.string(10).nullable())).execute()
 * ```
 */
export function migrationTypes (dialect: Pick<OrmDialect, 'columnTypes'>): MigrationTypes {
  const types = dialect.columnTypes
  const type = (column: AnyColumn): RawBuilder<unknown> => sql.raw(types.sqlType(column.config, column.config.autoincrement === true))
  return {
    type,
    column: (column) => {
      const config = column.config
      return [type(column), (builder) => {
        let result = config.nullable ? builder : builder.notNull()
        if (config.autoincrement === true) result = types.autoincrement(result)
        const value = serverDefaultValue(config, types)
        if (value !== undefined) result = result.defaultTo(value)
        return config.comment === undefined || types.comment === undefined ? result : types.comment(result, config.comment)
      }]
    },
    enumCheck
  }
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
