import { tokenizeSql, type SqlToken, type TokenizeOptions } from '../../introspection/sql-tokens.ts'

/** A constraint of a CREATE TABLE, table-level or written on a column. */
export interface SqliteConstraint {
  readonly kind: 'primary key' | 'unique' | 'foreign key' | 'check'
  /** The `CONSTRAINT name`, when the statement gives one. */
  readonly name: string | undefined
  /** Key columns; for a CHECK, empty. */
  readonly columns: readonly string[]
  /** A foreign key's referenced table (lower-cased names are not assumed). */
  readonly referencedTable?: string
  /** A CHECK's expression as written. */
  readonly expression?: string
}

/** How SQLite's SQL is tokenized: `[name]` quotes an identifier. */
export const SQLITE_SYNTAX: TokenizeOptions = { bracketQuotes: true }

const TABLE_CONSTRAINT_START = new Set(['constraint', 'primary', 'unique', 'check', 'foreign'])

/**
 * The constraints of a CREATE TABLE statement as sqlite_master keeps it. SQLite's PRAGMAs
 * describe keys and foreign keys but drop their names and say nothing of CHECKs, so the
 * names and CHECK expressions are recovered from the statement itself.
 *
 * @example
 * ```ts
 * parseSqliteConstraints('create table t (a int check (a > 0), constraint "uq_t_a" unique ("a"))')
 * // [{ kind: 'check', name: undefined, columns: [], expression: 'a > 0' }, { kind: 'unique', name: 'uq_t_a', columns: ['a'] }]
 * ```
 */
export function parseSqliteConstraints (createTable: string): SqliteConstraint[] {
  const tokens = tokenizeSql(createTable, SQLITE_SYNTAX)
  const open = tokens.findIndex((token) => isPunctuation(token, '('))
  if (open === -1) return [] // CREATE TABLE … AS SELECT
  const constraints: SqliteConstraint[] = []
  for (const element of splitTopLevel(tokens, open + 1, closeOf(tokens, open))) {
    const first = element[0]
    if (first === undefined) continue
    if (first.type === 'word' && TABLE_CONSTRAINT_START.has(first.value.toLowerCase())) {
      constraints.push(...readConstraints(element, createTable, undefined))
    } else {
      constraints.push(...readConstraints(element.slice(1), createTable, first.value))
    }
  }
  return constraints
}

/** A generated column's expression as written in the CREATE TABLE, and its storage. */
export interface SqliteGeneratedColumn {
  readonly expression: string
  readonly stored: boolean
}

/**
 * The generated columns of a CREATE TABLE statement, by lower-cased column name: PRAGMA
 * table_xinfo tells which columns are generated (hidden 2: VIRTUAL, 3: STORED) but not
 * from what, so the expression is read from the statement (`[GENERATED ALWAYS] AS (…)`).
 *
 * @example
 * ```ts
 * parseSqliteGeneratedColumns('create table t (a int, b int generated always as (a * 2) stored)')
 * // Map { 'b' => { expression: 'a * 2', stored: true } }
 * ```
 */
export function parseSqliteGeneratedColumns (createTable: string): Map<string, SqliteGeneratedColumn> {
  const tokens = tokenizeSql(createTable, SQLITE_SYNTAX)
  const open = tokens.findIndex((token) => isPunctuation(token, '('))
  const generated = new Map<string, SqliteGeneratedColumn>()
  if (open === -1) return generated
  for (const element of splitTopLevel(tokens, open + 1, closeOf(tokens, open))) {
    const first = element[0]
    if (first === undefined || (first.type === 'word' && TABLE_CONSTRAINT_START.has(first.value.toLowerCase()))) continue
    for (let i = 1; i < element.length; i++) {
      const token = element[i] as SqlToken
      if (isPunctuation(token, '(')) {
        // A type's (length), a DEFAULT (…) or CHECK (…): skipped whole. AS is the only word before its own.
        const previous = element[i - 1]
        const end = closeOf(element, i)
        if (previous?.type === 'word' && previous.value.toLowerCase() === 'as') {
          const after = element[end + 1]
          generated.set(first.value.toLowerCase(), {
            expression: createTable.slice(token.end, element[end]?.start ?? createTable.length).trim(),
            stored: after?.type === 'word' && after.value.toLowerCase() === 'stored'
          })
        }
        i = end
      }
    }
  }
  return generated
}

/**
 * Reads the constraints in `tokens`: a table constraint (column undefined) or the
 * constraints written after a column's name and type.
 */
function readConstraints (tokens: SqlToken[], source: string, column: string | undefined): SqliteConstraint[] {
  const result: SqliteConstraint[] = []
  let name: string | undefined
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as SqlToken
    const word = token.type === 'word' ? token.value.toLowerCase() : ''
    const next = tokens[i + 1]
    const list = (at: number): { columns: string[], end: number } => {
      if (!isPunctuation(tokens[at], '(')) return { columns: column === undefined ? [] : [column], end: at - 1 }
      const end = closeOf(tokens, at)
      return { columns: splitTopLevel(tokens, at + 1, end).map((item) => item[0]?.value ?? ''), end }
    }
    if (word === 'constraint' && next) {
      name = next.value
      i++
    } else if (isPunctuation(token, '(')) {
      i = closeOf(tokens, i) // a DEFAULT (expression), a type's (length): nothing to read
    } else if (word === 'primary' || word === 'unique') {
      const at = word === 'primary' ? i + 2 : i + 1
      const { columns, end } = list(at)
      result.push({ kind: word === 'primary' ? 'primary key' : 'unique', name, columns })
      name = undefined
      i = end
    } else if (word === 'check' && next !== undefined && isPunctuation(next, '(')) {
      const end = closeOf(tokens, i + 1)
      result.push({ kind: 'check', name, columns: [], expression: source.slice(next.end, tokens[end]?.start ?? source.length).trim() })
      name = undefined
      i = end
    } else if (word === 'foreign' || word === 'references') {
      const { columns, end } = word === 'foreign' ? list(i + 2) : list(-1)
      const at = word === 'foreign' ? end + 2 : i + 1 // the token after REFERENCES
      result.push({ kind: 'foreign key', name, columns, referencedTable: tokens[at]?.value })
      name = undefined
      i = at
    }
  }
  return result
}

function isPunctuation (token: SqlToken | undefined, value: string): boolean {
  return token?.type === 'punctuation' && token.value === value
}

/** Index of the parenthesis closing the one at `open`. */
function closeOf (tokens: readonly SqlToken[], open: number): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    if (isPunctuation(tokens[i], '(')) depth++
    if (isPunctuation(tokens[i], ')') && --depth === 0) return i
  }
  return tokens.length
}

/** The comma-separated items between `start` and `end` (exclusive), commas in parentheses ignored. */
function splitTopLevel (tokens: readonly SqlToken[], start: number, end: number): SqlToken[][] {
  let item: SqlToken[] = []
  const items = [item]
  let depth = 0
  for (const token of tokens.slice(start, end)) {
    if (isPunctuation(token, '(')) depth++
    if (isPunctuation(token, ')')) depth--
    if (depth === 0 && isPunctuation(token, ',')) {
      item = []
      items.push(item)
    } else {
      item.push(token)
    }
  }
  return items.filter((item) => item.length > 0)
}
