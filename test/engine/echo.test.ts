// `echo` (or DATABASE_ECHO): one log line per statement with its SQL, its parameters'
// count (never their values) and its duration, through the request's logger (with its
// reqId) or the app's. Lines are read back from a stream given to Fastify's logger.
import Fastify, { type FastifyInstance } from 'fastify'
import { sql, type Kysely } from 'kysely'
import t, { type Test } from 'tap'
import fastifyOrm, { type FastifyOrmOptions } from '../../src/index.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'
import { PASSWORD_SPELLINGS, withPasswordUser } from '../helpers/password-user.ts'

type Db = Kysely<Record<string, Record<string, unknown>>>

/** A value only ever passed as a parameter: it must never reach the log. */
const SECRET_VALUE = 'echo-secret-Vq93'

interface LogLine {
  level: number
  msg: string
  reqId?: string
  sql?: unknown
  params?: unknown
  durationMs?: unknown
  failed?: unknown
  server?: unknown
}

class LogCapture {
  readonly raw: string[] = []
  readonly stream = { write: (line: string): void => { this.raw.push(line) } }

  get lines (): LogLine[] {
    return this.raw.map((line) => JSON.parse(line) as LogLine)
  }

  /** The echo lines, optionally those of one request (`null`: those of no request). */
  statements (reqId?: string | null): LogLine[] {
    return this.lines.filter((line) => 'sql' in line && (reqId === undefined || (line.reqId ?? null) === reqId))
  }

  clear (): void {
    this.raw.length = 0
  }
}

async function buildApp (t: Test, url: string, options: Omit<FastifyOrmOptions, 'url'>, logs = new LogCapture()): Promise<{ app: FastifyInstance, logs: LogCapture }> {
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  await app.register(fastifyOrm, { url, ...options })
  app.post('/accounts', async (request) => {
    const { id } = request.body as { id: number }
    const db = request.db.kysely as Db
    await db.insertInto('account').values({ id, username: SECRET_VALUE + id, email: `${id}@example.test` }).execute()
    const row = await db.selectFrom('account').select(['id']).where('username', '=', SECRET_VALUE + id).executeTakeFirstOrThrow()
    return { reqId: request.id, id: Number(row.id) }
  })
  app.post('/accounts/in-transaction', async (request) => {
    const { id } = request.body as { id: number }
    await request.db.transaction(async (session) => {
      await (session.kysely as Db).insertInto('account').values({ id, username: SECRET_VALUE + id, email: `${id}@example.test` }).execute()
    })
    return { reqId: request.id }
  })
  app.post('/accounts/route-transaction', { config: { db: { transaction: true } } }, async (request) => {
    const { id } = request.body as { id: number }
    await (request.db.kysely as Db).insertInto('account').values({ id, username: SECRET_VALUE + id, email: `${id}@example.test` }).execute()
    return { reqId: request.id }
  })
  app.post('/accounts/rolled-back', async (request, reply) => {
    const { id } = request.body as { id: number }
    try {
      await request.db.transaction(async (session) => {
        await (session.kysely as Db).insertInto('account').values({ id, username: SECRET_VALUE + id, email: `${id}@example.test` }).execute()
        throw new Error('changed my mind')
      })
    } catch {
      return reply.code(422).send({ reqId: request.id })
    }
  })
  app.post('/accounts/duplicate', async (request) => {
    // a constraint failure: the failed statement is echoed too (the value is not secret here)
    await (request.db.kysely as Db).insertInto('account').values({ id: 1, username: 'dup', email: 'dup@example.test' }).execute()
    return { reqId: request.id }
  })
  app.get('/nothing', async (request) => ({ reqId: request.id }))
  await app.ready()
  t.teardown(() => app.close())
  const db = app.db.kysely as Db
  // several apps share a test's database, one after another
  await db.schema.dropTable('account').ifExists().execute()
  await db.schema.createTable('account')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('username', 'varchar(60)', (c) => c.notNull().unique())
    .addColumn('email', 'varchar(100)', (c) => c.notNull())
    .execute()
  await db.insertInto('account').values({ id: 1, username: 'first', email: 'first@example.test' }).execute()
  return { app, logs }
}

