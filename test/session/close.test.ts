// However a request ends — validation error, timeout, client abort — its session is closed:
// the open transaction rolled back and the connection back in the pool.
import Fastify, { type FastifyRequest } from 'fastify'
import t from 'tap'
import fastifyOrm, { RequestAbortedError, SessionStateError } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'
import { createItemTable, gate, httpRequest, itemIds, listen, trackEndedRequests, until } from './support.ts'

async function writeInTransaction (request: FastifyRequest, id: number): Promise<void> {
  await request.db.begin()
  await request.db.kysely.insertInto('item').values({ id, tag: `t${id}` }).execute()
}

const bodySchema = {
  body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }
}

t.test('a validation error after a hook used the session', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const tracker = trackEndedRequests(app)
    const sessions: Array<{ closed: boolean }> = []
    let handlerRan = false
    // The hooks leave a transaction open with a write in it: the connection is held when
    // validation rejects the body.
    app.post('/on-request', {
      schema: bodySchema,
      onRequest: async (request) => {
        sessions.push(request.db)
        await writeInTransaction(request, 1)
      }
    }, async () => { handlerRan = true })
    app.post('/pre-validation', {
      schema: bodySchema,
      preValidation: async (request) => {
        sessions.push(request.db)
        await writeInTransaction(request, 2)
      }
    }, async () => { handlerRan = true })

    for (const url of ['/on-request', '/pre-validation']) {
      const reply = await app.inject({ method: 'POST', url, payload: { title: 'no name' } })
      t.equal(reply.statusCode, 400, `${url}: the body is rejected`)
      t.equal(reply.json().code, 'FST_ERR_VALIDATION')
    }
    await tracker.ended(2)
    t.notOk(handlerRan)
    t.equal(sessions.length, 2)
    t.ok(sessions.every((session) => session.closed), 'both sessions were closed')
    t.match(app.db.poolStatus(), { inUse: 0, waiting: 0 }, 'their connections are back')
    t.same(await itemIds(app), [], 'and their writes rolled back')
  })
})

t.test('a socket timeout closes the session of a request stuck in its handler', async (t) => {
  await eachDb(t, async (t, db) => {
    // Fastify's connectionTimeout is the socket's idle timeout. A long one keeps the setup
    // (BEGIN, INSERT) clear of it on a slow machine; the handler shortens it once written.
    const app = await buildApp(t, db, {}, { server: { connectionTimeout: 60_000 } })
    await createItemTable(app)
    const tracker = trackEndedRequests(app)
    const written = gate()
    const resume = gate()
    t.teardown(() => resume.open()) // let the handler finish whatever happens
    let handlerReturned = false
    const afterTimeout = gate<unknown>()
    const sessions: Array<{ closed: boolean }> = []
    // A POST whose body was read: Node does not mark it aborted when the socket closes, so
    // Fastify's onRequestAbort would not run; the response's close event does.
    app.post('/slow', async (request) => {
      sessions.push(request.db)
      await writeInTransaction(request, 1)
      request.raw.socket.setTimeout(100)
      written.open()
      await resume.promise
      try {
        await request.db.commit()
        afterTimeout.open('committed')
      } catch (error) {
        afterTimeout.open(error)
      }
      handlerReturned = true
      return { ok: true }
    })
    const port = await listen(app)
    const reply = httpRequest(port, 'POST', '/slow', { body: { name: 'slow' } }).catch((error: unknown) => error)
    await written.promise
    t.match(await reply, { code: 'ECONNRESET' }, 'the client saw the connection close')
    await tracker.ended(1)
    t.notOk(handlerReturned, 'the handler is still waiting')
    t.ok(sessions[0]?.closed, 'the session was closed')
    t.equal(app.db.poolStatus().inUse, 0, 'and returned its connection')
    t.same(await itemIds(app), [], 'the write was rolled back')
    resume.open()
    t.type(await afterTimeout.promise, RequestAbortedError, 'the handler cannot commit afterwards: its request was abandoned')
    t.same(await itemIds(app), [])
  })
})

