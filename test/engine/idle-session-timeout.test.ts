// PostgreSQL's idle_session_timeout ends a connection that sat idle in the pool. When the
// process was busy at that moment, the pool may hand the connection out before it has read
// the server's goodbye: the next statement then meets "terminating connection due to
// idle-session timeout" (57P05). That is a lost connection, so a first read on it is retried
// on a new one and a write is a clean 503, never a 500. This test's own connections alone
// carry the timeout (set through the URL), on the shared server.
import Fastify from 'fastify'
import { sql } from 'kysely'
import t from 'tap'
import fastifyOrm from '../../src/index.ts'
import { eachDb } from '../helpers/databases.ts'

const IDLE_MS = 100

/** Keeps the event loop busy, so that no socket is read meanwhile (as a long synchronous task would). */
function busyFor (ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) { /* the server ends the idle connection meanwhile */ }
}

t.test('a pooled connection ended by idle_session_timeout', async (t) => {
  await eachDb(t, async (t, db) => {
    const url = new URL(db.url)
    url.searchParams.set('options', `-c idle_session_timeout=${IDLE_MS}`)
    const app = Fastify()
    await app.register(fastifyOrm, { url: url.toString(), pool: { max: 1 } })
    t.teardown(() => app.close())
    app.get('/one', async (request) => request.db.kysely.selectNoFrom(sql<number>`1`.as('one')).executeTakeFirstOrThrow())
    app.get('/raw', async (request) => (await sql<{ one: number }>`select 1 as one`.execute(request.db.kysely)).rows[0])
    await app.ready()

    for (let round = 0; round < 2; round++) {
      t.strictSame((await app.inject('/one')).json(), { one: 1 }, `round ${round}: the connection is made and used`)
      busyFor(IDLE_MS * 4)
      const again = await app.inject('/one')
      t.equal(again.statusCode, 200, `round ${round}: the SELECT after the timeout is retried on a new connection (${again.body})`)
      t.strictSame(again.json(), { one: 1 })
    }
    // Raw SQL is never run twice (it may write): the client gets a clean 503, not a 500.
    t.strictSame((await app.inject('/raw')).json(), { one: 1 })
    busyFor(IDLE_MS * 4)
    const raw = await app.inject('/raw')
    t.equal(raw.statusCode, 503)
    t.match(raw.json(), { code: 'ORM_CONNECTION_LOST' })
    t.strictSame((await app.inject('/raw')).json(), { one: 1 }, 'and the next request is served')
  }, ['postgres'])
})
