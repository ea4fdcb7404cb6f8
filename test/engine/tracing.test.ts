// Tracing on diagnostics_channel: every statement on `fastify-orm:query`, transaction
// commands on `fastify-orm:transaction`, with the SQL's placeholders and never a value;
// failures published as the caller gets them; nothing built while nobody subscribes.
import diagnostics from 'node:diagnostics_channel'
import { inspect } from 'node:util'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import type { Kysely } from 'kysely'
import { c, defineModel, ForeignKeyViolationError, OrmError, QUERY_CHANNEL, TRANSACTION_CHANNEL, type QueryMessage, type TransactionMessage } from '../../src/index.ts'
import { StatementTracing } from '../../src/engine/statement-tracing.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'

/** A value only ever passed as a parameter: it must appear in no message. */
const SECRET = 'secret-value-123'

const TraceItem = defineModel('TraceItem', { id: c.integer().primaryKey(), label: c.string(64) })
const TraceGhost = defineModel('TraceGhost', { id: c.integer().primaryKey(), label: c.string(64) })
const models = { TraceItem, TraceGhost }

type EventName = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error'
const EVENTS: readonly EventName[] = ['start', 'end', 'asyncStart', 'asyncEnd', 'error']

interface Recorded<M> {
  readonly event: EventName
  readonly message: M
  /** Everything the message showed when it was published, errors' causes included. */
  readonly shown: string
}

/** Subscribes to a tracing channel until the test ends. */
function record<M extends object> (t: Test, name: string): Array<Recorded<M>> {
  const channel = diagnostics.tracingChannel<unknown, M>(name)
  const events: Array<Recorded<M>> = []
  const handlers = Object.fromEntries(EVENTS.map((event) => [event, (message: M) => {
    events.push({ event, message, shown: inspect(message, { depth: 8, showHidden: true }) })
  }])) as Record<EventName, (message: M) => void>
  channel.subscribe(handlers)
  t.teardown(() => { channel.unsubscribe(handlers) })
  return events
}

async function tracedApp (t: Test, db: TestDatabase): Promise<FastifyInstance> {
  const app = await buildApp(t, db, { models, createAll: true })
  app.post('/items', async (request) => {
    const { id } = request.body as { id: number }
    request.db.add(TraceItem, { id, label: SECRET })
    await request.db.commit()
    return { ok: true }
  })
  app.get('/items/:id', async (request) => {
    const item = await request.db.get(TraceItem, Number((request.params as { id: string }).id))
    return { found: item !== undefined }
  })
  app.get('/by-label', async (request) => {
    const rows = await request.db.kysely.selectFrom('trace_item').select('id').where('label', '=', SECRET).execute()
    return { count: rows.length }
  })
  app.post('/items/in-transaction', async (request) => {
    const { id } = request.body as { id: number }
    await request.db.transaction(async (session) => {
      await session.kysely.insertInto('trace_item').values({ id, label: SECRET }).execute()
    })
    return { ok: true }
  })
  app.get('/ghost', async (request) => {
    await request.db.get(TraceGhost, 1)
    return { ok: true }
  })
  app.get('/missing-table', async (request) => {
    await request.db.kysely.selectFrom('no_such_table' as 'trace_item').selectAll().execute()
    return { ok: true }
  })
  app.post('/nested', async (request) => {
    await request.db.begin()
    await request.db.kysely.insertInto('trace_item').values({ id: 10, label: SECRET }).execute()
    await request.db.transaction(async (session) => {
      await session.kysely.insertInto('trace_item').values({ id: 11, label: SECRET }).execute()
      throw new Error('undo the savepoint')
    }).catch(() => undefined)
    await request.db.rollback()
    return { ok: true }
  })
  await app.ready()
  return app
}

const EXPECTED_SYSTEM = { sqlite: 'sqlite', postgres: 'postgresql', mysql: 'mysql' } as const

/** The database name and server the messages of `db` carry. */
function expectedTarget (db: TestDatabase): { database: string | undefined, server: string } {
  if (db.dialect === 'sqlite') {
    const file = db.url.slice('sqlite:///'.length)
    return { database: file.slice(file.lastIndexOf('/') + 1), server: file }
  }
  const url = new URL(db.url)
  const port = url.port === '' ? (db.dialect === 'postgres' ? '5432' : '3306') : url.port
  const database = url.pathname.slice(1) || (db.dialect === 'postgres' ? decodeURIComponent(url.username) : undefined)
  return { database, server: `${url.hostname}:${port}` }
}

function events<M> (recorded: Array<Recorded<M>>, message: M): EventName[] {
  return recorded.filter((entry) => entry.message === message).map((entry) => entry.event)
}

