import { sql, type AlterColumnBuilder, type AlterColumnBuilderCallback, type Kysely } from 'kysely'
import type { MigrationOperations } from '../migration-operations.ts'
import { serverDefaultValue, withActions } from '../ddl-fragments.ts'
import { postgresColumnTypes } from './postgres-column-types.ts'

/**
 * A revision's `op` on PostgreSQL: plain ALTER TABLE through Kysely's schema builder. No
 * operation reads the database, so every one works offline (`--sql`).
 *
 * @example
 * ```ts
 * const op = postgresMigrationOperations(trx)
 * await op.alterColumn('movie', 'title', c.string(200)) // alter table "movie" alter column "title" drop default, … type varchar(200) using "title"::varchar, …
 * ```
 */
export function postgresMigrationOperations (db: Kysely<unknown>): MigrationOperations {
  const alter = (table: string) => db.schema.alterTable(table)
  return {
    async alterColumn (table, column, declaration) {
      const config = declaration.config
      const type = postgresColumnTypes.sqlType(config, config.autoincrement === true)
      const value = serverDefaultValue(config, postgresColumnTypes)
      // A key column's default is its identity, which DROP DEFAULT refuses to touch.
      const keepDefault = config.autoincrement === true || (config.primaryKey && value === undefined)
      // One statement. DROP DEFAULT runs first (PostgreSQL applies drops before type
      // changes), so an old default that cannot be cast to the new type does not stop it.
      const steps: AlterColumnBuilderCallback[] = [
        ...keepDefault ? [] : [(col: AlterColumnBuilder) => col.dropDefault()],
        // USING casts to the type without its length or precision: an explicit cast to
        // varchar(n) would silently truncate, the assignment to the column fails instead.
        (col) => col.setDataType(sql`${sql.raw(type)} using ${sql.ref(column)}::${sql.raw(type.replace(/\([^)]*\)/g, ''))}`),
        (col) => config.nullable ? col.dropNotNull() : col.setNotNull(),
        ...value === undefined ? [] : [(col: AlterColumnBuilder) => col.setDefault(value)]
      ]
      const [first, ...rest] = steps as [AlterColumnBuilderCallback, ...AlterColumnBuilderCallback[]]
      let builder = alter(table).alterColumn(column, first)
      for (const step of rest) builder = builder.alterColumn(column, step)
      await builder.execute()
    },
    dropColumn: (table, column) => alter(table).dropColumn(column).execute(),
    dropIndex: (_table, name) => db.schema.dropIndex(name).execute(),
    addUnique: (table, name, columns) => alter(table).addUniqueConstraint(name, [...columns]).execute(),
    dropUnique: (table, name) => alter(table).dropConstraint(name).execute(),
    addForeignKey: (table, name, columns, referencedTable, referencedColumns, actions = {}) =>
      alter(table).addForeignKeyConstraint(name, [...columns], referencedTable, [...referencedColumns], withActions(actions)).execute(),
    dropForeignKey: (table, name) => alter(table).dropConstraint(name).execute(),
    addCheck: (table, name, expression) =>
      alter(table).addCheckConstraint(name, typeof expression === 'string' ? sql.raw(expression) : expression).execute(),
    dropCheck: (table, name) => alter(table).dropConstraint(name).execute()
  }
}
