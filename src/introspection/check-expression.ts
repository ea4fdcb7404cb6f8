import { quoteLiteral, tokenizeSql, type SqlToken, type TokenizeOptions } from './sql-tokens.ts'

interface Token {
  /** `keyword`: an SQL keyword or function name; `name`: an identifier, unquoted. Both lower-cased. */
  readonly kind: 'keyword' | 'name' | 'string' | 'number' | 'operator' | '(' | ')' | ',' | '[' | ']'
  readonly text: string
}

const KEYWORDS = new Set([
  'and', 'or', 'not', 'in', 'is', 'null', 'like', 'ilike', 'between', 'true', 'false', 'any', 'all', 'some',
  'exists', 'array', 'case', 'when', 'then', 'else', 'end', 'escape', 'collate', 'distinct', 'from', 'similar',
  'to', 'interval', 'current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp'
])
// Words that may follow `::` as part of a type name (`character varying`, `timestamp without time zone`).
const TYPE_WORDS = new Set(['varying', 'precision', 'with', 'without', 'time', 'zone'])
// Keywords that act as operators: a parenthesis after them groups, it does not call.
const OPERATOR_KEYWORDS = new Set(['and', 'or', 'not', 'is', 'like', 'ilike', 'between', 'when', 'then', 'else', 'case', 'escape'])
const COMPARISONS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=', '~', '~~', '!~~', 'like', 'ilike', 'is', 'in', 'between'])
const ADDITIVE = new Set(['+', '-', '||'])
const MULTIPLICATIVE = new Set(['*', '/', '%'])
const ATOM = 10

/**
 * The canonical text of a CHECK expression, so that what a model declares and what a
 * database echoes back compare as equal strings. Databases rewrite CHECKs when storing
 * them (PostgreSQL: `((year >= 1888))`, casts, `= ANY (ARRAY[…])` for IN; MariaDB:
 * backquotes, no spaces after commas), so both sides go through this one function:
 *
 * - identifier quotes are dropped (`"mpa"`, `` `mpa` `` → `mpa`); identifiers, keywords
 *   and function names are lower-cased (MySQL and SQLite compare column names without
 *   case, PostgreSQL folds unquoted ones); whitespace becomes single spaces; strings use
 *   `'…''…'` and keep their case;
 * - `::type` casts are dropped (PostgreSQL adds them to columns and literals), and a
 *   quoted number is the number (PostgreSQL writes `'-1'::integer`);
 * - `x = ANY (ARRAY[a, b])` becomes `x in (a, b)` (`<> ALL` becomes `not in`); an IN
 *   list of literals is sorted (its order means nothing, so an enumeration compares by its
 *   set of values), and a list of one is `=` (`<>` for NOT IN);
 * - parentheses that precedence makes redundant are removed (`(a > 0) and (b > 0)` →
 *   `a > 0 and b > 0`); those around arithmetic are kept unless clearly redundant.
 *
 * Other rewrites (PostgreSQL's `BETWEEN` → two comparisons, `LIKE` → `~~`; MariaDB's
 * `lower` → `lcase`) are not undone here: autogenerate puts a model's CHECK that differs
 * as text through the database itself (`SchemaIntrospector.storedCheck`) and compares
 * what the server gives back.
 *
 * @example
 * ```ts
 * normalizeCheckExpression(`((mpa)::text = ANY ((ARRAY['G'::character varying, 'PG'])::text[]))`)
 * // "mpa in ('G', 'PG')"
 * normalizeCheckExpression('"mpa" in (\'PG\', \'G\')') // "mpa in ('G', 'PG')"
 * ```
 */
export function normalizeCheckExpression (text: string, options: TokenizeOptions = {}): string {
  let tokens = toTokens(text, options)
  tokens = anyArrayToIn(removeRedundantParentheses(tokens))
  return render(canonicalInLists(removeRedundantParentheses(tokens)))
}

