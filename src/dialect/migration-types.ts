import { sql, type RawBuilder } from 'kysely'
import type { AnyColumn } from '../model/column.ts'
import { columnDefinition, enumCheck } from './ddl-fragments.ts'
import type { MigrationTypes } from './migration-operations.ts'
import type { OrmDialect } from './orm-dialect.ts'

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
    column: (column) => [type(column), columnDefinition(column.config, column.config.autoincrement === true, types)],
    enumCheck
  }
}

