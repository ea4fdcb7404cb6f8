// Reads a table's structure back from the database's own catalog (not from fastify-orm),
// normalised to one shape so that tests can compare it with what the models declare.
// Shared by the schema tests (not a test file itself: tap only runs *.test.ts).
import { sql, type Kysely } from 'kysely'
import type { DialectName } from '../../src/index.ts'

export interface CatalogColumn {
  /** The type as the catalog spells it (PG `format_type`, MySQL `COLUMN_TYPE`, SQLite's declared type). */
  readonly type: string
  readonly nullable: boolean
  /** The default expression as the catalog stores it, or null. */
  readonly default: string | null
  /** PG: an identity column; MySQL: auto_increment; SQLite: the rowid alias. */
  readonly generated: boolean
}

export interface CatalogKey {
  readonly name: string
  readonly columns: readonly string[]
}

export interface CatalogIndex extends CatalogKey {
  readonly unique: boolean
}

export interface CatalogForeignKey extends CatalogKey {
  readonly referencedTable: string
  readonly referencedColumns: readonly string[]
  /** Upper case, as SQL spells it: `CASCADE`, `SET NULL`, `NO ACTION`, `RESTRICT`. */
  readonly onDelete: string
  readonly onUpdate: string
}

export interface CatalogCheck {
  readonly name: string
  /** The expression as the database stores it (each dialect rewrites it its own way). */
  readonly expression: string
}

/** A table's structure; lists are sorted by name so that comparisons ignore catalog order. */
export interface CatalogTable {
  readonly columns: Readonly<Record<string, CatalogColumn>>
  /** Column order as created. */
  readonly columnOrder: readonly string[]
  readonly primaryKey: CatalogKey
  /** UNIQUE constraints (not unique indexes). */
  readonly uniques: readonly CatalogKey[]
  /** Indexes made by CREATE INDEX (not those backing a primary key, unique or foreign key). */
  readonly indexes: readonly CatalogIndex[]
  readonly foreignKeys: readonly CatalogForeignKey[]
  readonly checks: readonly CatalogCheck[]
}

type Db = Kysely<unknown>

