import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { sessionOf } from '../session/request-sessions.ts'

interface BindingsLogger {
  setBindings (bindings: Record<string, unknown>): void
}

/**
 * Adds `db: { queries, ms }` to Fastify's `request completed` line of every request that
 * ran statements, when the app logs requests with pino. Fastify runs onResponse hooks
 * before it writes that line, with the request's own child logger, so a binding set here
 * (pino's `setBindings`) lands on it. A custom logger without `setBindings` gets no field.
 */
export function installRequestLogStats (app: FastifyInstance): void {
  // Without request logging there is no line to extend: no hook, which costs every request.
  if (typeof (app.log as Partial<BindingsLogger>).setBindings !== 'function' || app.initialConfig.disableRequestLogging === true) return
  app.addHook('onResponse', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const session = sessionOf(request)
    if (session !== null) {
      const { count, totalMs } = session.stats
      if (count > 0) (request.log as Partial<BindingsLogger>).setBindings?.({ db: { queries: count, ms: totalMs } })
    }
    done()
  })
}
