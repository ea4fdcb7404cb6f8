import type { FastifyInstance, FastifyReply } from 'fastify'
import { openPgPool, openSqlite, type Target } from '../lib/databases.ts'
import { benchFastify, type Scenario } from '../lib/scenario.ts'
import { PageItem, pageItemModels, type ItemJson } from '../uow/models.ts'
import { kyselyBenchApp, ormBenchApp } from '../uow/support.ts'
import { ITEM_ROWS, itemSelect, seedItems } from './get-by-pk-session.ts'

const TABLE = 'bench_page_item'
const ITEM_SELECT = itemSelect(TABLE)

const PER_PAGE = 20
const MAX_PER_PAGE = 100
const PAGES = Math.ceil(ITEM_ROWS / PER_PAGE)

interface ListRoute {
  Querystring: { page?: string, perPage?: string }
}

/** The body every variant answers: fastify-orm's `Pagination.toJSON()`. */
interface PageJson {
  items: ItemJson[]
  page: number
  perPage: number
  total: number
  pages: number
  hasPrev: boolean
  hasNext: boolean
}

/**
 * The 404 body the ORM's NotFoundError gets from Fastify's error handler; the hand-written
 * variants send the same, so that every probe (bad and out-of-range pages too) compares equal.
 */
function notFound (reply: FastifyReply, message: string): FastifyReply {
  return reply.code(404).send({ statusCode: 404, code: 'ORM_NOT_FOUND', error: 'Not Found', message })
}

/** What a hand-written route does with `?page=&perPage=`: positive integers, defaults 1 and 20, perPage ≤ 100. */
function pageRequest (query: ListRoute['Querystring']): { page: number, perPage: number, offset: number } | string {
  const parse = (value: string | undefined, fallback: number): number | undefined =>
    value === undefined ? fallback : /^\d+$/.test(value) && Number(value) >= 1 ? Number(value) : undefined
  const perPage = parse(query.perPage, PER_PAGE)
  if (perPage === undefined) return 'Invalid perPage: expected a positive integer such as 1, 2 or 3'
  const page = parse(query.page, 1)
  if (page === undefined) return 'Invalid page: expected a positive integer such as 1, 2 or 3'
  const limited = Math.min(perPage, MAX_PER_PAGE)
  return { page, perPage: limited, offset: (page - 1) * limited }
}

/**
 * The page (404 past the last one, as the ORM's paginate does), the count and the page
 * sent at once, as a hand-written route would: `Promise.all([count, page])`.
 */
async function answer (reply: FastifyReply, query: ListRoute['Querystring'], count: () => Promise<number>,
  rows: (limit: number, offset: number) => Promise<ItemJson[]>): Promise<PageJson | FastifyReply> {
  const request = pageRequest(query)
  if (typeof request === 'string') return notFound(reply, request)
  const { page, perPage, offset } = request
  const [total, pageRows] = await Promise.all([count(), rows(perPage, offset)])
  const pages = Math.ceil(total / perPage)
  if (page > 1 && page > pages) {
    return notFound(reply, `Page ${page} not found: ${pages === 0 ? 'there are no items' : `the last page is ${pages}`} (${perPage} per page)`)
  }
  const items = offset >= total ? [] : pageRows
  return { items, page, perPage, total, pages, hasPrev: page > 1, hasNext: page < pages }
}

/** (a) fastify-orm: `query(Item).orderBy('id', 'desc').paginate(request)` (count and page at once). */
async function ormApp (target: Target): Promise<FastifyInstance> {
  const app = await ormBenchApp(target, pageItemModels)
  app.get<ListRoute>('/items', async (request) => {
    const page = await request.db.query(PageItem).orderBy('id', 'desc').paginate(request)
    return page.toJSON()
  })
  return app
}

/** (b) Hand-written Kysely: the count and the page at once. */
async function kyselyApp (target: Target): Promise<FastifyInstance> {
  const { app, db } = kyselyBenchApp(target)
  app.get<ListRoute>('/items', async (request, reply) => answer(reply, request.query,
    async () => {
      const { count } = await db.selectFrom(TABLE).select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow()
      return Number(count)
    },
    (limit, offset) => db.selectFrom(TABLE)
      .select(['id', 'sku', 'name', 'description', 'quantity', 'price_cents as priceCents'])
      .orderBy('id', 'desc').limit(limit).offset(offset)
      .execute()))
  return app
}

const COUNT = `select count(*) as "count" from "${TABLE}"`

/** (c) The driver alone: the same two statements at once. */
async function rawApp (target: Target): Promise<FastifyInstance> {
  const app = benchFastify()
  if (target.dialect === 'postgres') {
    const pool = openPgPool(target.url)
    app.addHook('onClose', () => pool.end())
    app.get<ListRoute>('/items', async (request, reply) => answer(reply, request.query,
      async () => Number((await pool.query<{ count: string }>(COUNT)).rows[0]?.count),
      async (limit, offset) => (await pool.query<ItemJson>(`${ITEM_SELECT} order by "id" desc limit $1 offset $2`, [limit, offset])).rows))
  } else {
    const database = openSqlite(target.filename)
    const count = database.prepare<[], number>(COUNT).pluck()
    const page = database.prepare<[number, number], ItemJson>(`${ITEM_SELECT} order by "id" desc limit ? offset ?`)
    app.addHook('onClose', async () => { database.close() })
    app.get<ListRoute>('/items', async (request, reply) => answer(reply, request.query,
      async () => count.get() as number,
      async (limit, offset) => page.all(limit, offset)))
  }
  return app
}

const apps: Record<string, (target: Target) => Promise<FastifyInstance>> = { orm: ormApp, kysely: kyselyApp, raw: rawApp }

/** GET a random page of 20 of 10,000 rows, newest first, with the total. */
export const paginatedList: Scenario = {
  name: 'paginated-list',
  description: `GET /items?page=N&perPage=${PER_PAGE} — paginate(request): count and page at once, of ${ITEM_ROWS} rows`,
  variants: ['orm', 'kysely', 'raw'],
  seed: (target) => seedItems(target, pageItemModels, TABLE),
  createApp (variant, target) {
    const create = apps[variant]
    if (!create) throw new Error(`paginated-list has no variant "${variant}"`)
    return create(target)
  },
  nextRequest: () => ({ path: `/items?page=${1 + Math.floor(Math.random() * PAGES)}&perPage=${PER_PAGE}` }),
  probes: [
    { path: `/items?page=7&perPage=${PER_PAGE}` },
    { path: '/items' },
    { path: `/items?page=${PAGES}&perPage=${PER_PAGE}` },
    { path: '/items?page=3&perPage=7' },
    { path: '/items?page=2&perPage=150' },
    { path: `/items?page=${PAGES + 1}&perPage=${PER_PAGE}` },
    { path: '/items?page=0' }
  ]
}