function toTokens (text: string, options: TokenizeOptions): Token[] {
  const raw = tokenizeSql(text, options)
  const tokens: Token[] = []
  for (let i = 0; i < raw.length; i++) {
    const token = raw[i] as SqlToken
    const next = raw[i + 1]
    if (token.type === 'operator' && token.value === '::') {
      i = skipType(raw, i + 1) - 1
    } else if (token.type === 'word' && token.value.startsWith('_') && next?.type === 'string' && next.start === token.end) {
      // MySQL's character-set introducer (_utf8mb4'x') says nothing about the value.
    } else if (token.type === 'word') {
      const lower = token.value.toLowerCase()
      const keyword = KEYWORDS.has(lower) || (next?.type === 'punctuation' && next.value === '(')
      tokens.push({ kind: keyword ? 'keyword' : 'name', text: lower })
    } else if (token.type === 'quoted') {
      tokens.push({ kind: 'name', text: token.value.toLowerCase() })
    } else if (token.type === 'string') {
      tokens.push(/^-?[0-9]+(\.[0-9]+)?$/.test(token.value) ? { kind: 'number', text: canonicalNumber(token.value) } : { kind: 'string', text: token.value })
    } else if (token.type === 'number') {
      const previous = tokens.at(-1)
      if (previous?.kind === 'operator' && previous.text === '-' && isOperandStart(tokens.at(-2))) {
        tokens.pop()
        tokens.push({ kind: 'number', text: canonicalNumber(`-${token.value}`) })
      } else {
        tokens.push({ kind: 'number', text: canonicalNumber(token.value) })
      }
    } else if (token.type === 'punctuation') {
      tokens.push({ kind: token.value as Token['kind'], text: token.value })
    } else {
      tokens.push({ kind: 'operator', text: token.value })
    }
  }
  return tokens
}

/** Index after a type name following `::`: words, an optional `(n, m)` and any `[]`. */
function skipType (raw: readonly SqlToken[], start: number): number {
  let i = start
  if (raw[i]?.type === 'word' || raw[i]?.type === 'quoted') i++
  while (raw[i]?.type === 'word' && TYPE_WORDS.has(raw[i]?.value.toLowerCase() ?? '')) i++
  if (raw[i]?.value === '(' && raw[i]?.type === 'punctuation') {
    while (i < raw.length && !(raw[i]?.type === 'punctuation' && raw[i]?.value === ')')) i++
    i++
  }
  while (raw[i]?.value === '[' && raw[i + 1]?.value === ']') i += 2
  return i
}

/** `0.00` → `0`, `007` → `7`, `-0` → `0`: MariaDB pads decimals to their scale. */
function canonicalNumber (text: string): string {
  if (!/^-?[0-9]*\.?[0-9]*$/.test(text)) return text // exponents stay as written
  let number = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text
  number = number.replace(/^(-?)0+(?=[0-9])/, '$1').replace(/^(-?)\./, '$10.')
  return number === '-0' ? '0' : number
}

/** A minus here is a sign (not subtraction) when nothing that ends an operand precedes it. */
function isOperandStart (previous: Token | undefined): boolean {
  return previous === undefined || previous.kind === 'operator' || previous.kind === '(' || previous.kind === ',' ||
    (previous.kind === 'keyword' && OPERATOR_KEYWORDS.has(previous.text))
}

function matchingClose (tokens: readonly Token[], open: number): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    const kind = tokens[i]?.kind
    if (kind === '(' || kind === '[') depth++
    if (kind === ')' || kind === ']') depth--
    if (depth === 0) return i
  }
  return tokens.length - 1
}

/** Binding strength of an operator token next to a parenthesis; 0 for none. */
function strength (token: Token | undefined): number {
  if (token === undefined || token.kind === '(' || token.kind === ')' || token.kind === ',') return 0
  const text = token.text
  if (token.kind === 'keyword') {
    if (text === 'or') return 1
    if (text === 'and') return 2
    if (text === 'not') return 3
    if (COMPARISONS.has(text)) return 4
    if (['when', 'then', 'else', 'end', 'case'].includes(text)) return 0
  }
  if (token.kind === 'operator') {
    if (COMPARISONS.has(text)) return 4
    if (ADDITIVE.has(text)) return 5
    if (MULTIPLICATIVE.has(text)) return 6
  }
  return 9
}

/** The loosest operator at the top level of `tokens` (a parenthesised group's content); -1 for a list. */
function looseness (tokens: readonly Token[]): number {
  let level = ATOM
  let depth = 0
  let operands = 0
  let afterOperand = false
  for (const [i, token] of tokens.entries()) {
    if (token.kind === '(' || token.kind === '[') depth++
    if (token.kind === ')' || token.kind === ']') depth--
    if (depth > 0 || token.kind === ')' || token.kind === ']') continue
    if (token.kind === ',') return -1 // a row or list: the parentheses are part of it
    if (token.text === '.') { afterOperand = false; continue } // a qualified name
    const operator = token.kind === 'operator' || (token.kind === 'keyword' && (OPERATOR_KEYWORDS.has(token.text) || COMPARISONS.has(token.text)))
    if (operator) {
      const s = strength(token)
      level = Math.min(level, s === 9 ? 0 : s === 3 && i > 0 ? 4 : s) // `is not` / `not in` compare
      afterOperand = false
    } else {
      if (afterOperand) operands++
      afterOperand = true
    }
  }
  // Operands side by side (`interval '1 day'`, `x collate "C"`): unknown syntax, keep the parentheses.
  return level === ATOM && operands > 0 ? 0 : level
}

