import { sql, type Kysely } from 'kysely'
import { normalizeCheckExpression } from '../../introspection/check-expression.ts'
import {
  normalizeSqlType,
  referentialAction,
  sortIntrospectedTable,
  VERSION_LOCK_TABLE,
  VERSION_TABLE,
  type IntrospectedColumn,
  type IntrospectedForeignKey,
  type IntrospectedIndex,
  type IntrospectedTable,
  type IntrospectionLimits
} from '../../introspection/introspected-schema.ts'
import { normalizeServerDefault } from '../../introspection/server-default.ts'
import type { SchemaIntrospector } from '../schema-introspector.ts'
import { columnsByTable } from '../catalog-columns.ts'
import { quoteLiteral } from '../../introspection/sql-tokens.ts'

/**
 * MySQL names every primary key PRIMARY, makes no difference between a unique index and
 * a unique constraint, and treats RESTRICT as NO ACTION (MariaDB even reports RESTRICT
 * for an unspecified action).
 */
export const mysqlIntrospectionLimits: IntrospectionLimits = { unnamedPrimaryKeys: true, uniqueIndexesAreConstraints: true, restrictIsDefault: true }

type Db = Kysely<unknown>

/** MySQL's and MariaDB's information_schema, in the connection's database. */
export const mysqlIntrospector: SchemaIntrospector = {
  async tableNames (db: Db): Promise<Set<string>> {
    const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = database() and table_type = 'BASE TABLE'`.execute(db)
    return new Set(rows.map((row) => row.name))
  },
  async tableColumns (db: Db): Promise<Map<string, Set<string>>> {
    const { rows } = await sql<{ table_name: string, column_name: string }>`select table_name as table_name, column_name as column_name from information_schema.columns where table_schema = database()`.execute(db)
    return columnsByTable(rows)
  },
  introspect: introspectMysql,
  storedCheck: mysqlStoredCheck,
  storedGenerated: mysqlStoredGenerated,
  limits: mysqlIntrospectionLimits
}

const CHECK_PROBE = '__fastify_orm_check_probe'

/**
 * The CHECK as MySQL/MariaDB stores it: added to a temporary table made `LIKE` the real
 * one (same column types and character sets), read back from SHOW CREATE TABLE (temporary
 * tables are not in information_schema; the text is the same as `check_clause`), and the
 * temporary table dropped. A temporary table's DDL commits nothing.
 */
async function mysqlStoredCheck (db: Db, table: string, expression: string): Promise<string | undefined> {
  return await db.connection().execute(async (connection) => {
    try {
      await sql`create temporary table ${sql.id(CHECK_PROBE)} like ${sql.id(table)}`.execute(connection)
      await sql`alter table ${sql.id(CHECK_PROBE)} add constraint ${sql.id(CHECK_PROBE)} check (${sql.raw(expression)})`.execute(connection)
      const { rows } = await sql<Record<string, string>>`show create table ${sql.id(CHECK_PROBE)}`.execute(connection)
      const clause = checkClause(rows[0]?.['Create Table'] ?? '', CHECK_PROBE)
      return clause === undefined ? undefined : normalizeCheckExpression(clause, { backslashEscapes: true })
    } catch {
      // Not an expression this table can take now: compared as written.
      return undefined
    } finally {
      await sql`drop temporary table if exists ${sql.id(CHECK_PROBE)}`.execute(connection)
    }
  })
}

/**
 * The generation expression as MySQL/MariaDB stores it: a column added to a temporary
 * copy of the table, read back from SHOW CREATE TABLE (as {@link mysqlStoredCheck}).
 */
async function mysqlStoredGenerated (db: Db, table: string, sqlType: string, expression: string): Promise<string | undefined> {
  return await db.connection().execute(async (connection) => {
    try {
      await sql`create temporary table ${sql.id(CHECK_PROBE)} like ${sql.id(table)}`.execute(connection)
      await sql`alter table ${sql.id(CHECK_PROBE)} add column ${sql.id(CHECK_PROBE)} ${sql.raw(sqlType)} generated always as (${sql.raw(expression)}) stored`.execute(connection)
      const { rows } = await sql<Record<string, string>>`show create table ${sql.id(CHECK_PROBE)}`.execute(connection)
      const createTable = rows[0]?.['Create Table'] ?? ''
      const column = new RegExp(`\`${CHECK_PROBE}\` [^\n]*? GENERATED ALWAYS AS \\(`).exec(createTable)
      const clause = column === null ? undefined : parenthesized(createTable, column.index + column[0].length)
      return clause === undefined ? undefined : normalizeCheckExpression(clause, { backslashEscapes: true })
    } catch {
      // Not an expression this table can take now: compared as written.
      return undefined
    } finally {
      await sql`drop temporary table if exists ${sql.id(CHECK_PROBE)}`.execute(connection)
    }
  })
}

