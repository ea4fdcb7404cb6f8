import type { CompiledQuery, ConnectionProvider, DatabaseConnection, QueryResult, TransactionSettings } from 'kysely'
import { ConnectionLostError, RequestAbortedError, SessionStateError } from '../errors.ts'
import type { ManagedDriver } from '../engine/managed-driver.ts'
import { PoolConnectionProvider } from '../engine/pool-connection-provider.ts'
import type { ReplicaSet } from '../engine/replica-set.ts'
import { observeStatements, rowCount, type StatementObserver } from '../engine/statement-observer.ts'
import { isReplicaRead, ReplicaReads } from './replica-reads.ts'

type TransactionState = 'none' | 'requested' | 'active'

/**
 * Internal: what a session's life is bound to (a request, for `request.db`). Once `ended()`
 * the session is closed. A session that holds nothing needs no cleanup, so only when it
 * opens a transaction or starts tracking objects does it ask, through `watch()`, to be
 * closed at the end: the transaction is rolled back and its connection returned then, and
 * changes never committed are reported.
 */
export interface SessionLifetime {
  ended: () => boolean
  /** Ended without a response: the client went away or the request timed out. */
  aborted: () => boolean
  /** `'transaction'`: one was opened and must be rolled back; `'objects'`: tracked objects may be left uncommitted. */
  watch: (reason: 'transaction' | 'objects') => void
  /** The route (URL pattern) of the request, for warnings. */
  route?: () => string | undefined
}

const CLOSED: Promise<void> = Promise.resolve()
// Shared defaults: a session that never opens a transaction allocates neither.
const NO_SETTINGS: TransactionSettings = Object.freeze({})
const NOTHING_TO_RELEASE = (): Promise<void> => CLOSED

/**
 * A ROLLBACK that fails because the connection is gone has nothing left to do: the server
 * ends a session's open transaction when its connection closes.
 */
function rolledBackByServer (error: unknown): void {
  if (!(error instanceof ConnectionLostError)) throw error
}

/**
 * A session's hold on the database. Outside a transaction every query borrows a pooled
 * connection and returns it at once. `begin()` only records the wish: the connection is
 * taken and BEGIN sent when the first query needs it, and the connection is kept until
 * COMMIT or ROLLBACK. So a request that never queries never touches the pool.
 */
export class SessionConnection implements ConnectionProvider {
  readonly #driver: ManagedDriver
  readonly #observer: StatementObserver | undefined
  readonly #pooled: PoolConnectionProvider
  readonly #lifetime: SessionLifetime | undefined
  /** Undefined when the database has no read replicas. */
  readonly #replicas: ReplicaReads | undefined
  #state: TransactionState = 'none'
  #settings: TransactionSettings = NO_SETTINGS
  #connection: DatabaseConnection | undefined
  #connecting: Promise<DatabaseConnection> | undefined
  #closing: Promise<void> | undefined

  /** `observer` hears of every statement (echo, query records); none, and nothing is timed. */
  constructor (driver: ManagedDriver, observer: StatementObserver | undefined, lifetime: SessionLifetime | undefined, replicas?: ReplicaSet) {
    this.#driver = driver
    this.#observer = observer
    this.#lifetime = lifetime
    this.#replicas = replicas === undefined ? undefined : new ReplicaReads(replicas, observer)
    // Unobserved sessions share the driver's provider: one object fewer per request.
    this.#pooled = observer ? new PoolConnectionProvider(driver, observer) : driver.pooled
  }

  get inTransaction (): boolean {
    return this.#state !== 'none'
  }

  get closed (): boolean {
    return this.#closing !== undefined || (this.#lifetime !== undefined && this.#lifetime.ended())
  }

