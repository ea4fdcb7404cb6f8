import type { FastifyInstance, RouteShorthandOptions } from 'fastify'
import type { Kysely } from 'kysely'
import { openPgPool, openSqlite, plainKysely, type Target } from '../lib/databases.ts'
import { benchFastify, type Scenario } from '../lib/scenario.ts'
import { NewItem, newItemModels, type NewItemInput, type NewItemJson, type UowDatabase } from '../uow/models.ts'
import { emptyTable, kyselyBenchApp, ormBenchApp, recreateTables } from '../uow/support.ts'

/**
 * Every variant validates the body and serialises the reply with the model's TypeBox
 * schemas, as the README shows for a POST route: the same work around the insert, and
 * the same key order in every body.
 */
const ROUTE: RouteShorthandOptions = { schema: { body: NewItem.schemas.insert, response: { 201: NewItem.schemas.row } } }

interface CreateRoute {
  Body: NewItemInput
}

/** (a) fastify-orm's unit of work: `add` then `commit` (INSERT … RETURNING in a transaction). */
async function ormApp (target: Target): Promise<FastifyInstance> {
  const app = await ormBenchApp(target, newItemModels)
  app.post<CreateRoute>('/items', ROUTE, async (request, reply) => {
    const item = request.db.add(NewItem, request.body)
    await request.db.commit()
    return reply.code(201).send(item)
  })
  return app
}

/** (b) Hand-written Kysely: one INSERT … RETURNING (autocommit). */
async function kyselyApp (target: Target): Promise<FastifyInstance> {
  const { app, db } = kyselyBenchApp(target)
  app.post<CreateRoute>('/items', ROUTE, async (request, reply) => reply.code(201).send(await insertItem(db, request.body)))
  return app
}

/**
 * (b') Hand-written Kysely with the transaction the unit of work opens (BEGIN, INSERT,
 * COMMIT: three round trips instead of one). Not a baseline: it shows how much of orm's
 * gap to kysely is the explicit transaction rather than the session's own work.
 */
async function kyselyTxApp (target: Target): Promise<FastifyInstance> {
  const { app, db } = kyselyBenchApp(target)
  app.post<CreateRoute>('/items', ROUTE, async (request, reply) =>
    reply.code(201).send(await db.transaction().execute((trx) => insertItem(trx, request.body))))
  return app
}

function insertItem (db: Kysely<UowDatabase>, { title, body, quantity, priceCents }: NewItemInput): Promise<NewItemJson> {
  return db.insertInto('bench_new_item')
    .values({ title, body, quantity, price_cents: priceCents })
    .returning(['id', 'title', 'body', 'quantity', 'price_cents as priceCents'])
    .executeTakeFirstOrThrow()
}

const INSERT = 'insert into "bench_new_item" ("title", "body", "quantity", "price_cents") values ($1, $2, $3, $4) returning "id", "title", "body", "quantity", "price_cents" as "priceCents"'

/** (c) The driver alone: pg's `pool.query`, or a prepared better-sqlite3 statement (RETURNING). */
async function rawApp (target: Target): Promise<FastifyInstance> {
  const app = benchFastify()
  if (target.dialect === 'postgres') {
    const pool = openPgPool(target.url)
    app.addHook('onClose', () => pool.end())
    app.post<CreateRoute>('/items', ROUTE, async (request, reply) => {
      const { title, body, quantity, priceCents } = request.body
      const { rows } = await pool.query<NewItemJson>(INSERT, [title, body, quantity, priceCents])
      return reply.code(201).send(rows[0])
    })
  } else {
    const database = openSqlite(target.filename)
    const statement = database.prepare<[string, string, number, number], NewItemJson>(INSERT.replace(/\$\d/g, '?'))
    app.addHook('onClose', async () => { database.close() })
    app.post<CreateRoute>('/items', ROUTE, async (request, reply) => {
      const { title, body, quantity, priceCents } = request.body
      return reply.code(201).send(statement.get(title, body, quantity, priceCents))
    })
  }
  return app
}

const apps: Record<string, (target: Target) => Promise<FastifyInstance>> = { orm: ormApp, kysely: kyselyApp, 'kysely-tx': kyselyTxApp, raw: rawApp }

/**
 * Empties bench_new_item (key sequence restarted), so that each variant starts from the same
 * empty table and its probe creates row 1: the probes' bodies can then be compared.
 */
async function emptyItems (target: Target): Promise<void> {
  const db = plainKysely<UowDatabase>(target)
  try {
    await emptyTable(db, target, 'bench_new_item')
  } finally {
    await db.destroy()
  }
}

let sequence = 0

function body (): string {
  const n = ++sequence
  const item: NewItemInput = { title: `New item ${n}`, body: `Created by the create-row benchmark, request ${n}.`, quantity: n % 100, priceCents: (n * 37) % 100_000 }
  return JSON.stringify(item)
}

/** A new object every time: autocannon adds content-length to the headers object it is given. */
const jsonHeaders = (): Record<string, string> => ({ 'content-type': 'application/json' })

/** POST a new row; the table is emptied before every server starts, so it never grows past one run. */
export const createRow: Scenario = {
  name: 'create-row',
  description: 'POST /items — request.db.add(NewItem, body) + commit(), the created row in the reply',
  variants: ['orm', 'kysely', 'kysely-tx', 'raw'],
  seed: (target) => recreateTables(target, newItemModels),
  async createApp (variant, target) {
    const create = apps[variant]
    if (!create) throw new Error(`create-row has no variant "${variant}"`)
    await emptyItems(target)
    return create(target)
  },
  nextRequest: () => ({ method: 'POST', path: '/items', body: body(), headers: jsonHeaders() }),
  targets: [{ baseline: 'raw', dialect: 'postgres', min: 0.85, source: 'issue 4' }],
  probes: [
    { title: 'The probe', body: 'Same answer from every variant.', quantity: 3, priceCents: 1999 },
    { title: 'A second probe', body: 'Row 2, same in every variant.', quantity: 0, priceCents: 0 }
  ].map((item: NewItemInput) => ({ method: 'POST' as const, path: '/items', body: JSON.stringify(item), headers: jsonHeaders() }))
}
