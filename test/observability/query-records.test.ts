// Query records (`recordQueries`): each request session keeps its statements and stats,
// Fastify's `request completed` line gets `db: { queries, ms }`; slow statements and N+1
// loads are reported. Real databases; logs read back from a stream given to Fastify.
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import fastifyOrm, { NPlusOneError, type FastifyOrmOptions, type QueryRecord } from '../../src/index.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'
import { Post, User } from '../fixtures/seed-models.ts'
import { seedModelsWithRelations } from '../fixtures/seed-relations.ts'

/** Only ever a parameter: it must never be recorded or logged. */
const SECRET = 'records-secret-7Qx'

interface LogLine { level: number, msg: string, reqId?: string, db?: { queries: number, ms: number }, [key: string]: unknown }

class LogCapture {
  readonly raw: string[] = []
  readonly stream = { write: (line: string): void => { this.raw.push(line) } }
  get lines (): LogLine[] { return this.raw.map((line) => JSON.parse(line) as LogLine) }
  warnings (): LogLine[] { return this.lines.filter((line) => line.level === 40) }
  clear (): void { this.raw.length = 0 }
}

async function buildApp (t: Test, database: TestDatabase, options: Omit<FastifyOrmOptions, 'url'> = {}): Promise<{ app: FastifyInstance, logs: LogCapture }> {
  const logs = new LogCapture()
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  await app.register(fastifyOrm, { url: database.url, models: seedModelsWithRelations, ...options })
  app.get('/users/:id', async (request) => {
    const user = await request.db.getOr404(User, Number((request.params as { id: string }).id))
    return { user: user.username, queries: request.db.queries, stats: request.db.stats, warnings: request.db.warnings }
  })
  app.get('/search', async (request) => {
    const found = await request.db.query(User).where('username', '=', SECRET).all()
    return { found: found.length, queries: request.db.queries }
  })
  app.get('/posts-one-by-one', async (request) => {
    const users = await request.db.query(User).orderBy('id').all()
    for (const user of users) await request.db.load(user, 'posts')
    return { users: users.length, warnings: request.db.warnings, stats: request.db.stats }
  })
  app.get('/posts-batched', async (request) => {
    const users = await request.db.query(User).orderBy('id').with('posts').all()
    await request.db.load(users, 'posts')
    return { users: users.length, warnings: request.db.warnings }
  })
  app.get('/related-one-by-one', async (request) => {
    const users = await request.db.query(User).orderBy('id').all()
    let posts = 0
    for (const user of users) posts += await request.db.related(user, 'posts').count()
    return { posts, warnings: request.db.warnings }
  })
  app.get('/slow', async (request) => {
    await request.db.query(User).all()
    return { warnings: request.db.warnings }
  })
  app.post('/users', async (request, reply) => {
    const user = request.db.add(User, { username: 'new-' + SECRET, email: 'new@example.test' })
    await request.db.commit()
    return reply.code(201).send({ id: user.id, queries: request.db.queries })
  })
  app.get('/nothing', async () => ({ ok: true }))
  await app.ready()
  t.teardown(() => app.close())
  await app.db.dropAll()
  await app.db.createAll()
  const seed = app.db.session()
  for (let i = 1; i <= 8; i++) {
    const user = seed.add(User, { username: `user${i}`, email: `user${i}@example.test` })
    await seed.flush()
    seed.add(Post, { title: `post of ${i}`, body: 'b', userId: user.id })
  }
  await seed.commit()
  await seed.close()
  logs.clear()
  return { app, logs }
}

function assertRecord (t: Test, record: QueryRecord | undefined, pattern: RegExp, database: TestDatabase): void {
  if (record === undefined) { t.fail(`no record for ${String(pattern)}`); return }
  t.match(record.sql.toLowerCase(), pattern)
  t.type(record.durationMs, 'number')
  t.ok(record.durationMs >= 0, 'duration is not negative')
  t.equal(record.failed, false)
  t.type(record.params, 'number')
  t.equal(record.database, redactedUrlOf(database), 'names the database that answered, without its password')
}