const byName = <T extends { name: string }>(list: T[]): T[] => list.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/** Table names in the connection's own schema/database, sorted. */
export async function catalogTableNames (db: Db, dialect: DialectName): Promise<string[]> {
  const query = dialect === 'sqlite'
    ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`
    : dialect === 'postgres'
      ? sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`
      : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = database() and table_type = 'BASE TABLE'`
  const { rows } = await query.execute(db)
  return rows.map((row) => row.name).sort()
}

/** The structure of `table` as the catalog of `dialect` describes it. */
export function readCatalog (db: Db, dialect: DialectName, table: string): Promise<CatalogTable> {
  switch (dialect) {
    case 'sqlite': return readSqlite(db, table)
    case 'postgres': return readPostgres(db, table)
    case 'mysql': return readMysql(db, table)
  }
}

// ---------------------------------------------------------------- PostgreSQL

const PG_ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' }

async function readPostgres (db: Db, table: string): Promise<CatalogTable> {
  const relation = sql`(select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relname = ${table})`
  const columns = await sql<{ name: string, type: string, notnull: boolean, default: string | null, identity: string }>`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as notnull,
      pg_get_expr(d.adbin, d.adrelid) as default, a.attidentity as identity
    from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = ${relation} and a.attnum > 0 and not a.attisdropped
    order by a.attnum`.execute(db)
  const constraints = await sql<{ name: string, type: string, columns: string[], ref_table: string | null, ref_columns: string[] | null, del: string, upd: string, def: string }>`
    select con.conname as name, con.contype as type,
      array(select a.attname from unnest(con.conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.i)::text[] as columns,
      ref.relname as ref_table,
      array(select a.attname from unnest(con.confkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.i)::text[] as ref_columns,
      con.confdeltype as del, con.confupdtype as upd, pg_get_constraintdef(con.oid) as def
    from pg_constraint con left join pg_class ref on ref.oid = con.confrelid
    where con.conrelid = ${relation}`.execute(db)
  const indexes = await sql<{ name: string, unique: boolean, columns: string[] }>`
    select ic.relname as name, i.indisunique as unique,
      array(select a.attname from unnest(i.indkey::int2[]) with ordinality k(n, o) join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n order by k.o)::text[] as columns
    from pg_index i join pg_class ic on ic.oid = i.indexrelid
    where i.indrelid = ${relation} and not exists (select 1 from pg_constraint con where con.conindid = i.indexrelid and con.conrelid = i.indrelid)`.execute(db)
  const of = (type: string) => constraints.rows.filter((row) => row.type === type)
  const pk = of('p')[0]
  return {
    columns: Object.fromEntries(columns.rows.map((row) => [row.name, { type: row.type, nullable: !row.notnull, default: row.default, generated: row.identity !== '' }])),
    columnOrder: columns.rows.map((row) => row.name),
    primaryKey: { name: pk?.name ?? '', columns: pk?.columns ?? [] },
    uniques: byName(of('u').map((row) => ({ name: row.name, columns: row.columns }))),
    indexes: byName(indexes.rows.map((row) => ({ name: row.name, columns: row.columns, unique: row.unique }))),
    foreignKeys: byName(of('f').map((row) => ({
      name: row.name,
      columns: row.columns,
      referencedTable: row.ref_table ?? '',
      referencedColumns: row.ref_columns ?? [],
      onDelete: PG_ACTIONS[row.del] ?? row.del,
      onUpdate: PG_ACTIONS[row.upd] ?? row.upd
    }))),
    checks: byName(of('c').map((row) => ({ name: row.name, expression: row.def })))
  }
}

// ---------------------------------------------------------------- MySQL / MariaDB

async function readMysql (db: Db, table: string): Promise<CatalogTable> {
  const columns = await sql<{ name: string, type: string, nullable: string, default: string | null, extra: string }>`
    select column_name as name, column_type as type, is_nullable as nullable, column_default as ${sql.ref('default')}, extra
    from information_schema.columns where table_schema = database() and table_name = ${table}
    order by ordinal_position`.execute(db)
  const keys = await sql<{ name: string, type: string, column: string, ref_table: string | null, ref_column: string | null }>`
    select tc.constraint_name as name, tc.constraint_type as type, k.column_name as ${sql.ref('column')},
      k.referenced_table_name as ref_table, k.referenced_column_name as ref_column
    from information_schema.table_constraints tc
    join information_schema.key_column_usage k on k.constraint_schema = tc.constraint_schema
      and k.table_name = tc.table_name and k.constraint_name = tc.constraint_name
    where tc.table_schema = database() and tc.table_name = ${table}
    order by tc.constraint_name, k.ordinal_position`.execute(db)
  const rules = await sql<{ name: string, del: string, upd: string }>`
    select constraint_name as name, delete_rule as del, update_rule as upd
    from information_schema.referential_constraints where constraint_schema = database() and table_name = ${table}`.execute(db)
  const checks = await sql<{ name: string, expression: string }>`
    select constraint_name as name, check_clause as expression
    from information_schema.check_constraints where constraint_schema = database() and table_name = ${table}`.execute(db)
  const statistics = await sql<{ name: string, non_unique: number | string | bigint, column: string }>`
    select index_name as name, non_unique, column_name as ${sql.ref('column')}
    from information_schema.statistics where table_schema = database() and table_name = ${table}
    order by index_name, seq_in_index`.execute(db)

  const grouped = new Map<string, { type: string, columns: string[], refTable: string, refColumns: string[] }>()
  for (const row of keys.rows) {
    const entry = grouped.get(row.name) ?? { type: row.type, columns: [], refTable: row.ref_table ?? '', refColumns: [] }
    entry.columns.push(row.column)
    if (row.ref_column !== null) entry.refColumns.push(row.ref_column)
    grouped.set(row.name, entry)
  }
  const constraintsOf = (type: string) => [...grouped].filter(([, entry]) => entry.type === type)
  const pk = constraintsOf('PRIMARY KEY')[0]
  const foreignKeys = constraintsOf('FOREIGN KEY')
  const indexColumns = new Map<string, { unique: boolean, columns: string[] }>()
  for (const row of statistics.rows) {
    const entry = indexColumns.get(row.name) ?? { unique: Number(row.non_unique) === 0, columns: [] }
    entry.columns.push(row.column)
    indexColumns.set(row.name, entry)
  }
  return {
    columns: Object.fromEntries(columns.rows.map((row) => [row.name, {
      // MariaDB shows the display width of integers (int(11)), MySQL 8 does not.
      type: row.type.replace(/^(tinyint|smallint|int|bigint)\((\d+)\)/, (all, name: string, width: string) => name === 'tinyint' && width === '1' ? all : name),
      nullable: row.nullable === 'YES',
      // MariaDB writes the implicit default of a nullable column as the text NULL.
      default: row.default === 'NULL' ? null : row.default,
      generated: /auto_increment/i.test(row.extra)
    }])),
    columnOrder: columns.rows.map((row) => row.name),
    // MySQL names every primary key PRIMARY, whatever the DDL said.
    primaryKey: { name: pk?.[0] ?? '', columns: pk?.[1].columns ?? [] },
    uniques: byName(constraintsOf('UNIQUE').map(([name, entry]) => ({ name, columns: entry.columns }))),
    // Every key is an index in MySQL: keep only those made by CREATE INDEX. A foreign key
    // gets an index of the same name when no other index starts with its columns.
    indexes: byName([...indexColumns]
      .filter(([name]) => !grouped.has(name))
      .map(([name, entry]) => ({ name, columns: entry.columns, unique: entry.unique }))),
    foreignKeys: byName(foreignKeys.map(([name, entry]) => {
      const rule = rules.rows.find((row) => row.name === name)
      return {
        name,
        columns: entry.columns,
        referencedTable: entry.refTable,
        referencedColumns: entry.refColumns,
        onDelete: rule?.del ?? '',
        onUpdate: rule?.upd ?? ''
      }
    })),
    checks: byName(checks.rows.map((row) => ({ name: row.name, expression: row.expression })))
  }
}

// ---------------------------------------------------------------- SQLite

/**
 * SQLite keeps constraint names only in the CREATE TABLE text; the PRAGMAs give the
 * structure. Names are taken from the text and matched to the PRAGMA rows by columns.
 */
async function readSqlite (db: Db, table: string): Promise<CatalogTable> {
  const master = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db)
  const ddl = master.rows[0]?.sql ?? ''
  const columns = await sql<{ name: string, type: string, notnull: number, dflt_value: string | null, pk: number }>`select * from pragma_table_info(${table})`.execute(db)
  const indexList = await sql<{ name: string, unique: number, origin: string }>`select * from pragma_index_list(${table})`.execute(db)
  const fkList = await sql<{ id: number, seq: number, table: string, from: string, to: string, on_update: string, on_delete: string }>`select * from pragma_foreign_key_list(${table})`.execute(db)

  const named = parseSqliteConstraints(ddl)
  const nameFor = (kind: string, cols: readonly string[]): string =>
    named.find((entry) => entry.kind === kind && entry.columns.join(',') === cols.join(','))?.name ?? '(unnamed)'
  const indexInfo = async (name: string): Promise<string[]> => {
    const { rows } = await sql<{ name: string }>`select name from pragma_index_info(${name}) order by seqno`.execute(db)
    return rows.map((row) => row.name)
  }
  const uniques: CatalogKey[] = []
  const indexes: CatalogIndex[] = []
  for (const index of indexList.rows) {
    const cols = await indexInfo(index.name)
    if (index.origin === 'u') uniques.push({ name: nameFor('unique', cols), columns: cols })
    if (index.origin === 'c') indexes.push({ name: index.name, columns: cols, unique: index.unique === 1 })
  }
  const fks = new Map<number, CatalogForeignKey & { columns: string[], referencedColumns: string[] }>()
  for (const row of [...fkList.rows].sort((a, b) => a.id - b.id || a.seq - b.seq)) {
    const entry = fks.get(row.id) ?? { name: '', columns: [], referencedTable: row.table, referencedColumns: [], onDelete: row.on_delete, onUpdate: row.on_update }
    entry.columns.push(row.from)
    entry.referencedColumns.push(row.to)
    fks.set(row.id, entry)
  }
  const pkColumns = columns.rows.filter((row) => row.pk > 0).sort((a, b) => a.pk - b.pk).map((row) => row.name)
  const rowid = pkColumns.length === 1 && columns.rows.find((row) => row.name === pkColumns[0])?.type.toLowerCase() === 'integer'
  return {
    columns: Object.fromEntries(columns.rows.map((row) => [row.name, {
      // SQLite upper-cases the type names it knows (INTEGER, TEXT) and keeps the others as written.
      type: row.type.toLowerCase(),
      nullable: row.notnull === 0,
      default: row.dflt_value,
      generated: rowid && row.name === pkColumns[0]
    }])),
    columnOrder: columns.rows.map((row) => row.name),
    primaryKey: { name: nameFor('primary key', pkColumns), columns: pkColumns },
    uniques: byName(uniques),
    indexes: byName(indexes),
    foreignKeys: byName([...fks.values()].map((fk) => ({ ...fk, name: nameFor('foreign key', fk.columns) }))),
    checks: byName(named.filter((entry) => entry.kind === 'check').map((entry) => ({ name: entry.name, expression: entry.expression })))
  }
}

interface SqliteNamedConstraint {
  readonly name: string
  readonly kind: string
  readonly columns: string[]
  readonly expression: string
}

/** `constraint "name" <kind> (…)` clauses of a CREATE TABLE, with their column lists or CHECK expression. */
export function parseSqliteConstraints (ddl: string): SqliteNamedConstraint[] {
  const result: SqliteNamedConstraint[] = []
  const pattern = /constraint\s+"([^"]+)"\s+(primary key|unique|foreign key|check)\s*\(/gi
  for (let match = pattern.exec(ddl); match; match = pattern.exec(ddl)) {
    // The parenthesised part after the keyword, up to its matching ')'.
    let depth = 1
    let end = pattern.lastIndex
    while (end < ddl.length && depth > 0) {
      const char = ddl[end]
      if (char === '(') depth++
      if (char === ')') depth--
      end++
    }
    const inside = ddl.slice(pattern.lastIndex, end - 1)
    const kind = (match[2] as string).toLowerCase()
    result.push({
      name: match[1] as string,
      kind,
      columns: kind === 'check' ? [] : inside.split(',').map((part) => part.trim().replace(/^"|"$/g, '')),
      expression: kind === 'check' ? inside.trim() : ''
    })
  }
  return result
}
