/** Texts that change tables: statements prepared before them may no longer match. */
const DDL = /^\s*(create|alter|drop|comment|truncate)\s/i

/**
 * Which SQL texts run as named (server-side prepared) statements, and under which names.
 * PostgreSQL then parses and plans such a text once per connection instead of at every
 * execution: for a primary-key read that is about a quarter of the round trip. pg keeps
 * the per-connection record of what it has prepared; this only picks the names.
 *
 * - Only texts with bound parameters: pg sends those through the extended protocol anyway
 *   (one statement per text), whereas a text without parameters may be a script of several
 *   statements, which cannot be prepared.
 * - A name is given on a text's second execution, so one-off statements (a seed script's
 *   IN lists, a migration's data fix) never occupy a connection's memory.
 * - At most `limit` names; later texts run unnamed.
 * - After DDL through this engine, and after the server refuses a prepared statement
 *   (`cached plan must not change result type` when a table's columns changed under a
 *   `select *`, or a statement deallocated by DISCARD), texts get fresh names, so every
 *   connection prepares them again.
 *
 * @example
 * ```ts
 * const names = new StatementNames(500)
 * names.nameFor('select * from "movie" where "id" = $1', 1) // undefined (first time)
 * names.nameFor('select * from "movie" where "id" = $1', 1) // 'fastify_orm_1'
 * ```
 */
export class StatementNames {
  readonly #limit: number
  readonly #names = new Map<string, string>()
  readonly #seenOnce = new Set<string>()
  #counter = 0

  constructor (limit: number) {
    this.#limit = limit
  }

  /** The name to run `sql` under, or undefined to run it unnamed (unprepared). */
  nameFor (sql: string, parameterCount: number): string | undefined {
    if (parameterCount === 0) {
      if (DDL.test(sql)) this.forgetAll()
      return undefined
    }
    const name = this.#names.get(sql)
    if (name !== undefined || this.#names.size >= this.#limit) return name
    if (!this.#seenOnce.has(sql)) {
      // Bounded too: a stream of distinct texts must not grow without end.
      if (this.#seenOnce.size >= 4 * this.#limit) this.#seenOnce.clear()
      this.#seenOnce.add(sql)
      return undefined
    }
    this.#seenOnce.delete(sql)
    const fresh = `fastify_orm_${++this.#counter}`
    this.#names.set(sql, fresh)
    return fresh
  }

  /** The server refused `sql`'s prepared statement: the next execution runs it unnamed, then under a new name. */
  forget (sql: string): void {
    this.#names.delete(sql)
  }

  /** After DDL: every text is prepared again under a new name on every connection. */
  forgetAll (): void {
    this.#names.clear()
  }

  /** Texts that have a name now (for tests and diagnostics). */
  get size (): number {
    return this.#names.size
  }
}

/**
 * True for the errors a stale prepared statement causes: its result columns changed
 * (0A000 from RevalidateCachedQuery) or it no longer exists on the server (26000).
 */
export function isStalePreparedStatement (error: unknown): boolean {
  const { code, message } = error as { code?: unknown, message?: unknown }
  return code === '26000' || (code === '0A000' && typeof message === 'string' && message.includes('cached plan must not change result type'))
}
