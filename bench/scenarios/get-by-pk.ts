import type { FastifyInstance } from 'fastify'
import fastifyOrm from 'fastify-orm'
import type { Kysely } from 'kysely'
import { openPgPool, openSqlite, ormOptions, plainKysely, type Target } from '../lib/databases.ts'
import { benchFastify, type Scenario } from '../lib/scenario.ts'

const ROWS = 10_000
const SEED_BATCH = 1_000

interface BenchItem {
  id: number
  sku: string
  name: string
  description: string
  quantity: number
  price_cents: number
}

interface BenchDatabase {
  bench_item: BenchItem
}

interface ItemRoute {
  Params: { id: string }
}

const NOT_FOUND = { error: 'Not Found' }

/**
 * (a) fastify-orm: the per-request session's Kysely. `orm-noprep` turns PostgreSQL's
 * prepared statements off, leaving the session's own cost (on SQLite, where the option
 * does nothing, the two are the same app: their difference is the run's noise).
 */
async function ormApp (target: Target, preparedStatements = true): Promise<FastifyInstance> {
  const app = benchFastify()
  await app.register(fastifyOrm, { ...ormOptions(target), preparedStatements })
  app.get<ItemRoute>('/items/:id', async (request, reply) => {
    const db = request.db.kysely as unknown as Kysely<BenchDatabase>
    const row = await db.selectFrom('bench_item').selectAll().where('id', '=', Number(request.params.id)).executeTakeFirst()
    return row ?? reply.code(404).send(NOT_FOUND)
  })
  return app
}

/** (b) The same query on a Kysely instance decorated on the app by hand. */
async function kyselyApp (target: Target): Promise<FastifyInstance> {
  const app = benchFastify()
  app.decorate('kysely', plainKysely<BenchDatabase>(target))
  const server = app as FastifyInstance & { kysely: Kysely<BenchDatabase> }
  app.addHook('onClose', () => server.kysely.destroy())
  app.get<ItemRoute>('/items/:id', async (request, reply) => {
    const row = await server.kysely.selectFrom('bench_item').selectAll().where('id', '=', Number(request.params.id)).executeTakeFirst()
    return row ?? reply.code(404).send(NOT_FOUND)
  })
  return app
}

/** (c) The driver alone: pg's `pool.query`, or a prepared better-sqlite3 statement. */
async function rawApp (target: Target): Promise<FastifyInstance> {
  const app = benchFastify()
  if (target.dialect === 'postgres') {
    const pool = openPgPool(target.url)
    app.addHook('onClose', () => pool.end())
    app.get<ItemRoute>('/items/:id', async (request, reply) => {
      const { rows } = await pool.query<BenchItem>('select * from "bench_item" where "id" = $1', [Number(request.params.id)])
      return rows[0] ?? reply.code(404).send(NOT_FOUND)
    })
  } else {
    const database = openSqlite(target.filename)
    const statement = database.prepare<[number], BenchItem>('select * from "bench_item" where "id" = ?')
    app.addHook('onClose', async () => { database.close() })
    app.get<ItemRoute>('/items/:id', async (request, reply) => {
      return statement.get(Number(request.params.id)) ?? reply.code(404).send(NOT_FOUND)
    })
  }
  return app
}

const apps: Record<string, (target: Target) => Promise<FastifyInstance>> = {
  orm: (target) => ormApp(target),
  'orm-noprep': (target) => ormApp(target, false),
  kysely: kyselyApp,
  raw: rawApp
}

async function seed (target: Target): Promise<void> {
  const db = plainKysely<BenchDatabase>(target)
  try {
    await db.schema.createTable('bench_item')
      .addColumn('id', 'integer', (column) => column.primaryKey())
      .addColumn('sku', 'varchar(20)', (column) => column.notNull().unique())
      .addColumn('name', 'varchar(100)', (column) => column.notNull())
      .addColumn('description', 'text', (column) => column.notNull())
      .addColumn('quantity', 'integer', (column) => column.notNull())
      .addColumn('price_cents', 'integer', (column) => column.notNull())
      .execute()
    for (let first = 1; first <= ROWS; first += SEED_BATCH) {
      const rows = Array.from({ length: Math.min(SEED_BATCH, ROWS - first + 1) }, (_, index) => item(first + index))
      await db.insertInto('bench_item').values(rows).execute()
    }
  } finally {
    await db.destroy()
  }
}

function item (id: number): BenchItem {
  return {
    id,
    sku: `SKU-${String(id).padStart(6, '0')}`,
    name: `Item number ${id}`,
    description: `A benchmark item with a short description, row ${id} of ${ROWS}.`,
    quantity: id % 100,
    price_cents: (id * 37) % 100_000
  }
}

/** GET one row by primary key, a random id per request. */
export const getByPk: Scenario = {
  name: 'get-by-pk',
  description: `GET /items/:id — request.db.kysely selectFrom…where id, one row of ${ROWS} (issue 2)`,
  variants: ['orm', 'orm-noprep', 'kysely', 'raw'],
  seed,
  createApp (variant, target) {
    const create = apps[variant]
    if (!create) throw new Error(`get-by-pk has no variant "${variant}"`)
    return create(target)
  },
  nextRequest: () => ({ path: `/items/${1 + Math.floor(Math.random() * ROWS)}` }),
  targets: [{ baseline: 'kysely', min: 0.97, source: 'issue 2' }],
  probes: [{ path: '/items/4242' }, { path: '/items/1' }, { path: `/items/${ROWS}` }, { path: `/items/${ROWS + 1}` }]
}
