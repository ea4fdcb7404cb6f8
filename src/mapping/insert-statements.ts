import { sql, type Kysely } from 'kysely'
import type { EmptyInsertForm } from '../dialect/orm-dialect.ts'
import type { AnyDatabase } from '../model/infer.ts'
import type { InsertPlan } from './entity-mapper.ts'

/**
 * The SQL of the unit of work's `INSERT INTO t (…) VALUES (…), (…) RETURNING …`, kept per
 * table, column set and row count. For a batch, building and compiling Kysely's query tree
 * costs more CPU than the database spends on the insert; the text only depends on those
 * three things, so it is made once. Quoting comes from the dialect's own compiler, and
 * so does the placeholder style (`$1` on PostgreSQL, `?` elsewhere).
 *
 * @example
 * ```ts
 * const inserts = new InsertStatements(app.db.kysely)
 * inserts.sql('movie', mapper.insertPlan({ title: 'Alien', year: 1979 }), 2)
 * // insert into "movie" ("title", "year") values ($1, $2), ($3, $4) returning "id"
 * ```
 */
export class InsertStatements {
  readonly #builder: Kysely<AnyDatabase>
  readonly #numbered: boolean
  /** Per plan (plans live as long as their model's mapper), per row count. */
  readonly #cache = new WeakMap<InsertPlan, Map<number, string>>()
  readonly #heads = new Map<string, string>()

  constructor (builder: Kysely<AnyDatabase>) {
    this.#builder = builder
    this.#numbered = sql`${0}`.compile(builder).sql !== '?'
  }

  /** The statement for `rows` rows of a plan: its columns (in parameter order), returning its `returning` columns. */
  sql (table: string, plan: InsertPlan, rows: number): string {
    let byRows = this.#cache.get(plan)
    if (!byRows) this.#cache.set(plan, byRows = new Map())
    let text = byRows.get(rows)
    if (text === undefined) {
      text = this.#head(table, plan.names) + this.#tuples(plan.names.length, rows) + this.#returning(plan.returning)
      // Row counts vary (the last chunk of each flush): bound the cache like a statement cache.
      if (byRows.size >= 100) byRows.clear()
      byRows.set(rows, text)
    }
    return text
  }

  /**
   * An INSERT of `rows` rows that gives no column (every value from its default), in the
   * database's form: `default values` (one row), `(col) values (default), …` or `() values (), …`.
   * `column`: any column of the table (PostgreSQL's form names one).
   */
  defaultValuesSql (table: string, column: string, rows: number, returning: readonly string[], form: EmptyInsertForm): string {
    const head = sql`insert into ${sql.table(table)}`.compile(this.#builder).sql
    const tail = this.#returning(returning)
    if (form === 'defaultValues') {
      if (rows !== 1) throw new Error('INSERT … DEFAULT VALUES writes one row')
      return `${head} default values${tail}`
    }
    if (form === 'defaultKeyword') return `${head} (${sql.id(column).compile(this.#builder).sql}) values ${new Array<string>(rows).fill('(default)').join(', ')}${tail}`
    return `${head} () values ${new Array<string>(rows).fill('()').join(', ')}${tail}`
  }

  #returning (columns: readonly string[]): string {
    return columns.length === 0 ? '' : sql` returning ${sql.join(columns.map((column) => sql.id(column)))}`.compile(this.#builder).sql
  }

  /** `insert into "t" ("a", "b") values ` (or `… default values` when no column is given). */
  #head (table: string, columns: readonly string[]): string {
    const key = `${table}\u0000${columns.join('\u0000')}`
    let head = this.#heads.get(key)
    if (head === undefined) {
      head = sql`insert into ${sql.table(table)} (${sql.join(columns.map((column) => sql.id(column)))}) values `.compile(this.#builder).sql
      this.#heads.set(key, head)
    }
    return head
  }

  #tuples (width: number, rows: number): string {
    const tuples: string[] = []
    let next = 1
    for (let row = 0; row < rows; row++) {
      const placeholders: string[] = []
      for (let column = 0; column < width; column++) placeholders.push(this.#numbered ? `$${next++}` : '?')
      tuples.push(`(${placeholders.join(', ')})`)
    }
    return tuples.join(', ')
  }
}