function redactedUrlOf (database: TestDatabase): string {
  // The test databases have no passwords: the redacted URL is the URL.
  return database.url
}

t.test('request.db.queries and stats, and the request completed line', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, logs } = await buildApp(t, database)

    await t.test('a read records its statement with rows and duration', async (t) => {
      logs.clear()
      const response = await app.inject('/users/3')
      t.equal(response.statusCode, 200)
      const body = response.json<{ queries: QueryRecord[], stats: { count: number, totalMs: number } }>()
      t.equal(body.queries.length, 1, 'one SELECT')
      assertRecord(t, body.queries[0], /select .*from .*user.*where/, database)
      t.equal(body.queries[0]?.rows, 1, 'one row came back')
      t.equal(body.queries[0]?.params, 1)
      t.equal(body.stats.count, 1)
      t.ok(body.stats.totalMs >= body.queries[0]!.durationMs - 0.001, 'stats total covers the statement')
      const completed = logs.lines.find((line) => line.msg === 'request completed')
      t.same(completed?.db, { queries: 1, ms: body.stats.totalMs }, 'request completed carries db: { queries, ms }')
    })

    await t.test('parameter values are never recorded', async (t) => {
      logs.clear()
      const response = await app.inject('/search')
      t.equal(response.json<{ found: number }>().found, 0)
      t.notMatch(response.body, SECRET, 'not in the records')
      t.notMatch(logs.raw.join('\n'), SECRET, 'not in the log')
    })

    await t.test('a write records its statements (and the transaction around them, if any)', async (t) => {
      const response = await app.inject({ method: 'POST', url: '/users' })
      t.equal(response.statusCode, 201)
      const { queries } = response.json<{ queries: QueryRecord[] }>()
      const insert = queries.find((record) => /^insert/i.test(record.sql.trim()))
      assertRecord(t, insert, /insert into/, database)
      t.equal(insert?.rows, 1, 'one row inserted')
      t.notMatch(response.body, SECRET)
    })

    await t.test('a request that never used the database has no db field', async (t) => {
      logs.clear()
      await app.inject('/nothing')
      const completed = logs.lines.find((line) => line.msg === 'request completed')
      t.ok(completed, 'the line is there')
      t.equal(completed?.db, undefined)
    })

    await t.test('app.db.session() records too', async (t) => {
      const session = app.db.session()
      t.teardown(() => session.close())
      await session.query(User).count()
      t.equal(session.queries.length, 1)
      t.equal(session.stats.count, 1)
    })
  })
})

t.test('recordQueries: false, and the production default', async (t) => {
  await eachDb(t, async (t, database) => {
    for (const [name, options, env] of [
      ['recordQueries: false', { recordQueries: false }, {}],
      ['NODE_ENV=production', {}, { NODE_ENV: 'production' }],
      ['DATABASE_RECORD_QUERIES=0', {}, { DATABASE_RECORD_QUERIES: '0' }]
    ] as const) {
      await t.test(name, async (t) => {
        const saved = { ...process.env }
        Object.assign(process.env, env)
        t.teardown(() => { for (const key of Object.keys(env)) { if (saved[key] === undefined) delete process.env[key]; else process.env[key] = saved[key] } })
        const { app, logs } = await buildApp(t, database, options)
        const response = await app.inject('/users/1')
        const body = response.json<{ queries: QueryRecord[], stats: { count: number } }>()
        t.same(body.queries, [], 'nothing recorded')
        t.equal(body.stats.count, 0)
        const completed = logs.lines.find((line) => line.msg === 'request completed')
        t.equal(completed?.db, undefined, 'no db field on the request completed line')
      })
    }
  }, ['sqlite'])
})

