// SQLite: a write that waits longer than busy_timeout (5 s) for another process's write lock
// is a 503 the client may retry, not a 500.
import Database from 'better-sqlite3'
import Fastify from 'fastify'
import t from 'tap'
import fastifyOrm from '../../src/index.ts'
import { createTestDatabase } from '../helpers/databases.ts'

t.test('a write lock held elsewhere past busy_timeout: 503 ORM_DATABASE_BUSY', async (t) => {
  const database = await createTestDatabase('sqlite')
  if (typeof database === 'string') throw new Error(database)
  t.teardown(database.drop)
  const app = Fastify()
  await app.register(fastifyOrm, { url: database.url })
  t.teardown(() => app.close())
  app.post('/items', async (request) => {
    await request.db.kysely.insertInto('item').values({ id: 1 }).execute()
    return { ok: true }
  })
  await app.ready()
  await app.db.kysely.schema.createTable('item').addColumn('id', 'integer', (c) => c.primaryKey()).execute()
  const other = new Database(database.url.replace('sqlite:///', '/'))
  t.teardown(() => other.close())
  other.exec('begin immediate')
  const response = await app.inject({ method: 'POST', url: '/items' })
  other.exec('rollback')
  t.equal(response.statusCode, 503)
  t.match(response.json(), { code: 'ORM_DATABASE_BUSY', message: 'The database is busy (another process holds its write lock); try again' })
  t.equal((await app.inject({ method: 'POST', url: '/items' })).statusCode, 200, 'served once the lock is released')
})
