// The apps the fault cases drive (not a test file itself: tap only runs *.test.ts): the
// real example app (example-app/app.ts), or fastify-orm registered directly with a small
// pool and the example's models, listening on a real port of 127.0.0.1 on a private
// server's database, with what its logger wrote and every reply it sent (whether or not
// the client was still there to read it) kept for the checks.
import type { AddressInfo } from 'node:net'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import fastifyOrm, { type AnyModel, type FastifyOrmOptions } from 'fastify-orm'
import { HOST, type AppDatabase } from '../helpers/private-servers.ts'

// example-app/ is type-checked by tsconfig.example.json: a static import here would pull
// its `Register` augmentation (typed models) into tsconfig.json's program, where other
// tests register other models. A computed specifier keeps tsc out; tsx loads it as usual.
const EXAMPLE_APP = new URL('../../example-app/app.ts', import.meta.url).href
const EXAMPLE_MODELS = new URL('../../example-app/models.ts', import.meta.url).href

/**
 * `app.close()` destroys every HTTP connection. A fetch aborted before it wrote its request
 * leaves a socket that never carries one, which Node does not count as idle: with
 * Fastify's default ('idle') the close would wait for the 72 s keep-alive timeout. Requests
 * still in a handler are not hidden by this: `settle` checks that every one was answered.
 */
const CLOSE_ALL_CONNECTIONS = true

type BuildApp = (options: FastifyServerOptions & { databaseUrl?: string }) => Promise<FastifyInstance>

/** example-app/app.ts's `buildApp` and `migrationsDir`. */
export async function exampleApp (): Promise<{ buildApp: BuildApp, migrationsDir: string }> {
  return await import(EXAMPLE_APP) as { buildApp: BuildApp, migrationsDir: string }
}

/** example-app/models.ts's models (for registering fastify-orm directly). */
export async function exampleModels (): Promise<NonNullable<FastifyOrmOptions['models']>> {
  return (await import(EXAMPLE_MODELS) as { models: NonNullable<FastifyOrmOptions['models']> }).models
}

/** What the app's logger wrote (level warn and above). */
export class LogCapture {
  readonly lines: string[] = []
  readonly stream = { write: (line: string): void => { this.lines.push(line) } }

  /** Distinct messages of the lines at level error and above, with how often each came. */
  errors (): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const line of this.lines) {
      const entry = JSON.parse(line) as { level?: number, msg?: string, err?: { type?: string, code?: string } }
      if ((entry.level ?? 0) < 50) continue
      const key = `${entry.msg ?? ''}${entry.err?.code ? ` [${entry.err.code}]` : ''}`.slice(0, 160)
      counts[key] = (counts[key] ?? 0) + 1
    }
    return counts
  }
}

/** A reply the server sent (seen in `onSend`), whether or not the client was still there to read it. */
export interface ServerReply {
  readonly method: string
  readonly route: string
  readonly statusCode: number
  readonly payload: string
  /** The title or username of the body, for writes. */
  readonly key: string | undefined
}

/** Every reply the app sent, and the requests whose handler ran but that were never answered. */
export class ServerLog {
  readonly replies: ServerReply[] = []
  readonly #pending = new Map<string, string>()

  constructor (app: FastifyInstance) {
    // preHandler: the body was parsed and the handler is about to run; from here on the
    // server owes a reply (which onSend sees even when the client has gone).
    app.addHook('preHandler', async (request) => {
      this.#pending.set(request.id, `${request.method} ${request.url}`)
    })
    app.addHook('onSend', async (request, reply, payload) => {
      this.#pending.delete(request.id)
      const body = request.body as { title?: unknown, username?: unknown } | undefined
      const key = typeof body?.title === 'string' ? body.title : typeof body?.username === 'string' ? body.username : undefined
      this.replies.push({
        method: request.method,
        route: request.routeOptions.url ?? request.url,
        statusCode: reply.statusCode,
        payload: typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '',
        key
      })
      return payload
    })
  }

  /** Requests whose handler ran and that got no reply (yet). */
  get pending (): string[] {
    return [...this.#pending.values()]
  }
}

/** The example app on `database` (plus `extraRoutes`), instrumented, listening on a free port of 127.0.0.1. Closed by the caller. */
export async function startExampleApp (database: AppDatabase, extraRoutes?: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance, baseUrl: string, log: LogCapture, serverLog: ServerLog }> {
  const { buildApp } = await exampleApp()
  const log = new LogCapture()
  const app = await buildApp({ databaseUrl: database.url, logger: { level: 'warn', stream: log.stream }, forceCloseConnections: CLOSE_ALL_CONNECTIONS })
  const serverLog = new ServerLog(app)
  extraRoutes?.(app)
  try {
    await app.listen({ port: 0, host: HOST })
  } catch (error) {
    await app.close().catch(() => undefined)
    throw error
  }
  const { port } = app.server.address() as AddressInfo
  return { app, baseUrl: `http://${HOST}:${port}`, log, serverLog }
}

/**
 * fastify-orm registered directly (the example app cannot set the pool), with the example's
 * models and the example's routes for movies and posts that the load uses.
 */
export async function startSmallPoolApp (database: AppDatabase, pool: { max: number, acquireTimeoutMs: number }): Promise<{ app: FastifyInstance, baseUrl: string, log: LogCapture, serverLog: ServerLog }> {
  const { default: Fastify } = await import('fastify')
  const models = await exampleModels()
  const Movie = models.Movie as AnyModel
  const User = models.User as AnyModel
  const log = new LogCapture()
  const app = Fastify({ logger: { level: 'warn', stream: log.stream }, forceCloseConnections: CLOSE_ALL_CONNECTIONS })
  await app.register(fastifyOrm, { url: database.url, pool, models, createAll: true })
  const serverLog = new ServerLog(app)
  const idOf = (request: { params: unknown }): number => Number((request.params as { id: string }).id)
  app.get('/movies', async (request) => (await request.db.query(Movie).orderBy('id' as never, 'desc').paginate(request)).toJSON())
  app.get('/movies/:id', async (request) => request.db.getOr404(Movie, idOf(request)))
  app.post('/movies', async (request, reply) => {
    const movie = request.db.add(Movie, request.body as Record<string, unknown>)
    await request.db.commit()
    return reply.code(201).send(movie)
  })
  app.post('/users', async (request, reply) => {
    const { username, email } = request.body as { username: string, email: string }
    const user = request.db.add(User, { username, email, passwordHash: 'not-a-real-hash' })
    await request.db.commit()
    return reply.code(201).send({ id: (user as { id: number }).id, username, email })
  })
  await app.listen({ port: 0, host: HOST })
  const { port } = app.server.address() as AddressInfo
  return { app, baseUrl: `http://${HOST}:${port}`, log, serverLog }
}