/** Lower-cased SQL of the lines, for order checks. */
const sqlOf = (lines: LogLine[]): string[] => lines.map((line) => String(line.sql).trim().toLowerCase())

function assertStatementLine (t: Test, line: LogLine | undefined, params: number, pattern: RegExp): void {
  if (!line) {
    t.fail(`no echo line for ${String(pattern)}`)
    return
  }
  t.equal(line.msg, 'sql')
  t.equal(line.level, 30, 'info level')
  t.type(line.sql, 'string')
  t.match(String(line.sql).toLowerCase(), pattern)
  t.equal(line.params, params, 'params is the count of parameters')
  t.type(line.durationMs, 'number')
  t.ok(Number.isFinite(line.durationMs) && (line.durationMs as number) >= 0, `durationMs is a non-negative number: ${String(line.durationMs)}`)
  t.type(line.server, 'string', 'names the server that answered')
  t.notMatch(String(line.server), /:(?!\*\*\*@)[^:/@]+@/, 'as a URL without a password in clear')
}

/** Sets environment variables around `fn`, restoring them afterwards. */
async function withEnv<T> (vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]))
  Object.assign(process.env, vars)
  try {
    return await fn()
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

t.test('echo: true logs every statement of a request through the request logger', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, logs } = await buildApp(t, database.url, { echo: true })

    await t.test('one line per statement, with sql, params count, durationMs and reqId', async (t) => {
      logs.clear()
      const response = await app.inject({ method: 'POST', url: '/accounts', payload: { id: 2 } })
      t.equal(response.statusCode, 200)
      const { reqId, id } = response.json<{ reqId: string, id: number }>()
      t.equal(id, 2, 'the route ran its queries')
      const lines = logs.statements(reqId)
      t.equal(lines.length, 2, 'an INSERT and a SELECT')
      t.equal(logs.statements().length, 2, 'and nothing else was echoed')
      assertStatementLine(t, lines[0], 3, /^insert into .*account/)
      assertStatementLine(t, lines[1], 1, /^select .*from .*account/)
      t.equal(lines[0]?.reqId, reqId, 'the request\'s id')
      t.notOk(logs.raw.some((line) => line.includes(SECRET_VALUE)), 'no parameter value appears anywhere in the log')
    })

    await t.test('a session transaction echoes BEGIN and COMMIT', async (t) => {
      logs.clear()
      const response = await app.inject({ method: 'POST', url: '/accounts/in-transaction', payload: { id: 3 } })
      t.equal(response.statusCode, 200)
      const lines = logs.statements(response.json<{ reqId: string }>().reqId)
      t.match(sqlOf(lines), [/^begin/, /^insert into/, /^commit/])
      t.equal(lines.length, 3)
      assertStatementLine(t, lines[0], 0, /^begin/)
      assertStatementLine(t, lines[2], 0, /^commit$/)
      t.notOk(logs.raw.some((line) => line.includes(SECRET_VALUE)))
    })

    await t.test('a route transaction (config.db.transaction) echoes BEGIN and COMMIT', async (t) => {
      logs.clear()
      const response = await app.inject({ method: 'POST', url: '/accounts/route-transaction', payload: { id: 4 } })
      t.equal(response.statusCode, 200)
      const lines = logs.statements(response.json<{ reqId: string }>().reqId)
      t.match(sqlOf(lines), [/^begin/, /^insert into/, /^commit$/])
      t.equal(lines.length, 3)
    })

    await t.test('a rolled-back transaction echoes ROLLBACK', async (t) => {
      logs.clear()
      const response = await app.inject({ method: 'POST', url: '/accounts/rolled-back', payload: { id: 5 } })
      t.equal(response.statusCode, 422)
      const lines = logs.statements(response.json<{ reqId: string }>().reqId)
      t.match(sqlOf(lines), [/^begin/, /^insert into/, /^rollback$/])
      t.equal(lines.length, 3)
    })

    await t.test('a failing statement is echoed and marked failed', async (t) => {
      logs.clear()
      const response = await app.inject({ method: 'POST', url: '/accounts/duplicate' })
      t.equal(response.statusCode, 409)
      const lines = logs.statements()
      t.equal(lines.length, 1)
      assertStatementLine(t, lines[0], 3, /^insert into/)
      t.equal(lines[0]?.failed, true)
      t.type(lines[0]?.reqId, 'string', 'logged through the request\'s logger')
    })

    await t.test('a request that never touches request.db echoes nothing', async (t) => {
      logs.clear()
      const response = await app.inject({ method: 'GET', url: '/nothing' })
      t.equal(response.statusCode, 200)
      t.ok(logs.lines.some((line) => line.reqId === response.json<{ reqId: string }>().reqId), 'the request itself was logged')
      t.same(logs.statements(), [])
    })

    await t.test('app.db.kysely echoes through the app logger', async (t) => {
      logs.clear()
      const db = app.db.kysely as Db
      const rows = await db.selectFrom('account').select('id').where('username', '=', SECRET_VALUE + 2).execute()
      t.same(rows.map((row) => Number(row.id)), [2])
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('account').set({ email: 'changed@example.test' }).where('id', '=', 2).execute()
      })
      const lines = logs.statements()
      t.equal(lines.length, 4)
      assertStatementLine(t, lines[0], 1, /^select/)
      t.match(sqlOf(lines), [/^select/, /^begin/, /^update/, /^commit$/])
      assertStatementLine(t, lines[2], 2, /^update/)
      t.notOk(lines.some((line) => 'reqId' in line), 'no request id outside a request')
      t.notOk(logs.raw.some((line) => line.includes(SECRET_VALUE)))
    })

    await t.test('app.db.session() echoes through the app logger', async (t) => {
      logs.clear()
      const session = app.db.session()
      try {
        const found = await (session.kysely as Db).selectFrom('account').select('id').where('id', '=', 1).execute()
        t.same(found.map((row) => Number(row.id)), [1])
        await session.transaction(async (s) => {
          await (s.kysely as Db).insertInto('account').values({ id: 6, username: SECRET_VALUE + 6, email: '6@example.test' }).execute()
        })
      } finally {
        await session.close()
      }
      const lines = logs.statements()
      t.match(sqlOf(lines), [/^select/, /^begin/, /^insert into/, /^commit$/])
      t.equal(lines.length, 4)
      assertStatementLine(t, lines[3], 0, /^commit$/)
      t.notOk(lines.some((line) => 'reqId' in line))
      t.notOk(logs.raw.some((line) => line.includes(SECRET_VALUE)))
    })

    if (database.dialect !== 'postgres') {
      // (PostgreSQL streams need pg-cursor in the dialect config, which fastify-orm does not set)
      await t.test('a streamed query is echoed once', async (t) => {
        logs.clear()
        const ids: number[] = []
        for await (const row of (app.db.kysely as Db).selectFrom('account').select('id').where('id', '>', 0).orderBy('id').stream()) {
          ids.push(Number(row.id))
        }
        t.ok(ids.length > 0)
        const lines = logs.statements()
        t.equal(lines.length, 1)
        assertStatementLine(t, lines[0], 1, /^select/)
      })
    }
  })
})

