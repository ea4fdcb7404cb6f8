import diagnostics from 'node:diagnostics_channel'
import { AliasNode, DeleteQueryNode, InsertQueryNode, SelectQueryNode, TableNode, UpdateQueryNode } from 'kysely'
import type { CompiledQuery, OperationNode, QueryResult } from 'kysely'
import type { ParsedDatabaseUrl } from '../config/parse-database-url.ts'

/** The `diagnostics_channel` tracing channel of every statement fastify-orm sends. */
export const QUERY_CHANNEL = 'fastify-orm:query'
/** The `diagnostics_channel` tracing channel of transactions: BEGIN, COMMIT, ROLLBACK and savepoints. */
export const TRANSACTION_CHANNEL = 'fastify-orm:transaction'

/** The database system, as OpenTelemetry's `db.system.name` spells it. */
export type TracedSystem = 'postgresql' | 'mysql' | 'sqlite'

/** Where statements go: the part of every message that names the database. */
export interface TracedDatabase {
  readonly dialect: TracedSystem
  /** The database's name (for SQLite, the file's name, or `:memory:`); undefined when the URL names none. */
  readonly database: string | undefined
  /** `host:port` (no user, no password); for SQLite the file's path, or `:memory:`. */
  readonly server: string
}

/** What tracing knows of a database beyond the messages: for OpenTelemetry's attributes. */
export interface TracingTarget extends TracedDatabase {
  readonly host: string | undefined
  readonly port: number | undefined
  /** Whether OpenTelemetry spans are made for this database's statements (the `tracing` option). */
  readonly spans: boolean
}

/**
 * The message of one statement on {@link QUERY_CHANNEL}. The SQL has placeholders only:
 * parameter values and result rows are never part of a message.
 */
export interface QueryMessage extends TracedDatabase {
  /** The SQL as sent, with placeholders (`$1`, `?`). */
  readonly sql: string
  readonly parameterCount: number
  /** `SELECT`, `INSERT`, `UPDATE`, `DELETE`, or the first keyword of other SQL (`BEGIN`, `CREATE`, …). */
  readonly operation: string | undefined
  /** The one table a SELECT, INSERT, UPDATE or DELETE built with the query builder works on; else undefined. */
  readonly table: string | undefined
  /** Rows the statement returned (for a stream, all its chunks'), set when it succeeds. */
  rows?: number
  /** Rows an INSERT, UPDATE or DELETE changed, when the driver reports it. */
  affectedRows?: number
  /** What the caller gets: an `OrmError`, set when the statement fails. */
  error?: unknown
}

/** What a transaction message does. */
export type TransactionAction = 'begin' | 'commit' | 'rollback' | 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint'

/** The message of one transaction command on {@link TRANSACTION_CHANNEL}. */
export interface TransactionMessage extends TracedDatabase {
  readonly action: TransactionAction
  /** The savepoint's name, for the three savepoint actions. */
  readonly savepoint?: string
  error?: unknown
}

/** The target of a message, for the OpenTelemetry subscriber (a symbol: not part of what is published). */
export const TARGET: unique symbol = Symbol('fastify-orm tracing target')

/** A message as it is built: with its {@link TARGET}. */
export type Traced<M> = M & { readonly [TARGET]: TracingTarget }

export const queryChannel = diagnostics.tracingChannel<unknown, Traced<QueryMessage>>(QUERY_CHANNEL)
export const transactionChannel = diagnostics.tracingChannel<unknown, Traced<TransactionMessage>>(TRANSACTION_CHANNEL)

const DEFAULT_PORTS = { postgres: 5432, mysql: 3306 } as const

/** The target of a database URL: its system, name and server, never its user or password. */
export function tracingTarget (url: ParsedDatabaseUrl, spans: boolean): TracingTarget {
  if (url.dialect === 'sqlite') {
    const database = url.filename === ':memory:' ? ':memory:' : url.filename.slice(Math.max(url.filename.lastIndexOf('/'), url.filename.lastIndexOf('\\')) + 1)
    return Object.freeze({ dialect: 'sqlite', database, server: url.filename, host: undefined, port: undefined, spans })
  }
  const port = url.port ?? DEFAULT_PORTS[url.dialect]
  const host = url.host.includes(':') ? `[${url.host}]` : url.host
  return Object.freeze({
    dialect: url.dialect === 'postgres' ? 'postgresql' : 'mysql',
    // PostgreSQL connects to the database named after the user when the URL names none.
    database: url.database ?? (url.dialect === 'postgres' ? url.user : undefined),
    server: `${host}:${port}`,
    host: url.host,
    port,
    spans
  })
}

/**
 * Publishes a database's statements and transaction commands on the tracing channels.
 * Callers check `queryChannel.hasSubscribers` (or `transactionChannel`'s) first, so that
 * nothing is built when nobody listens.
 */
