import type { ColumnConfig } from '../model/column.ts'

/**
 * Why a value cannot be stored in (or compared with) a column, or undefined when it can.
 * `'write'` checks everything a column holds; `'compare'` (a filter or a key lookup) leaves
 * out the length limit, which a comparison does not have.
 */
export type ValueCheck = (value: unknown, use: 'write' | 'compare') => string | undefined

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const INTEGER_TEXT = /^[+-]?\d+$/
const DECIMAL_TEXT = /^[+-]?(\d*)(?:\.(\d*))?$/
const EXPONENT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)e[+-]?\d+$/i
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/
const UUID_TEXT = /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i
// The years every database stores in a date or timestamp (MySQL's DATETIME ends at 9999).
const LAST_YEAR = 9999

const NUL = 'contains a NUL character (\\u0000), which databases cannot store in text'
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
// UTF-8 cannot encode half of a surrogate pair: drivers would store U+FFFD instead.
const MALFORMED = 'contains a lone surrogate (\\ud800-\\udfff), which is not valid Unicode text'

/**
 * The check of one column's values, built once per column: what SQLite would store but
 * PostgreSQL or MySQL would refuse (a NUL byte in text, an integer out of range, a string
 * longer than the column, an invalid date) is refused the same way on every database, with
 * the column named, before any SQL is sent. Undefined for a column whose values need none.
 *
 * @example
 * ```ts
 * valueCheck({ kind: 'integer', nullable: false, primaryKey: false })?.(2 ** 31, 'write') // 'is out of range for a 32-bit integer'
 * ```
 */
export function valueCheck (config: ColumnConfig): ValueCheck | undefined {
  switch (config.kind) {
    case 'integer':
      return (value) => checkInteger(value, BigInt(INT32_MIN), BigInt(INT32_MAX), '32-bit')
    case 'bigInteger':
      return (value) => checkInteger(value, INT64_MIN, INT64_MAX, '64-bit')
    case 'float':
      return (value) => typeof value === 'number' && !Number.isFinite(value) ? 'is not a finite number' : undefined
    case 'numeric':
      return (value) => checkDecimal(value, config.precision ?? 12, config.scale ?? 2)
    case 'string':
    case 'enum':
    case 'text': {
      const length = config.kind === 'text' ? undefined : config.length
      return (value, use) => checkText(value, use === 'write' ? length : undefined)
    }
    case 'uuid':
      return (value) => typeof value === 'string' && !UUID_TEXT.test(value) ? 'is not a UUID' : undefined
    case 'date':
      return (value) => typeof value === 'string' ? checkDate(value) : undefined
    case 'dateTime':
      return checkDateTime
    case 'json':
      return (value) => textProblem(value)
    case 'array': {
      const element = config.element === undefined ? undefined : valueCheck(config.element)
      if (element === undefined) return undefined
      return (value, use) => {
        if (!Array.isArray(value)) return undefined
        for (const item of value) {
          const problem = item === null ? undefined : element(item, use)
          if (problem !== undefined) return `has an element that ${problem}`
        }
        return undefined
      }
    }
    default:
      return undefined
  }
}

function checkInteger (value: unknown, min: bigint, max: bigint, size: string): string | undefined {
  let integer: bigint
  if (typeof value === 'number') {
    // The common case, without a bigint: a safe integer inside a 32-bit range.
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return undefined
    if (!Number.isInteger(value)) return 'is not an integer'
    if (!Number.isSafeInteger(value)) return `is out of range for a ${size} integer`
    integer = BigInt(value)
  } else if (typeof value === 'bigint') {
    integer = value
  } else if (typeof value === 'string') {
    if (!INTEGER_TEXT.test(value)) return 'is not an integer'
    integer = BigInt(value)
  } else {
    return undefined
  }
  return integer < min || integer > max ? `is out of range for a ${size} integer` : undefined
}

function checkDecimal (value: unknown, precision: number, scale: number): string | undefined {
  const outOfRange = `is out of range for numeric(${precision}, ${scale})`
  if (typeof value === 'string' && EXPONENT_TEXT.test(value)) value = Number(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'is not a finite number'
    return Math.abs(value) >= 10 ** (precision - scale) ? outOfRange : undefined
  }
  if (typeof value !== 'string') return undefined
  const match = DECIMAL_TEXT.exec(value)
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) return 'is not a decimal number'
  return (match[1] as string).replace(/^0+/, '').length > precision - scale ? outOfRange : undefined
}

function checkText (value: unknown, length: number | undefined): string | undefined {
  if (typeof value !== 'string') return undefined
  if (value.includes('\u0000')) return NUL
  if (LONE_SURROGATE.test(value)) return MALFORMED
  // Databases count characters (code points); a string's length counts UTF-16 units, never fewer.
  if (length !== undefined && value.length > length && codePoints(value) > length) return `is longer than ${length} characters`
  return undefined
}

function codePoints (text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

function checkDate (text: string): string | undefined {
  const match = DATE_TEXT.exec(text)
  if (!match) return 'is not a date (YYYY-MM-DD)'
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  if (year < 1 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return 'is not a valid calendar date'
  return undefined
}

function checkDateTime (value: unknown): string | undefined {
  const date = typeof value === 'string' ? new Date(value) : value
  if (!(date instanceof Date)) return undefined
  const time = date.getTime()
  if (Number.isNaN(time)) return 'is not a valid date and time'
  const year = date.getUTCFullYear()
  return year < 1 || year > LAST_YEAR ? `is outside the years 1 to ${LAST_YEAR}` : undefined
}

/** The first problem of a string anywhere in a JSON document (keys included). */
function textProblem (value: unknown): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? NUL : LONE_SURROGATE.test(value) ? MALFORMED : undefined
  if (typeof value !== 'object' || value === null || value instanceof Date || Buffer.isBuffer(value)) return undefined
  for (const key in value) {
    const problem = textProblem(key) ?? textProblem((value as Record<string, unknown>)[key])
    if (problem !== undefined) return problem
  }
  return undefined
}
