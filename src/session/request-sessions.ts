import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify'
import type { Engine } from '../engine/engine.ts'
import type { RegisteredDatabase } from '../types.ts'
import type { Session } from './session.ts'

const kSession = Symbol('fastify-orm.session')
const kEnded = Symbol('fastify-orm.ended')

interface RequestWithSession {
  [kSession]: Session<RegisteredDatabase> | null
  [kEnded]: boolean
}

/**
 * Gives every request a lazily created `request.db` and guarantees it is closed — with
 * uncommitted work rolled back and its connection returned — however the request ends:
 * a reply (`onResponse`, also after errors and validation failures), a client abort
 * (`onRequestAbort`) or a timeout (`onTimeout`). Closing is idempotent, so overlapping
 * hooks are harmless. A request that never reads `request.db` only pays for a null check.
 */
export function installRequestSessions (app: FastifyInstance, engine: Engine<RegisteredDatabase>): void {
  app.decorateRequest(kSession, null)
  app.decorateRequest(kEnded, false)
  app.decorateRequest('db', {
    getter (this: FastifyRequest) {
      const request = this as FastifyRequest & RequestWithSession
      if (request[kSession] === null) {
        request[kSession] = engine.session({ logger: request.log })
        // First used after the request ended (e.g. after reply.send()): no hook is left to
        // close it, so hand out a closed session rather than one that could leak a connection.
        if (request[kEnded]) void request[kSession].close()
      }
      return request[kSession]
    }
  })
  const closeSession = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    (request as FastifyRequest & RequestWithSession)[kEnded] = true
    const session = (request as FastifyRequest & RequestWithSession)[kSession]
    if (session === null) {
      done()
      return
    }
    session.close().then(() => done(), (error: unknown) => {
      request.log.error({ err: error }, 'fastify-orm: rolling back the request session failed')
      done()
    })
  }
  app.addHook('onResponse', closeSession)
  app.addHook('onTimeout', closeSession)
  app.addHook('onRequestAbort', (request, done) => closeSession(request, undefined as never, done))
  app.addHook('onRoute', (route) => {
    if (route.config?.db?.transaction === true) wrapInTransaction(route)
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
