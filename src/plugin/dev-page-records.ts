// TEMPORARY: the per-request query records' API, until it is merged; removed by the merge.
import type { FastifyRequest } from 'fastify'

export interface QueryRecord { sql: string, params: number, durationMs: number, rows: number | undefined, database: string, failed: boolean }
export type QueryWarning =
  | { kind: 'n+1', model: string, relationship: string, count: number, message: string }
  | { kind: 'slow', sql: string, durationMs: number, message: string }
export interface RecordingSession {
  readonly queries: readonly QueryRecord[]
  readonly stats: { count: number, totalMs: number }
  readonly warnings: readonly QueryWarning[]
}
export function sessionOf (_request: FastifyRequest): RecordingSession | null { return null }
