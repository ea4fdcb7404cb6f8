import { sql, type Kysely } from 'kysely'
import type { ColumnConfig } from '../../model/column.ts'
import type { ColumnTypes } from '../orm-dialect.ts'
import { introspectSqlite, sqliteIntrospectionLimits } from './sqlite-introspector.ts'
import { columnsByTable } from '../catalog-columns.ts'

/**
 * Declared types are chosen for SQLite's type affinity and for reading values back: the
 * SQLite connection converts results by the declared type of their source column
 * (`boolean` → true/false, `datetime` → Date, `json` → parsed, `bigint` → bigint).
 */
function sqlType (config: ColumnConfig): string {
  switch (config.kind) {
    case 'integer': return 'integer'
    case 'bigInteger': return 'bigint'
    case 'float': return 'real'
    case 'numeric': return `numeric(${config.precision}, ${config.scale})`
    case 'boolean': return 'boolean'
    case 'string':
    case 'enum': return `varchar(${config.length})`
    case 'text': return 'text'
    case 'dateTime': return 'datetime'
    case 'date': return 'date'
    case 'json':
    case 'array': return 'json'
    case 'binary': return 'blob'
    case 'uuid': return 'uuid'
  }
}

/** SQLite: an `integer` primary key is the rowid, which generates values by itself. */
export const sqliteColumnTypes: ColumnTypes = {
  // Only a column declared exactly "integer" becomes the rowid, so a bigint key is declared integer.
  sqlType: (config, autoincrement) => autoincrement ? 'integer' : sqlType(config),
  autoincrement: (column) => column,
  unsupported: () => [],
  introspect: introspectSqlite,
  introspectionLimits: sqliteIntrospectionLimits,
  async tableNames (db: Kysely<unknown>): Promise<Set<string>> {
    const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)
    return new Set(rows.map((row) => row.name))
  },
  async tableColumns (db: Kysely<unknown>): Promise<Map<string, Set<string>>> {
    const { rows } = await sql<{ table_name: string, column_name: string }>`select m.name as table_name, p.name as column_name from sqlite_master m join pragma_table_info(m.name) p where m.type in ('table', 'view') and m.name not like 'sqlite_%'`.execute(db)
    return columnsByTable(rows)
  },
  // SQLite cannot drop a foreign key, and DROP TABLE deletes the rows first: in a cycle
  // that delete would violate the other table's key. Deferred, it is checked at COMMIT.
  async deferForeignKeyChecks (db: Kysely<unknown>): Promise<void> {
    await sql`pragma defer_foreign_keys = on`.execute(db)
  }
}
