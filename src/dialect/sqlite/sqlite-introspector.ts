import { sql, type Kysely } from 'kysely'
import { normalizeCheckExpression } from '../../introspection/check-expression.ts'
import {
  normalizeSqlType,
  referentialAction,
  sortIntrospectedTable,
  VERSION_LOCK_TABLE,
  VERSION_TABLE,
  type IntrospectedForeignKey,
  type IntrospectedIndex,
  type IntrospectedKey,
  type IntrospectedTable,
  type IntrospectionLimits
} from '../../introspection/introspected-schema.ts'
import { normalizeServerDefault } from '../../introspection/server-default.ts'
import type { SchemaIntrospector } from '../schema-introspector.ts'
import { columnsByTable } from '../catalog-columns.ts'
import { parseSqliteConstraints, parseSqliteGeneratedColumns, SQLITE_SYNTAX, type SqliteConstraint } from './sqlite-table-sql.ts'

/** SQLite keeps the names written in CREATE TABLE and tells RESTRICT from NO ACTION. */
export const sqliteIntrospectionLimits: IntrospectionLimits = { unnamedPrimaryKeys: false, uniqueIndexesAreConstraints: false, restrictIsDefault: false, noComments: true }

type Db = Kysely<unknown>

/** SQLite's catalog: sqlite_master and its PRAGMAs. */
export const sqliteIntrospector: SchemaIntrospector = {
  async tableNames (db: Db): Promise<Set<string>> {
    const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)
    return new Set(rows.map((row) => row.name))
  },
  async tableColumns (db: Db): Promise<Map<string, Set<string>>> {
    const { rows } = await sql<{ table_name: string, column_name: string }>`select m.name as table_name, p.name as column_name from sqlite_master m join pragma_table_xinfo(m.name) p where p.hidden <> 1 and m.type in ('table', 'view') and m.name not like 'sqlite_%'`.execute(db)
    return columnsByTable(rows)
  },
  introspect: introspectSqlite,
  limits: sqliteIntrospectionLimits
}

/** `hidden`: 0 an ordinary column, 2 a VIRTUAL generated one, 3 a STORED one (1: a virtual table's hidden column). */
interface ColumnRow { name: string, type: string, notnull: number, dflt_value: string | null, pk: number, hidden: number }
interface IndexListRow { name: string, unique: number, origin: 'c' | 'u' | 'pk' }
interface ForeignKeyRow { id: number, seq: number, table: string, from: string, to: string | null, on_update: string, on_delete: string }

/**
 * Reads every table from sqlite_master and the PRAGMAs (`table_info`, `index_list`,
 * `index_info`, `foreign_key_list`). The automatic indexes of UNIQUE constraints become
 * `uniques`; constraint names and CHECKs come from the CREATE TABLE text, which is all
 * SQLite keeps of them. An INTEGER primary key (the rowid) is `autoincrement`.
 *
 * @example
 * ```ts
 * const tables = await introspectSqlite(app.db.kysely as Kysely<unknown>)
 * tables.find((table) => table.name === 'movie')?.checks // [{ name: 'ck_movie_year', expression: 'year >= 1888' }, …]
 * ```
 */
export async function introspectSqlite (db: Db): Promise<IntrospectedTable[]> {
  const { rows } = await sql<{ name: string, sql: string }>`
    select name, sql from sqlite_master
    where type = 'table' and name not like 'sqlite_%' and name not in (${VERSION_TABLE}, ${VERSION_LOCK_TABLE}) order by name`.execute(db)
  const tables: IntrospectedTable[] = []
  for (const row of rows) tables.push(await introspectTable(db, row.name, row.sql))
  return tables
}

