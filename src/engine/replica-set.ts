import type { CompiledQuery, QueryResult } from 'kysely'
import type { ReplicaConfig, ResolvedDatabaseConfig } from '../config/resolve-config.ts'
import type { OrmDialect } from '../dialect/orm-dialect.ts'
import { ConnectionError, ConnectionLostError, PoolTimeoutError } from '../errors.ts'
import type { ManagedDriver } from './managed-driver.ts'

/** The logger replicas report their health changes to. */
export interface ReplicaLogger {
  info (details: Record<string, unknown>, message: string): void
  warn (details: Record<string, unknown>, message: string): void
}

/** A replica's pool, made the way the primary's is. */
export type OpenDriver = (config: ResolvedDatabaseConfig) => Promise<{ dialect: OrmDialect, driver: ManagedDriver }>

/** One read replica: its own pool, and whether reads may go to it now. */
export class Replica {
  /** Its URL without the password: what echo lines, records and errors name. */
  readonly server: string
  readonly driver: ManagedDriver
  readonly #dialect: OrmDialect
  /** In rotation: reachable and lagging less than the bound at the last check. */
  healthy = false
  /** Why it is out of rotation, for the log. */
  reason: string | undefined = 'not checked yet'

  constructor (server: string, dialect: OrmDialect, driver: ManagedDriver) {
    this.server = server
    this.#dialect = dialect
    this.driver = driver
  }

  /** Runs one read on this replica's pool. */
  async execute (query: CompiledQuery): Promise<QueryResult<unknown>> {
    const connection = await this.driver.acquireConnection()
    try {
      return await connection.executeQuery(query)
    } finally {
      await this.driver.releaseConnection(connection)
    }
  }

  /** The replay lag in ms (a check's query, on its own connection). */
  async lagMs (): Promise<number> {
    const connection = await this.driver.acquireConnection()
    try {
      return await this.#dialect.replicationLagMs!(connection)
    } finally {
      await this.driver.releaseConnection(connection)
    }
  }
}

/**
 * A database's read replicas (Drizzle's `withReplicas`, Prisma's read-replicas extension):
 * reads are spread round robin over the healthy ones. Health is a background check every
 * `checkIntervalMs` (never per query): a replica that cannot be reached, or whose replay
 * lags more than `maxLagMs`, leaves the rotation until a check finds it well again. A read
 * that fails to reach its replica takes it out at once; the session then reads from the
 * primary, so a replica going down fails no request.
 */
export class ReplicaSet {
  readonly replicas: readonly Replica[]
  readonly #config: ReplicaConfig
  readonly #logger: ReplicaLogger
  #next = 0
  readonly #checkTimeoutMs: number
  #timer: NodeJS.Timeout | undefined
  #checking: Promise<void> | undefined
  #closed = false

  private constructor (replicas: readonly Replica[], config: ReplicaConfig, logger: ReplicaLogger) {
    this.replicas = replicas
    this.#config = config
    this.#logger = logger
    this.#checkTimeoutMs = Math.max(1_000, Math.min(config.checkIntervalMs, config.maxLagMs))
  }

  /**
   * Opens a pool per replica and checks each once. A replica that is down does not stop
   * the app from starting: it stays out of rotation until a check reaches it.
   */
  static async connect (config: ReplicaConfig, openDriver: OpenDriver, logger: ReplicaLogger): Promise<ReplicaSet> {
    const replicas: Replica[] = []
    try {
      for (const server of config.servers) {
        const { dialect, driver } = await openDriver(server)
        replicas.push(new Replica(server.redactedUrl, dialect, driver))
      }
    } catch (error) {
      await Promise.allSettled(replicas.map((replica) => replica.driver.destroy()))
      throw error
    }
    const set = new ReplicaSet(replicas, config, logger)
    await set.check()
    set.#timer = setInterval(() => { void set.check() }, config.checkIntervalMs)
    // Health checks never keep the process alive.
    set.#timer.unref()
    return set
  }

  /** The next healthy replica, round robin; undefined when none is (read from the primary). */
  pick (): Replica | undefined {
    const { replicas } = this
    for (let tried = 0; tried < replicas.length; tried++) {
      const replica = replicas[this.#next++ % replicas.length]!
      if (replica.healthy) return replica
    }
    return undefined
  }

  /** Whether `error` means the replica could not answer (as opposed to a fault of the query). */
  static unreachable (error: unknown): boolean {
    return error instanceof ConnectionLostError || error instanceof ConnectionError || error instanceof PoolTimeoutError
  }

  /** Takes a replica out of rotation after a read could not reach it. */
  markDown (replica: Replica, error: unknown): void {
    this.#setHealth(replica, false, `a read failed: ${error instanceof Error ? error.message : String(error)}`)
  }

  /** Checks every replica now (once at a time); the timer calls this every `checkIntervalMs`. */
  check (): Promise<void> {
    this.#checking ??= Promise.all(this.replicas.map(async (replica) => {
      try {
        // A replica that accepts connections but does not answer must not freeze the checks.
        const lag = await withTimeout(replica.lagMs(), this.#checkTimeoutMs)
        if (lag > this.#config.maxLagMs) this.#setHealth(replica, false, `replay lag ${Math.round(lag)} ms is over replicaMaxLagMs ${this.#config.maxLagMs}`)
        else this.#setHealth(replica, true, undefined)
      } catch (error) {
        this.#setHealth(replica, false, `unreachable: ${error instanceof Error ? error.message : String(error)}`)
      }
    })).then(() => { this.#checking = undefined })
    return this.#checking
  }

  async close (): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    await this.#checking
    await Promise.all(this.replicas.map((replica) => replica.driver.destroy()))
  }

  #setHealth (replica: Replica, healthy: boolean, reason: string | undefined): void {
    if (this.#closed) return
    const changed = replica.healthy !== healthy || (replica.reason === 'not checked yet')
    replica.healthy = healthy
    replica.reason = reason
    if (!changed) return
    if (healthy) this.#logger.info({ replica: replica.server }, 'fastify-orm: read replica in rotation')
    else this.#logger.warn({ replica: replica.server, reason }, 'fastify-orm: read replica out of rotation; its reads go to the primary')
  }
}

/** `promise`, or a rejection once `ms` have passed without it settling. */
function withTimeout<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`no answer within ${ms} ms`)) }, ms)
    timer.unref()
  })
  return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer) })
}
