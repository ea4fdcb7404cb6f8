import Fastify, { type FastifyInstance } from 'fastify'
import type { Target } from './databases.ts'

/** One HTTP request autocannon sends. */
export interface BenchRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  readonly path: string
  readonly body?: string
  readonly headers?: Record<string, string>
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
  /** A request every variant must answer with the same status and body (checked before measuring). */
  readonly probe: BenchRequest
}

/** The Fastify instance every variant starts from: no logger, nothing else registered. */
export function benchFastify (): FastifyInstance {
  return Fastify({ logger: false })
}