// A GET is marked aborted by Node; a POST whose body was read is not (Fastify's
// onRequestAbort does not run for it), and its transaction must not keep a connection.
// A session that read before it began its transaction watches the request from BEGIN on.
for (const [method, readFirst] of [['GET', false], ['POST', false], ['GET', true]] as const) {
  t.test(`a client abort closes the session while the ${method} handler is still stuck${readFirst ? ' (it read before its transaction)' : ''}`, async (t) => {
    await eachDb(t, async (t, db) => {
      const app = await buildApp(t, db)
      await createItemTable(app)
      const tracker = trackEndedRequests(app)
      const written = gate()
      const resume = gate()
      t.teardown(() => resume.open())
      const sessions: Array<{ closed: boolean }> = []
      app.route({
        method,
        url: '/stuck',
        handler: async (request) => {
          sessions.push(request.db)
          if (readFirst) await request.db.kysely.selectFrom('item').selectAll().execute()
          await writeInTransaction(request, 1)
          written.open()
          await resume.promise // released only at the end of the test
          return { ok: true }
        }
      })
      const port = await listen(app)
      t.equal(await httpRequest(port, method, '/stuck', { abortWhen: written.promise, ...(method === 'POST' ? { body: { name: 'x' } } : {}) }), 'aborted')
      await tracker.ended(1)
      t.ok(sessions[0]?.closed, 'the session was closed while the handler waits')
      t.equal(app.db.poolStatus().inUse, 0, 'and returned its connection')
      t.same(await itemIds(app), [], 'the write was rolled back')
    })
  })
}

t.test('a session that only read is closed when its request ends, over HTTP and through inject', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    await app.db.kysely.insertInto('item').values({ id: 1, tag: 'one' }).execute()
    const tracker = trackEndedRequests(app)
    const sessions: Array<FastifyRequest['db']> = []
    app.get('/read', async (request) => {
      sessions.push(request.db)
      const rows = await request.db.kysely.selectFrom('item').select('tag').execute()
      return { tags: rows.map((row) => row.tag), closedInHandler: request.db.closed }
    })
    const port = await listen(app)
    const overHttp = await httpRequest(port, 'GET', '/read')
    t.same(overHttp !== 'aborted' && JSON.parse(overHttp.body), { tags: ['one'], closedInHandler: false })
    t.same((await app.inject('/read')).json(), { tags: ['one'], closedInHandler: false })
    await tracker.ended(2)
    t.equal(sessions.length, 2)
    for (const session of sessions) {
      t.ok(session.closed, 'closed once its request ended')
      await t.rejects(session.kysely.selectFrom('item').selectAll().execute(), SessionStateError, 'and refuses to query')
      await t.rejects(session.begin(), SessionStateError, 'or to begin a transaction')
    }
    t.equal(app.db.poolStatus().inUse, 0)
  })
})

t.test('a transaction route whose client aborts commits nothing, even when the handler finishes', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const written = gate()
    const handlerDone = gate<boolean>()
    const tracker = trackEndedRequests(app)
    app.get('/abandoned', { config: { db: { transaction: true } } }, async (request) => {
      await request.db.kysely.insertInto('item').values({ id: 1, tag: 'abandoned' }).execute()
      const closed = new Promise((resolve) => request.raw.once('close', resolve))
      written.open()
      await closed
      handlerDone.open(request.db.closed)
      return { ok: true } // the route's onSend would commit now: it must not succeed
    })
    const port = await listen(app)
    t.equal(await httpRequest(port, 'GET', '/abandoned', { abortWhen: written.promise }), 'aborted')
    t.ok(await handlerDone.promise, 'the session was already closed when the handler returned')
    await tracker.ended(1)
    t.same(await itemIds(app), [], 'the write was rolled back')
    t.equal(app.db.poolStatus().inUse, 0)
  })
})

