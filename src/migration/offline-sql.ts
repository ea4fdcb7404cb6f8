import { Kysely, type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type QueryResult } from 'kysely'
import type { DialectName } from '../config/parse-database-url.ts'

/**
 * A Kysely whose driver never connects: every statement is compiled by the database's own
 * compiler and written down, with its parameters inlined as SQL literals, for
 * `upgrade --sql` / `downgrade --sql`. Queries return no rows.
 *
 * @example
 * ```ts
 * const recorder = new SqlRecorder(dialect.kyselyDialect, 'postgres')
 * await recorder.db.schema.createTable('movie').addColumn('id', 'integer').execute()
 * recorder.statements // ['create table "movie" ("id" integer)']
 * ```
 */
export class SqlRecorder {
  readonly statements: string[] = []
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- revisions see every table
  readonly db: Kysely<any>

  constructor (dialect: Dialect, name: DialectName) {
    const record = (query: CompiledQuery): void => { this.statements.push(inlineParameters(query.sql, query.parameters, name)) }
    const connection: DatabaseConnection = {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => { record(query); return { rows: [] } },
      // eslint-disable-next-line require-yield -- a stream that ends at once: nothing is read offline
      streamQuery: async function * () { throw new Error('Streaming is not available when only printing SQL (--sql).') }
    }
    const statement = (text: string) => async (): Promise<void> => { this.statements.push(text) }
    const driver: Driver = {
      init: async () => {},
      acquireConnection: async () => connection,
      beginTransaction: statement('begin'),
      commitTransaction: statement('commit'),
      rollbackTransaction: statement('rollback'),
      releaseConnection: async () => {},
      destroy: async () => {}
    }
    this.db = new Kysely({
      dialect: {
        createAdapter: () => dialect.createAdapter(),
        createDriver: () => driver,
        createIntrospector: (db) => dialect.createIntrospector(db),
        createQueryCompiler: () => dialect.createQueryCompiler()
      }
    })
  }

  /** The statements as a script: each ends with `;`, one per line or block. */
  script (): string {
    return this.statements.map((text) => `${text.trim()};`).join('\n\n') + (this.statements.length > 0 ? '\n' : '')
  }
}

/**
 * Replaces the placeholders of a compiled statement (`$1` on PostgreSQL, `?` elsewhere)
 * with SQL literals, skipping quoted strings and identifiers.
 *
 * @example
 * ```ts
 * inlineParameters('insert into "t" values ($1, $2)', ["it's", 2], 'postgres') // "insert into \"t\" values ('it''s', 2)"
 * ```
 */
export function inlineParameters (text: string, parameters: readonly unknown[], dialect: DialectName): string {
  if (parameters.length === 0) return text
  let result = ''
  let quote: string | undefined
  let next = 0
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    if (quote !== undefined) {
      result += char
      if (char === quote) quote = undefined
      continue
    }
    if (char === '\'' || char === '"' || char === '`') {
      quote = char
      result += char
    } else if (dialect === 'postgres' && char === '$' && /\d/.test(text[i + 1] ?? '')) {
      const digits = /^\d+/.exec(text.slice(i + 1))?.[0] as string
      result += sqlLiteral(parameters[Number(digits) - 1], dialect)
      i += digits.length
    } else if (dialect !== 'postgres' && char === '?') {
      result += sqlLiteral(parameters[next++], dialect)
    } else {
      result += char
    }
  }
  return result
}

/** A value as a SQL literal of `dialect`. */
export function sqlLiteral (value: unknown, dialect: DialectName): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (typeof value === 'boolean') return dialect === 'postgres' ? String(value) : value ? '1' : '0'
  if (value instanceof Date) return quoteString(value.toISOString(), dialect)
  if (Buffer.isBuffer(value)) return dialect === 'postgres' ? `'\\x${value.toString('hex')}'::bytea` : `X'${value.toString('hex')}'`
  if (typeof value === 'object') return quoteString(JSON.stringify(value), dialect)
  return quoteString(String(value), dialect)
}

function quoteString (text: string, dialect: DialectName): string {
  // MySQL reads a backslash as an escape inside string literals; the others do not.
  const escaped = dialect === 'mysql' ? text.replace(/\\/g, '\\\\') : text
  return `'${escaped.replace(/'/g, '\'\'')}'`
}
