import type BetterSqlite3 from 'better-sqlite3'
import { CompiledQuery, SelectQueryNode, type DatabaseConnection, type QueryResult } from 'kysely'
import { wantsArrayRows } from '../array-rows.ts'
import { converterFor, toSqliteParameters } from './sqlite-values.ts'

interface CachedStatement {
  readonly statement: BetterSqlite3.Statement
  /** Per result column: how to convert its values; undefined when none needs it. */
  readonly converters: ReadonlyArray<((value: unknown) => unknown) | undefined> | undefined
  readonly columnNames: readonly string[]
  /** The statement is in better-sqlite3's raw mode (rows as arrays): a switch kept across runs. */
  arrays: boolean
}

const CACHE_SIZE = 1000
/** Kysely's default for `.stream()` without a chunk size. */
const DEFAULT_CHUNK_SIZE = 100
const DDL = /^\s*(create|alter|drop)\s/i

/**
 * The one connection to a better-sqlite3 database. Unlike Kysely's, it prepares each SQL
 * text once (a bounded statement cache: preparing costs more than running a small query)
 * and converts values by their column's declared type, so that booleans, dates, JSON and
 * big integers read back as the JS values they were written as.
 */
export class SqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database
  readonly #cache = new Map<string, CachedStatement>()
  /** Streams stepping through a statement now: while any is, a cached statement may be busy. */
  #streaming = 0

  constructor (db: BetterSqlite3.Database) {
    this.#db = db
  }

  executeQuery<R> (query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return Promise.resolve(this.executeSync<R>(query))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Runs a statement and returns its result; better-sqlite3 does all of it synchronously. */
  executeSync<R> (query: CompiledQuery): QueryResult<R> {
    const cached = this.#prepare(query.sql)
    const parameters = toSqliteParameters(query.parameters) as unknown[]
    const { statement } = cached
    if (statement.reader) {
      const arrays = wantsArrayRows(query)
      if (cached.arrays !== arrays) {
        statement.raw(arrays)
        cached.arrays = arrays
      }
      if (arrays) {
        const rows = statement.all(parameters) as unknown[][]
        if (cached.converters) convertArrays(rows, cached.converters)
        return { rows: rows as R[] }
      }
      const rows = statement.all(parameters) as Array<Record<string, unknown>>
      if (cached.converters) convertRows(rows, cached)
      return { rows: rows as R[] }
    }
    const { changes, lastInsertRowid } = statement.run(parameters)
    // DDL can change the columns (and so the conversions) of cached statements.
    if (DDL.test(query.sql)) this.#cache.clear()
    return {
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: []
    }
  }

  /**
   * Steps through the result with better-sqlite3's `iterate()`, `chunkSize` rows at a time:
   * only one chunk is held. Stopping early ends the iteration (and frees the statement).
   */
  async * streamQuery<R> (query: CompiledQuery, chunkSize = DEFAULT_CHUNK_SIZE): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('SQLite can only stream select queries')
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new Error(`chunkSize must be a positive integer (got ${String(chunkSize)})`)
    const cached = this.#prepare(query.sql)
    if (cached.arrays) {
      cached.statement.raw(false)
      cached.arrays = false
    }
    let rows: Array<Record<string, unknown>> = []
    this.#streaming++
    try {
      for (const row of cached.statement.iterate(toSqliteParameters(query.parameters) as unknown[])) {
        rows.push(row as Record<string, unknown>)
        if (rows.length < chunkSize) continue
        if (cached.converters) convertRows(rows, cached)
        yield { rows: rows as R[] }
        rows = []
      }
    } finally {
      this.#streaming--
    }
    if (rows.length === 0) return
    if (cached.converters) convertRows(rows, cached)
    yield { rows: rows as R[] }
  }

  #prepare (sql: string): CachedStatement {
    let cached = this.#cache.get(sql)
    // A statement that a stream is stepping through cannot run again until it ends: the
    // same text inside the loop (in a transaction) gets a statement of its own.
    if (cached) return this.#streaming > 0 && cached.statement.busy ? this.#compile(sql) : cached
    cached = this.#compile(sql)
    if (this.#cache.size >= CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string)
    this.#cache.set(sql, cached)
    return cached
  }

  #compile (sql: string): CachedStatement {
    const statement = this.#db.prepare(sql)
    let converters: CachedStatement['converters']
    let columnNames: string[] = []
    if (statement.reader) {
      const columns = statement.columns()
      // Only a declared bigint column needs every integer read as bigint.
      const safeIntegers = columns.some((column) => column.type?.toLowerCase() === 'bigint')
      if (safeIntegers) statement.safeIntegers(true)
      const list = columns.map((column) => converterFor(column.type, safeIntegers))
      converters = list.some(Boolean) ? list : undefined
      columnNames = columns.map((column) => column.name)
    }
    return { statement, converters, columnNames, arrays: false }
  }
}

function convertArrays (rows: unknown[][], converters: ReadonlyArray<((value: unknown) => unknown) | undefined>): void {
  for (const row of rows) {
    for (let i = 0; i < converters.length; i++) {
      const convert = converters[i]
      if (convert !== undefined && row[i] !== null) row[i] = convert(row[i])
    }
  }
}

function convertRows (rows: Array<Record<string, unknown>>, cached: CachedStatement): void {
  const converters = cached.converters as ReadonlyArray<((value: unknown) => unknown) | undefined>
  const names = cached.columnNames
  for (const row of rows) {
    for (let i = 0; i < converters.length; i++) {
      const convert = converters[i]
      const name = names[i] as string
      if (convert !== undefined && row[name] !== null) row[name] = convert(row[name])
    }
  }
}