/** The text inside `CONSTRAINT `name` CHECK (…)` of a CREATE TABLE, up to its closing parenthesis. */
function checkClause (createTable: string, name: string): string | undefined {
  const marker = `CONSTRAINT \`${name}\` CHECK (`
  const start = createTable.indexOf(marker)
  return start < 0 ? undefined : parenthesized(createTable, start + marker.length)
}

/** The text from `from` (just after an opening parenthesis) up to the parenthesis closing it. */
function parenthesized (createTable: string, from: number): string | undefined {
  let depth = 1
  let quote: string | undefined
  for (let i = from; i < createTable.length; i++) {
    const char = createTable[i]!
    if (quote !== undefined) {
      if (char === '\\' && quote !== '`') i++
      else if (char === quote) quote = undefined
    } else if (char === "'" || char === '"' || char === '`') {
      quote = char
    } else if (char === '(') {
      depth++
    } else if (char === ')' && --depth === 0) {
      return createTable.slice(from, i)
    }
  }
  return undefined
}

interface ColumnRow { table_name: string, name: string, column_type: string, data_type: string, nullable: string, default_value: string | null, extra: string, generation: string | null, comment: string | null }
interface IndexRow { table_name: string, name: string, non_unique: number | string, column_name: string | null }
interface ForeignKeyRow { table_name: string, name: string, column_name: string, ref_table: string, ref_column: string, on_delete: string, on_update: string }
interface CheckRow { table_name: string, name: string, clause: string }

// The base tables of the connection's database, but the migrations' version table.
const IN_DATABASE = (alias: string) => sql`${sql.ref(`${alias}.table_schema`)} = database() and ${sql.ref(`${alias}.table_name`)} not in (${VERSION_TABLE}, ${VERSION_LOCK_TABLE})`
const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'decimal', 'float', 'double', 'bit', 'year'])

/**
 * Reads every table of `database()` from information_schema: columns, keys and indexes
 * (`statistics`), foreign keys with their rules, and CHECK constraints. MariaDB's JSON
 * (a longtext with an implicit `json_valid` CHECK) is reported as `json`, without that
 * CHECK; indexes MySQL made by itself for a foreign key are left out.
 *
 * @example
 * ```ts
 * const tables = await introspectMysql(app.db.kysely as Kysely<unknown>)
 * tables.find((table) => table.name === 'user')?.primaryKey // { name: undefined, columns: ['id'] }
 * ```
 */
