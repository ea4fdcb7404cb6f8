// How a request session reports its end: a successful reply that leaves changes never
// committed logs one warning naming the models and counts (they are discarded); a request
// whose client went away gets RequestAbortedError (499), logged once at info level, never a
// 500; and a COMMIT already sent when the client leaves completes, keys and all.
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { Test } from 'tap'
import t from 'tap'
import { RequestAbortedError } from '../../src/index.ts'
import { Movie, Post, User, seedModels } from '../fixtures/seed-models.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'
import { gate, httpRequest, listen, until } from './support.ts'

interface LogLine { level: number, msg: string, err?: { type?: string }, uncommitted?: unknown, res?: { statusCode?: number } }

async function appWithLog (t: Test, url: string): Promise<{ app: FastifyInstance, lines: LogLine[] }> {
  const lines: LogLine[] = []
  const app = await buildApp(t, { url, dialect: 'sqlite' }, { models: seedModels, createAll: true },
    { server: { logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line) as LogLine) } } } } })
  return { app, lines }
}

const warnings = (lines: readonly LogLine[]): LogLine[] => lines.filter((line) => line.level === 40)

t.test('a reply with changes never committed logs one warning naming the models and counts', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, lines } = await appWithLog(t, db.url)
    app.post('/forgot', async (request) => {
      request.db.add(Movie, { title: 'Alien', year: 1979, directors: ['Ridley Scott'] })
      request.db.add(Movie, { title: 'Heat', year: 1995, directors: ['Michael Mann'] })
      return { ok: true }
    })
    app.post('/flushed', async (request) => {
      await request.db.begin()
      request.db.add(User, { username: 'ann', email: 'ann@example.test' })
      await request.db.flush()
      return { ok: true }
    })
    app.post('/changed/:id', async (request) => {
      const user = await request.db.getOr404(User, Number((request.params as { id: string }).id))
      user.email = 'changed@example.test'
      return { ok: true }
    })
    app.get('/read-and-change/:id', async (request) => {
      const user = await request.db.getOr404(User, Number((request.params as { id: string }).id))
      user.email = 'not-saved@example.test'
      return { ok: true }
    })
    app.post('/committed/:id', async (request) => {
      request.db.add(Post, { title: 't', body: 'b', userId: Number((request.params as { id: string }).id) })
      await request.db.commit()
      return { ok: true }
    })
    app.post('/failed', async (request, reply) => {
      request.db.add(Movie, { title: 'Dropped', year: 2001, directors: [] })
      return reply.code(422).send({ error: 'validation failed after add' })
    })
    await app.ready()

    t.equal((await app.inject({ method: 'POST', url: '/forgot' })).statusCode, 200)
    let warned = warnings(lines)
    t.equal(warned.length, 1, 'one warning')
    t.match(warned[0]?.msg, /never committed.*never flushed: Movie \(2 new\).*Call await request\.db\.commit\(\)/)
    t.strictSame(warned[0]?.uncommitted, { unflushed: [{ model: 'Movie', new: 2, changed: 0, deleted: 0 }], flushed: [] })
    t.equal(await app.db.kysely.selectFrom('movie').select('id').execute().then((rows) => rows.length), 0, 'nothing was stored')

    t.equal((await app.inject({ method: 'POST', url: '/flushed' })).statusCode, 200)
    warned = warnings(lines)
    t.equal(warned.length, 2)
    t.match(warned[1]?.msg, /flushed but not committed: User \(1 new\)/)
    t.equal(await app.db.kysely.selectFrom('user').select('id').execute().then((rows) => rows.length), 0, 'the flushed row was rolled back')

    const session = app.db.session()
    const bob = session.add(User, { username: 'bob', email: 'bob@example.test' })
    await session.commit()
    await session.close()
    t.equal((await app.inject({ method: 'POST', url: `/changed/${bob.id}` })).statusCode, 200)
    warned = warnings(lines)
    t.equal(warned.length, 3)
    t.match(warned[2]?.msg, /never flushed: User \(1 changed\)/)

    t.equal((await app.inject({ method: 'POST', url: `/committed/${bob.id}` })).statusCode, 200)
    t.equal((await app.inject({ method: 'POST', url: '/failed' })).statusCode, 422)
    t.equal((await app.inject({ method: 'GET', url: '/nothing' })).statusCode, 404)
    t.equal((await app.inject({ method: 'GET', url: `/read-and-change/${bob.id}` })).statusCode, 200)
    t.equal(warnings(lines).length, 3, 'no warning after a commit, an error reply, a request that used no session, or a GET (which changes nothing)')
  })
})