export class StatementTracing {
  readonly target: TracingTarget

  constructor (target: TracingTarget) {
    this.target = target
  }

  /** Runs a statement that returns a promise (which rejects with the caller's error). */
  tracePromise<R> (query: CompiledQuery, run: () => Promise<QueryResult<R>>): Promise<QueryResult<R>> {
    const message = this.#message(query)
    let result: QueryResult<R> | undefined
    // The traced promise resolves to nothing: the channel's `result` must not carry rows.
    return queryChannel.tracePromise(() => run().then((value) => {
      count(message, value)
      result = value
    }), message).then(() => result!)
  }

  /** Runs a statement synchronously (SQLite's immediate path). */
  traceSync<R> (query: CompiledQuery, run: () => QueryResult<R>): QueryResult<R> {
    const message = this.#message(query)
    let result: QueryResult<R> | undefined
    queryChannel.traceSync(() => {
      result = run()
      count(message, result)
    }, message)
    return result!
  }

  /** Passes a stream's chunks through; the trace ends when the stream does (or fails, or is left). */
  async * traceStream<R> (query: CompiledQuery, stream: AsyncIterable<QueryResult<R>>): AsyncIterableIterator<QueryResult<R>> {
    const message = this.#message(query)
    let settle: (error?: unknown) => void = () => undefined
    const ended = new Promise<void>((resolve, reject) => {
      settle = (error) => { if (error === undefined) resolve(); else reject(error) }
    })
    // The caller gets the stream's error from the stream; this promise's copy is only published.
    queryChannel.tracePromise(() => ended, message).catch(() => undefined)
    let rows = 0
    let failed = false
    try {
      for await (const chunk of stream) {
        rows += chunk.rows.length
        yield chunk
      }
    } catch (error) {
      failed = true
      settle(error)
      throw error
    } finally {
      // Also when the consumer stops early: the rows it took.
      if (!failed) {
        message.rows = rows
        settle()
      }
    }
  }

  /** Runs a transaction command (which sends its statements through the connection, traced as well). */
  traceTransaction (action: TransactionAction, savepoint: string | undefined, run: () => Promise<void>): Promise<void> {
    const { dialect, database, server } = this.target
    const message: Traced<TransactionMessage> = savepoint === undefined
      ? { action, dialect, database, server, [TARGET]: this.target }
      : { action, savepoint, dialect, database, server, [TARGET]: this.target }
    return transactionChannel.tracePromise(run, message)
  }

  #message (query: CompiledQuery): Traced<QueryMessage> {
    const { dialect, database, server } = this.target
    return {
      sql: query.sql,
      parameterCount: query.parameters.length,
      operation: operationOf(query),
      table: tableOf(query),
      dialect,
      database,
      server,
      [TARGET]: this.target
    }
  }
}

function count (message: QueryMessage, result: QueryResult<unknown>): void {
  message.rows = result.rows.length
  if (result.numAffectedRows !== undefined) message.affectedRows = Number(result.numAffectedRows)
}

const OPERATIONS: Readonly<Record<string, string>> = {
  SelectQueryNode: 'SELECT', InsertQueryNode: 'INSERT', UpdateQueryNode: 'UPDATE', DeleteQueryNode: 'DELETE', MergeQueryNode: 'MERGE'
}

function operationOf (query: CompiledQuery): string | undefined {
  const known = OPERATIONS[query.query.kind]
  if (known !== undefined) return known
  // Raw SQL and DDL: the first keyword, after any comments.
  const keyword = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/|\()*([A-Za-z]+)/.exec(query.sql)?.[1]
  return keyword?.toUpperCase()
}

function tableOf (query: CompiledQuery): string | undefined {
  const node = query.query
  if (SelectQueryNode.is(node)) return node.from?.froms.length === 1 ? tableName(node.from.froms[0]) : undefined
  if (InsertQueryNode.is(node)) return tableName(node.into)
  if (UpdateQueryNode.is(node)) return tableName(node.table)
  if (DeleteQueryNode.is(node)) return node.from.froms.length === 1 ? tableName(node.from.froms[0]) : undefined
  // The unit of work's writes are SQL text: their table is the name after the keyword.
  const match = RAW_WRITE.exec(query.sql)
  return match === null ? undefined : (match[1] ?? match[2] ?? match[3])
}

/** `insert into t`, `update t`, `delete from t` (a schema before the table allowed): the table, unquoted. */
const RAW_WRITE = /^\s*(?:insert\s+into|update|delete\s+from)\s+(?:(?:"[^"]+"|`[^`]+`|\w+)\.)?(?:"([^"]+)"|`([^`]+)`|(\w+))/i

function tableName (node: OperationNode | undefined): string | undefined {
  const table = node !== undefined && AliasNode.is(node) ? node.node : node
  return table !== undefined && TableNode.is(table) ? table.table.identifier.name : undefined
}
