// OpenTelemetry: with @opentelemetry/api installed and an SDK's provider registered, every
// statement is a CLIENT span under the caller's active span, with the database semantic
// conventions' attributes and the SQL's placeholders, never a value. `tracing: false` makes
// none for its engine.
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { inspect } from 'node:util'
import t from 'tap'
import { c, defineModel, type FastifyOrmOptions } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb, type TapTest, type TestDatabase } from '../helpers/databases.ts'

/** A value only ever passed as a parameter: it must appear in no span. */
const SECRET = 'secret-value-123'

// Registered before any engine connects, as an app does (`node --import ./instrumentation.js`).
const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
trace.setGlobalTracerProvider(provider)
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
t.teardown(async () => {
  await provider.shutdown()
  trace.disable()
  context.disable()
})
const tracer = trace.getTracer('tracing-test')

const OtelItem = defineModel('OtelItem', { id: c.integer().primaryKey(), label: c.string(64) })
const models = { OtelItem }

async function otelApp (t: TapTest, db: TestDatabase, options: Omit<FastifyOrmOptions, 'url'> = {}): Promise<FastifyInstance> {
  const app = await buildApp(t, db, { models, createAll: true, ...options })
  app.post('/items', async (request) => {
    const { id } = request.body as { id: number }
    await request.db.transaction(async (session) => {
      session.add(OtelItem, { id, label: SECRET })
    })
    return { ok: true }
  })
  app.get('/items/:id', async (request) => {
    const item = await request.db.get(OtelItem, Number((request.params as { id: string }).id))
    const rows = await request.db.kysely.selectFrom('otel_item').select('id').where('label', '=', SECRET).execute()
    return { found: item !== undefined, count: rows.length }
  })
  app.get('/broken', async (request) => {
    await request.db.kysely.selectFrom('no_such_table' as 'otel_item').selectAll().execute()
    return { ok: true }
  })
  await app.ready()
  return app
}

/** Runs `fn` in a new active span (as an HTTP instrumentation's request span would be) and returns it. */
async function inParentSpan (fn: () => Promise<LightMyRequestResponse>): Promise<{ parent: Span, response: LightMyRequestResponse }> {
  return tracer.startActiveSpan('parent', async (parent) => {
    try {
      return { parent, response: await fn() }
    } finally {
      parent.end()
    }
  })
}

const childrenOf = (parent: Span): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId)

const SYSTEM = { sqlite: 'sqlite', postgres: 'postgresql', mysql: 'mysql' } as const

t.test('statements are CLIENT spans under the active span', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await otelApp(t, db)
    exporter.reset()

    const write = await inParentSpan(() => app.inject({ method: 'POST', url: '/items', payload: { id: 1 } }))
    t.equal(write.response.statusCode, 200)
    const written = childrenOf(write.parent)
    t.same(written.map((span) => span.attributes['db.operation.name']), ['BEGIN', 'INSERT', 'COMMIT'],
      'the transaction shows as its statements: BEGIN, the INSERT, COMMIT')
    const insert = written[1]
    t.ok(insert)
    if (insert === undefined) return
    t.equal(insert.kind, SpanKind.CLIENT)
    t.equal(insert.name, 'INSERT otel_item')
    t.equal(insert.status.code, SpanStatusCode.UNSET)
    t.match(insert.attributes, {
      'db.system.name': SYSTEM[db.dialect],
      'db.system': SYSTEM[db.dialect],
      'db.operation.name': 'INSERT',
      'db.collection.name': 'otel_item',
      'db.query.text': /insert into [`"]otel_item[`"]/
    })
    if (db.dialect === 'sqlite') {
      t.notOk('server.address' in insert.attributes, 'SQLite has no server')
    } else {
      const url = new URL(db.url)
      t.equal(insert.attributes['server.address'], url.hostname)
      t.equal(insert.attributes['server.port'], Number(url.port || (db.dialect === 'postgres' ? 5432 : 3306)))
      t.equal(insert.attributes['db.namespace'], url.pathname.slice(1) || decodeURIComponent(url.username))
    }

    const read = await inParentSpan(() => app.inject({ url: '/items/1' }))
    t.same(read.response.json(), { found: true, count: 1 })
    const selects = childrenOf(read.parent)
    t.equal(selects.length, 2, 'request.db.get (synchronous on SQLite) and the query builder')
    for (const span of selects) {
      t.equal(span.name, 'SELECT otel_item')
      t.equal(span.attributes['db.response.returned_rows'], 1)
      t.equal(span.parentSpanContext?.traceId, read.parent.spanContext().traceId, 'in the parent\'s trace')
    }

    const shown = exporter.getFinishedSpans().map((span) => inspect({ name: span.name, attributes: span.attributes, events: span.events }, { depth: 6 }))
    t.notOk(shown.some((text) => text.includes(SECRET)), `"${SECRET}" appears in no span`)
  })
})

t.test('a failed statement is an ERROR span with error.type', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await otelApp(t, db)
    exporter.reset()
    const { parent, response } = await inParentSpan(() => app.inject({ url: '/broken' }))
    t.equal(response.statusCode, 500)
    const [failed] = childrenOf(parent)
    t.equal(failed?.name, 'SELECT no_such_table')
    t.equal(failed?.status.code, SpanStatusCode.ERROR)
    t.match(failed?.attributes['error.type'], /^ORM_/, 'the OrmError\'s code')
    t.notOk(failed && 'db.response.returned_rows' in failed.attributes)
  })
})

t.test('tracing: false makes no spans for that engine', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await otelApp(t, db, { tracing: false })
    exporter.reset()
    const { parent, response } = await inParentSpan(() => app.inject({ url: '/items/1' }))
    t.equal(response.statusCode, 200)
    t.same(childrenOf(parent), [], 'no database span')
    t.equal(exporter.getFinishedSpans().length, 1, 'only the parent')
  }, ['sqlite'])
})