  async provideConnection<T> (consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    this.assertOpen()
    if (this.#state === 'none' && this.#replicas?.primaryOnly === false) return this.#provideRouted(this.#replicas, consumer)
    if (this.#state === 'none') return this.#pooled.provideConnection(consumer)
    return consumer(await this.transactionConnection())
  }

  /** Runs one statement: in the open transaction, else on any free connection. */
  execute (query: CompiledQuery): Promise<QueryResult<unknown>> {
    let result: QueryResult<unknown> | undefined
    try {
      result = this.executeNow(query)
    } catch (error) {
      return Promise.reject(error)
    }
    if (result !== undefined) return Promise.resolve(result)
    if (this.#state === 'none' && this.#replicas !== undefined) return this.#replicas.execute(query, () => this.#onPrimary(query))
    if (this.#state === 'none') return this.#onPrimary(query)
    return this.transactionConnection().then((connection) => connection.executeQuery(query))
  }

  /**
   * Runs one statement synchronously when it can (SQLite, outside a transaction) and
   * returns its result; else undefined, and {@link execute} is the way. Throws when the
   * session is closed or the statement fails.
   */
  executeNow (query: CompiledQuery): QueryResult<unknown> | undefined {
    this.assertOpen()
    if (this.#state !== 'none') return undefined
    const observer = this.#observer
    if (observer === undefined) return this.#driver.executeNow(query)
    const start = performance.now()
    let result: QueryResult<unknown> | undefined
    try {
      result = this.#driver.executeNow(query)
    } catch (error) {
      observer.statementDone(query, start, undefined, true)
      throw error
    }
    if (result !== undefined) observer.statementDone(query, start, rowCount(result), false)
    return result
  }

  /** Sends every later statement to the primary (read-your-writes, or `session.primary()`). */
  usePrimary (): void {
    this.#replicas?.stickToPrimary()
  }

  #onPrimary (query: CompiledQuery): Promise<QueryResult<unknown>> {
    return this.#pooled.provideConnection((connection) => connection.executeQuery(query))
  }

  /**
   * What a session's Kysely gets outside a transaction while reads may go to a replica. A
   * SELECT is routed on its own; the first other statement (a write, the BEGIN of
   * `kysely.transaction()`, raw SQL) or a stream takes one primary connection, which every
   * later statement of this consumer uses — so a Kysely transaction or `connection()` keeps
   * its one connection — and which is returned when the consumer is done.
   */
  async #provideRouted<T> (replicas: ReplicaReads, consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    let raw: DatabaseConnection | undefined
    let pinned: Promise<DatabaseConnection> | undefined
    const pin = (): Promise<DatabaseConnection> => {
      this.usePrimary()
      pinned ??= this.#driver.acquireConnection().then((connection) => {
        raw = connection
        return this.#observer ? observeStatements(connection, this.#observer) : connection
      })
      return pinned
    }
    const routed: DatabaseConnection = {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        if (pinned === undefined && !replicas.primaryOnly && isReplicaRead(query)) return await this.execute(query) as QueryResult<R>
        return (await pin()).executeQuery<R>(query)
      },
      async * streamQuery<R> (query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
        yield * (await pin()).streamQuery<R>(query, chunkSize)
      }
    }
    try {
      return await consumer(routed)
    } finally {
      if (pinned !== undefined) await pinned.then(() => undefined, () => undefined)
      if (raw !== undefined) await this.#driver.releaseConnection(raw)
    }
  }

  begin (settings: TransactionSettings = NO_SETTINGS): void {
    this.assertOpen()
    if (this.#state !== 'none') {
      throw new SessionStateError('A transaction is already open on this session: commit() or rollback() it first, or use session.transaction(fn) to nest one (a savepoint).')
    }
    this.#state = 'requested'
    this.#settings = settings
    // What a transaction reads must be what it writes on: the primary, now and after it.
    this.usePrimary()
    this.#lifetime?.watch('transaction')
  }

  /** Asks to be closed when the request ends, to report objects left uncommitted (see {@link SessionLifetime}). */
  watchObjects (): void {
    this.#lifetime?.watch('objects')
  }