t.test('without echo there are no statement lines', async (t) => {
  await eachDb(t, async (t, database) => {
    for (const [name, options, env] of [
      ['option absent, DATABASE_ECHO unset', {}, {}],
      ['echo: false wins over DATABASE_ECHO=1', { echo: false }, { DATABASE_ECHO: '1' }],
      ['DATABASE_ECHO=0', {}, { DATABASE_ECHO: '0' }]
    ] as const) {
      await t.test(name, async (t) => {
        const saved = process.env.DATABASE_ECHO
        delete process.env.DATABASE_ECHO
        t.teardown(() => { if (saved !== undefined) process.env.DATABASE_ECHO = saved })
        const { app, logs } = await withEnv(env, () => buildApp(t, database.url, options))
        logs.clear()
        const response = await app.inject({ method: 'POST', url: '/accounts/in-transaction', payload: { id: 2 } })
        t.equal(response.statusCode, 200)
        t.same(await (app.db.kysely as Db).selectFrom('account').select('id').where('id', '=', 2).execute(), [{ id: 2 }], 'the queries ran')
        const session = app.db.session()
        await session.kysely.selectFrom('account').selectAll().execute()
        await session.close()
        t.ok(logs.raw.length > 0, 'the app did log its requests')
        t.same(logs.statements(), [], 'but no statement')
        t.notOk(logs.raw.some((line) => line.includes('"msg":"sql"')))
      })
    }
  })
})

