import { sql, type Kysely } from 'kysely'
import type { ColumnConfig } from '../../model/column.ts'
import type { ColumnTypes } from '../orm-dialect.ts'
import { introspectPostgres, postgresIntrospectionLimits } from './postgres-introspector.ts'
import { columnsByTable } from '../catalog-columns.ts'

function sqlType (config: ColumnConfig): string {
  switch (config.kind) {
    case 'integer': return 'integer'
    case 'bigInteger': return 'bigint'
    case 'float': return 'double precision'
    case 'numeric': return `numeric(${config.precision}, ${config.scale})`
    case 'boolean': return 'boolean'
    case 'string':
    case 'enum': return `varchar(${config.length})`
    case 'text': return 'text'
    case 'dateTime': return config.withTimezone ? 'timestamptz' : 'timestamp'
    case 'date': return 'date'
    case 'json': return 'jsonb'
    case 'binary': return 'bytea'
    case 'uuid': return 'uuid'
    case 'array': return `${sqlType(config.element as ColumnConfig)}[]`
  }
}

/** PostgreSQL's native types: jsonb, bytea, uuid, timestamptz and real arrays. */
export const postgresColumnTypes: ColumnTypes = {
  sqlType,
  autoincrement: (column) => column.generatedByDefaultAsIdentity(),
  unsupported: () => [],
  introspect: introspectPostgres,
  introspectionLimits: postgresIntrospectionLimits,
  async tableNames (db: Kysely<unknown>): Promise<Set<string>> {
    const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
    return new Set(rows.map((row) => row.name))
  },
  async tableColumns (db: Kysely<unknown>): Promise<Map<string, Set<string>>> {
    const { rows } = await sql<{ table_name: string, column_name: string }>`select table_name as table_name, column_name as column_name from information_schema.columns where table_schema = current_schema()`.execute(db)
    return columnsByTable(rows)
  }
}
