// config: { db: { transaction: true } } wraps the whole handler in one transaction.
import type { FastifyReply, FastifyRequest } from 'fastify'
import t from 'tap'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'
import { createDeferredFkTables, createItemTable, itemIds, trackEndedRequests } from './support.ts'

const inTransaction = { config: { db: { transaction: true } } }

async function insertItem (request: FastifyRequest, id: number): Promise<void> {
  await request.db.kysely.insertInto('item').values({ id, tag: `t${id}` }).execute()
}

t.test('a transaction route commits on success and rolls back on failure', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const tracker = trackEndedRequests(app)
    const seenInTransaction: boolean[] = []

    app.post('/ok', inTransaction, async (request, reply) => {
      seenInTransaction.push(request.db.inTransaction)
      await insertItem(request, 1)
      reply.code(201)
      return { id: 1 }
    })
    app.post('/throws', inTransaction, async (request) => {
      await insertItem(request, 2)
      throw new Error('handler failed after writing')
    })
    app.post('/client-error', inTransaction, async (request, reply) => {
      await insertItem(request, 3)
      reply.code(422)
      return { message: 'not like that' }
    })
    app.post('/sends-itself', inTransaction, async (request, reply) => {
      await insertItem(request, 4)
      reply.send({ id: 4 })
      return reply
    })
    app.post('/callback-style', inTransaction, (request: FastifyRequest, reply: FastifyReply) => {
      insertItem(request, 5).then(() => reply.send({ id: 5 }), (error: unknown) => reply.send(error))
    })
    app.post('/not-found', inTransaction, async (request, reply) => {
      await insertItem(request, 6)
      return reply.code(404).send({ message: 'gone' })
    })

    const ok = await app.inject({ method: 'POST', url: '/ok' })
    t.equal(ok.statusCode, 201)
    // Committed before the reply went out: the client can read its write at once.
    t.same(await itemIds(app), [1], 'the row is visible as soon as the reply arrives')
    t.same(seenInTransaction, [true], 'the handler ran inside the transaction')

    t.equal((await app.inject({ method: 'POST', url: '/throws' })).statusCode, 500)
    t.equal((await app.inject({ method: 'POST', url: '/client-error' })).statusCode, 422)
    const sent = await app.inject({ method: 'POST', url: '/sends-itself' })
    t.same([sent.statusCode, sent.json()], [200, { id: 4 }])
    t.same(await itemIds(app), [1, 4], 'reply.send() in the handler commits before the reply')
    const callback = await app.inject({ method: 'POST', url: '/callback-style' })
    t.same([callback.statusCode, callback.json()], [200, { id: 5 }])
    t.equal((await app.inject({ method: 'POST', url: '/not-found' })).statusCode, 404)

    await tracker.ended(6)
    t.same(await itemIds(app), [1, 4, 5], 'the failed, 422 and 404 requests left nothing behind')
    t.equal(app.db.poolStatus().inUse, 0)
  })
})

t.test('a thrown error is rolled back even when the error handler replies 200', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const tracker = trackEndedRequests(app)
    app.setErrorHandler(async (_error, _request, reply) => {
      reply.code(200)
      return { recovered: true }
    })
    app.post('/throws', inTransaction, async (request) => {
      await insertItem(request, 1)
      throw new Error('handler failed after writing')
    })
    const reply = await app.inject({ method: 'POST', url: '/throws' })
    t.same([reply.statusCode, reply.json()], [200, { recovered: true }])
    await tracker.ended(1)
    t.same(await itemIds(app), [], 'the failed handler\'s write is not committed by the 200 reply')
    t.equal(app.db.poolStatus().inUse, 0)
  })
})

t.test('a transaction route whose COMMIT fails replies with an error and persists nothing', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createDeferredFkTables(app)
    const tracker = trackEndedRequests(app)
    app.post('/orphan', inTransaction, async (request, reply) => {
      // Accepted now (the foreign key is deferred), rejected by COMMIT in onSend.
      await request.db.kysely.insertInto('child').values({ id: 1, parent_id: 404 }).execute()
      reply.code(201)
      return { id: 1 }
    })
    app.post('/family', inTransaction, async (request, reply) => {
      await request.db.kysely.insertInto('child').values({ id: 2, parent_id: 1 }).execute()
      await request.db.kysely.insertInto('parent').values({ id: 1 }).execute()
      reply.code(201)
      return { id: 2 }
    })

    const failed = await app.inject({ method: 'POST', url: '/orphan' })
    t.equal(failed.statusCode, 409, 'the foreign-key violation at COMMIT is a 409')
    t.match(failed.json(), { code: 'ORM_FOREIGN_KEY_VIOLATION' })
    t.notMatch(failed.body, /insert|commit|404/i, 'no SQL or values in the reply')
    t.equal((await app.inject({ method: 'POST', url: '/family' })).statusCode, 201, 'deferred checking passes once the parent exists')

    await tracker.ended(2)
    const children = await app.db.kysely.selectFrom('child').select('id').execute()
    t.same(children.map((row) => Number(row.id)), [2], 'the orphan was not persisted')
    t.equal(app.db.poolStatus().inUse, 0)
  }, ['sqlite', 'postgres']) // MySQL/MariaDB have no deferred constraints
})