t.test('DATABASE_ECHO turns echo on when the option is absent', async (t) => {
  await eachDb(t, async (t, database) => {
    for (const value of ['1', 'true']) {
      await t.test(`DATABASE_ECHO=${value}`, async (t) => {
        const before = process.env.DATABASE_ECHO
        const { app, logs } = await withEnv({ DATABASE_ECHO: value }, () => buildApp(t, database.url, {}))
        t.equal(process.env.DATABASE_ECHO, before, 'the environment is restored')
        logs.clear()
        const response = await app.inject({ method: 'POST', url: '/accounts', payload: { id: 2 } })
        t.equal(response.statusCode, 200)
        const lines = logs.statements(response.json<{ reqId: string }>().reqId)
        t.equal(lines.length, 2)
        assertStatementLine(t, lines[0], 3, /^insert into/)
        assertStatementLine(t, lines[1], 1, /^select/)
        logs.clear()
        await (app.db.kysely as Db).selectFrom('account').selectAll().execute()
        t.equal(logs.statements(null).length, 1, 'app.db.kysely too')
      })
    }
  })
})

t.test('the password appears in no log line: registration, queries, errors', async (t) => {
  await eachDb(t, async (t, database: TestDatabase) => {
    const user = await withPasswordUser(database)
    if (!user) throw new Error('PostgreSQL and MySQL URLs carry a password user')
    t.teardown(user.drop)
    const logs = new LogCapture()
    const { app } = await buildApp(t, user.url, { echo: true }, logs)
    app.log.info({ database: app.db.redactedUrl }, 'the redacted URL, as an app would log it')
    for (const id of [2, 3]) await app.inject({ method: 'POST', url: '/accounts/in-transaction', payload: { id } })
    t.equal((await app.inject({ method: 'POST', url: '/accounts/duplicate' })).statusCode, 409)
    await t.rejects(sql`selec ${SECRET_VALUE}`.execute(app.db.kysely))
    // a failed registration with the same credentials logs through the same stream
    const broken = new URL(user.url)
    broken.pathname = '/orm_no_such_database_vq'
    const failing = Fastify({ logger: { level: 'info', stream: logs.stream } })
    failing.register(fastifyOrm, { url: broken.toString(), echo: true })
    await t.rejects(async () => { await failing.ready() })
    await failing.close().catch(() => undefined)

    t.ok(logs.statements().length >= 8, 'statements were echoed')
    t.ok(logs.raw.some((line) => line.includes(':***@')), 'app.db.redactedUrl, which apps log, hides the password')
    for (const spelling of PASSWORD_SPELLINGS) {
      t.notOk(logs.raw.some((line) => line.includes(spelling)), `no log line contains ${spelling}`)
    }
  }, ['postgres', 'mysql'])
})
