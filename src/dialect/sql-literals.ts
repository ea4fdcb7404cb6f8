/**
 * How a database writes values inline. `upgrade --sql` prints each statement with its
 * bound parameters replaced by literals, so the script runs as it is. One file per
 * database: `<db>-sql-literals.ts`.
 */
export interface SqlLiterals {
  /** A value as an SQL literal, e.g. `'it''s'`, `true` or `1`, `X'00ff'`. */
  literal (value: unknown): string
  /**
   * The compiled statement `text` with its placeholders (`$1` or `?`, as this database's
   * compiler writes them) replaced by literals, skipping quoted strings and identifiers.
   */
  inlineParameters (text: string, parameters: readonly unknown[]): string
}

/** What differs between databases' literals. */
export interface LiteralStyle {
  /** Placeholders are numbered (`$1`, PostgreSQL) rather than `?` in order. */
  readonly numberedPlaceholders: boolean
  /** A boolean literal: `true`/`false`, or `1`/`0` where there is no boolean type. */
  readonly boolean: (value: boolean) => string
  /** Bytes given as hexadecimal digits. */
  readonly bytes: (hex: string) => string
  /** A backslash inside a string literal is an escape character (MySQL) and must be doubled. */
  readonly backslashEscapes: boolean
}

/**
 * The literals of a database written in `style`.
 *
 * @example
 * ```ts
 * const literals = sqlLiterals({ numberedPlaceholders: true, boolean: String, bytes: (hex) => `'\\x${hex}'::bytea`, backslashEscapes: false })
 * literals.inlineParameters('insert into "t" values ($1, $2)', ["it's", 2]) // "insert into \"t\" values ('it''s', 2)"
 * ```
 */
export function sqlLiterals (style: LiteralStyle): SqlLiterals {
  const quote = (text: string): string => {
    const escaped = style.backslashEscapes ? text.replace(/\\/g, '\\\\') : text
    return `'${escaped.replace(/'/g, '\'\'')}'`
  }
  const literal = (value: unknown): string => {
    if (value === null || value === undefined) return 'null'
    if (typeof value === 'number' || typeof value === 'bigint') return String(value)
    if (typeof value === 'boolean') return style.boolean(value)
    if (value instanceof Date) return quote(value.toISOString())
    if (Buffer.isBuffer(value)) return style.bytes(value.toString('hex'))
    if (typeof value === 'object') return quote(JSON.stringify(value))
    return quote(String(value))
  }
  const inlineParameters = (text: string, parameters: readonly unknown[]): string => {
    if (parameters.length === 0) return text
    let result = ''
    let quoteChar: string | undefined
    let next = 0
    for (let i = 0; i < text.length; i++) {
      const char = text[i] as string
      if (quoteChar !== undefined) {
        result += char
        if (char === quoteChar) quoteChar = undefined
        continue
      }
      if (char === '\'' || char === '"' || char === '`') {
        quoteChar = char
        result += char
      } else if (style.numberedPlaceholders && char === '$' && /\d/.test(text[i + 1] ?? '')) {
        const digits = /^\d+/.exec(text.slice(i + 1))?.[0] as string
        result += literal(parameters[Number(digits) - 1])
        i += digits.length
      } else if (!style.numberedPlaceholders && char === '?') {
        result += literal(parameters[next++])
      } else {
        result += char
      }
    }
    return result
  }
  return { literal, inlineParameters }
}