  /** The connection of the open transaction, sending BEGIN on first use. */
  transactionConnection (): Promise<DatabaseConnection> {
    if (this.#connection) return Promise.resolve(this.#connection)
    this.#connecting ??= this.#connectAndBegin()
    return this.#connecting
  }

  async commit (): Promise<void> {
    this.assertOpen()
    await this.#finish('commit')
  }

  async rollback (): Promise<void> {
    this.assertOpen()
    await this.#finish('rollback')
  }

  /** Rolls back whatever is open and refuses further use. Safe to call more than once. */
  close (): Promise<void> {
    this.#closing ??= this.#state === 'none' ? CLOSED : this.#finish('rollback')
    return this.#closing
  }

  /** Closes at once and returns true when nothing is open (no promise to wait for). */
  closeIfIdle (): boolean {
    if (this.#closing) return this.#closing === CLOSED
    if (this.#state !== 'none') return false
    this.#closing = CLOSED
    return true
  }

  async #connectAndBegin (): Promise<DatabaseConnection> {
    let raw: DatabaseConnection
    try {
      raw = await this.#driver.acquireConnection()
    } catch (error) {
      // Forget the failed attempt (e.g. a pool timeout) so that the next query tries again
      // instead of getting this error back from the cached promise.
      this.#connecting = undefined
      throw error
    }
    const connection = this.#observer ? observeStatements(raw, this.#observer) : raw
    let undoTimeout: (() => Promise<void>) | undefined
    try {
      await this.#driver.beginTransaction(connection, this.#settings)
      const timeoutMs = (this.#settings as { statementTimeoutMs?: number }).statementTimeoutMs
      if (timeoutMs !== undefined) undoTimeout = await this.#driver.transactionStatementTimeout(connection, timeoutMs)
    } catch (error) {
      this.#connecting = undefined
      await this.#driver.rollbackTransaction(connection).catch(() => undefined)
      await this.#driver.releaseConnection(raw)
      throw error
    }
    this.#connection = connection
    this.#driver.sessionTransactions.add(connection)
    this.#state = 'active'
    // A session-wide setting for the transaction (MySQL) is set back before the pool has it again.
    this.#release = undoTimeout === undefined
      ? () => this.#driver.releaseConnection(raw)
      // A connection that cannot take the SET back is broken, and the pool drops it at its next use.
      : () => undoTimeout().catch(() => undefined).then(() => this.#driver.releaseConnection(raw))
    return connection
  }

  #release: () => Promise<void> = NOTHING_TO_RELEASE

  async #finish (action: 'commit' | 'rollback'): Promise<void> {
    if (this.#state === 'none') return
    const connection = this.#connecting ? await this.#connecting.catch(() => undefined) : undefined
    const release = this.#release
    this.#state = 'none'
    this.#connection = undefined
    this.#connecting = undefined
    this.#release = NOTHING_TO_RELEASE
    if (!connection) return
    this.#driver.sessionTransactions.delete(connection)
    try {
      if (action === 'commit') {
        await this.#driver.commitTransaction(connection).catch(async (error: unknown) => {
          // A failed COMMIT leaves the transaction aborted (PostgreSQL) or open (SQLite):
          // roll back so the connection goes back to the pool clean.
          await this.#driver.rollbackTransaction(connection).catch(() => undefined)
          throw error
        })
      } else {
        await this.#driver.rollbackTransaction(connection).catch(rolledBackByServer)
      }
    } finally {
      await release()
    }
  }

  /** Throws when the session is closed: {@link RequestAbortedError} when its request was abandoned. */
  assertOpen (): void {
    if (!this.closed) return
    if (this.#lifetime?.aborted() === true) throw new RequestAbortedError()
    throw new SessionStateError('This session is closed (its request has ended or close() was called). Use request.db inside the request, or app.db.session() in scripts.')
  }

}
