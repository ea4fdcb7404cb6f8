// npm run bench:topology -- [--batches 9] [--requests 2000] [--concurrency 10] [--sessions 100000]
//
// A read-heavy route mix (90 % GET /items/:id, 10 % POST /items) on a real topology that
// this script starts and removes: a private PostgreSQL 15 primary and a streaming standby
// (pg_basebackup -R), and PgBouncer (transaction mode) in front of the primary. Variants:
// fastify-orm on the primary alone, with the standby as a read replica (routing and health
// checks on; reads answered by the standby), and through PgBouncer (`?pgbouncer=true`,
// another database of the same server with the same rows). All apps
// live in this process and are driven through app.inject in alternating batches; the
// figure is this process's CPU µs per request, so the ratio shows what routing costs the
// app, not the servers' work (on one machine a replica adds no throughput). Batches of
// whole requests move by ±10 % between runs, so what routing and the health checks cost is
// also measured on the session path alone (`app.db.session()`, `get`, `close()`), the
// primary-only app and the app with the replica taking turns one session at a time, and
// the microseconds added are divided by the primary-only app's CPU per request.
//
// Needs the PostgreSQL 15 server binaries, the `postgres` OS user and /usr/sbin/pgbouncer,
// as the replica and PgBouncer tests do.
import { parseArgs } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyOrm, { c, defineModel } from 'fastify-orm'
import { sql } from 'kysely'
import { startPrivatePgbouncer } from '../test/helpers/private-pgbouncer.ts'
import { startPrivatePostgres, startPrivateStandby } from '../test/helpers/private-servers.ts'
import { measureInject, type InjectMeasurement } from './lib/inject-runner.ts'
import { median, rotate, round } from './lib/math.ts'
import { formatColumns } from './lib/report.ts'
import { interleavedSessions } from './lib/session-loop.ts'
import type { BenchRequest } from './lib/scenario.ts'

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '9' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '10' },
    sessions: { type: 'string', default: '100000' }
  }
})
const settings = { batches: Number(values.batches), requests: Number(values.requests), concurrency: Number(values.concurrency) }
const ROWS = 10_000
const POOL_MAX = 10

const Item = defineModel('Item', {
  id: c.integer().primaryKey(),
  name: c.string(100),
  quantity: c.integer()
}, { tableName: 'bench_topology_item' })

async function ormApp (url: string, replicas: string[]): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  await app.register(fastifyOrm, { url, replicas, models: { Item }, pool: { max: POOL_MAX }, recordQueries: false, nPlusOne: false })
  app.get<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
    const item = await request.db.get(Item, Number(request.params.id))
    return item ?? reply.code(404).send({ error: 'Not Found' })
  })
  app.post<{ Body: { name: string } }>('/items', async (request, reply) => {
    const item = request.db.add(Item, { name: request.body.name, quantity: 1 })
    await request.db.commit()
    return reply.code(201).send(item)
  })
  await app.ready()
  return app
}

/** The table with ROWS rows, its key's sequence past them (for the POSTs), analysed. */
async function seedItems (url: string): Promise<void> {
  const seed = Fastify()
  await seed.register(fastifyOrm, { url, models: { Item } })
  await seed.ready()
  try {
    await seed.db.createAll()
    for (let start = 1; start <= ROWS; start += 1_000) {
      await seed.db.kysely.insertInto('bench_topology_item' as never).values(Array.from({ length: 1_000 }, (_, i) => ({ id: start + i, name: `item ${start + i}`, quantity: i })) as never).execute()
    }
    await sql`select setval(pg_get_serial_sequence('bench_topology_item', 'id'), ${ROWS})`.execute(seed.db.kysely)
    await sql`analyze`.execute(seed.db.kysely)
  } finally {
    await seed.close()
  }
}

let requestNumber = 0
const nextRequest = (): BenchRequest => (++requestNumber % 10 === 0
  ? { method: 'POST', path: '/items', body: JSON.stringify({ name: `new ${requestNumber}` }), headers: { 'content-type': 'application/json' } }
  : { path: `/items/${1 + Math.floor(Math.random() * ROWS)}` })

const primary = await startPrivatePostgres()
try {
  const database = await primary.createDatabase()
  await seedItems(database.url)
  const bouncer = await startPrivatePgbouncer(undefined, { poolSize: POOL_MAX, server: primary.url })
  const pooled = await bouncer.createDatabase()
  await seedItems(pooled.directUrl)
  const standby = await startPrivateStandby(primary)
  try {
    const replicaUrl = standby.urlOf(database.url)
    const apps = new Map<string, FastifyInstance>([
      ['primary only', await ormApp(database.url, [])],
      ['primary + replica', await ormApp(database.url, [replicaUrl])],
      ['through PgBouncer', await ormApp(pooled.url, [])]
    ])
    const rows = [...apps.keys()].map((variant) => ({ variant, batches: [] as InjectMeasurement[] }))
    for (let batch = 0; batch <= settings.batches; batch++) {
      for (const row of rotate(rows, batch)) {
        const measurement = await measureInject(apps.get(row.variant)!, nextRequest, settings.requests, settings.concurrency)
        if (batch > 0) row.batches.push(measurement)
      }
    }
    const sessions = await interleavedSessions([apps.get('primary only')!, apps.get('primary + replica')!], Item,
      { sessions: Number(values.sessions), warmUp: 5_000, chunks: 20, keyOf: (i) => 1 + (i * 7919) % ROWS })
    await Promise.all([...apps.values()].map((app) => app.close()))
    const base = median(rows[0]!.batches.map((batch) => batch.cpuUsPerRequest))
    console.log(`\n90 % reads, 10 % writes; ${settings.batches} batches of ${settings.requests} requests, ${settings.concurrency} at a time\n`)
    console.log(formatColumns(['variant', 'cpu µs/req', 'wall µs/req', 'cpu ÷ primary only', 'failures'], rows.map((row) => {
      const cpu = median(row.batches.map((batch) => batch.cpuUsPerRequest))
      return [row.variant, String(round(cpu)), String(round(median(row.batches.map((batch) => batch.wallUsPerRequest)))),
        round(cpu / base, 3).toFixed(3), String(row.batches.reduce((sum, batch) => sum + batch.failures, 0))]
    })))
    const [primaryUs, replicaUs] = sessions.usPerSession
    const chunks = sessions.chunkRatios
    console.log(`\nSession path (session, get, close), ${values.sessions} sessions each, taking turns: primary only ${round(primaryUs, 2)} µs, ` +
      `with the replica ${round(replicaUs, 2)} µs (ratio ${round(sessions.ratio, 4)}, middle half of 20 chunks ${round(chunks[5]!, 3)}–${round(chunks[14]!, 3)}); ` +
      `routing and health checks add ${round(replicaUs - primaryUs, 2)} µs, ${round((replicaUs - primaryUs) / base * 100, 2)} % of a primary-only request`)
  } finally {
    await standby.close()
    await bouncer.close()
  }
} finally {
  await primary.close()
}