async function introspectTable (db: Db, name: string, createTable: string): Promise<IntrospectedTable> {
  // table_xinfo: table_info leaves generated columns out.
  const { rows: columns } = await sql<ColumnRow>`select name, type, "notnull", dflt_value, pk, hidden from pragma_table_xinfo(${name}) where hidden <> 1 order by cid`.execute(db)
  const generated = parseSqliteGeneratedColumns(createTable)
  const { rows: indexList } = await sql<IndexListRow>`select name, "unique", origin from pragma_index_list(${name})`.execute(db)
  const constraints = parseSqliteConstraints(createTable)
  const primaryKey = columns.filter((column) => column.pk > 0).sort((a, b) => a.pk - b.pk).map((column) => column.name)
  // Only a lone column declared exactly INTEGER becomes the rowid, in a table with rowids.
  const rowid = primaryKey.length === 1 && !/\bwithout\s+rowid\s*$/i.test(createTable) &&
    columns.find((column) => column.name === primaryKey[0])?.type.toLowerCase() === 'integer'
  const uniques: IntrospectedKey[] = []
  const indexes: IntrospectedIndex[] = []
  for (const index of indexList) {
    const indexColumns = await indexInfo(db, index.name)
    if (index.origin === 'u') uniques.push({ name: nameOf(constraints, 'unique', indexColumns), columns: indexColumns })
    if (index.origin === 'c') indexes.push({ name: index.name, columns: indexColumns, unique: index.unique === 1 })
  }
  return sortIntrospectedTable({
    name,
    columns: columns.map((column) => {
      const autoincrement = rowid && column.name === primaryKey[0]
      const sqlType = normalizeSqlType(column.type)
      const expression = column.hidden >= 2 ? generated.get(column.name.toLowerCase())?.expression : undefined
      return {
        name: column.name,
        sqlType,
        // The rowid is never NULL, whether or not the statement says NOT NULL.
        nullable: column.notnull === 0 && !autoincrement,
        serverDefault: normalizeServerDefault(column.dflt_value, { ...SQLITE_SYNTAX, boolean: sqlType === 'boolean' }),
        autoincrement,
        ...expression === undefined ? {} : { generated: { expression: normalizeCheckExpression(expression, SQLITE_SYNTAX), stored: column.hidden === 3, sql: expression } }
      }
    }),
    primaryKey: { name: primaryKey.length > 0 ? nameOf(constraints, 'primary key', primaryKey) : undefined, columns: primaryKey },
    uniques,
    indexes,
    foreignKeys: await foreignKeys(db, name, constraints),
    checks: constraints
      .filter((constraint) => constraint.kind === 'check')
      .map((constraint) => ({ name: constraint.name, expression: normalizeCheckExpression(constraint.expression ?? '', SQLITE_SYNTAX) }))
  })
}

async function indexInfo (db: Db, index: string): Promise<string[]> {
  const { rows } = await sql<{ name: string | null }>`select name from pragma_index_info(${index}) order by seqno`.execute(db)
  return rows.map((row) => row.name ?? '') // null: an expression
}

async function foreignKeys (db: Db, table: string, constraints: readonly SqliteConstraint[]): Promise<IntrospectedForeignKey[]> {
  const { rows } = await sql<ForeignKeyRow>`select id, seq, "table", "from", "to", on_update, on_delete from pragma_foreign_key_list(${table})`.execute(db)
  const byId = new Map<number, ForeignKeyRow[]>()
  for (const row of [...rows].sort((a, b) => a.id - b.id || a.seq - b.seq)) byId.set(row.id, [...byId.get(row.id) ?? [], row])
  const result: IntrospectedForeignKey[] = []
  for (const group of byId.values()) {
    const first = group[0] as ForeignKeyRow // groups are made with one row
    const columns = group.map((row) => row.from)
    // `REFERENCES parent` without columns means the parent's primary key.
    const referencedColumns = group.every((row) => row.to !== null)
      ? group.map((row) => row.to as string)
      : await primaryKeyOf(db, first.table)
    result.push({
      name: nameOf(constraints, 'foreign key', columns, first.table),
      columns,
      referencedTable: first.table,
      referencedColumns,
      onDelete: referentialAction(first.on_delete, sqliteIntrospectionLimits),
      onUpdate: referentialAction(first.on_update, sqliteIntrospectionLimits)
    })
  }
  return result
}

async function primaryKeyOf (db: Db, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${table}) where pk > 0 order by pk`.execute(db)
  return rows.map((row) => row.name)
}

/** The name the CREATE TABLE gave the constraint of this kind on these columns, if any. */
function nameOf (constraints: readonly SqliteConstraint[], kind: SqliteConstraint['kind'], columns: readonly string[], referencedTable?: string): string | undefined {
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase() // SQLite names are case-insensitive
  return constraints.find((constraint) => constraint.kind === kind &&
    constraint.columns.length === columns.length && constraint.columns.every((column, i) => same(column, columns[i] ?? '')) &&
    (referencedTable === undefined || same(constraint.referencedTable ?? '', referencedTable)))?.name
}
