// npm run bench:flush -- [--dialect postgres,sqlite] [--rows 10000] [--repetitions 9] [--warmup 2] [--chunk 7500]
//
// Not HTTP: one process times writing `rows` new objects in one transaction, three ways:
//   orm     const s = app.db.session(); s.addAll(NewItem, rows); await s.commit()
//   kysely  chunked multi-row INSERT … RETURNING * through Kysely, in one transaction
//   raw     pg: multi-row INSERT … RETURNING * with generated placeholders, in one transaction;
//           better-sqlite3: one prepared INSERT run per row inside db.transaction()
// The table is emptied (outside the timing) before every repetition; the variants take
// turns in rotating order. The report shows the median wall-clock ms (and this process's
// CPU ms) per variant and orm's ratio to the hand-written ones (target ≤ 1.3x).
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { openPgPool, openSqlite, plainKysely, type DialectName, type Target } from '../lib/databases.ts'
import { median, rotate, round } from '../lib/math.ts'
import { environment, formatColumns, RESULTS_FILE, writeJson } from '../lib/report.ts'
import { NewItem, newItemModels, type NewItemInput, type UowDatabase } from '../uow/models.ts'
import { emptyTable, ormBenchApp, recreateTables } from '../uow/support.ts'

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: process.env.BENCH_DIALECTS ?? 'postgres,sqlite' },
    rows: { type: 'string', default: '10000' },
    repetitions: { type: 'string', default: '9' },
    warmup: { type: 'string', default: '2' },
    // Rows per statement of the hand-written variants: 30,000 parameters, as fastify-orm's flush.
    chunk: { type: 'string', default: '7500' }
  }
})
const settings = { rows: Number(values.rows), repetitions: Number(values.repetitions), warmup: Number(values.warmup), chunk: Number(values.chunk) }
const dialects = values.dialect.split(',') as DialectName[]
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'
/** Its own schema, not the HTTP bench's: both may run against one database without dropping each other's tables. */
const PG_SCHEMA = 'fastify_orm_bench_flush'
const COLUMNS = ['title', 'body', 'quantity', 'price_cents'] as const

interface Variant {
  readonly name: string
  /** Inserts the rows in one transaction; returns how many rows came back with an id. */
  run (rows: readonly NewItemInput[]): Promise<number>
  close (): Promise<void>
}

interface Repetition { wallMs: number, cpuMs: number }

async function prepare (dialect: DialectName): Promise<{ target: Target, dispose: () => Promise<void> }> {
  if (dialect === 'postgres') {
    const admin = new pg.Pool({ connectionString: postgresUrl, max: 1 })
    await admin.query(`drop schema if exists ${PG_SCHEMA} cascade; create schema ${PG_SCHEMA}`)
    const url = `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${PG_SCHEMA}`)}`
    return {
      target: { dialect, url },
      dispose: async () => {
        try {
          await admin.query(`drop schema if exists ${PG_SCHEMA} cascade`)
        } finally {
          await admin.end()
        }
      }
    }
  }
  const directory = await mkdtemp(join(tmpdir(), 'fastify-orm-flush-'))
  const filename = join(directory, 'bench.db')
  openSqlite(filename).close()
  return { target: { dialect, url: `sqlite:///${filename}`, filename }, dispose: () => rm(directory, { recursive: true, force: true }) }
}

function chunks<T> (items: readonly T[], size: number): T[][] {
  const result: T[][] = []
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size))
  return result
}

async function ormVariant (target: Target): Promise<Variant> {
  const app = await ormBenchApp(target, newItemModels)
  await app.ready()
  return {
    name: 'orm',
    async run (rows) {
      const session = app.db.session()
      try {
        const items = session.addAll(NewItem, rows)
        await session.commit()
        return items.filter((item) => typeof item.id === 'number').length
      } finally {
        await session.close()
      }
    },
    close: () => app.close()
  }
}

async function kyselyVariant (target: Target): Promise<Variant> {
  const db = plainKysely<UowDatabase>(target)
  return {
    name: 'kysely',
    run: (rows) => db.transaction().execute(async (trx) => {
      let returned = 0
      for (const chunk of chunks(rows, settings.chunk)) {
        const inserted = await trx.insertInto('bench_new_item')
          .values(chunk.map((row) => ({ title: row.title, body: row.body, quantity: row.quantity, price_cents: row.priceCents })))
          .returningAll()
          .execute()
        returned += inserted.length
      }
      return returned
    }),
    close: () => db.destroy()
  }
}

async function rawVariant (target: Target): Promise<Variant> {
  if (target.dialect === 'postgres') {
    const pool = openPgPool(target.url)
    const insertSql = new Map<number, string>()
    const sqlFor = (count: number): string => {
      let text = insertSql.get(count)
      if (text === undefined) {
        const tuples = Array.from({ length: count }, (_, row) => `(${COLUMNS.map((_c, column) => `$${row * COLUMNS.length + column + 1}`).join(', ')})`)
        text = `insert into "bench_new_item" (${COLUMNS.map((column) => `"${column}"`).join(', ')}) values ${tuples.join(', ')} returning *`
        insertSql.set(count, text)
      }
      return text
    }
    return {
      name: 'raw',
      async run (rows) {
        const client = await pool.connect()
        try {
          await client.query('begin')
          let returned = 0
          for (const chunk of chunks(rows, settings.chunk)) {
            const parameters: unknown[] = []
            for (const row of chunk) parameters.push(row.title, row.body, row.quantity, row.priceCents)
            returned += (await client.query(sqlFor(chunk.length), parameters)).rows.length
          }
          await client.query('commit')
          return returned
        } catch (error) {
          await client.query('rollback')
          throw error
        } finally {
          client.release()
        }
      },
      close: () => pool.end()
    }
  }
  const database = openSqlite(target.filename)
  const insert = database.prepare<[string, string, number, number]>(`insert into "bench_new_item" (${COLUMNS.map((column) => `"${column}"`).join(', ')}) values (?, ?, ?, ?)`)
  const insertAll = database.transaction((rows: readonly NewItemInput[]) => {
    const ids: Array<number | bigint> = []
    for (const row of rows) ids.push(insert.run(row.title, row.body, row.quantity, row.priceCents).lastInsertRowid)
    return ids.length
  })
  return { name: 'raw', run: async (rows) => insertAll(rows), close: async () => { database.close() } }
}

