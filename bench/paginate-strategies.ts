// npm run bench:paginate -- [--dialect postgres,sqlite] [--rows 10000,1000000] [--requests 200] [--batches 5]
//
// How paginate should get its total: the count and the page as two statements, one after
// the other or (PostgreSQL, with a pool) at the same time on two connections, against one
// statement carrying the total in every row (`count(*) over ()`). Measured with the raw
// driver on tables of 10,000 and 1,000,000 rows, page 1 and a middle page of 20, newest
// first, so that the figures are the strategies' own and not fastify-orm's. Wall µs per
// page, median of alternating batches, one page at a time.
import { parseArgs } from 'node:util'
import type Database from 'better-sqlite3'
import type pg from 'pg'
import { openPgPool, openSqlite, prepareTarget, type DialectName } from './lib/databases.ts'
import { median, rotate, round } from './lib/math.ts'
import { formatColumns } from './lib/report.ts'

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'postgres,sqlite' },
    rows: { type: 'string', default: '10000,1000000' },
    requests: { type: 'string', default: '200' },
    batches: { type: 'string', default: '5' }
  }
})
const PER_PAGE = 20
const TABLE = 'bench_paginate_strategy'
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'
const COLUMNS = '"id", "name", "quantity"'
const PAGE = `select ${COLUMNS} from "${TABLE}" order by "id" desc limit 20 offset `
const COUNT = `select count(*) as "count" from "${TABLE}"`
const WINDOW = `select ${COLUMNS}, count(*) over () as "total" from "${TABLE}" order by "id" desc limit 20 offset `

interface Strategy { name: string, page: (offset: number) => Promise<number> }

function postgresStrategies (pool: pg.Pool): Strategy[] {
  const count = async (): Promise<number> => Number((await pool.query<{ count: string }>(COUNT)).rows[0]?.count)
  const page = async (offset: number): Promise<number> => (await pool.query(`${PAGE}$1`, [offset])).rows.length
  return [
    { name: 'count, then page', page: async (offset) => (await count()) + await page(offset) },
    { name: 'count and page at once', page: async (offset) => (await Promise.all([count(), page(offset)])).reduce((a, b) => a + b) },
    { name: 'count(*) over ()', page: async (offset) => Number((await pool.query<{ total: string }>(`${WINDOW}$1`, [offset])).rows[0]?.total) }
  ]
}

function sqliteStrategies (database: Database.Database): Strategy[] {
  const count = database.prepare<[], number>(COUNT).pluck()
  const page = database.prepare<[number]>(`${PAGE}?`)
  const window = database.prepare<[number], { total: number }>(`${WINDOW}?`)
  return [
    { name: 'count, then page', page: async (offset) => (count.get() as number) + page.all(offset).length },
    { name: 'count(*) over ()', page: async (offset) => (window.get(offset) as { total: number }).total }
  ]
}

async function seed (target: Awaited<ReturnType<typeof prepareTarget>>['target'], rows: number): Promise<void> {
  const create = `create table "${TABLE}" ("id" integer primary key, "name" varchar(64) not null, "quantity" integer not null)`
  if (target.dialect === 'postgres') {
    const pool = openPgPool(target.url)
    await pool.query(`drop table if exists "${TABLE}"`)
    await pool.query(create)
    await pool.query(`insert into "${TABLE}" select n, 'item ' || n, n % 97 from generate_series(1, $1::int) n`, [rows])
    await pool.query(`vacuum analyze "${TABLE}"`)
    await pool.end()
    return
  }
  const database = openSqlite(target.filename)
  database.exec(`drop table if exists "${TABLE}"`)
  database.exec(create)
  database.prepare(`insert into "${TABLE}" with recursive n(i) as (select 1 union all select i + 1 from n where i < ?) select i, 'item ' || i, i % 97 from n`).run(rows)
  database.exec('analyze')
  database.close()
}

const table: string[][] = []
for (const dialect of values.dialect.split(',') as DialectName[]) {
  const { target, dispose } = await prepareTarget(dialect, postgresUrl)
  try {
    for (const rows of values.rows.split(',').map(Number)) {
      await seed(target, rows)
      const pool = target.dialect === 'postgres' ? openPgPool(target.url) : undefined
      const database = target.dialect === 'sqlite' ? openSqlite(target.filename) : undefined
      const strategies = pool !== undefined ? postgresStrategies(pool) : sqliteStrategies(database as Database.Database)
      const pages = [{ label: 'page 1', offset: 0 }, { label: 'middle page', offset: Math.floor(rows / 2 / PER_PAGE) * PER_PAGE }]
      const runs = strategies.flatMap((strategy) => pages.map((page) => ({ strategy, page, batches: [] as number[] })))
      // Fewer requests on the big table: each costs milliseconds there.
      const requests = Math.max(10, Math.round(Number(values.requests) * Math.min(1, 10_000 / rows) * 10))
      for (let batch = 0; batch <= Number(values.batches); batch++) {
        for (const run of rotate(runs, batch)) {
          const start = process.hrtime.bigint()
          for (let i = 0; i < requests; i++) await run.strategy.page(run.page.offset)
          if (batch > 0) run.batches.push(Number(process.hrtime.bigint() - start) / 1000 / requests)
        }
      }
      for (const run of runs) {
        const twoInSeries = runs.find((other) => other.page === run.page && other.strategy.name === 'count, then page')!
        table.push([dialect, rows.toLocaleString('en'), run.page.label, run.strategy.name, String(round(median(run.batches))),
          round(median(run.batches) / median(twoInSeries.batches), 2).toFixed(2)])
      }
      await pool?.end()
      database?.close()
    }
  } finally {
    await dispose()
  }
}
console.log(`\n${PER_PAGE} rows per page, newest first, one page at a time (raw driver)\n`)
console.log(formatColumns(['dialect', 'rows', 'page', 'strategy', 'wall µs/page', '÷ count, then page'], table))
