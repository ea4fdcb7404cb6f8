// Database errors reach HTTP clients as Fastify's { statusCode, error, message }:
// 409 unique / foreign key, 400 not-null / check, and 500s that leak no SQL, no parameter
// values and no password. PostgreSQL and MySQL connect as a user with a password.
import Fastify, { type FastifyInstance } from 'fastify'
import { sql, type Kysely } from 'kysely'
import t, { type Test } from 'tap'
import fastifyOrm, { ConnectionError } from '../../src/index.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'
import { PASSWORD_SPELLINGS, withPasswordUser } from '../helpers/password-user.ts'

type Db = Kysely<Record<string, Record<string, unknown>>>
type Row = Record<string, unknown>

const TAKEN_USERNAME = 'taken-user-Hx42'
const SECRET_PARAM = 'secret-param-Hx42'
const MISSING_PARENT = 535353

interface LogCapture {
  lines: string[]
  stream: { write: (line: string) => void }
}

function captureLogs (): LogCapture {
  const lines: string[] = []
  return { lines, stream: { write: (line: string) => { lines.push(line) } } }
}

/** The URL to use: with a password user on PostgreSQL and MySQL, the plain one on SQLite. */
async function databaseUrl (t: Test, database: TestDatabase): Promise<{ url: string, password: boolean }> {
  const user = await withPasswordUser(database)
  if (!user) return { url: database.url, password: false }
  t.teardown(user.drop)
  return { url: user.url, password: true }
}