export async function introspectMysql (db: Db): Promise<IntrospectedTable[]> {
  const { rows: [server] } = await sql<{ version: string }>`select version() as version`.execute(db)
  const mariadb = /mariadb/i.test(server?.version ?? '')
  const [tables, columns, indexes, foreignKeys, checks] = await Promise.all([
    readTables(db), readColumns(db), readIndexes(db), readForeignKeys(db), readChecks(db, mariadb)
  ])
  return tables.map(({ name, comment }) => {
    const own = <T extends { table_name: string }>(rows: T[]): T[] => rows.filter((row) => row.table_name === name)
    const tableChecks = own(checks).map((row) => ({ name: row.name, expression: normalizeCheckExpression(row.clause, { backslashEscapes: true }) }))
    const jsonColumns = new Set(own(columns)
      .filter((column) => column.data_type === 'longtext' && tableChecks.some((check) => check.expression === jsonCheck(column.name)))
      .map((column) => column.name))
    const fks = groupForeignKeys(own(foreignKeys))
    const keys = groupIndexes(own(indexes))
    return sortIntrospectedTable({
      name,
      columns: own(columns).map((row) => toColumn(row, jsonColumns.has(row.name), mariadb)),
      primaryKey: { name: undefined, columns: keys.find((key) => key.name === 'PRIMARY')?.columns ?? [] },
      uniques: keys.filter((key) => key.unique && key.name !== 'PRIMARY').map((key) => ({ name: key.name, columns: key.columns })),
      indexes: keys.filter((key) => !key.unique && !fks.some((fk) => isImplicitIndex(key, fk))),
      foreignKeys: fks,
      checks: tableChecks.filter((check) => ![...jsonColumns].some((column) => check.expression === jsonCheck(column))),
      // An empty comment is no comment: MySQL stores nothing else for none.
      ...comment === '' ? {} : { comment }
    })
  })
}

async function readTables (db: Db): Promise<Array<{ name: string, comment: string }>> {
  const { rows } = await sql<{ name: string, comment: string | null }>`
    select t.table_name as name, t.table_comment as comment from information_schema.tables t
    where ${IN_DATABASE('t')} and t.table_type = 'BASE TABLE' order by t.table_name`.execute(db)
  return rows.map((row) => ({ name: row.name, comment: row.comment ?? '' }))
}

async function readColumns (db: Db): Promise<ColumnRow[]> {
  const { rows } = await sql<ColumnRow>`
    select c.table_name as table_name, c.column_name as name, c.column_type as column_type, c.data_type as data_type,
      c.is_nullable as nullable, c.column_default as default_value, c.extra as extra, c.generation_expression as generation, c.column_comment as comment
    from information_schema.columns c where ${IN_DATABASE('c')} order by c.table_name, c.ordinal_position`.execute(db)
  return rows
}

async function readIndexes (db: Db): Promise<IndexRow[]> {
  const { rows } = await sql<IndexRow>`
    select s.table_name as table_name, s.index_name as name, s.non_unique as non_unique, s.column_name as column_name
    from information_schema.statistics s where ${IN_DATABASE('s')} order by s.table_name, s.index_name, s.seq_in_index`.execute(db)
  return rows
}

async function readForeignKeys (db: Db): Promise<ForeignKeyRow[]> {
  const { rows } = await sql<ForeignKeyRow>`
    select k.table_name as table_name, k.constraint_name as name, k.column_name as column_name,
      k.referenced_table_name as ref_table, k.referenced_column_name as ref_column,
      r.delete_rule as on_delete, r.update_rule as on_update
    from information_schema.key_column_usage k
    join information_schema.referential_constraints r on r.constraint_schema = k.constraint_schema
      and r.table_name = k.table_name and r.constraint_name = k.constraint_name
    where ${IN_DATABASE('k')} and k.referenced_table_name is not null
    order by k.table_name, k.constraint_name, k.ordinal_position`.execute(db)
  return rows
}

async function readChecks (db: Db, mariadb: boolean): Promise<CheckRow[]> {
  // MariaDB names checks per table (its JSON checks are named after their column) and has
  // check_constraints.table_name; MySQL names them per schema and has no such column.
  const query = mariadb
    ? sql<CheckRow>`
      select cc.table_name as table_name, cc.constraint_name as name, cc.check_clause as clause
      from information_schema.check_constraints cc
      where cc.constraint_schema = database() and cc.table_name not in (${VERSION_TABLE}, ${VERSION_LOCK_TABLE})`
    : sql<CheckRow>`
      select t.table_name as table_name, cc.constraint_name as name, cc.check_clause as clause
      from information_schema.table_constraints t
      join information_schema.check_constraints cc on cc.constraint_schema = t.constraint_schema and cc.constraint_name = t.constraint_name
      where ${IN_DATABASE('t')} and t.constraint_type = 'CHECK'`
  const { rows } = await query.execute(db)
  return rows
}

