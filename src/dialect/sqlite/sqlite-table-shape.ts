import { sql, type Kysely, type RawBuilder } from 'kysely'
import { MigrationError } from '../../errors.ts'
import type { IntrospectedForeignKey, IntrospectedKey } from '../../introspection/introspected-schema.ts'
import { tokenizeSql } from '../../introspection/sql-tokens.ts'
import { sqliteIntrospector } from './sqlite-introspector.ts'
import { parseSqliteConstraints, parseSqliteGeneratedColumns, SQLITE_SYNTAX, type SqliteGeneratedColumn } from './sqlite-table-sql.ts'

/** A column as a table rebuild writes it again. */
export interface SqliteColumnShape {
  readonly name: string
  /** The declared type as written; a lone `integer` primary key is the rowid. */
  readonly type: string
  readonly nullable: boolean
  /** The DEFAULT expression as SQL text (as `table_info` gives it), or undefined. */
  readonly default: string | undefined
  /** A generated column's expression as written, and its storage; undefined for an ordinary column. */
  readonly generated?: SqliteGeneratedColumn | undefined
}

/** A CHECK with its expression as SQL text: as written in sqlite_master, not canonical. */
export interface SqliteCheckShape {
  readonly name: string | undefined
  readonly expression: string
}

/** A CREATE INDEX or CREATE TRIGGER on the table, run again as written after a rebuild. */
export interface SqliteDependent {
  readonly type: 'index' | 'trigger'
  readonly name: string
  readonly sql: string
}

/**
 * Everything a rebuild must reproduce of a live table. Keys and foreign keys come from
 * introspection; types, defaults and CHECKs keep their original SQL text, because the
 * introspected forms are canonical (unquoted, lower-cased) and not always valid to re-run.
 */
export interface SqliteTableShape {
  readonly name: string
  readonly columns: readonly SqliteColumnShape[]
  readonly primaryKey: IntrospectedKey
  /** The key is declared AUTOINCREMENT: ids are never reused (sqlite_sequence keeps the highest). */
  readonly autoincrement: boolean
  readonly uniques: readonly IntrospectedKey[]
  readonly foreignKeys: readonly IntrospectedForeignKey[]
  readonly checks: readonly SqliteCheckShape[]
  /** What follows the column list: `WITHOUT ROWID`, `STRICT`, or ''. */
  readonly options: string
  readonly dependents: readonly SqliteDependent[]
}

const TABLE_OPTIONS = /\)\s*((?:without\s+rowid|strict)(?:\s*,\s*(?:without\s+rowid|strict))*)\s*;?\s*$/i

/**
 * Reads a live table into the shape a rebuild re-creates. Refuses tables a rebuild would
 * not reproduce (virtual tables).
 *
 * @example
 * ```ts
 * const shape = await readSqliteTable(trx, 'movie')
 * shape.checks // [{ name: 'ck_movie_year', expression: '"year" >= 1888' }]
 * ```
 */
export async function readSqliteTable (db: Kysely<unknown>, table: string): Promise<SqliteTableShape> {
  const { rows: [master] } = await sql<{ name: string, sql: string }>`
    select name, sql from sqlite_master where type = 'table' and name = ${table} collate nocase`.execute(db)
  if (master === undefined) throw new MigrationError(`SQLite has no table "${table}"; check the table name in the revision.`)
  const name = master.name
  const introspected = (await sqliteIntrospector.introspect(db)).find((candidate) => candidate.name === name)
  const { rows: columns } = await sql<{ name: string, type: string, notnull: number, dflt_value: string | null, hidden: number }>`
    select name, type, "notnull", dflt_value, hidden from pragma_table_xinfo(${name}) order by cid`.execute(db)
  if (introspected === undefined || /^\s*create\s+virtual\b/i.test(master.sql) || columns.some((column) => column.hidden === 1)) {
    throw new MigrationError(`SQLite table "${name}" is virtual, which a table rebuild cannot reproduce; change it with hand-written SQL in the revision.`)
  }
  const generated = parseSqliteGeneratedColumns(master.sql)
  const { rows: dependents } = await sql<SqliteDependent>`
    select type, name, sql from sqlite_master where tbl_name = ${name} and type in ('index', 'trigger') and sql is not null`.execute(db)
  return {
    name,
    columns: columns.map((column) => ({
      name: column.name,
      type: column.type,
      nullable: column.notnull === 0,
      default: column.dflt_value ?? undefined,
      generated: column.hidden >= 2 ? generated.get(column.name.toLowerCase()) : undefined
    })),
    primaryKey: introspected.primaryKey,
    autoincrement: tokenizeSql(master.sql, SQLITE_SYNTAX).some((token) => token.type === 'word' && token.value.toLowerCase() === 'autoincrement'),
    uniques: introspected.uniques,
    foreignKeys: introspected.foreignKeys,
    checks: parseSqliteConstraints(master.sql)
      .filter((constraint) => constraint.kind === 'check')
      .map((constraint) => ({ name: constraint.name, expression: constraint.expression ?? '' })),
    options: TABLE_OPTIONS.exec(master.sql)?.[1] ?? '',
    dependents
  }
}

