import type { Kysely, RawBuilder } from 'kysely'
import type { MigrationOperations, MigrationTypes } from '../migration-operations.ts'
import { MigrationError } from '../../errors.ts'
import { serverDefaultValue } from '../ddl-fragments.ts'
import { sqliteColumnTypes } from './sqlite-column-types.ts'
import { rebuildSqliteTable } from './sqlite-rebuild.ts'
import { mentionsColumn, readSqliteTable, type SqliteTableShape } from './sqlite-table-shape.ts'

type Change = (table: SqliteTableShape) => SqliteTableShape

/**
 * A revision's `op` on SQLite. ALTER TABLE can only drop an unconstrained column (and
 * DROP INDEX needs no table), so every other operation rebuilds the table
 * ({@link rebuildSqliteTable}), preserving rows, indexes and foreign keys.
 *
 * A rebuild reads the live table, which `--sql` cannot: offline, those operations throw.
 * `dropColumn` offline prints ALTER TABLE … DROP COLUMN, which SQLite itself rejects when
 * the column is in a key, index or constraint.
 *
 * @example
 * ```ts
 * const op = sqliteMigrationOperations(trx, migrationTypes(dialect), { offline: false })
 * await op.alterColumn('movie', 'title', c.string(200)) // rebuilds "movie"
 * ```
 */
export function sqliteMigrationOperations (db: Kysely<unknown>, t: MigrationTypes, options: { readonly offline: boolean }): MigrationOperations {
  const rebuild = async (operation: string, table: string, change: Change): Promise<void> => {
    if (options.offline) {
      throw new MigrationError(`--sql cannot render op.${operation} on SQLite table "${table}": SQLite needs a table rebuild for it, which reads the live table. ` +
        'Run the upgrade (or downgrade) against the database instead, without --sql.')
    }
    await rebuildSqliteTable(db, table, change)
  }
  const text = (fragment: RawBuilder<unknown>): string => {
    const compiled = fragment.compile(db)
    if (compiled.parameters.length > 0) throw new MigrationError('SQLite cannot bind parameters in a table definition; write values into the SQL with sql.lit().')
    return compiled.sql
  }
  return {
    alterColumn: (table, column, declaration) => rebuild('alterColumn', table, (shape) => {
      const { config } = declaration
      const value = serverDefaultValue(config, sqliteColumnTypes)
      const changed = { name: columnOf(shape, column), type: text(t.type(declaration)), nullable: config.nullable || config.generated !== undefined, default: value === undefined ? undefined : text(value), generated: config.generated }
      return { ...shape, columns: shape.columns.map((old) => old.name === changed.name ? changed : old) }
    }),
    async addColumn (table, column, declaration) {
      const { config } = declaration
      if (config.generated?.stored !== true) return await db.schema.alterTable(table).addColumn(column, ...t.column(declaration)).execute()
      await rebuild('addColumn', table, (shape) => ({
        ...shape,
        columns: [...shape.columns, { name: column, type: text(t.type(declaration)), nullable: true, default: undefined, generated: config.generated }]
      }))
    },
    async dropColumn (table, column) {
      if (!options.offline && isConstrained(await readSqliteTable(db, table), column)) {
        return rebuild('dropColumn', table, (shape) => withoutColumn(shape, columnOf(shape, column)))
      }
      await db.schema.alterTable(table).dropColumn(column).execute()
    },
    dropIndex: (_table, name) => db.schema.dropIndex(name).execute(),
    addUnique: (table, name, columns) => rebuild('addUnique', table, (shape) => ({
      ...shape, uniques: [...shape.uniques, { name, columns: columns.map((column) => columnOf(shape, column)) }]
    })),
    dropUnique: (table, name) => rebuild('dropUnique', table, (shape) => ({
      ...shape, uniques: withoutNamed(shape, shape.uniques, name, 'unique constraint')
    })),
    addForeignKey: (table, name, columns, referencedTable, referencedColumns, actions = {}) => rebuild('addForeignKey', table, (shape) => ({
      ...shape,
      foreignKeys: [...shape.foreignKeys, {
        name, columns: columns.map((column) => columnOf(shape, column)), referencedTable, referencedColumns, onDelete: actions.onDelete, onUpdate: actions.onUpdate
      }]
    })),
    dropForeignKey: (table, name) => rebuild('dropForeignKey', table, (shape) => ({
      ...shape, foreignKeys: withoutNamed(shape, shape.foreignKeys, name, 'foreign key')
    })),
    addCheck: (table, name, expression) => rebuild('addCheck', table, (shape) => ({
      ...shape, checks: [...shape.checks, { name, expression: typeof expression === 'string' ? expression : text(expression) }]
    })),
    dropCheck: (table, name) => rebuild('dropCheck', table, (shape) => ({
      ...shape, checks: withoutNamed(shape, shape.checks, name, 'check constraint')
    })),
    // SQLite keeps no comments.
    setComment: async () => {},
    alterPrimaryKey: (table, _from, to) => rebuild('alterPrimaryKey', table, (shape) => withPrimaryKey(shape, to.name, to.columns.map((column) => columnOf(shape, column))))
  }
}

