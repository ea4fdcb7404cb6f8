import type { ModelColumn } from '../model/column.ts'

/**
 * Turns a value as a driver returned it into the JS type the model's column declares. The
 * drivers convert by the database's own column type (SQLite by the declared type, pg and
 * mysql2 by the wire type), so a model mapped onto a table made elsewhere — a `dateTime()`
 * on a TEXT column, a `boolean()` on an INTEGER — would otherwise hand out strings and
 * numbers where its type says Date and boolean. Each reader returns values already of the
 * right type unchanged (the common case, one `typeof`); null never reaches it. JSON
 * documents are the exception: see {@link readerOf}.
 */
export type ColumnReader = (value: unknown) => unknown

// "YYYY-MM-DD HH:MM:SS[.fff]" (SQLite's CURRENT_TIMESTAMP, MySQL's text) is UTC; V8 would read it as local time.
const SQL_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/
const INTEGER_TEXT = /^-?\d+$/
const DATE_PREFIX = /^\d{4}-\d{2}-\d{2}(?:$|[ T])/

const toDate: ColumnReader = (value) => {
  if (typeof value === 'string') return new Date(SQL_TIMESTAMP.test(value) ? `${value.replace(' ', 'T')}Z` : value)
  if (typeof value === 'number') return new Date(value)
  if (typeof value === 'bigint') return new Date(Number(value))
  return value
}

const toBoolean: ColumnReader = (value) => {
  switch (typeof value) {
    case 'number': return value !== 0
    case 'bigint': return value !== 0n
    case 'string': {
      const text = value.toLowerCase()
      if (text === '1' || text === 'true' || text === 't') return true
      if (text === '0' || text === 'false' || text === 'f') return false
      return value
    }
    default: return value
  }
}

const toBigInt: ColumnReader = (value) => {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value)
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) return BigInt(value)
  return value
}

const toInteger: ColumnReader = (value) => {
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) return Number(value)
  return value
}

const toFloat: ColumnReader = (value) => {
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value)
  return value
}

function toDecimal (scale: number): ColumnReader {
  return (value) => typeof value === 'number' || typeof value === 'bigint' ? Number(value).toFixed(scale) : value
}

const toDateOnly: ColumnReader = (value) => {
  if (value instanceof Date) return value.toISOString().slice(0, 10)
  if (typeof value === 'string' && value.length > 10 && DATE_PREFIX.test(value)) return value.slice(0, 10)
  return value
}

const toBuffer: ColumnReader = (value) => value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value) : value

/** The reader of a column's kind; undefined for kinds every driver returns as strings already. */
export function readerOf (column: ModelColumn): ColumnReader | undefined {
  switch (column.config.kind) {
    case 'dateTime': return toDate
    case 'boolean': return toBoolean
    case 'bigInteger': return toBigInt
    case 'integer': return toInteger
    case 'float': return toFloat
    case 'numeric': return toDecimal(column.config.scale ?? 0)
    case 'date': return toDateOnly
    // None for json and array: a string read from a JSON column is a JSON string value, which
    // no reader can tell from a document left as text in a TEXT column ('[1]' is either).
    case 'binary': return toBuffer
    default: return undefined
  }
}
