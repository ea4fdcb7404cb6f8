import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify'
import { ConfigurationError, SessionStateError } from '../errors.ts'
import type { RegisteredDatabase } from '../model/register.ts'
import type { Session, SessionOptions, TransactionOptions } from './session.ts'
import type { ModelChanges } from './change-counts.ts'
import type { SessionLifetime } from './session-connection.ts'

const kSession = Symbol('fastify-orm.session')
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])
const kResponse = Symbol('fastify-orm.response')
const kPrimary = Symbol('fastify-orm.primary')

type Response = FastifyReply['raw']

interface RequestWithSession {
  [kSession]: Session<RegisteredDatabase> | null
  /** The raw response, noted by the plugin's onRequest hook. */
  [kResponse]: Response | null
  /** The route says `config: { db: { primary: true } }`. */
  [kPrimary]: boolean
}

/**
 * Gives every request a lazily created `request.db` and guarantees it is closed — with
 * uncommitted work rolled back and its connection returned — however the request ends.
 *
 * The end is the raw response's `close` event, which Node emits exactly once per request:
 * after the reply was sent (also after errors and validation failures), when the client
 * went away, and when the socket timed out. Fastify's `onRequestAbort` is not enough: Node
 * does not mark a request aborted when its body had been read (a POST), so such a session
 * would keep its transaction's connection. A session without a transaction holds nothing
 * (each query borrows a connection and returns it), so it only reads the response's state
 * to know it is closed; a listener is attached when it opens a transaction, which must be
 * rolled back at the end. Requests that never use `request.db` pay for one property write.
 */
export function installRequestSessions (app: FastifyInstance, openSession: (options: SessionOptions) => Session<RegisteredDatabase>): void {
  app.decorateRequest(kSession, null)
  app.decorateRequest(kResponse, null)
  app.decorateRequest(kPrimary, false)
  app.decorateRequest('db', {
    getter (this: FastifyRequest) {
      const request = this as FastifyRequest & RequestWithSession
      if (request[kSession] !== null) return request[kSession]
      const response = request[kResponse]
      if (response === null) {
        throw new SessionStateError('request.db was used before fastify-orm saw the request (in an onRequest hook added before the plugin was registered). Register the plugin first — await app.register(fastifyOrm, …) — then add hooks that use request.db.')
      }
      const session = openSession({ logger: request.log, lifetime: new RequestLifetime(request, response) })
      request[kSession] = session
      // config.db.primary: from the session's first statement, hooks before the handler included.
      if (request[kPrimary]) session.primary()
      // First used after the response went out (e.g. in an onResponse hook): its close event
      // may have passed, so hand out a closed session rather than one that could leak.
      if (response.writableFinished) closeSession(session, request)
      return session
    }
  })
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    (request as FastifyRequest & RequestWithSession)[kResponse] = reply.raw
    done()
  })
  app.addHook('onRoute', (route) => {
    const timeoutMs = route.config?.db?.statementTimeoutMs
    if (timeoutMs !== undefined && (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1)) {
      throw new ConfigurationError(`config.db.statementTimeoutMs of ${route.method} ${route.url} must be a positive integer of milliseconds, got ${JSON.stringify(timeoutMs)}`)
    }
    if (route.config?.db?.primary === true) {
      // A flag set first thing, for the session whenever it is made: no cost on other routes.
      route.onRequest = [(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
        (request as FastifyRequest & RequestWithSession)[kPrimary] = true
        done()
      }, ...asArray(route.onRequest)]
    }
    if (route.config?.db?.transaction === true || timeoutMs !== undefined) wrapInTransaction(route, timeoutMs === undefined ? undefined : { statementTimeoutMs: timeoutMs })
  })
}

/**
 * The request's session if `request.db` was used, without creating one: for hooks that
 * report on the database work of a request.
 */
export function sessionOf (request: FastifyRequest): Session<RegisteredDatabase> | null {
  return (request as FastifyRequest & Partial<RequestWithSession>)[kSession] ?? null
}

/** A request session's lifetime: over when the response is closed or destroyed. */
class RequestLifetime implements SessionLifetime {
  readonly #request: FastifyRequest & RequestWithSession
  readonly #response: Response
  #watching = false

  constructor (request: FastifyRequest & RequestWithSession, response: Response) {
    this.#request = request
    this.#response = response
  }

  ended (): boolean {
    // `closed` turns true as `close` is emitted; `destroyed` as soon as the response is
    // destroyed (a client abort, a timeout), and light-my-request's inject sets only that.
    return this.#response.closed || this.#response.destroyed
  }

  aborted (): boolean {
    // `writableEnded`: the reply was written (light-my-request never sets writableFinished).
    return this.ended() && !this.#response.writableEnded
  }

  route (): string | undefined {
    return this.#request.routeOptions.url
  }

  watch (reason: 'transaction' | 'objects'): void {
    // GET, HEAD and OPTIONS change nothing: their objects are not checked for uncommitted
    // changes, which keeps reads free of the listener and the check.
    if (this.#watching || (reason === 'objects' && SAFE_METHODS.has(this.#request.method))) return
    this.#watching = true
    // Only a session that exists asks: the request's.
    this.#response.once('close', () => { closeSession(this.#request[kSession] as Session<RegisteredDatabase>, this.#request) })
  }
}

function closeSession (session: Session<RegisteredDatabase>, request: FastifyRequest): void {
  // A successful reply with changes never committed is a forgotten commit(): say so, since
  // they are discarded now. After an error reply or a client abort, discarding is the point.
  const response = (request as FastifyRequest & RequestWithSession)[kResponse]
  if (response?.writableEnded === true && response.statusCode < 400 && !SAFE_METHODS.has(request.method) && !session.committing) warnUncommitted(session, request)
  if (session.closeIfIdle()) return
  session.close().catch((error: unknown) => {
    request.log.error({ err: error }, 'fastify-orm: rolling back the request session failed')
  })
}

function warnUncommitted (session: Session<RegisteredDatabase>, request: FastifyRequest): void {
  const { unflushed, flushed } = session.uncommittedChanges()
  if (unflushed.length === 0 && flushed.length === 0) return
  const describe = (changes: readonly ModelChanges[]): string => changes.map(({ model, ...counts }) =>
    `${model} (${Object.entries(counts).filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}`).join(', ')})`).join(', ')
  const parts = [
    ...(unflushed.length > 0 ? [`never flushed: ${describe(unflushed)}`] : []),
    ...(flushed.length > 0 ? [`flushed but not committed: ${describe(flushed)}`] : [])
  ]
  request.log.warn({ uncommitted: { unflushed, flushed } },
    `fastify-orm: the request ended with changes that were never committed, and they were discarded (${parts.join('; ')}). Call await request.db.commit() before replying.`)
}

/** `config: { db: { transaction: true } }`: BEGIN before the handler, COMMIT before the reply goes out. */
function wrapInTransaction (route: RouteOptions, options: TransactionOptions | undefined): void {
  route.preHandler = [
    ...asArray(route.preHandler),
    async (request: FastifyRequest) => { await request.db.begin(options) }
  ]
  route.onError = [
    ...asArray(route.onError),
    async (request: FastifyRequest) => { await request.db.rollback() }
  ]
  // Committing in onSend (not after the handler) covers handlers that call reply.send()
  // themselves, and lets a failed COMMIT still turn into an error reply.
  route.onSend = [
    async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      if (reply.statusCode < 400) await request.db.commit()
      else await request.db.rollback()
      return payload
    },
    ...asArray(route.onSend)
  ]
}

function asArray<T> (value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}
