import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify'
import type { Engine } from '../engine/engine.ts'
import { SessionStateError } from '../errors.ts'
import type { RegisteredDatabase } from '../types.ts'
import type { Session } from './session.ts'
import type { SessionLifetime } from './session-connection.ts'

const kSession = Symbol('fastify-orm.session')
const kResponse = Symbol('fastify-orm.response')

type Response = FastifyReply['raw']

interface RequestWithSession {
  [kSession]: Session<RegisteredDatabase> | null
  /** The raw response, noted by the plugin's onRequest hook. */
  [kResponse]: Response | null
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
export function installRequestSessions (app: FastifyInstance, engine: Engine<RegisteredDatabase>): void {
  app.decorateRequest(kSession, null)
  app.decorateRequest(kResponse, null)
  app.decorateRequest('db', {
    getter (this: FastifyRequest) {
      const request = this as FastifyRequest & RequestWithSession
      if (request[kSession] !== null) return request[kSession]
      const response = request[kResponse]
      if (response === null) {
        throw new SessionStateError('request.db was used before fastify-orm saw the request (in an onRequest hook added before the plugin was registered). Register the plugin first — await app.register(fastifyOrm, …) — then add hooks that use request.db.')
      }
      const session = engine.session({ logger: request.log, lifetime: new RequestLifetime(request, response) })
      request[kSession] = session
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
    if (route.config?.db?.transaction === true) wrapInTransaction(route)
  })
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

  transactionOpened (): void {
    if (this.#watching) return
    this.#watching = true
    // A transaction is only opened on a session that exists: the request's.
    this.#response.once('close', () => { closeSession(this.#request[kSession] as Session<RegisteredDatabase>, this.#request) })
  }
}

function closeSession (session: Session<RegisteredDatabase>, request: FastifyRequest): void {
  if (session.closeIfIdle()) return
  session.close().catch((error: unknown) => {
    request.log.error({ err: error }, 'fastify-orm: rolling back the request session failed')
  })
}

/** `config: { db: { transaction: true } }`: BEGIN before the handler, COMMIT before the reply goes out. */
function wrapInTransaction (route: RouteOptions): void {
  route.preHandler = [
    ...asArray(route.preHandler),
    async (request: FastifyRequest) => { await request.db.begin() }
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
