import { sql, type Kysely } from 'kysely'
import { normalizeCheckExpression } from '../../introspection/check-expression.ts'
import {
  normalizeSqlType,
  referentialAction,
  sortIntrospectedTable,
  VERSION_LOCK_TABLE,
  VERSION_TABLE,
  type IntrospectedColumn,
  type IntrospectedTable,
  type IntrospectionLimits
} from '../../introspection/introspected-schema.ts'
import { normalizeServerDefault } from '../../introspection/server-default.ts'
import type { SchemaIntrospector } from '../schema-introspector.ts'
import { columnsByTable } from '../catalog-columns.ts'

/** PostgreSQL keeps every name and distinguishes unique indexes from constraints, RESTRICT from NO ACTION. */
export const postgresIntrospectionLimits: IntrospectionLimits = { unnamedPrimaryKeys: false, uniqueIndexesAreConstraints: false, restrictIsDefault: false, identityKinds: true }

type Db = Kysely<unknown>

/** PostgreSQL's catalog (pg_catalog), in the connection's current schema. */
export const postgresIntrospector: SchemaIntrospector = {
  async tableNames (db: Db): Promise<Set<string>> {
    const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
    return new Set(rows.map((row) => row.name))
  },
  async tableColumns (db: Db): Promise<Map<string, Set<string>>> {
    const { rows } = await sql<{ table_name: string, column_name: string }>`select table_name as table_name, column_name as column_name from information_schema.columns where table_schema = current_schema()`.execute(db)
    return columnsByTable(rows)
  },
  introspect: introspectPostgres,
  storedCheck: postgresStoredCheck,
  storedGenerated: postgresStoredGenerated,
  limits: postgresIntrospectionLimits
}

const CHECK_PROBE = '__fastify_orm_check_probe'

/**
 * The CHECK as PostgreSQL stores it: added to a temporary table made `LIKE` the real one
 * inside a transaction that is rolled back, and read back with `pg_get_expr` as
 * introspection reads checks.
 */
async function postgresStoredCheck (db: Db, table: string, expression: string): Promise<string | undefined> {
  return await db.connection().execute(async (connection) => {
    await sql`begin`.execute(connection)
    try {
      await sql`create temporary table ${sql.id(CHECK_PROBE)} (like ${sql.id(table)})`.execute(connection)
      await sql`alter table ${sql.id(CHECK_PROBE)} add constraint ${sql.id(CHECK_PROBE)} check (${sql.raw(expression)})`.execute(connection)
      const { rows } = await sql<{ check: string }>`
        select pg_get_expr(con.conbin, con.conrelid) as check from pg_constraint con
        where con.conrelid = ${CHECK_PROBE}::regclass and con.conname = ${CHECK_PROBE}`.execute(connection)
      return rows[0] === undefined ? undefined : normalizeCheckExpression(rows[0].check)
    } catch {
      // Not an expression this table can take now: compared as written.
      return undefined
    } finally {
      await sql`rollback`.execute(connection)
    }
  })
}

/** The generation expression as PostgreSQL stores it, read back from a column added to a temporary copy of the table. */
async function postgresStoredGenerated (db: Db, table: string, sqlType: string, expression: string): Promise<string | undefined> {
  return await db.connection().execute(async (connection) => {
    await sql`begin`.execute(connection)
    try {
      await sql`create temporary table ${sql.id(CHECK_PROBE)} (like ${sql.id(table)})`.execute(connection)
      await sql`alter table ${sql.id(CHECK_PROBE)} add column ${sql.id(CHECK_PROBE)} ${sql.raw(sqlType)} generated always as (${sql.raw(expression)}) stored`.execute(connection)
      const { rows } = await sql<{ expression: string }>`
        select pg_get_expr(d.adbin, d.adrelid) as expression from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
        where d.adrelid = ${CHECK_PROBE}::regclass and a.attname = ${CHECK_PROBE}`.execute(connection)
      return rows[0] === undefined ? undefined : normalizeCheckExpression(rows[0].expression)
    } catch {
      // Not an expression this table can take now: compared as written.
      return undefined
    } finally {
      await sql`rollback`.execute(connection)
    }
  })
}

interface ColumnRow { table: string, name: string, type: string, notnull: boolean, default: string | null, identity: string, generated: string, comment: string | null }
interface ConstraintRow {
  table: string
  name: string
  type: 'p' | 'u' | 'f' | 'c'
  columns: string[]
  ref_table: string | null
  ref_columns: string[]
  on_delete: string
  on_update: string
  check: string | null
}
interface IndexRow { table: string, name: string, unique: boolean, columns: string[] }

// The tables of the connection's schema (search_path), ordinary and partitioned (not their partitions).
const IN_SCHEMA = sql`n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition and c.relname not in (${VERSION_TABLE}, ${VERSION_LOCK_TABLE})`

// pg_constraint's one-letter referential actions.
const ACTIONS: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' }

/**
 * Reads every table of `current_schema()` from pg_catalog: columns (types through
 * `format_type`, defaults through `pg_get_expr`, identity), constraints (`pg_constraint`)
 * and the indexes that back no constraint (`pg_index`). Four queries, whatever the
 * number of tables.
 *
 * @example
 * ```ts
 * const tables = await introspectPostgres(app.db.kysely as Kysely<unknown>)
 * tables.find((table) => table.name === 'user')?.uniques // [{ name: 'uq_user_email', columns: ['email'] }]
 * ```
 */