function toColumn (row: ColumnRow, json: boolean, mariadb: boolean): IntrospectedColumn {
  const sqlType = json ? 'json' : mysqlType(row.column_type)
  const autoincrement = /auto_increment/i.test(row.extra)
  // EXTRA says `STORED GENERATED` or `VIRTUAL GENERATED`; MySQL writes no expression for the others ('').
  const generated = /\bgenerated\b/i.test(row.extra) && row.generation !== null && row.generation !== '' && !/DEFAULT_GENERATED/i.test(row.extra)
  let value = generated ? null : row.default_value
  // MySQL (not MariaDB) reports a literal default without its quotes; only expressions
  // are flagged DEFAULT_GENERATED.
  if (!mariadb && value !== null && !/DEFAULT_GENERATED/i.test(row.extra) && !NUMERIC_TYPES.has(row.data_type)) value = quoteLiteral(value)
  return {
    name: row.name,
    sqlType,
    nullable: row.nullable === 'YES',
    serverDefault: autoincrement ? undefined : normalizeServerDefault(value, { boolean: sqlType === 'tinyint(1)', backslashEscapes: true }),
    autoincrement,
    ...generated ? { generated: { expression: normalizeCheckExpression(row.generation as string, { backslashEscapes: true }), stored: /stored/i.test(row.extra), sql: row.generation as string } } : {},
    ...row.comment === null || row.comment === '' ? {} : { comment: row.comment }
  }
}

/** `int(11)` → `int` (MariaDB shows display widths, which mean nothing), but `tinyint(1)` is the boolean. */
function mysqlType (columnType: string): string {
  return normalizeSqlType(columnType)
    .replace(/^(tinyint|smallint|mediumint|int|bigint)\((\d+)\)/, (all, name: string, width: string) => name === 'tinyint' && width === '1' ? all : name)
}

function jsonCheck (column: string): string {
  return normalizeCheckExpression(`json_valid(\`${column.replace(/`/g, '``')}\`)`, { backslashEscapes: true })
}

function groupIndexes (rows: IndexRow[]): IntrospectedIndex[] {
  const byName = new Map<string, { name: string, columns: string[], unique: boolean }>()
  for (const row of rows) {
    const entry = byName.get(row.name) ?? { name: row.name, columns: [], unique: Number(row.non_unique) === 0 }
    entry.columns.push(row.column_name ?? '')
    byName.set(row.name, entry)
  }
  return [...byName.values()]
}

function groupForeignKeys (rows: ForeignKeyRow[]): IntrospectedForeignKey[] {
  const byName = new Map<string, { row: ForeignKeyRow, columns: string[], referencedColumns: string[] }>()
  for (const row of rows) {
    const entry = byName.get(row.name) ?? { row, columns: [], referencedColumns: [] }
    entry.columns.push(row.column_name)
    entry.referencedColumns.push(row.ref_column)
    byName.set(row.name, entry)
  }
  return [...byName.values()].map(({ row, columns, referencedColumns }) => ({
    name: row.name,
    columns,
    referencedTable: row.ref_table,
    referencedColumns,
    onDelete: referentialAction(row.on_delete, mysqlIntrospectionLimits),
    onUpdate: referentialAction(row.on_update, mysqlIntrospectionLimits)
  }))
}

/**
 * The index MySQL creates for a foreign key that no index supports: on exactly its
 * columns, named after the constraint (or, for an unnamed one, after its first column).
 */
function isImplicitIndex (index: IntrospectedIndex, fk: IntrospectedForeignKey): boolean {
  return index.columns.join('\u0000') === fk.columns.join('\u0000') && (index.name === fk.name || index.name === fk.columns[0])
}
