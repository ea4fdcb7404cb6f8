import { sql } from 'kysely'
import type { ColumnConfig } from '../../model/column.ts'
import type { RegisteredTable } from '../../model/registry.ts'
import type { ColumnTypes } from '../orm-dialect.ts'
import { mysqlSqlLiterals } from './mysql-sql-literals.ts'

function sqlType (config: ColumnConfig): string {
  switch (config.kind) {
    case 'integer': return 'int'
    case 'bigInteger': return 'bigint'
    case 'float': return 'double'
    case 'numeric': return `decimal(${config.precision}, ${config.scale})`
    case 'boolean': return 'tinyint(1)'
    case 'string':
    case 'enum': return `varchar(${config.length})`
    case 'text': return 'longtext' // text holds only 64 KB
    case 'dateTime': return 'datetime(3)' // milliseconds, as a JS Date holds
    case 'date': return 'date'
    case 'json':
    case 'array': return 'json'
    case 'binary': return 'longblob'
    case 'uuid': return 'char(36)'
  }
}

// MySQL can only index or constrain these types with a prefix length, which models do not declare.
const UNINDEXABLE = new Set(['text', 'json', 'array', 'binary'])

const CURRENT_TIMESTAMP = /^\s*(current_timestamp|now)\s*(\(\s*\))?\s*$/i

/** MySQL/MariaDB: tinyint(1) booleans, datetime(3), JSON for arrays, char(36) UUIDs. */
export const mysqlColumnTypes: ColumnTypes = {
  sqlType,
  autoincrement: (column) => column.autoIncrement(),
  comment: (column, text) => column.modifyEnd(sql.raw(`comment ${mysqlSqlLiterals.literal(text)}`)),
  unsupported (table: RegisteredTable): string[] {
    const kinds = new Map(table.columns.map((column) => [column.name, column.config.kind]))
    const keyed = [table.primaryKey, ...table.uniques, ...table.indexes, ...table.foreignKeys]
    const problems = new Set<string>()
    for (const key of keyed) {
      for (const column of key.columns) {
        const kind = kinds.get(column)
        if (kind && UNINDEXABLE.has(kind)) {
          problems.add(`column "${column}" is a ${kind} column in a key, unique constraint or index, which MySQL cannot index; use c.string(length) instead`)
        }
      }
    }
    for (const column of table.columns) {
      const value = column.config.serverDefault
      if (value !== undefined && typeof value !== 'object' && UNINDEXABLE.has(column.config.kind)) {
        problems.add(`column "${column.name}" is a ${column.config.kind} column with a literal server default, which MySQL does not allow; use a client default (.default()) instead`)
      }
    }
    return [...problems]
  },
  // MySQL rejects CURRENT_TIMESTAMP as the default of a datetime(3): the precisions must match.
  serverDefaultSql: (config, expression) =>
    config.kind === 'dateTime' && CURRENT_TIMESTAMP.test(expression) ? 'CURRENT_TIMESTAMP(3)' : expression
}
