import { sql, type Kysely } from 'kysely'
import type { MigrationOperations, MigrationTypes } from '../migration-operations.ts'
import { withActions } from '../ddl-fragments.ts'
import { MigrationError } from '../../errors.ts'
import { Column, type AnyColumn } from '../../model/column.ts'
import { mysqlSqlLiterals } from './mysql-sql-literals.ts'

/**
 * A revision's `op` on MySQL and MariaDB: `MODIFY COLUMN` with the column's whole new
 * declaration, `DROP INDEX … ON`, `DROP FOREIGN KEY`, and `DROP CONSTRAINT` for checks
 * (MariaDB has no `DROP CHECK`; MySQL ≥ 8.0.19 takes both). A unique constraint is a
 * unique index, so dropping one drops the index.
 *
 * Nothing here needs to read the database, but for one tidy-up when connected: the index
 * MySQL made by itself for a foreign key outlives the key, and is dropped with it.
 *
 * @example
 * ```ts
 * const op = mysqlMigrationOperations(trx, migrationTypes(dialect), { offline: false })
 * await op.alterColumn('movie', 'title', c.string(200).nullable()) // alter table `movie` modify column `title` varchar(200)
 * ```
 */
export function mysqlMigrationOperations (db: Kysely<unknown>, t: MigrationTypes, options: { readonly offline: boolean }): MigrationOperations {
  const alter = (table: string) => db.schema.alterTable(table)
  const dropIndex = (table: string, name: string) => db.schema.dropIndex(name).on(table).execute()
  return {
    async alterColumn (table, column, declaration) {
      // A VIRTUAL column holds no data: MODIFY cannot make one, dropping and adding it loses nothing.
      if (declaration.config.generated?.stored === false) {
        await alter(table).dropColumn(column).execute()
        await alter(table).addColumn(column, ...t.column(declaration)).execute()
        return
      }
      // Nor can MODIFY make a VIRTUAL column ordinary: its values go through a new column.
      if (declaration.config.generated === undefined && !options.offline && await isVirtual(db, table, column)) {
        const temporary = `${column}__fastify_orm_values`
        await alter(table).addColumn(temporary, ...t.column(declaration.nullable())).execute()
        await sql`update ${sql.table(table)} set ${sql.id(temporary)} = ${sql.id(column)}`.execute(db)
        await alter(table).dropColumn(column).execute()
        await sql`alter table ${sql.table(table)} change column ${sql.id(temporary)} ${sql.id(column)} ${t.type(declaration)}`.execute(db)
        await alter(table).modifyColumn(column, ...t.column(declaration)).execute()
        return
      }
      await alter(table).modifyColumn(column, ...t.column(declaration)).execute()
    },
    addColumn: (table, column, declaration) => alter(table).addColumn(column, ...t.column(declaration)).execute(),
    dropColumn: (table, column) => alter(table).dropColumn(column).execute(),
    dropIndex,
    addUnique: (table, name, columns) => alter(table).addUniqueConstraint(name, [...columns]).execute(),
    dropUnique: dropIndex,
    addForeignKey: (table, name, columns, referencedTable, referencedColumns, actions = {}) =>
      alter(table).addForeignKeyConstraint(name, [...columns], referencedTable, [...referencedColumns], withActions(actions)).execute(),
    async dropForeignKey (table, name) {
      const implicitIndex = !options.offline && await hasImplicitIndex(db, table, name)
      await sql`alter table ${sql.table(table)} drop foreign key ${sql.id(name)}`.execute(db)
      if (implicitIndex) await dropIndex(table, name)
    },
    addCheck: (table, name, expression) =>
      alter(table).addCheckConstraint(name, typeof expression === 'string' ? sql.raw(expression) : expression).execute(),
    dropCheck: (table, name) => alter(table).dropConstraint(name).execute(),
    async setComment (table, column, comment, declaration) {
      const literal = sql.raw(mysqlSqlLiterals.literal(comment ?? ''))
      if (column === null) {
        await sql`alter table ${sql.table(table)} comment = ${literal}`.execute(db)
        return
      }
      if (declaration !== undefined) {
        await alter(table).modifyColumn(column, ...t.column(withComment(declaration, comment))).execute()
        return
      }
      if (options.offline) {
        throw new MigrationError(`--sql cannot render op.setComment on MySQL column \`${table}\`.\`${column}\` without the column's declaration: MySQL changes a column's comment ` +
          'with its whole definition, which only the live table holds. Pass the column as it stands as the fourth argument, ' +
          `op.setComment(${mysqlSqlLiterals.literal(table)}, ${mysqlSqlLiterals.literal(column)}, …, c.string(120)) (its type, nullability and server default), ` +
          'or run the upgrade (or downgrade) against the database instead.')
      }
      const definition = await columnDefinition(db, table, column)
      const bare = definition.replace(COMMENT_CLAUSE, '')
      const wanted = comment === null || comment === '' ? bare : `${bare} COMMENT ${mysqlSqlLiterals.literal(comment)}`
      if (wanted !== definition) await sql`alter table ${sql.table(table)} modify column ${sql.raw(wanted)}`.execute(db)
    },
    async alterPrimaryKey (table, from, to) {
      const autoIncrement = options.offline ? undefined : await autoIncrementColumn(db, table)
      if (autoIncrement !== undefined && from.columns.includes(autoIncrement) && !to.columns.includes(autoIncrement)) {
        throw new MigrationError(`op.alterPrimaryKey on \`${table}\`: MySQL cannot take column \`${autoIncrement}\` out of the primary key while it is AUTO_INCREMENT. ` +
          'Run op.alterColumn on it without .autoincrement() first.')
      }
      const steps = [
        // One statement: the rows never go without a key in between. MySQL names every primary key PRIMARY.
        ...from.columns.length === 0 ? [] : [sql`drop primary key`],
        ...to.columns.length === 0 ? [] : [sql`add primary key (${sql.join(to.columns.map((column) => sql.id(column)))})`]
      ]
      if (steps.length > 0) await sql`alter table ${sql.table(table)} ${sql.join(steps)}`.execute(db)
    }
  }
}

