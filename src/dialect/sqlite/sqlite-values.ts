/**
 * Conversions between JS values and what SQLite stores, keyed by a column's declared type.
 * better-sqlite3 binds only numbers, strings, bigints, buffers and null.
 */

type Converter = (value: unknown) => unknown

/** A JS parameter as SQLite can bind it: booleans as 1/0, Dates as ISO text, objects and arrays as JSON. */
export function toSqliteParameter (value: unknown): unknown {
  switch (typeof value) {
    case 'boolean': return value ? 1 : 0
    case 'undefined': return null
    case 'object':
      if (value === null || Buffer.isBuffer(value) || value instanceof Uint8Array) return value
      if (value instanceof Date) return value.toISOString()
      return JSON.stringify(value)
    default: return value
  }
}

/** The parameters of one statement, converted only if one of them needs it. */
export function toSqliteParameters (parameters: readonly unknown[]): readonly unknown[] {
  for (let i = 0; i < parameters.length; i++) {
    const value = parameters[i]
    if (value !== null && (typeof value === 'object' || typeof value === 'boolean' || value === undefined)) {
      return parameters.map(toSqliteParameter)
    }
  }
  return parameters
}

// SQLite's CURRENT_TIMESTAMP is UTC written as "YYYY-MM-DD HH:MM:SS"; V8 would read it as local time.
const SQL_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/

const toBoolean: Converter = (value) => typeof value === 'number' || typeof value === 'bigint' ? value !== 0 && value !== 0n : value
const toDate: Converter = (value) => {
  if (typeof value === 'string') return new Date(SQL_TIMESTAMP.test(value) ? `${value.replace(' ', 'T')}Z` : value)
  if (typeof value === 'number') return new Date(value)
  return value
}
// Text that is not JSON (written as a plain string, or by another tool) is returned as it
// is, rather than making every query that reads the row fail.
const toJson: Converter = (value) => {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}
const toBigInt: Converter = (value) => typeof value === 'number' ? BigInt(value) : value
const toNumber: Converter = (value) => typeof value === 'bigint' ? Number(value) : value

function toDecimal (scale: number): Converter {
  return (value) => typeof value === 'number' || typeof value === 'bigint' ? Number(value).toFixed(scale) : value
}

/**
 * The converter for a result column from its declared type (`null` for expressions), or
 * undefined when the value is already right. With `safeIntegers` the statement returns
 * every integer as a bigint, so columns that are not `bigint` are turned back into numbers.
 */
export function converterFor (declaredType: string | null, safeIntegers: boolean): Converter | undefined {
  const type = declaredType?.toLowerCase() ?? ''
  if (type === 'bigint') return toBigInt
  const converter = type === 'boolean'
    ? toBoolean
    : type === 'datetime' || type === 'timestamp'
      ? toDate
      : type === 'json'
        ? toJson
        : type.startsWith('numeric(') || type.startsWith('decimal(')
          ? toDecimal(Number(/,\s*(\d+)\)/.exec(type)?.[1] ?? 0))
          : undefined
  if (!safeIntegers) return converter
  return converter ? (value) => converter(toNumber(value)) : toNumber
}
