import { normalizeCheckExpression } from './check-expression.ts'
import type { TokenizeOptions } from './sql-tokens.ts'

/** Options of {@link normalizeServerDefault}. */
export interface ServerDefaultOptions extends TokenizeOptions {
  /** The column is a boolean: `1`/`0` (MySQL's tinyint(1), SQLite) mean `true`/`false`. */
  readonly boolean?: boolean
}

// The SQL-standard functions written without parentheses, which MariaDB echoes with them.
const NILADIC = /^(current_timestamp|current_date|current_time|localtimestamp|localtime)(\(\))?$/

/**
 * The canonical text of a server default, the same whether it comes from a model or a
 * database: `undefined` for none or `NULL`; strings as `'…'` (PostgreSQL's
 * `'abc'::character varying` → `'abc'`); numbers bare and without trailing zeros
 * (MariaDB's `0.00` → `0`, PostgreSQL's `'-1'::integer` → `-1`); booleans `true`/`false`;
 * `CURRENT_TIMESTAMP` for every spelling of it (`current_timestamp()`, `now()`); other
 * expressions in the canonical form of {@link normalizeCheckExpression}.
 *
 * @example
 * ```ts
 * normalizeServerDefault("'member'::character varying") // "'member'"
 * normalizeServerDefault('current_timestamp()') // 'CURRENT_TIMESTAMP'
 * normalizeServerDefault('1', { boolean: true }) // 'true'
 * ```
 */
export function normalizeServerDefault (text: string | null | undefined, options: ServerDefaultOptions = {}): string | undefined {
  if (text === null || text === undefined) return undefined
  const canonical = normalizeCheckExpression(text, options)
  if (canonical === '' || canonical === 'null') return undefined
  if (canonical === 'now()') return 'CURRENT_TIMESTAMP'
  const niladic = NILADIC.exec(canonical)
  if (niladic) return (niladic[1] as string).toUpperCase()
  if (/^(current_timestamp|localtimestamp|current_time|localtime)\(\d\)$/.test(canonical)) return canonical.toUpperCase()
  if (options.boolean === true) {
    if (canonical === '1' || canonical === '\'true\'') return 'true'
    if (canonical === '0' || canonical === '\'false\'') return 'false'
  }
  return canonical
}