/**
 * The CREATE TABLE of a shape under `name`: columns, then the named (or unnamed)
 * primary key, uniques, foreign keys with their actions, and CHECKs. An AUTOINCREMENT key
 * is written on its column, the only place SQLite accepts the keyword.
 *
 * @example
 * ```ts
 * await createSqliteTable(shape, 'movie_rebuild').execute(trx)
 * ```
 */
export function createSqliteTable (table: SqliteTableShape, name: string): RawBuilder<unknown> {
  const named = (constraint: string | undefined, body: RawBuilder<unknown>): RawBuilder<unknown> =>
    constraint === undefined ? body : sql`constraint ${sql.id(constraint)} ${body}`
  const list = (columns: readonly string[]): RawBuilder<unknown> => sql.join(columns.map((column) => sql.id(column)))
  const inlineKey = table.autoincrement && table.primaryKey.columns.length === 1 ? table.primaryKey : undefined
  const columns = table.columns.map((column) => sql.join([
    sql.id(column.name),
    ...column.type === '' ? [] : [sql.raw(column.type)],
    ...column.nullable ? [] : [sql`not null`],
    // table_info gives `DEFAULT (expr)` without its parentheses; they are always valid.
    ...column.default === undefined ? [] : [sql`default (${sql.raw(column.default)})`],
    ...column.generated === undefined ? [] : [sql`generated always as (${sql.raw(column.generated.expression)}) ${sql.raw(column.generated.stored ? 'stored' : 'virtual')}`],
    ...inlineKey?.columns[0] === column.name ? [named(inlineKey.name, sql`primary key autoincrement`)] : []
  ], sql` `))
  const constraints = [
    ...table.primaryKey.columns.length === 0 || inlineKey ? [] : [named(table.primaryKey.name, sql`primary key (${list(table.primaryKey.columns)})`)],
    ...table.uniques.map((unique) => named(unique.name, sql`unique (${list(unique.columns)})`)),
    ...table.foreignKeys.map((fk) => named(fk.name, sql.join([
      sql`foreign key (${list(fk.columns)}) references ${sql.table(fk.referencedTable)} (${list(fk.referencedColumns)})`,
      ...fk.onDelete === undefined ? [] : [sql.raw(`on delete ${fk.onDelete}`)],
      ...fk.onUpdate === undefined ? [] : [sql.raw(`on update ${fk.onUpdate}`)]
    ], sql` `))),
    ...table.checks.map((check) => named(check.name, sql`check (${sql.raw(check.expression)})`))
  ]
  const options = table.options === '' ? sql`` : sql.raw(` ${table.options}`)
  return sql`create table ${sql.table(name)} (${sql.join([...columns, ...constraints])})${options}`
}

/**
 * Whether an SQL text (a CHECK, a CREATE INDEX from its column list on) names the column.
 * Token-based, so quotes and string literals are told apart; it may over-match a name used
 * for something else, which at worst drops a constraint that named the column anyway.
 */
export function mentionsColumn (text: string, column: string): boolean {
  const lower = column.toLowerCase()
  return tokenizeSql(text, SQLITE_SYNTAX).some((token) => (token.type === 'word' || token.type === 'quoted') && token.value.toLowerCase() === lower)
}