function input (count: number): NewItemInput[] {
  return Array.from({ length: count }, (_, index) => ({
    title: `Flushed item ${index + 1}`,
    body: `Inserted by the flush-10000 benchmark, object ${index + 1} of ${count}.`,
    quantity: index % 100,
    priceCents: (index * 37) % 100_000
  }))
}

interface Row {
  dialect: DialectName
  variant: string
  repetitions: Repetition[]
}

console.log(`fastify-orm bench: flush-10000 on ${dialects.join(', ')}; ${settings.rows} rows in one transaction, ` +
  `${settings.repetitions} repetitions (+${settings.warmup} warm-up) per variant, hand-written chunks of ${settings.chunk} rows`)
const loadBefore = loadavg()
const rowsIn = input(settings.rows)
const results: Row[] = []
for (const dialect of dialects) {
  const { target, dispose } = await prepare(dialect)
  const admin = plainKysely<UowDatabase>(target)
  const variants: Variant[] = []
  try {
    await recreateTables(target, newItemModels)
    variants.push(await ormVariant(target), await kyselyVariant(target), await rawVariant(target))
    const mine = variants.map((variant) => ({ dialect, variant: variant.name, repetitions: [] as Repetition[] }))
    for (let repetition = 0; repetition < settings.warmup + settings.repetitions; repetition++) {
      for (const variant of rotate(variants, repetition)) {
        await emptyTable(admin, target, 'bench_new_item')
        const cpuBefore = process.cpuUsage()
        const start = performance.now()
        const returned = await variant.run(rowsIn)
        const wallMs = performance.now() - start
        const cpu = process.cpuUsage(cpuBefore)
        const { count } = await admin.selectFrom('bench_new_item').select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow()
        if (returned !== settings.rows || Number(count) !== settings.rows) {
          throw new Error(`flush-10000 ${dialect} ${variant.name}: ${returned} ids back and ${count} rows in the table, for ${settings.rows}`)
        }
        if (repetition >= settings.warmup) {
          mine.find((row) => row.variant === variant.name)!.repetitions.push({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 })
          console.log(`  flush-10000 ${dialect} ${variant.name.padEnd(8)} repetition ${repetition - settings.warmup + 1}: ${wallMs.toFixed(1)} ms, ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU`)
        }
      }
    }
    results.push(...mine)
  } finally {
    for (const variant of variants) await variant.close()
    await admin.destroy()
    await dispose()
  }
}

const summary = results.map((row) => {
  const wall = (r: Row): number => median(r.repetitions.map((repetition) => repetition.wallMs))
  const base = (variant: string): Row | undefined => results.find((other) => other.dialect === row.dialect && other.variant === variant)
  const ratio = (variant: string): number | null => {
    const other = base(variant)
    return other === undefined ? null : round(wall(row) / wall(other), 3)
  }
  return {
    scenario: 'flush-10000',
    dialect: row.dialect,
    variant: row.variant,
    repetitions: row.repetitions.length,
    medianMs: round(wall(row), 1),
    minMs: round(Math.min(...row.repetitions.map((repetition) => repetition.wallMs)), 1),
    cpuMs: round(median(row.repetitions.map((repetition) => repetition.cpuMs)), 1),
    rowsPerSec: Math.round(settings.rows / (wall(row) / 1000)),
    timeRatioToKysely: ratio('kysely'),
    timeRatioToRaw: ratio('raw')
  }
})

console.log(`\n${formatColumns(
  ['scenario', 'dialect', 'variant', 'median ms', 'min ms', 'cpu ms', 'rows/s', 'ms ÷ kysely', 'ms ÷ raw'],
  summary.map((row) => [row.scenario, row.dialect, row.variant, row.medianMs.toFixed(1), row.minMs.toFixed(1), row.cpuMs.toFixed(1),
    row.rowsPerSec.toLocaleString('en-US'), row.timeRatioToKysely?.toFixed(3) ?? '-', row.timeRatioToRaw?.toFixed(3) ?? '-'])
)}\n`)
const TARGET = 1.3
for (const row of summary.filter((candidate) => candidate.variant === 'orm')) {
  console.log(`flush-10000 ${row.dialect}: orm ÷ kysely = ${row.timeRatioToKysely?.toFixed(3)} (time; target ≤ ${TARGET}: ` +
    `${row.timeRatioToKysely !== null && row.timeRatioToKysely <= TARGET ? 'met' : 'NOT met'}), orm ÷ raw = ${row.timeRatioToRaw?.toFixed(3)}`)
}

const document = { meta: { ...environment(), settings, loadAverage: { before: loadBefore, after: loadavg() } }, summary, runs: results }
const file = new URL('../results/flush-latest.json', import.meta.url).pathname
console.log(`\nResults written to ${await writeJson(file, document)}`)
// Also under "flush" in latest.json (the HTTP bench rewrites that file; flush-latest.json stays).
if (existsSync(RESULTS_FILE)) {
  const latest = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>
  console.log(`and added to ${await writeJson(RESULTS_FILE, { ...latest, flush: document })}`)
}
