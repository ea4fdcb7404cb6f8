// request.db is lazy: a route that never queries costs no connection, even with begin().
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import type { PoolStatus } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'
import { createItemTable, gate, itemIds, trackEndedRequests, until } from './support.ts'

const CONCURRENT = 50

/**
 * Sends `CONCURRENT` requests to `url` at once and, while every handler is parked at
 * `arrived`, reads the pool counters; then lets them finish.
 */
async function statusWhileAllInFlight (app: FastifyInstance, url: string, parked: { arrived: number },
  release: () => void): Promise<{ during: PoolStatus, statusCodes: number[] }> {
  parked.arrived = 0
  const replies = Array.from({ length: CONCURRENT }, () => app.inject(url))
  await until(() => parked.arrived === CONCURRENT)
  const during = app.db.poolStatus()
  release()
  return { during, statusCodes: (await Promise.all(replies)).map((reply) => reply.statusCode) }
}

t.test('a route that never touches request.db, or only calls begin(), takes no connection', async (t) => {
  await eachDb(t, async (t, db) => {
    // A short idle timeout lets the pool drop the registration ping's connection (pg does;
    // SQLite's single connection stays open, and so does mysql2's — see the MySQL note below).
    const app = await buildApp(t, db, { pool: { max: 10, idleTimeoutMs: 50 } })
    const tracker = trackEndedRequests(app)
    const sessionsSeen: Array<{ inTransaction: boolean }> = []
    let releaseGate = gate()
    const parked = { arrived: 0 }
    const park = async (): Promise<void> => {
      parked.arrived++
      await releaseGate.promise
    }
    app.get('/untouched', async () => {
      await park()
      return { ok: true }
    })
    app.get('/begin-only', async (request) => {
      await request.db.begin()
      sessionsSeen.push({ inTransaction: request.db.inTransaction })
      await park()
      return { ok: true }
    })
    app.get('/route-transaction-unused', { config: { db: { transaction: true } } }, async (request) => {
      sessionsSeen.push({ inTransaction: request.db.inTransaction })
      await park()
      return { ok: true }
    })
    await app.ready()

    if (db.dialect === 'postgres') {
      // pg closes the ping's idle connection after idleTimeoutMs: from here on nothing is open.
      await until(() => app.db.poolStatus().open === 0)
    }
    // MySQL: the plugin gives mysql2 maxIdle = pool.max, so mysql2 never closes idle
    // connections and the ping's connection stays open; SQLite has its one connection.
    const openBefore = app.db.poolStatus().open
    t.equal(openBefore, db.dialect === 'postgres' ? 0 : 1, `${openBefore} connection(s) open before the requests`)

    let ended = 0
    for (const url of ['/untouched', '/begin-only', '/route-transaction-unused']) {
      const { during, statusCodes } = await statusWhileAllInFlight(app, url, parked, () => releaseGate.open())
      releaseGate = gate()
      ended += CONCURRENT
      await tracker.ended(ended)
      t.same(new Set(statusCodes), new Set([200]), `${url}: all ${CONCURRENT} requests answered`)
      t.same(during, { open: openBefore, inUse: 0, waiting: 0 }, `${url}: nothing checked out while ${CONCURRENT} requests were in flight`)
      t.same(app.db.poolStatus(), { open: openBefore, inUse: 0, waiting: 0 }, `${url}: the pool did not grow`)
    }
    t.equal(sessionsSeen.length, 2 * CONCURRENT)
    t.ok(sessionsSeen.every((session) => session.inTransaction), 'begin() was recorded (only BEGIN was deferred)')
  })
})

t.test('a route that queries checks a connection out only while it needs it', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db, { pool: { max: 10 } })
    await createItemTable(app)
    await app.db.kysely.insertInto('item').values({ id: 1, tag: 'a' }).execute()
    const tracker = trackEndedRequests(app)
    const inserted = gate()
    const finish = gate()
    app.post('/hold', async (request) => {
      await request.db.begin()
      await request.db.kysely.insertInto('item').values({ id: 2, tag: 'b' }).execute()
      inserted.open()
      await finish.promise
      await request.db.commit()
      return { ok: true }
    })
    t.equal(app.db.poolStatus().inUse, 0)
    const reply = app.inject({ method: 'POST', url: '/hold' })
    await inserted.promise
    t.equal(app.db.poolStatus().inUse, 1, 'the open transaction holds one connection')
    finish.open()
    t.equal((await reply).statusCode, 200)
    await tracker.ended(1)
    t.equal(app.db.poolStatus().inUse, 0, 'COMMIT gave it back')
    t.same(await itemIds(app), [1, 2])
  })
})

t.test('a plain query outside a transaction holds its connection only for the query', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db, { pool: { max: 10 } })
    await createItemTable(app)
    await app.db.kysely.insertInto('item').values({ id: 1, tag: 'a' }).execute()
    const tracker = trackEndedRequests(app)
    app.post('/update', async (request) => {
      await request.db.kysely.updateTable('item').set({ tag: 'from-request' }).where('id', '=', 1).execute()
      return { ok: true }
    })
    // A script session locks the row, so the request's UPDATE blocks inside the database
    // and its connection is observably checked out.
    const locker = app.db.session()
    t.teardown(() => locker.close())
    await locker.begin()
    await locker.kysely.updateTable('item').set({ tag: 'from-script' }).where('id', '=', 1).execute()
    t.equal(app.db.poolStatus().inUse, 1, 'the script transaction holds one connection')
    const reply = app.inject({ method: 'POST', url: '/update' })
    await until(() => app.db.poolStatus().inUse === 2)
    t.equal(app.db.poolStatus().inUse, 2, 'the blocked query holds a second connection')
    await locker.commit()
    t.equal((await reply).statusCode, 200)
    await tracker.ended(1)
    t.same(app.db.poolStatus().inUse, 0, 'both connections are back')
    const row = await app.db.kysely.selectFrom('item').select('tag').where('id', '=', 1).executeTakeFirstOrThrow()
    t.equal(row.tag, 'from-request', 'the request\'s update ran after the script\'s commit')
  }, ['postgres', 'mysql'])
})