t.test('a client that leaves: the handler\'s next database call is a RequestAbortedError, logged once at info', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, lines } = await appWithLog(t, db.url)
    const reached = gate()
    const outcome = gate<unknown>()
    app.post('/slow', async (request, reply) => {
      await request.db.get(User, 1)
      // Carry on only once the server has seen the client leave.
      const left = new Promise((resolve) => reply.raw.once('close', resolve))
      reached.open()
      await left
      try {
        request.db.add(User, { username: 'late', email: 'late@example.test' })
        await request.db.commit()
        outcome.open('committed')
      } catch (error) {
        outcome.open(error)
        throw error
      }
      return { ok: true }
    })
    const port = await listen(app)
    const result = await httpRequest(port, 'POST', '/slow', { body: {}, abortWhen: reached.promise })
    t.equal(result, 'aborted')
    const error = await outcome.promise
    t.type(error, RequestAbortedError)
    t.match(error, { statusCode: 499, code: 'ORM_REQUEST_ABORTED' })
    await until(() => lines.some((line) => line.err?.type === 'RequestAbortedError'))
    const logged = lines.filter((line) => line.err?.type === 'RequestAbortedError')
    t.equal(logged.length, 1, 'logged once')
    t.equal(logged[0]?.level, 30, 'at info level')
    t.equal(lines.filter((line) => line.level >= 50).length, 0, 'no error-level line')
    t.equal(await app.db.kysely.selectFrom('user').select('id').execute().then((rows) => rows.length), 0, 'nothing was stored')
    t.equal(app.db.driver.status.inUse, 0, 'no connection held')
  })
})

t.test('a client that leaves while COMMIT runs: commit() resolves with the keys, the rows are stored', async (t) => {
  // A constraint trigger deferred to COMMIT makes COMMIT itself take 300 ms, long enough
  // for the client to leave while it runs (PostgreSQL only: the others have no such trigger).
  await eachDb(t, async (t, db) => {
    const { app } = await appWithLog(t, db.url)
    const committing = gate()
    const done = gate<{ ids: unknown[], error?: unknown }>()
    app.post('/movies', async (request) => {
      const movies = request.db.addAll(Movie, [
        { title: 'Alien', year: 1979, directors: ['Ridley Scott'] },
        { title: 'Aliens', year: 1986, directors: ['James Cameron'] }
      ])
      await request.db.flush()
      committing.open()
      try {
        await request.db.commit()
        done.open({ ids: movies.map((movie) => movie.id) })
      } catch (error) {
        done.open({ ids: movies.map((movie) => movie.id), error })
      }
      return movies
    })
    await app.ready()
    await sql`create function slow_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(0.3); return null; end $$`.execute(app.db.kysely)
    await sql`create constraint trigger slow_commit after insert on movie deferrable initially deferred for each row execute function slow_commit()`.execute(app.db.kysely)
    const port = await listen(app)
    const result = await httpRequest(port, 'POST', '/movies', { body: {}, abortWhen: committing.promise.then(() => new Promise((resolve) => setTimeout(resolve, 50))) })
    t.equal(result, 'aborted', 'the client left during COMMIT')
    const { ids, error } = await done.promise
    t.equal(error, undefined, 'commit() resolved')
    t.ok(ids.every((id) => typeof id === 'number'), `the objects keep their keys: ${JSON.stringify(ids)}`)
    const stored = await app.db.kysely.selectFrom('movie').select('id').orderBy('id').execute()
    t.strictSame(stored.map((row) => row.id), ids, 'the committed rows are the objects\' rows')
    await until(() => app.db.driver.status.inUse === 0)
  }, ['postgres'])
})
