import type { FastifyInstance } from 'fastify'
import { openPgPool, openSqlite, type Target } from '../lib/databases.ts'
import { benchFastify, type Scenario } from '../lib/scenario.ts'
import { Item, itemModels, type ItemJson, type ItemTable } from '../uow/models.ts'
import { insertGenerated, kyselyBenchApp, NOT_FOUND, ormBenchApp, recreateTables, type Models } from '../uow/support.ts'

export const ITEM_ROWS = 10_000

interface ItemRoute {
  Params: { id: string }
}

/** The item's columns under their property names: what the ORM's entities serialise to. */
export function itemSelect (table: 'bench_uow_item' | 'bench_page_item'): string {
  return `select "id", "sku", "name", "description", "quantity", "price_cents" as "priceCents" from "${table}"`
}

const ITEM_SELECT = itemSelect('bench_uow_item')

/**
 * (a) fastify-orm's unit of work: `request.db.get(Item, id)`, a tracked entity; as in
 * production, or with query records and N+1 counting on (the development default).
 */
async function ormApp (target: Target, recording = false): Promise<FastifyInstance> {
  const app = await ormBenchApp(target, itemModels, recording ? { recordQueries: true, nPlusOne: 'warn' } : {})
  app.get<ItemRoute>('/items/:id', async (request, reply) => {
    const item = await request.db.get(Item, Number(request.params.id))
    return item ?? reply.code(404).send(NOT_FOUND)
  })
  return app
}

/** (b) Hand-written Kysely. */
async function kyselyApp (target: Target): Promise<FastifyInstance> {
  const { app, db } = kyselyBenchApp(target)
  app.get<ItemRoute>('/items/:id', async (request, reply) => {
    const item = await db.selectFrom('bench_uow_item')
      .select(['id', 'sku', 'name', 'description', 'quantity', 'price_cents as priceCents'])
      .where('id', '=', Number(request.params.id))
      .executeTakeFirst()
    return item ?? reply.code(404).send(NOT_FOUND)
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
      const { rows } = await pool.query<ItemJson>(`${ITEM_SELECT} where "id" = $1`, [Number(request.params.id)])
      return rows[0] ?? reply.code(404).send(NOT_FOUND)
    })
  } else {
    const database = openSqlite(target.filename)
    const statement = database.prepare<[number], ItemJson>(`${ITEM_SELECT} where "id" = ?`)
    app.addHook('onClose', async () => { database.close() })
    app.get<ItemRoute>('/items/:id', async (request, reply) => {
      return statement.get(Number(request.params.id)) ?? reply.code(404).send(NOT_FOUND)
    })
  }
  return app
}

const apps: Record<string, (target: Target) => Promise<FastifyInstance>> = { orm: (target) => ormApp(target), 'orm-records': (target) => ormApp(target, true), kysely: kyselyApp, raw: rawApp }

/** The rows of bench_uow_item and bench_page_item (the same data as get-by-pk's bench_item). */
export function itemRow (id: number): ItemTable {
  return {
    id,
    sku: `SKU-${String(id).padStart(6, '0')}`,
    name: `Item number ${id}`,
    description: `A benchmark item with a short description, row ${id} of ${ITEM_ROWS}.`,
    quantity: id % 100,
    price_cents: (id * 37) % 100_000
  }
}

/** Creates an item table (bench_uow_item here, bench_page_item for paginated-list) and fills it. */
export function seedItems (target: Target, models: Models, table: 'bench_uow_item' | 'bench_page_item'): Promise<void> {
  return recreateTables(target, models, (db) => insertGenerated(db, table, ITEM_ROWS, itemRow))
}

/** GET one row by primary key through the session (identity map, entity hydration). */
export const getByPkSession: Scenario = {
  name: 'get-by-pk-session',
  description: `GET /items/:id — request.db.get(Item, id), one row of ${ITEM_ROWS}`,
  variants: ['orm', 'orm-records', 'kysely', 'raw'],
  seed: (target) => seedItems(target, itemModels, 'bench_uow_item'),
  createApp (variant, target) {
    const create = apps[variant]
    if (!create) throw new Error(`get-by-pk-session has no variant "${variant}"`)
    return create(target)
  },
  nextRequest: () => ({ path: `/items/${1 + Math.floor(Math.random() * ITEM_ROWS)}` }),
  targets: [{ baseline: 'raw', dialect: 'postgres', min: 0.95, source: 'issue 4' }, { baseline: 'raw', dialect: 'sqlite', min: 0.8, source: 'issue 4' }],
  probes: [{ path: '/items/4242' }, { path: '/items/1' }, { path: `/items/${ITEM_ROWS}` }, { path: `/items/${ITEM_ROWS + 1}` }]
}
