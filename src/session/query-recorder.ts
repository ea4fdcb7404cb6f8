import type { CompiledQuery } from 'kysely'
import type { ObservationConfig } from '../config/resolve-config.ts'
import { echoStatement, roundMs, type EchoLogger } from '../engine/query-echo.ts'
import type { StatementObserver } from '../engine/statement-observer.ts'
import { NPlusOneError } from '../errors.ts'

/** One statement a session ran: `request.db.queries`. Parameter values are never kept. */
export interface QueryRecord {
  /** The SQL with placeholders. */
  readonly sql: string
  /** How many parameters it had. */
  readonly params: number
  readonly durationMs: number
  /** Rows returned, or changed by a write without RETURNING; undefined when it failed. */
  readonly rows: number | undefined
  /** The server that answered, as a URL without its password. */
  readonly database: string
  readonly failed: boolean
}

/** `request.db.stats`: how many statements the session ran and their total time. */
export interface QueryStats {
  readonly count: number
  readonly totalMs: number
}

/** What a session noticed about its statements: `request.db.warnings`. */
export type QueryWarning =
  | { readonly kind: 'n+1', readonly model: string, readonly relationship: string, readonly count: number, readonly message: string }
  | { readonly kind: 'slow', readonly sql: string, readonly durationMs: number, readonly message: string }

/** The logger a session reports to: `request.log` for `request.db`, else the app's. */
export interface SessionLogger extends EchoLogger {
  warn (details: Record<string, unknown>, message: string): void
}

/** What a recorder is told about where it runs. */
export interface RecorderContext {
  readonly logger: SessionLogger
  /** The redacted URL of the database. */
  readonly server: string
  readonly echo: boolean
  /** The route of the request the session belongs to, for slow-query lines. */
  readonly route?: () => string | undefined
}

const NO_RECORDS: readonly QueryRecord[] = Object.freeze([])
/** Records kept per session: a script's long session must not hold every statement it ever ran. */
export const MAX_RECORDS = 1_000
const NO_WARNINGS: readonly QueryWarning[] = Object.freeze([])

/**
 * A session's view of its own statements: echo lines, query records and stats
 * (Flask-SQLAlchemy's `get_recorded_queries()`), slow-statement warnings, and N+1
 * detection (Django's nplusone, Rails' Bullet): a relationship loaded object by object
 * more than a threshold of times in one session gets one warning naming the batched load.
 */
export class QueryRecorder implements StatementObserver {
  readonly #config: ObservationConfig
  readonly #context: RecorderContext
  #records: QueryRecord[] | undefined
  #count = 0
  #totalMs = 0
  #warnings: QueryWarning[] | undefined
  /** One-by-one loads per `Model.relationship`. */
  #loads: Map<string, number> | undefined

  constructor (config: ObservationConfig, context: RecorderContext) {
    this.#config = config
    this.#context = context
  }

  /** Whether any statement needs watching: else sessions run without an observer. */
  static watchesStatements (config: ObservationConfig, echo: boolean): boolean {
    return echo || config.recordQueries || config.slowQueryMs !== undefined
  }

  /** The first {@link MAX_RECORDS} statements; `stats` counts them all. */
  get queries (): readonly QueryRecord[] {
    return this.#records ?? NO_RECORDS
  }

  get stats (): QueryStats {
    return { count: this.#count, totalMs: roundMs(this.#totalMs) }
  }

  get warnings (): readonly QueryWarning[] {
    return this.#warnings ?? NO_WARNINGS
  }

  statementDone (query: CompiledQuery, start: number, rows: number | undefined, failed: boolean, replica?: string): void {
    const { logger } = this.#context
    const server = replica ?? this.#context.server
    if (this.#context.echo) echoStatement(logger, server, query, start, rows, failed)
    const elapsed = performance.now() - start
    const { recordQueries, slowQueryMs } = this.#config
    if (recordQueries) {
      this.#count++
      this.#totalMs += elapsed
      const records = this.#records ??= []
      if (records.length < MAX_RECORDS) records.push({ sql: query.sql, params: query.parameters.length, durationMs: roundMs(elapsed), rows, database: server, failed })
    }
    if (slowQueryMs !== undefined && elapsed > slowQueryMs) {
      const durationMs = roundMs(elapsed)
      const route = this.#context.route?.()
      const message = `fastify-orm: slow statement (${durationMs} ms, over slowQueryMs ${slowQueryMs})`
      ;(this.#warnings ??= []).push({ kind: 'slow', sql: query.sql, durationMs, message })
      logger.warn({ sql: query.sql, params: query.parameters.length, durationMs, server, ...(route === undefined ? {} : { route }) }, message)
    }
  }

  /**
   * Counts one load of `relationship` for `objects` objects (a `load()` level or a
   * `related()` query). Loads of many objects at once are what the fix looks like and are
   * not counted. Past the threshold: one warning per relationship, or an {@link NPlusOneError}.
   */
  relationshipLoaded (model: string, relationship: string, objects: number): void {
    if (this.#config.nPlusOne === 'off' || objects > 1) return
    const key = `${model}.${relationship}`
    const count = ((this.#loads ??= new Map()).get(key) ?? 0) + 1
    this.#loads.set(key, count)
    const threshold = this.#config.nPlusOneThreshold
    if (count <= threshold) return
    const message = `N+1 queries: ${key} was loaded one ${model} at a time ${count} times in one session (more than ${threshold}); ` +
      `load it for all of them in one query: query(${model}).with('${relationship}') or db.load(list, '${relationship}')`
    if (this.#config.nPlusOne === 'error') throw new NPlusOneError(message, model, relationship)
    if (count !== threshold + 1) {
      // Already reported: keep the count current.
      const warning = this.#warnings?.find((entry) => entry.kind === 'n+1' && entry.model === model && entry.relationship === relationship)
      if (warning !== undefined) Object.assign(warning, { count, message })
      return
    }
    ;(this.#warnings ??= []).push({ kind: 'n+1', model, relationship, count, message })
    const route = this.#context.route?.()
    this.#context.logger.warn({ model, relationship, ...(route === undefined ? {} : { route }) }, message)
  }
}
