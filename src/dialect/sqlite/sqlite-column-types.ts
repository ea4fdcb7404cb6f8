import type { ColumnConfig } from '../../model/column.ts'
import type { ColumnTypes } from '../orm-dialect.ts'

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
  unsupported: () => []
}