t.test('waiting too long for a connection: 503, and the session can retry once one is free', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db, { pool: { max: 1, acquireTimeoutMs: 200 } })
    await createItemTable(app)
    const tracker = trackEndedRequests(app)
    app.post('/write', async (request) => {
      await request.db.begin()
      await request.db.kysely.insertInto('item').values({ id: 2, tag: 'request' }).execute()
      await request.db.commit()
      return { ok: true }
    })
    const locker = app.db.session()
    const retrier = app.db.session()
    t.teardown(() => Promise.all([locker.close(), retrier.close()]))
    await locker.begin()
    await locker.kysely.insertInto('item').values({ id: 1, tag: 'locker' }).execute()

    const reply = await app.inject({ method: 'POST', url: '/write' })
    t.equal(reply.statusCode, 503)
    t.equal(reply.json().code, 'ORM_POOL_TIMEOUT')
    await tracker.ended(1)
    t.same(app.db.poolStatus(), { open: 1, inUse: 1, waiting: 0 }, 'the failed request left no waiter or checkout behind')

    await retrier.begin()
    await t.rejects(retrier.kysely.insertInto('item').values({ id: 3, tag: 'retried' }).execute(), { code: 'ORM_POOL_TIMEOUT' })
    await locker.rollback()
    // Same transaction, now that the connection is free: a fresh attempt, not the old error.
    await retrier.kysely.insertInto('item').values({ id: 3, tag: 'retried' }).execute()
    await retrier.commit()
    t.same(await itemIds(app), [3])
    t.same(app.db.poolStatus(), { open: 1, inUse: 0, waiting: 0 })
  }, ['postgres', 'mysql']) // SQLite's single connection has no acquire timeout
})

t.test('request.db first used after the request ended cannot hold a connection', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const tracker = trackEndedRequests(app)
    const responded = gate()
    const outcome = gate<unknown>()
    app.post('/late-work', async (request, reply) => {
      reply.send({ accepted: true })
      await responded.promise // the request has ended: its hooks have run
      try {
        await request.db.begin()
        await request.db.kysely.insertInto('item').values({ id: 1, tag: 'late' }).execute()
        outcome.open('wrote') // and never commits or closes
      } catch (error) {
        outcome.open(error)
      }
      return reply
    })
    t.equal((await app.inject({ method: 'POST', url: '/late-work' })).statusCode, 200)
    await tracker.ended(1)
    responded.open()
    t.type(await outcome.promise, SessionStateError, 'the late session is refused instead of left open')
    t.equal(app.db.poolStatus().inUse, 0, 'no connection is held')
    t.same(await itemIds(app), [])
  })
})

t.test('request.db in an onRequest hook that runs before the plugin\'s: a clear error, no session', async (t) => {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  // Added before the plugin: it runs before the plugin has seen the request.
  app.addHook('onRequest', async (request) => { void request.db })
  await app.register(fastifyOrm, { url: 'sqlite://' })
  app.get('/', async () => ({ ok: true }))
  const reply = await app.inject('/')
  t.equal(reply.statusCode, 500)
  t.equal(reply.json().code, 'ORM_SESSION_STATE')
  t.match(reply.json().message, /await app\.register\(fastifyOrm/, 'the message says how to fix it')
})

t.test('request.db in an onRequest hook added after the plugin works and is closed', async (t) => {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(fastifyOrm, { url: 'sqlite://' })
  const sessions: Array<{ closed: boolean }> = []
  app.addHook('onRequest', async (request) => { sessions.push(request.db) })
  app.get('/', async (request) => ({ same: request.db === sessions[0] }))
  const reply = await app.inject('/')
  t.same(reply.json(), { same: true })
  await until(() => sessions[0]?.closed === true)
  t.equal(sessions[0]?.closed, true, 'closed when the response closed')
})