t.test('N+1 detection', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, logs } = await buildApp(t, database)

    await t.test('a loop of load() warns once, naming the model, the relationship and the fix', async (t) => {
      logs.clear()
      const response = await app.inject('/posts-one-by-one')
      t.equal(response.statusCode, 200)
      const body = response.json<{ users: number, warnings: Array<{ kind: string, model: string, relationship: string, count: number, message: string }> }>()
      t.equal(body.users, 8)
      t.equal(body.warnings.length, 1, 'one warning for the relationship')
      t.match(body.warnings[0], { kind: 'n+1', model: 'User', relationship: 'posts', count: 8 })
      t.match(body.warnings[0]?.message, "query(User).with('posts')")
      const logged = logs.warnings().filter((line) => /N\+1/.test(line.msg))
      t.equal(logged.length, 1, 'logged once')
      t.match(logged[0], { model: 'User', relationship: 'posts', route: '/posts-one-by-one' })
    })

    await t.test('with() and a batched load() do not warn', async (t) => {
      logs.clear()
      const response = await app.inject('/posts-batched')
      t.same(response.json<{ warnings: unknown[] }>().warnings, [])
      t.equal(logs.warnings().length, 0)
    })

    await t.test('a loop of related() queries warns', async (t) => {
      const response = await app.inject('/related-one-by-one')
      const body = response.json<{ posts: number, warnings: Array<{ kind: string, relationship: string }> }>()
      t.equal(body.posts, 8)
      t.match(body.warnings, [{ kind: 'n+1', relationship: 'posts' }])
    })

    await t.test('five loads are under the default threshold', async (t) => {
      const session = app.db.session()
      t.teardown(() => session.close())
      const users = await session.query(User).orderBy('id').limit(5).all()
      for (const user of users) await session.load(user, 'posts')
      t.same(session.warnings, [])
    })
  })

  await eachDb(t, async (t, database) => {
    await t.test("nPlusOne: 'error' fails the request with NPlusOneError", async (t) => {
      const { app } = await buildApp(t, database, { nPlusOne: 'error', nPlusOneThreshold: 3 })
      const response = await app.inject('/posts-one-by-one')
      t.equal(response.statusCode, 500)
      t.equal(response.json<{ code: string }>().code, 'ORM_N_PLUS_ONE')
      const session = app.db.session()
      t.teardown(() => session.close())
      const users = await session.query(User).orderBy('id').all()
      await t.rejects(async () => { for (const user of users) await session.load(user, 'posts') }, NPlusOneError)
    })
    await t.test('nPlusOne: false never warns', async (t) => {
      const { app, logs } = await buildApp(t, database, { nPlusOne: false })
      const response = await app.inject('/posts-one-by-one')
      t.same(response.json<{ warnings: unknown[] }>().warnings, [])
      t.equal(logs.warnings().length, 0)
    })
  }, ['sqlite'])
})

t.test('slowQueryMs logs slower statements at warn with the route', async (t) => {
  await eachDb(t, async (t, database) => {
    // 0 ms: every statement is slower than that, on any machine.
    const { app, logs } = await buildApp(t, database, { slowQueryMs: 0 })
    const response = await app.inject('/slow')
    const { warnings } = response.json<{ warnings: Array<{ kind: string, sql: string, durationMs: number }> }>()
    t.equal(warnings.length, 1)
    t.match(warnings[0], { kind: 'slow', sql: /select/i })
    const line = logs.warnings().find((entry) => /slow statement/.test(entry.msg))
    t.match(line, { route: '/slow', sql: /select/i })
    t.type(line?.durationMs, 'number')

    await t.test('not logged without slowQueryMs', async (t) => {
      const { app: quiet, logs: quietLogs } = await buildApp(t, database, {})
      await quiet.inject('/slow')
      t.equal(quietLogs.warnings().length, 0)
    })
  })
})

t.test('options are validated', async (t) => {
  for (const [options, message] of [
    [{ nPlusOne: 'loud' }, /nPlusOne option must be/],
    [{ slowQueryMs: -1 }, /slowQueryMs option must be/],
    [{ nPlusOneThreshold: 0 }, /nPlusOneThreshold option must be a positive integer/],
    [{ recordQueries: 'yes' }, /recordQueries option must be true or false/]
  ] as const) {
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(async () => { await app.register(fastifyOrm, { url: 'sqlite://', ...(options as object) }).ready() }, { code: 'ORM_CONFIGURATION', message })
  }
})