t.test('statements and transactions are published with their SQL, never their values', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await tracedApp(t, db)
    const queries = record<QueryMessage>(t, QUERY_CHANNEL)
    const transactions = record<TransactionMessage>(t, TRANSACTION_CHANNEL)
    const target = { dialect: EXPECTED_SYSTEM[db.dialect], ...expectedTarget(db) }

    t.equal((await app.inject({ method: 'POST', url: '/items', payload: { id: 1 } })).statusCode, 200)
    const insert = queries.find((entry) => entry.event === 'start' && entry.message.operation === 'INSERT')?.message
    t.ok(insert, 'the INSERT is published')
    if (insert === undefined) return
    t.match(insert, { ...target, table: 'trace_item', parameterCount: 2 })
    t.match(insert.sql, /insert into [`"]trace_item[`"]/)
    t.notOk(insert.sql.includes(SECRET), 'the SQL has placeholders')
    t.equal(insert.error, undefined)
    // INSERT … RETURNING reports the rows it returned; MySQL's INSERT, the rows it changed.
    t.equal(insert.affectedRows ?? insert.rows, 1, 'rows, on end')

    queries.length = 0
    t.equal((await app.inject({ url: '/items/1' })).statusCode, 200)
    const get = queries.find((entry) => entry.event === 'start' && entry.message.operation === 'SELECT')?.message
    t.ok(get, 'the SELECT of request.db.get is published')
    if (get === undefined) return
    t.match(get, { ...target, table: 'trace_item', parameterCount: 1, rows: 1 })
    // SQLite runs it synchronously (traceSync): no async events.
    t.same(events(queries, get), db.dialect === 'sqlite' ? ['start', 'end'] : ['start', 'end', 'asyncStart', 'asyncEnd'])

    queries.length = 0
    t.same((await app.inject({ url: '/by-label' })).json(), { count: 1 })
    const byLabel = queries.find((entry) => entry.event === 'start')?.message
    t.match(byLabel, { ...target, operation: 'SELECT', table: 'trace_item', parameterCount: 1, rows: 1 })
    t.same(events(queries, byLabel), ['start', 'end', 'asyncStart', 'asyncEnd'], 'a query-builder statement is traced as a promise')

    queries.length = 0
    t.equal((await app.inject({ method: 'POST', url: '/items/in-transaction', payload: { id: 2 } })).statusCode, 200)
    const started = transactions.filter((entry) => entry.event === 'start').map((entry) => entry.message)
    t.same(started.map((message) => message.action), ['begin', 'commit'], 'BEGIN and COMMIT, in order')
    for (const message of started) {
      t.match(message, target)
      t.same(events(transactions, message), ['start', 'end', 'asyncStart', 'asyncEnd'])
    }
    const operations = queries.filter((entry) => entry.event === 'start').map((entry) => entry.message.operation)
    t.ok(operations.includes('INSERT'), 'the INSERT inside the transaction is published')

    const shown = [...queries, ...transactions].map((entry) => entry.shown + inspect(entry.message, { depth: 8, showHidden: true }))
    t.ok(shown.length > 0)
    t.notOk(shown.some((text) => text.includes(SECRET)), `"${SECRET}" appears in no message`)
    const password = db.dialect === 'sqlite' ? '' : decodeURIComponent(new URL(db.url).password)
    if (password !== '') t.notOk(shown.some((text) => text.includes(password)), 'nor does the password')
  })
})

t.test('a failing statement is published with the error the caller gets', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await tracedApp(t, db)
    await app.db.kysely.schema.dropTable('trace_ghost').execute()
    const queries = record<QueryMessage>(t, QUERY_CHANNEL)

    t.equal((await app.inject({ url: '/missing-table' })).statusCode, 500)
    const failed = queries.find((entry) => entry.event === 'error')?.message
    t.ok(failed, 'the error is published')
    t.match(failed?.sql, /no_such_table/)
    t.ok(failed?.error instanceof OrmError, 'the error is the translated OrmError')
    t.equal(failed?.rows, undefined, 'no rows on failure')
    t.same(failed && events(queries, failed), ['start', 'end', 'error', 'asyncStart', 'asyncEnd'], 'a promise fails after end')

    queries.length = 0
    t.equal((await app.inject({ url: '/ghost' })).statusCode, 500)
    const ghost = queries.find((entry) => entry.event === 'error')?.message
    t.ok(ghost?.error instanceof OrmError, 'request.db.get on a missing table: the OrmError')
    t.same(ghost && events(queries, ghost), db.dialect === 'sqlite' ? ['start', 'error', 'end'] : ['start', 'end', 'error', 'asyncStart', 'asyncEnd'], 'SQLite fails synchronously')
  })
})

