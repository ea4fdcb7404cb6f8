import type { ColumnConfig } from '../../model/column.ts'
import type { ColumnTypes } from '../orm-dialect.ts'

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
  // BY DEFAULT unless the model asks for ALWAYS: tables made before identity kinds existed stay as they are.
  autoincrement: (column, config) => config?.identity === 'always' ? column.generatedAlwaysAsIdentity() : column.generatedByDefaultAsIdentity(),
  unsupported: (table) => table.columns
    .filter((column) => column.config.generated?.stored === false)
    .map((column) => `column "${column.name}" is a VIRTUAL generated column, which PostgreSQL does not have: declare it .generatedAs(…) without { stored: false }`)
}