export async function introspectPostgres (db: Db): Promise<IntrospectedTable[]> {
  const [tables, columns, constraints, indexes] = await Promise.all([readTables(db), readColumns(db), readConstraints(db), readIndexes(db)])
  return tables.map(({ name, comment }) => {
    const own = <T extends { table: string }>(rows: T[]): T[] => rows.filter((row) => row.table === name)
    const of = (type: ConstraintRow['type']): ConstraintRow[] => own(constraints).filter((row) => row.type === type)
    const primaryKey = of('p')[0]
    return sortIntrospectedTable({
      name,
      columns: own(columns).map(toColumn),
      primaryKey: { name: primaryKey?.name, columns: primaryKey?.columns ?? [] },
      uniques: of('u').map((row) => ({ name: row.name, columns: row.columns })),
      indexes: own(indexes).map((row) => ({ name: row.name, columns: row.columns, unique: row.unique })),
      foreignKeys: of('f').map((row) => ({
        name: row.name,
        columns: row.columns,
        referencedTable: row.ref_table ?? '',
        referencedColumns: row.ref_columns,
        onDelete: referentialAction(ACTIONS[row.on_delete], postgresIntrospectionLimits),
        onUpdate: referentialAction(ACTIONS[row.on_update], postgresIntrospectionLimits)
      })),
      checks: of('c').map((row) => ({ name: row.name, expression: normalizeCheckExpression(row.check ?? '') })),
      ...comment === null ? {} : { comment }
    })
  })
}

async function readTables (db: Db): Promise<Array<{ name: string, comment: string | null }>> {
  const { rows } = await sql<{ name: string, comment: string | null }>`
    select c.relname as name, obj_description(c.oid, 'pg_class') as comment from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where ${IN_SCHEMA} order by c.relname`.execute(db)
  return rows
}

async function readColumns (db: Db): Promise<ColumnRow[]> {
  const { rows } = await sql<ColumnRow>`
    select c.relname as table, a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as notnull,
      pg_get_expr(d.adbin, d.adrelid) as default, a.attidentity as identity, a.attgenerated as generated, col_description(c.oid, a.attnum) as comment
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
    where ${IN_SCHEMA} order by c.relname, a.attnum`.execute(db)
  return rows
}

async function readConstraints (db: Db): Promise<ConstraintRow[]> {
  // Column lists in key order: conkey/confkey are attribute numbers.
  const { rows } = await sql<ConstraintRow>`
    select c.relname as table, con.conname as name, con.contype as type,
      array(select a.attname::text from unnest(con.conkey) with ordinality k(n, i)
        join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.i) as columns,
      ref.relname as ref_table,
      array(select a.attname::text from unnest(con.confkey) with ordinality k(n, i)
        join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.i) as ref_columns,
      con.confdeltype as on_delete, con.confupdtype as on_update,
      case when con.contype = 'c' then pg_get_expr(con.conbin, con.conrelid) end as check
    from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
    left join pg_class ref on ref.oid = con.confrelid
    where ${IN_SCHEMA} and con.contype in ('p', 'u', 'f', 'c')`.execute(db)
  return rows
}

async function readIndexes (db: Db): Promise<IndexRow[]> {
  // An expression index's column is its expression (attnum 0); INCLUDE columns are left out.
  const { rows } = await sql<IndexRow>`
    select c.relname as table, ic.relname as name, i.indisunique as unique,
      array(select coalesce(a.attname::text, pg_get_indexdef(i.indexrelid, k.i::int, true))
        from unnest(i.indkey::int2[]) with ordinality k(n, i)
        left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n
        where k.i <= i.indnkeyatts order by k.i) as columns
    from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
    join pg_class ic on ic.oid = i.indexrelid
    where ${IN_SCHEMA} and not exists (
      select 1 from pg_constraint con where con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x'))`.execute(db)
  return rows
}

function toColumn (row: ColumnRow): IntrospectedColumn {
  // serial columns default to nextval(…); identity columns have attidentity 'a' or 'd'.
  const serial = row.default !== null && /^nextval\(/i.test(row.default)
  const autoincrement = row.identity !== '' || serial
  // A generated column's expression is kept where defaults are (attgenerated 's').
  const generated = row.generated === 's' && row.default !== null
  return {
    name: row.name,
    sqlType: postgresType(row.type),
    nullable: !row.notnull,
    serverDefault: autoincrement || generated ? undefined : normalizeServerDefault(row.default),
    autoincrement,
    ...autoincrement ? { identity: row.identity === 'a' ? 'always' : row.identity === 'd' ? 'byDefault' : 'serial' } : {},
    ...generated ? { generated: { expression: normalizeCheckExpression(row.default as string), stored: true, sql: row.default as string } } : {},
    ...row.comment === null ? {} : { comment: row.comment }
  }
}

/**
 * `format_type` spelling → the short names `sqlType()` writes: `character varying(120)` →
 * `varchar(120)`, `timestamp with time zone` → `timestamptz`, `numeric(12,2)` → `numeric(12, 2)`.
 */
function postgresType (formatted: string): string {
  const array = /^(.*?)((?:\[\])+)$/.exec(formatted)
  if (array) return postgresType(array[1] as string) + array[2]
  const type = normalizeSqlType(formatted)
    .replace(/^character varying/, 'varchar')
    .replace(/^character\b/, 'char')
    .replace(/^bit varying/, 'varbit')
  const time = /^(timestamp|time)(\(\d+\))? with(out)? time zone$/.exec(type)
  if (time) return `${time[1]}${time[3] ? '' : 'tz'}${time[2] ?? ''}`
  return type
}
