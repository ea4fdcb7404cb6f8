import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteHandlerMethod } from 'fastify'
import type { Engine } from '../database/engine.ts'
import { modelGraph } from '../diagram/model-graph.ts'
import { renderSvg } from '../diagram/svg.ts'
import type { ModelRegistry, RegisteredTable } from '../model/registry.ts'
import { sessionOf } from '../session/request-sessions.ts'
import { renderDevPage } from './dev-page-html.ts'
import { migrationStatuses } from './dev-page-migrations.ts'
import { resolveDevPage, type DevPageOptions } from './dev-page-options.ts'
import { DevPageRequests, MAX_KEPT_STATEMENTS } from './dev-page-requests.ts'

/** What the dev page reads: the engines (the default first, then the binds'), the app's models (all binds), whether sessions record their statements. */
export interface DevPageSources {
  readonly engine: Engine
  /** Every database's engine, the default's first: each has its migrations. */
  readonly engines: readonly Engine[]
  readonly registry: ModelRegistry
  readonly recordQueries: boolean
}

// Nothing on the page is loaded from elsewhere, and it runs no script: a response that
// still managed to carry markup from a recorded URL or SQL text could do nothing.
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': 'default-src \'none\'; style-src \'unsafe-inline\'; img-src data:; base-uri \'none\'; form-action \'none\'; frame-ancestors \'none\'',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store'
}

/**
 * The `devPage` option: serves a page under `prefix` (default `/_db`) with the model
 * diagram, the migration status and the last requests that used the database with their
 * statements and warnings. Nothing is installed when the option is off, nor in production
 * unless forced, where one warning says how to force it.
 */
export function installDevPage (app: FastifyInstance, option: boolean | DevPageOptions | undefined, sources: DevPageSources, log: FastifyBaseLogger): void {
  const decision = resolveDevPage(option, process.env.NODE_ENV)
  if (!decision.serve) {
    if (decision.reason === 'production') {
      log.warn('fastify-orm: the dev page is not served because NODE_ENV is production (it shows SQL, request URLs and the database address). To serve it anyway, behind your own access control, set devPage: { force: true }.')
    }
    return
  }
  const { prefix, requests: capacity } = decision.page
  const requests = new DevPageRequests(capacity)
  // The models do not change while the app runs: drawn once, at the first view.
  let models: { tables: RegisteredTable[], diagram: string | undefined } | undefined
  const drawModels = (): { tables: RegisteredTable[], diagram: string | undefined } => {
    const tables = sources.registry.binds.flatMap((bind) => sources.registry.tablesOf(bind))
    return { tables, diagram: tables.length === 0 ? undefined : renderSvg(modelGraph(sources.registry)) }
  }

  const page: RouteHandlerMethod = async (_request, reply) => {
    models ??= drawModels()
    const html = renderDevPage({
      prefix,
      dialect: sources.engine.dialect,
      database: sources.engine.redactedUrl,
      tables: models.tables,
      diagram: models.diagram,
      migrations: await migrationStatuses(sources.engines),
      requests: requests.list(),
      recordQueries: sources.recordQueries,
      capacity,
      total: requests.total,
      generatedAt: new Date()
    })
    return reply.headers(HEADERS).send(html)
  }
  const json: RouteHandlerMethod = async (_request, reply) => {
    return reply.header('cache-control', 'no-store').send({ capacity, total: requests.total, requests: requests.list() })
  }
  const own = new Set<RouteHandlerMethod>([page, json])
  app.get(prefix, page)
  app.get(`${prefix}/requests.json`, json)

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    // sessionOf never creates a session: requests that did not use request.db cost this lookup.
    const session = sessionOf(request)
    if (session !== null && !own.has(request.routeOptions.handler)) {
      requests.add({
        at: new Date().toISOString(),
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        durationMs: reply.elapsedTime,
        stats: { count: session.stats.count, totalMs: session.stats.totalMs },
        queries: session.queries.slice(0, MAX_KEPT_STATEMENTS),
        omittedQueries: Math.max(0, session.queries.length - MAX_KEPT_STATEMENTS),
        warnings: [...session.warnings]
      })
    }
    done()
  })
}