/** The declaration with `comment` instead of its own (none when `comment` is null or empty). */
function withComment (declaration: AnyColumn, comment: string | null): AnyColumn {
  const { comment: _own, ...config } = declaration.config
  return new Column(comment === null || comment === '' ? config : { ...config, comment })
}

// SHOW CREATE TABLE writes a column's comment last, quotes doubled or backslash-escaped.
const COMMENT_CLAUSE = / COMMENT '(?:[^'\\]|\\.|'')*'$/

/** A column's definition as SHOW CREATE TABLE writes it: `\`title\` varchar(120) NOT NULL COMMENT '…'`. */
async function columnDefinition (db: Kysely<unknown>, table: string, column: string): Promise<string> {
  const { rows } = await sql<Record<string, string>>`show create table ${sql.table(table)}`.execute(db)
  const start = `\`${column.replace(/`/g, '``')}\` `
  const line = (rows[0]?.['Create Table'] ?? '').split('\n').map((text) => text.trim()).find((text) => text.startsWith(start))
  if (line === undefined) throw new MigrationError(`MySQL table \`${table}\` has no column \`${column}\`; check the names in the revision.`)
  return line.replace(/,$/, '')
}

/** The table's AUTO_INCREMENT column, if any (MySQL allows one). */
async function autoIncrementColumn (db: Kysely<unknown>, table: string): Promise<string | undefined> {
  const { rows } = await sql<{ column: string }>`
    select column_name as ${sql.id('column')} from information_schema.columns
    where table_schema = database() and table_name = ${table} and extra like '%auto_increment%'`.execute(db)
  return rows[0]?.column
}

/**
 * Whether the foreign key has the index MySQL creates when no index supports the key: one
 * named after the constraint, on exactly its columns. Left behind, it would be reported as
 * an index no model declares.
 */
async function hasImplicitIndex (db: Kysely<unknown>, table: string, name: string): Promise<boolean> {
  const { rows: index } = await sql<{ column: string }>`
    select column_name as ${sql.id('column')} from information_schema.statistics
    where table_schema = database() and table_name = ${table} and index_name = ${name} order by seq_in_index`.execute(db)
  const { rows: key } = await sql<{ column: string }>`
    select column_name as ${sql.id('column')} from information_schema.key_column_usage
    where table_schema = database() and table_name = ${table} and constraint_name = ${name} and referenced_table_name is not null
    order by ordinal_position`.execute(db)
  return index.length > 0 && index.map((row) => row.column).join('\u0000') === key.map((row) => row.column).join('\u0000')
}

/** Whether the live column is a VIRTUAL generated one. */
async function isVirtual (db: Kysely<unknown>, table: string, column: string): Promise<boolean> {
  const { rows } = await sql<{ extra: string }>`
    select extra as extra from information_schema.columns where table_schema = database() and table_name = ${table} and column_name = ${column}`.execute(db)
  return /virtual generated/i.test(rows[0]?.extra ?? '')
}
