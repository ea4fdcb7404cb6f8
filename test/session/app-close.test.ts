// app.close() drains in-flight requests before the pool closes; app.db.session() is the
// caller's to close.
import Fastify from 'fastify'
import t from 'tap'
import fastifyOrm from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'
import { createItemTable, gate, httpRequest, itemIds, listen, trackEndedRequests, until } from './support.ts'

/** The item ids, read through a new app (the one under test is closed by then). */
async function itemIdsAfterClose (db: TestDatabase): Promise<number[]> {
  const app = Fastify({ logger: false })
  await app.register(fastifyOrm, { url: db.url })
  try {
    return await itemIds(app)
  } finally {
    await app.close()
  }
}

t.test('app.close() lets an in-flight request finish and commit before the pool closes', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = Fastify({ logger: false })
    await app.register(fastifyOrm, { url: db.url })
    await createItemTable(app)
    const arrived = gate()
    const goOn = gate()
    let poolClosedBeforeCommit: boolean | undefined
    let poolClosed = false
    app.addHook('onClose', async () => { poolClosed = true }) // runs after the plugin's: LIFO
    app.post('/late', async (request) => {
      arrived.open()
      await goOn.promise
      // The first use of the database comes after close() was called.
      await request.db.begin()
      await request.db.kysely.insertInto('item').values({ id: 1, tag: 'late' }).execute()
      await request.db.commit()
      poolClosedBeforeCommit = poolClosed
      return { ok: true }
    })
    const port = await listen(app)
    const reply = httpRequest(port, 'POST', '/late', { body: {} })
    await arrived.promise
    const closing = app.close()
    await until(() => !app.server.listening)
    t.notOk(poolClosed, 'the pool is still open while a request is in flight')
    goOn.open()
    t.match(await reply, { statusCode: 200 }, 'the in-flight request succeeded')
    await closing
    t.equal(poolClosedBeforeCommit, false, 'its commit ran before the pool closed')
    t.ok(poolClosed)
    t.same(await itemIdsAfterClose(db), [1], 'its row was committed')
  })
})

t.test('app.db.session() for scripts: works outside requests, closed by the caller', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const tracker = trackEndedRequests(app)
    app.get('/ping', async (request) => {
      await request.db.kysely.selectFrom('item').select('id').execute()
      return { ok: true }
    })

    const script = app.db.session()
    t.not(script, app.db.session(), 'every call makes a new session')
    await script.transaction(async (session) => {
      await session.kysely.insertInto('item').values({ id: 1, tag: 'script' }).execute()
    })
    await script.kysely.insertInto('item').values({ id: 2, tag: 'autocommit' }).execute()
    t.same(await itemIds(app), [1, 2])

    // Requests come and go; the script's session is not theirs to close.
    t.equal((await app.inject('/ping')).statusCode, 200)
    await tracker.ended(1)
    t.notOk(script.closed, 'the end of a request does not close a script session')

    await script.begin()
    await script.kysely.insertInto('item').values({ id: 3, tag: 'uncommitted' }).execute()
    t.equal(app.db.poolStatus().inUse, 1, 'an open script transaction holds its connection until the caller ends it')
    await script.close()
    t.ok(script.closed)
    t.equal(app.db.poolStatus().inUse, 0, 'close() returned it')
    t.same(await itemIds(app), [1, 2], 'and rolled the unfinished transaction back')
  })
})