t.test('a savepoint and a rollback are published on the transaction channel', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await tracedApp(t, db)
    const transactions = record<TransactionMessage>(t, TRANSACTION_CHANNEL)
    t.equal((await app.inject({ method: 'POST', url: '/nested' })).statusCode, 200)
    const started = transactions.filter((entry) => entry.event === 'start').map((entry) => entry.message)
    t.same(started.map((message) => message.action), ['begin', 'savepoint', 'rollbackToSavepoint', 'rollback'])
    t.equal(started[1]?.savepoint, started[2]?.savepoint, 'the savepoint is named')
    t.notOk(transactions.some((entry) => entry.shown.includes(SECRET)))
  })
})

t.test('a streamed query is traced until its last row', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await tracedApp(t, db)
    await app.db.kysely.insertInto('trace_item').values([1, 2, 3].map((id) => ({ id, label: SECRET }))).execute()
    const queries = record<QueryMessage>(t, QUERY_CHANNEL)
    let seen = 0
    for await (const row of app.db.kysely.selectFrom('trace_item').select('id').where('label', '=', SECRET).stream(2)) {
      if (row.id !== undefined) seen++
    }
    t.equal(seen, 3)
    const stream = queries.find((entry) => entry.event === 'start')?.message
    t.match(stream, { operation: 'SELECT', table: 'trace_item', parameterCount: 1, rows: 3 })
    t.same(stream && events(queries, stream), ['start', 'end', 'asyncStart', 'asyncEnd'])
    t.notOk(queries.some((entry) => entry.shown.includes(SECRET)))
  })
})

t.test('nothing is built while nobody subscribes', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await tracedApp(t, db)
    // Count the calls into tracing: the driver must not reach it without subscribers.
    let calls = 0
    const methods = ['tracePromise', 'traceSync', 'traceStream', 'traceTransaction'] as const
    const prototype = StatementTracing.prototype as unknown as Record<string, (...args: unknown[]) => unknown>
    for (const name of methods) {
      const original = prototype[name]!
      prototype[name] = function (this: unknown, ...args: unknown[]) {
        calls++
        return original.apply(this, args)
      }
      t.teardown(() => { prototype[name] = original })
    }
    const exercise = async (id: number): Promise<void> => {
      t.equal((await app.inject({ method: 'POST', url: '/items/in-transaction', payload: { id } })).statusCode, 200)
      t.equal((await app.inject({ url: `/items/${id}` })).statusCode, 200)
      t.equal((await app.inject({ url: '/by-label' })).statusCode, 200)
    }
    t.notOk(diagnostics.tracingChannel(QUERY_CHANNEL).hasSubscribers, 'no subscriber left by another test')
    await exercise(20)
    t.equal(calls, 0, 'no subscriber: tracing is never called')

    const queries = record<QueryMessage>(t, QUERY_CHANNEL)
    await exercise(21)
    t.ok(calls > 0, 'with a subscriber it is')
    t.ok(queries.length > 0)
  })
})

t.test('a failing COMMIT is published on the transaction channel with its error', async (t) => {
  // PostgreSQL alone defers a foreign key to COMMIT.
  await eachDb(t, async (t, db) => {
    const app = await tracedApp(t, db)
    await app.db.kysely.schema.createTable('trace_parent').addColumn('id', 'integer', (c) => c.primaryKey()).execute()
    await app.db.kysely.schema.createTable('trace_child')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('parent_id', 'integer', (c) => c.notNull())
      .addForeignKeyConstraint('trace_child_parent_fk', ['parent_id'], 'trace_parent', ['id'], (fk) => fk.deferrable().initiallyDeferred())
      .execute()
    const transactions = record<TransactionMessage>(t, TRANSACTION_CHANNEL)
    const session = app.db.session()
    t.teardown(() => session.close())
    await session.begin()
    await (session.kysely as unknown as Kysely<Record<string, { id: number, parent_id: number }>>).insertInto('trace_child').values({ id: 1, parent_id: 404 }).execute()
    await t.rejects(session.commit(), ForeignKeyViolationError)
    const commit = transactions.find((entry) => entry.event === 'error')?.message
    t.equal(commit?.action, 'commit')
    t.ok(commit?.error instanceof ForeignKeyViolationError, 'the error the caller gets')
    t.same(transactions.filter((entry) => entry.event === 'start').map((entry) => entry.message.action), ['begin', 'commit', 'rollback'],
      'the failed COMMIT is followed by a ROLLBACK')
  }, ['postgres'])
})
