import type { CompiledQuery, QueryResult } from 'kysely'
import { ReplicaSet, type Replica } from '../engine/replica-set.ts'
import { rowCount, type StatementObserver } from '../engine/statement-observer.ts'

/**
 * Whether a statement may run on a read-only standby: a SELECT built with the query builder
 * (raw SQL may write), without a locking clause (`FOR UPDATE`/`FOR SHARE`, which a standby
 * refuses) and without a WITH (a CTE may hold an INSERT/UPDATE/DELETE).
 */
export function isReplicaRead (query: CompiledQuery): boolean {
  const node = query.query
  return node.kind === 'SelectQueryNode' && node.endModifiers === undefined && node.with === undefined
}

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
    if (!isReplicaRead(query)) {
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
