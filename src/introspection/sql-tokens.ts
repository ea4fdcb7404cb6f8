/** One lexical token of an SQL fragment. */
export interface SqlToken {
  /** `word`: keyword or bare identifier; `quoted`: `"name"` or `` `name` ``; `string`: `'text'`. */
  readonly type: 'word' | 'quoted' | 'string' | 'number' | 'operator' | 'punctuation'
  /** The identifier or string content without quotes (escapes undone); the text otherwise. */
  readonly value: string
  /** Offsets in the source, so that callers can cut the original text. */
  readonly start: number
  readonly end: number
}

/** Options of {@link tokenizeSql}. */
export interface TokenizeOptions {
  /** MySQL/MariaDB: a backslash escapes the next character inside a string literal. */
  readonly backslashEscapes?: boolean
  /** SQLite: `[name]` is a quoted identifier (elsewhere `[` is punctuation, as in `ARRAY[…]`). */
  readonly bracketQuotes?: boolean
}

const OPERATORS = ['->>', '::', '<>', '!=', '<=', '>=', '||', '->', '=', '<', '>', '+', '-', '*', '/', '%', '!', '~', '&', '|', '^', '.', ';', ':', '@', '?', '#']
const PUNCTUATION = new Set(['(', ')', ',', '[', ']'])

/**
 * Splits an SQL fragment (a CHECK expression, a default, a CREATE TABLE) into tokens,
 * understanding string literals, quoted identifiers and comments, which regular
 * expressions over the raw text cannot. Not a parser: grouping is left to the caller.
 *
 * @example
 * ```ts
 * tokenizeSql(`"year" >= 1888`).map((token) => token.value) // ['year', '>=', '1888']
 * ```
 */
export function tokenizeSql (text: string, options: TokenizeOptions = {}): SqlToken[] {
  const tokens: SqlToken[] = []
  let i = 0
  const push = (type: SqlToken['type'], value: string, start: number): void => { tokens.push({ type, value, start, end: i }) }
  while (i < text.length) {
    const char = text[i] as string
    const start = i
    if (/\s/.test(char)) {
      i++
    } else if (text.startsWith('--', i)) {
      while (i < text.length && text[i] !== '\n') i++
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2)
      i = close === -1 ? text.length : close + 2
    } else if (char === '[' && options.bracketQuotes === true) {
      const close = text.indexOf(']', i + 1)
      i = close === -1 ? text.length : close + 1
      push('quoted', text.slice(start + 1, close === -1 ? text.length : close), start)
    } else if (char === '\'' || char === '"' || char === '`') {
      const quoted = readQuoted(text, start, options.backslashEscapes === true && char === '\'')
      i = quoted.end
      push(char === '\'' ? 'string' : 'quoted', quoted.value, start)
    } else if (/[0-9]/.test(char) || (char === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      i = start + (/^[0-9]*\.?[0-9]*(?:e[+-]?[0-9]+)?/i.exec(text.slice(start)) as RegExpExecArray)[0].length
      push('number', text.slice(start, i), start)
    } else if (/[\p{L}_$]/u.test(char)) {
      i = start + (/^[\p{L}\p{N}_$]+/u.exec(text.slice(start)) as RegExpExecArray)[0].length
      push('word', text.slice(start, i), start)
    } else if (PUNCTUATION.has(char)) {
      i++
      push('punctuation', char, start)
    } else {
      const operator = OPERATORS.find((candidate) => text.startsWith(candidate, i)) ?? char
      i += operator.length
      push('operator', operator, start)
    }
  }
  return tokens
}

/** Reads the quoted token opening at `text[start]`; a doubled quote stands for one quote character. */
function readQuoted (text: string, start: number, backslash: boolean): { value: string, end: number } {
  const quote = text[start] as string
  let value = ''
  let i = start + 1
  for (; i < text.length; i++) {
    const char = text[i] as string
    if (backslash && char === '\\' && i + 1 < text.length) {
      value += unescapeBackslash(text[++i] as string)
    } else if (char === quote) {
      if (text[i + 1] !== quote) break
      value += quote
      i++
    } else {
      value += char
    }
  }
  return { value, end: i + 1 }
}

function unescapeBackslash (char: string): string {
  switch (char) {
    case 'n': return '\n'
    case 't': return '\t'
    case 'r': return '\r'
    case '0': return '\0'
    default: return char
  }
}

/**
 * An SQL string literal: single quotes, a quote inside doubled. The one spelling that
 * every supported database reads the same way.
 *
 * @example
 * ```ts
 * quoteLiteral("it's") // "'it''s'"
 * ```
 */
export function quoteLiteral (value: string): string {
  return `'${value.replace(/'/g, '\'\'')}'`
}
