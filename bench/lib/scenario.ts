import Fastify, { type FastifyInstance } from 'fastify'
import type { DialectName, Target } from './databases.ts'

/** One HTTP request autocannon sends. */
export interface BenchRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  readonly path: string
  readonly body?: string
  readonly headers?: Record<string, string>
}

/** A target for the orm variant: its req/s divided by `baseline`'s at least `min` (on `dialect`, or on both). */
export interface RatioTarget {
  readonly baseline: 'kysely' | 'raw'
  readonly min: number
  readonly dialect?: DialectName
  /** Where the target comes from, e.g. "issue 4". */
  readonly source: string
}

/**
 * A benchmark: one workload implemented several ways ("variants"), each served by its
 * own Fastify app. Variants named `kysely` and `raw` are the baselines the report divides by.
 */
export interface Scenario {
  readonly name: string
  readonly description: string
  /** In report order. */
  readonly variants: readonly string[]
  /** Creates and fills this scenario's tables (runs once per database, before any server). */
  seed (target: Target): Promise<void>
  /** The app serving `variant`; runs in the server process. Closing the app frees its pools. */
  createApp (variant: string, target: Target): Promise<FastifyInstance>
  /** The next request to send; called by autocannon for every request. */
  nextRequest (): BenchRequest
  /**
   * Requests every variant must answer with the same status and body, sent in this order to
   * each fresh server before its warm-up (a mismatch stops the run): the proof that the
   * variants do the same work. Include the not-found / out-of-range cases.
   */
  readonly probes: readonly BenchRequest[]
  /** The targets the report checks the orm variant against (none: the ratios are printed without a verdict). */
  readonly targets?: readonly RatioTarget[]
}

/** The Fastify instance every variant starts from: no logger, nothing else registered. */
export function benchFastify (): FastifyInstance {
  return Fastify({ logger: false })
}