function removeRedundantParentheses (input: readonly Token[]): Token[] {
  let tokens = [...input]
  for (let changed = true; changed;) {
    changed = false
    for (let open = 0; open < tokens.length; open++) {
      if (tokens[open]?.kind !== '(') continue
      const before = tokens[open - 1]
      // After a name or a non-operator keyword the parenthesis calls a function or holds a list.
      if (before && (before.kind === 'name' || before.kind === ')' || before.kind === ']' ||
        (before.kind === 'keyword' && !OPERATOR_KEYWORDS.has(before.text)))) continue
      const close = matchingClose(tokens, open)
      const inner = looseness(tokens.slice(open + 1, close))
      if (inner < 0) continue
      const context = Math.max(strength(before), strength(tokens[close + 1]))
      if (context === 0 || inner > context || (inner === context && (inner === 1 || inner === 2))) {
        tokens = [...tokens.slice(0, open), ...tokens.slice(open + 1, close), ...tokens.slice(close + 1)]
        changed = true
        break
      }
    }
  }
  return tokens
}

/** PostgreSQL stores `x IN (a, b)` as `x = ANY (ARRAY[a, b])`, and NOT IN as `<> ALL (…)`. */
function anyArrayToIn (tokens: Token[]): Token[] {
  const result: Token[] = []
  for (let i = 0; i < tokens.length; i++) {
    const [operator, quantifier, open, array, bracket] = tokens.slice(i, i + 5)
    const negated = operator?.text === '<>' && quantifier?.text === 'all'
    if (((operator?.text === '=' && quantifier?.text === 'any') || negated) && open?.kind === '(' && array?.text === 'array' && bracket?.kind === '[') {
      const closeBracket = matchingClose(tokens, i + 4)
      if (tokens[closeBracket + 1]?.kind === ')') {
        if (negated) result.push({ kind: 'keyword', text: 'not' })
        result.push({ kind: 'keyword', text: 'in' }, { kind: '(', text: '(' }, ...tokens.slice(i + 5, closeBracket), { kind: ')', text: ')' })
        i = closeBracket + 1
        continue
      }
    }
    result.push(tokens[i] as Token)
  }
  return result
}

/**
 * `x in ('b', 'a')` → `x in ('a', 'b')` when the list holds literals only; a list of one
 * is a comparison (`x in ('a')` → `x = 'a'`, `x not in (1)` → `x <> 1`), as PostgreSQL
 * and MariaDB store it.
 */
function canonicalInLists (tokens: Token[]): Token[] {
  const result = [...tokens]
  for (let i = 0; i < result.length; i++) {
    if (result[i]?.text !== 'in' || result[i + 1]?.kind !== '(') continue
    const close = matchingClose(result, i + 1)
    const inside = result.slice(i + 2, close)
    const literals = inside.filter((_, index) => index % 2 === 0)
    const literalList = inside.length % 2 === 1 && literals.every((token) => token.kind === 'string' || token.kind === 'number') &&
      inside.every((token, index) => index % 2 === 0 || token.kind === ',')
    if (!literalList) continue
    if (literals.length === 1) {
      const negated = result[i - 1]?.text === 'not'
      result.splice(negated ? i - 1 : i, close - i + (negated ? 2 : 1), { kind: 'operator', text: negated ? '<>' : '=' }, literals[0] as Token)
      continue
    }
    const sorted = literals.sort((a, b) => renderToken(a) < renderToken(b) ? -1 : renderToken(a) > renderToken(b) ? 1 : 0)
    result.splice(i + 2, inside.length, ...sorted.flatMap((token, index) => index === 0 ? [token] : [{ kind: ',' as const, text: ',' }, token]))
  }
  return result
}

function renderToken (token: Token): string {
  return token.kind === 'string' ? quoteLiteral(token.text) : token.text
}

function render (tokens: readonly Token[]): string {
  let text = ''
  tokens.forEach((token, i) => {
    const previous = tokens[i - 1]
    const glued = previous === undefined || previous.kind === '(' || previous.kind === '[' ||
      token.kind === ')' || token.kind === ']' || token.kind === ',' || token.text === '.' || previous.text === '.' ||
      (token.kind === '[' && previous.text === 'array') ||
      (token.kind === '(' && (previous.kind === 'name' || (previous.kind === 'keyword' && !OPERATOR_KEYWORDS.has(previous.text) && previous.text !== 'in')))
    text += (glued ? '' : ' ') + renderToken(token)
  })
  return text
}