async function buildApp (t: Test, url: string, logs: LogCapture): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  await app.register(fastifyOrm, { url })

  app.post('/accounts', async (request, reply) => {
    await request.db.kysely.insertInto('account').values(request.body as Row).execute()
    return reply.code(201).send({ ok: true })
  })
  app.patch('/accounts/:id', async (request) => {
    const { id } = request.params as { id: string }
    await request.db.kysely.updateTable('account').set(request.body as Row).where('id', '=', Number(id)).execute()
    return { ok: true }
  })
  app.delete('/accounts/:id', async (request, reply) => {
    const { id } = request.params as { id: string }
    await request.db.kysely.deleteFrom('account').where('id', '=', Number(id)).execute()
    return reply.code(204).send()
  })
  app.post('/posts', async (request, reply) => {
    await request.db.kysely.insertInto('post').values(request.body as Row).execute()
    return reply.code(201).send({ ok: true })
  })
  // both rows in one route-level transaction: a failure on the second undoes the first
  app.post('/account-pairs', { config: { db: { transaction: true } } }, async (request, reply) => {
    const { first, second } = request.body as { first: Row, second: Row }
    await request.db.kysely.insertInto('account').values(first).execute()
    await request.db.kysely.insertInto('account').values(second).execute()
    return reply.code(201).send({ ok: true })
  })
  app.post('/account-pairs/session-transaction', async (request, reply) => {
    const { first, second } = request.body as { first: Row, second: Row }
    await request.db.transaction(async (db) => {
      await db.kysely.insertInto('account').values(first).execute()
      await db.kysely.insertInto('account').values(second).execute()
    })
    return reply.code(201).send({ ok: true })
  })
  app.get('/broken/syntax', async (request) => {
    await sql`selec * from account where username = ${SECRET_PARAM}`.execute(request.db.kysely)
    return { ok: true }
  })
  app.get('/broken/table', async (request) => {
    return request.db.kysely.selectFrom('no_such_table_hx').selectAll().where('secret', '=', SECRET_PARAM).execute()
  })
  app.get('/broken/column', async (request) => {
    return request.db.kysely.selectFrom('account').select('no_such_column_hx').where('username', '=', SECRET_PARAM).execute()
  })
  app.get('/accounts/count', async (request) => {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from account`.execute(request.db.kysely)
    return { count: Number(rows[0]?.n) }
  })

  await app.ready()
  t.teardown(() => app.close())
  const db = app.db.kysely as Db
  await db.schema.createTable('account')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('username', 'varchar(60)', (c) => c.notNull())
    .addColumn('email', 'varchar(100)', (c) => c.notNull())
    .addColumn('price', 'integer')
    .addUniqueConstraint('account_username_uq', ['username'])
    .addCheckConstraint('account_price_positive', sql`price >= 0`)
    .execute()
  await db.schema.createTable('post')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addForeignKeyConstraint('post_account_fk', ['account_id'], 'account', ['id'])
    .execute()
  await db.insertInto('account').values({ id: 1, username: TAKEN_USERNAME, email: 'taken@example.test' }).execute()
  await db.insertInto('post').values({ id: 1, account_id: 1 }).execute()
  return app
}

interface ErrorBody { statusCode: number, error: string, message: string }

function assertErrorBody (t: Test, response: { statusCode: number, body: string, json: () => unknown }, statusCode: number, error: string, message: RegExp, hidden: string[]): ErrorBody {
  t.equal(response.statusCode, statusCode, `status ${statusCode}: ${response.body}`)
  const body = response.json() as ErrorBody
  t.match(body, { statusCode, error, message }, 'Fastify\'s error body')
  t.type(body.message, 'string')
  for (const value of hidden) t.notOk(response.body.includes(value), `the body does not contain ${value}`)
  return body
}

t.test('constraint violations and database errors as HTTP responses', async (t) => {
  await eachDb(t, async (t, database) => {
    const logs = captureLogs()
    const { url, password } = await databaseUrl(t, database)
    const app = await buildApp(t, url, logs)
    const count = async (): Promise<number> => (await app.inject({ method: 'GET', url: '/accounts/count' })).json<{ count: number }>().count

    await t.test('unique violation → 409', async (t) => {
      const response = await app.inject({ method: 'POST', url: '/accounts', payload: { id: 2, username: TAKEN_USERNAME, email: 'dup@example.test' } })
      const body = assertErrorBody(t, response, 409, 'Conflict', /^Unique constraint violated: /, [TAKEN_USERNAME, 'dup@example.test'])
      t.match(body.message, database.dialect === 'mysql' ? /account_username_uq/ : /account\.username/, 'names the column or constraint')
      const pk = await app.inject({ method: 'POST', url: '/accounts', payload: { id: 1, username: 'pk-user-Hx42', email: 'pk@example.test' } })
      assertErrorBody(t, pk, 409, 'Conflict', /^Unique constraint violated: /, ['pk-user-Hx42'])
      const update = await app.inject({ method: 'POST', url: '/accounts', payload: { id: 3, username: 'free-user', email: 'free@example.test' } })
      t.equal(update.statusCode, 201)
      const renamed = await app.inject({ method: 'PATCH', url: '/accounts/3', payload: { username: TAKEN_USERNAME } })
      assertErrorBody(t, renamed, 409, 'Conflict', /^Unique constraint violated: /, [TAKEN_USERNAME])
    })

    await t.test('foreign key violation on insert → 409', async (t) => {
      const response = await app.inject({ method: 'POST', url: '/posts', payload: { id: 2, account_id: MISSING_PARENT } })
      assertErrorBody(t, response, 409, 'Conflict', /^Foreign key constraint violated/, [String(MISSING_PARENT)])
    })

    await t.test('foreign key violation on deleting a referenced row → 409', async (t) => {
      const response = await app.inject({ method: 'DELETE', url: '/accounts/1' })
      assertErrorBody(t, response, 409, 'Conflict', /^Foreign key constraint violated/, [TAKEN_USERNAME])
      t.equal(await count(), 2, 'the account is still there')
    })

    await t.test('not-null violation → 400 naming the column', async (t) => {
      const missing = await app.inject({ method: 'POST', url: '/accounts', payload: { id: 4, username: 'no-email-Hx42' } })
      assertErrorBody(t, missing, 400, 'Bad Request', /^Not-null constraint violated: (account\.)?email must have a value$/, ['no-email-Hx42'])
      const explicit = await app.inject({ method: 'POST', url: '/accounts', payload: { id: 4, username: 'null-email-Hx42', email: null } })
      assertErrorBody(t, explicit, 400, 'Bad Request', /email must have a value$/, ['null-email-Hx42'])
    })

    await t.test('check violation → 400', async (t) => {
      const response = await app.inject({ method: 'POST', url: '/accounts', payload: { id: 5, username: 'check-user-Hx42', email: 'c@example.test', price: -98765 } })
      assertErrorBody(t, response, 400, 'Bad Request', /^Check constraint violated: constraint "account_price_positive"$/, ['check-user-Hx42', '98765'])
    })

    await t.test('other database errors → 500 without SQL, parameters or password', async (t) => {
      for (const path of ['/broken/syntax', '/broken/table', '/broken/column']) {
        const response = await app.inject({ method: 'GET', url: path })
        const hidden = [SECRET_PARAM, 'selec', 'select', 'SELECT', 'account', 'no_such_table_hx', 'no_such_column_hx', 'syntax', ...(password ? PASSWORD_SPELLINGS : [])]
        const body = assertErrorBody(t, response, 500, 'Internal Server Error', /^Database error; see the server log for details$/, hidden)
        t.same(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], `${path}: nothing but the error's summary`)
      }
    })

    await t.test('a violation in a route transaction → 409 and the transaction is rolled back', async (t) => {
      const before = await count()
      const response = await app.inject({
        method: 'POST',
        url: '/account-pairs',
        payload: { first: { id: 10, username: 'pair-one', email: 'p1@example.test' }, second: { id: 11, username: TAKEN_USERNAME, email: 'p2@example.test' } }
      })
      assertErrorBody(t, response, 409, 'Conflict', /^Unique constraint violated: /, [TAKEN_USERNAME])
      t.equal(await count(), before, 'the first row was rolled back')
      const ok = await app.inject({
        method: 'POST',
        url: '/account-pairs',
        payload: { first: { id: 10, username: 'pair-one', email: 'p1@example.test' }, second: { id: 11, username: 'pair-two', email: 'p2@example.test' } }
      })
      t.equal(ok.statusCode, 201, 'the same route commits when nothing fails')
      t.equal(await count(), before + 2)
    })

    await t.test('a violation in request.db.transaction() → 400 and rolled back', async (t) => {
      const before = await count()
      const response = await app.inject({
        method: 'POST',
        url: '/account-pairs/session-transaction',
        payload: { first: { id: 20, username: 'tx-one', email: 't1@example.test' }, second: { id: 21, username: 'tx-two' } }
      })
      assertErrorBody(t, response, 400, 'Bad Request', /email must have a value$/, ['tx-two'])
      t.equal(await count(), before)
    })

    await t.test('the password is in no log line', async (t) => {
      t.ok(logs.lines.some((line) => /"statusCode":500/.test(line) || /"level":50/.test(line)), 'the 500s were logged')
      if (!password) return
      for (const spelling of PASSWORD_SPELLINGS) {
        t.notOk(logs.lines.some((line) => line.includes(spelling)), `no log line contains ${spelling}`)
      }
    })
  })
})

t.test('a registration failure names the URL without its password', async (t) => {
  await eachDb(t, async (t, database) => {
    const user = await withPasswordUser(database)
    if (!user) throw new Error('PostgreSQL and MySQL URLs carry a password user')
    t.teardown(user.drop)
    const logs = captureLogs()
    const url = new URL(user.url)
    url.pathname = '/orm_no_such_database_hx'
    const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
    app.register(fastifyOrm, { url: url.toString() })
    let error: unknown
    try {
      await app.ready()
    } catch (err) {
      error = err
    }
    t.ok(error instanceof ConnectionError, `ConnectionError, got ${String(error)}`)
    const message = (error as Error).message
    t.match(message, /:\*\*\*@/, 'the URL is shown with *** for the password')
    t.match(message, /orm_no_such_database_hx/, 'and names the database')
    for (const spelling of PASSWORD_SPELLINGS) {
      t.notOk(message.includes(spelling), `the message does not contain ${spelling}`)
      t.notOk(logs.lines.some((line) => line.includes(spelling)), `no log line contains ${spelling}`)
    }
    await app.close().catch(() => undefined)
  }, ['postgres', 'mysql'])
})
