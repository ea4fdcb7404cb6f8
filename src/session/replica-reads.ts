import type { CompiledQuery, QueryResult } from 'kysely'
import { ReplicaSet, type Replica } from '../engine/replica-set.ts'
import { rowCount, type StatementObserver } from '../engine/statement-observer.ts'

/**
 * A session's choice between the primary and the read replicas: a SELECT goes to a
 * replica until the session's first write (or transaction, or `primary()`), and from then
 * on everything goes to the primary, so a request reads its own writes. A read whose
 * replica cannot be reached is run on the primary instead, and the replica leaves the
 * rotation.
 */
export class ReplicaReads {
  readonly #set: ReplicaSet
  readonly #observer: StatementObserver | undefined
  #primaryOnly = false

  constructor (set: ReplicaSet, observer: StatementObserver | undefined) {
    this.#set = set
    this.#observer = observer
  }

  /** True once the session writes, opens a transaction or asks for the primary. */
  get primaryOnly (): boolean {
    return this.#primaryOnly
  }

  stickToPrimary (): void {
    this.#primaryOnly = true
  }

  /** Runs `query` on a replica when it may, else through `onPrimary`. */
  execute (query: CompiledQuery, onPrimary: () => Promise<QueryResult<unknown>>): Promise<QueryResult<unknown>> {
    if (this.#primaryOnly) return onPrimary()
    // Raw SQL may write: only what the query builder made a SELECT is a read for sure.
    if (query.query.kind !== 'SelectQueryNode') {
      this.#primaryOnly = true
      return onPrimary()
    }
    const replica = this.#set.pick()
    if (replica === undefined) return onPrimary()
    const read = this.#observer === undefined ? replica.execute(query) : this.#observedRead(replica, query, this.#observer)
    return read.catch((error: unknown) => {
      if (!ReplicaSet.unreachable(error)) throw error
      this.#set.markDown(replica, error)
      return onPrimary()
    })
  }

  async #observedRead (replica: Replica, query: CompiledQuery, observer: StatementObserver): Promise<QueryResult<unknown>> {
    const start = performance.now()
    let result: QueryResult<unknown>
    try {
      result = await replica.execute(query)
    } catch (error) {
      observer.statementDone(query, start, undefined, true, replica.server)
      throw error
    }
    observer.statementDone(query, start, rowCount(result), false, replica.server)
    return result
  }
}