/**
 * The table with another primary key. Its columns become NOT NULL, as PostgreSQL and MySQL
 * make them (SQLite alone lets a key column hold NULL); AUTOINCREMENT stays only on the same lone column.
 */
function withPrimaryKey (shape: SqliteTableShape, name: string | undefined, columns: readonly string[]): SqliteTableShape {
  const sameKey = columns.length === 1 && shape.primaryKey.columns.length === 1 && same(shape.primaryKey.columns[0], columns[0] as string)
  return {
    ...shape,
    columns: shape.columns.map((column) => columns.includes(column.name) ? { ...column, nullable: false } : column),
    primaryKey: { name, columns },
    autoincrement: shape.autoincrement && sameKey
  }
}

// SQLite compares names without case.
function same (a: string | undefined, b: string): boolean {
  return a?.toLowerCase() === b.toLowerCase()
}

/** The column's name as the table spells it; throws when there is none. */
function columnOf (shape: SqliteTableShape, column: string): string {
  const found = shape.columns.find((candidate) => same(candidate.name, column))
  if (found === undefined) throw new MigrationError(`SQLite table "${shape.name}" has no column "${column}"; check the column name in the revision.`)
  return found.name
}

function withoutNamed<T extends { readonly name: string | undefined }> (shape: SqliteTableShape, list: readonly T[], name: string, what: string): T[] {
  const kept = list.filter((item) => !same(item.name, name))
  if (kept.length === list.length) {
    const names = list.flatMap((item) => item.name === undefined ? [] : [`"${item.name}"`])
    throw new MigrationError(`SQLite table "${shape.name}" has no ${what} named "${name}" (it has ${names.length === 0 ? 'none with a name' : names.join(', ')}); check the name in the revision.`)
  }
  return kept
}

/** The SQL of an index from its column list on (its name and table could be the column's name). */
function indexBody (sql: string): string {
  return sql.slice(sql.indexOf('('))
}

/** A column ALTER TABLE … DROP COLUMN refuses: in a key, a foreign key, a CHECK or an index. */
function isConstrained (shape: SqliteTableShape, column: string): boolean {
  return [shape.primaryKey, ...shape.uniques, ...shape.foreignKeys].some((key) => key.columns.some((name) => same(name, column))) ||
    shape.checks.some((check) => mentionsColumn(check.expression, column)) ||
    shape.dependents.some((dependent) => dependent.type === 'index' && mentionsColumn(indexBody(dependent.sql), column))
}

/** The table without the column, and without every key, CHECK and index that uses it (as PostgreSQL drops them). */
function withoutColumn (shape: SqliteTableShape, column: string): SqliteTableShape {
  const free = (key: { readonly columns: readonly string[] }): boolean => !key.columns.some((name) => same(name, column))
  const primaryKey = free(shape.primaryKey) ? shape.primaryKey : { name: undefined, columns: [] }
  return {
    ...shape,
    columns: shape.columns.filter((candidate) => !same(candidate.name, column)),
    primaryKey,
    autoincrement: shape.autoincrement && primaryKey.columns.length > 0,
    uniques: shape.uniques.filter(free),
    foreignKeys: shape.foreignKeys.filter(free),
    checks: shape.checks.filter((check) => !mentionsColumn(check.expression, column)),
    dependents: shape.dependents.filter((dependent) => dependent.type !== 'index' || !mentionsColumn(indexBody(dependent.sql), column))
  }
}
