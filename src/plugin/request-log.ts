import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { sessionOf } from '../session/request-sessions.ts'

/**
 * Adds `db: { queries, ms }` to Fastify's `request completed` line of every request that
 * ran statements. Fastify runs onResponse hooks before it writes that line, with the
 * request's own child logger, so a binding set here lands on it (pino's `setBindings`; a
 * custom logger without it gets no field).
 */
export function installRequestLogStats (app: FastifyInstance): void {
  app.addHook('onResponse', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const session = sessionOf(request)
    if (session !== null) {
      const { count, totalMs } = session.stats
      if (count > 0) (request.log as { setBindings?: (bindings: Record<string, unknown>) => void }).setBindings?.({ db: { queries: count, ms: totalMs } })
    }
    done()
  })
}
