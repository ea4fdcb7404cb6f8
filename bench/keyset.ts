// npm run bench:keyset -- [--dialect postgres,sqlite] [--batches 7] [--requests 500]
//
// OFFSET pagination against keyset (cursor) pagination, page 1 and page 400 of 10,000 rows
// (25 per page), newest first: `paginate` reads and skips every row before its page, so its
// page 400 costs more than its page 1; `cursorPaginate` seeks to the page through the
// ordering's index, so its page 400 should cost what its page 1 does. Driven through
// app.inject in alternating batches; the figures are wall µs per request (the database's
// work is part of what is compared) and CPU µs of this process.
import { parseArgs } from 'node:util'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { PageItem, pageItemModels } from './uow/models.ts'
import { ormBenchApp } from './uow/support.ts'
import { analyzeTables, prepareTarget, type DialectName } from './lib/databases.ts'
import { measureInject, type InjectMeasurement } from './lib/inject-runner.ts'
import { median, rotate, round } from './lib/math.ts'
import { formatColumns } from './lib/report.ts'
import { ITEM_ROWS, seedItems } from './scenarios/get-by-pk-session.ts'

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'postgres,sqlite' },
    batches: { type: 'string', default: '7' },
    requests: { type: 'string', default: '500' }
  }
})
const PER_PAGE = 25
const DEEP_PAGE = ITEM_ROWS / PER_PAGE
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'

async function keysetApp (target: Parameters<typeof ormBenchApp>[0]): Promise<FastifyInstance> {
  const app = await ormBenchApp(target, pageItemModels)
  const newestFirst = (request: FastifyRequest) => request.db.query(PageItem).orderBy('id', 'desc')
  app.get('/offset', async (request) => newestFirst(request).paginate({ request, perPage: PER_PAGE }))
  app.get('/cursor', async (request) => newestFirst(request).cursorPaginate({ request, perPage: PER_PAGE }))
  await app.ready()
  return app
}

const table: string[][] = []
for (const dialect of values.dialect.split(',') as DialectName[]) {
  const { target, dispose } = await prepareTarget(dialect, postgresUrl)
  try {
    await seedItems(target, pageItemModels, 'bench_page_item')
    await analyzeTables(target)
    const app = await keysetApp(target)
    // The cursor of page 400: walk there once.
    let cursor: string | null = null
    for (let page = 1; page < DEEP_PAGE; page++) {
      const url: string = `/cursor${cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`}`
      const body: { nextCursor: string | null } = (await app.inject(url)).json()
      cursor = body.nextCursor
    }
    const deepCursor = encodeURIComponent(cursor!)
    const variants = [
      { name: 'paginate page 1', path: '/offset?page=1' },
      { name: `paginate page ${DEEP_PAGE}`, path: `/offset?page=${DEEP_PAGE}` },
      { name: 'cursorPaginate page 1', path: '/cursor' },
      { name: `cursorPaginate page ${DEEP_PAGE}`, path: `/cursor?cursor=${deepCursor}` }
    ].map((variant) => ({ ...variant, batches: [] as InjectMeasurement[] }))
    for (let batch = 0; batch <= Number(values.batches); batch++) {
      for (const variant of rotate(variants, batch)) {
        const measurement = await measureInject(app, () => ({ path: variant.path }), Number(values.requests), 1)
        if (batch > 0) variant.batches.push(measurement)
      }
    }
    await app.close()
    const wall = (name: string): number => median(variants.find((variant) => variant.name === name)!.batches.map((batch) => batch.wallUsPerRequest))
    for (const variant of variants) {
      const deep = variant.name.endsWith(String(DEEP_PAGE))
      const first = wall(variant.name.replace(String(DEEP_PAGE), '1'))
      table.push([dialect, variant.name, String(round(median(variant.batches.map((batch) => batch.wallUsPerRequest)))),
        String(round(median(variant.batches.map((batch) => batch.cpuUsPerRequest)))), deep ? round(wall(variant.name) / first, 2).toFixed(2) : '',
        String(variant.batches.reduce((sum, batch) => sum + batch.failures, 0))])
    }
  } finally {
    await dispose()
  }
}
console.log(`\n${ITEM_ROWS} rows, ${PER_PAGE} per page, newest first; one request at a time\n`)
console.log(formatColumns(['dialect', 'variant', 'wall µs/req', 'cpu µs/req', 'deep ÷ page 1 (wall)', 'failures'], table))
