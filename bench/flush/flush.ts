// flush-10000: not HTTP. One process times writing `rows` new objects in one transaction,
// three ways:
//   orm     const s = app.db.session(); s.addAll(NewItem, rows); await s.commit()
//   kysely  chunked multi-row INSERT … RETURNING * through Kysely, in one transaction
//   raw     pg: multi-row INSERT … RETURNING * with generated placeholders, in one transaction;
//           better-sqlite3: one prepared INSERT run per row inside db.transaction()
// The table is emptied (outside the timing) before every repetition; the variants take turns
// in rotating order. Every variant must hand back ids 1..rows in order and leave the same
// table contents (checked after its first repetition), or the run stops. The report shows
// the median wall-clock ms (and this process's CPU ms) per variant and orm's ratio to the
// hand-written ones (target ≤ 1.3x, issue 4).
// Used by `npm run bench -- flush-10000` (run.ts) and `npm run bench:flush` (flush-10000.ts).
import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import { openPgPool, openSqlite, plainKysely, prepareTarget, type DialectName, type Target } from '../lib/databases.ts'
import { median, rotate, round } from '../lib/math.ts'
import { formatColumns } from '../lib/report.ts'
import { NewItem, newItemModels, type NewItemInput, type UowDatabase } from '../uow/models.ts'
import { emptyTable, ormBenchApp, recreateTables } from '../uow/support.ts'

export const FLUSH_SCENARIO = 'flush-10000'
/** orm's time ÷ a hand-written batched insert's, at most (issue 4). */
export const FLUSH_TARGET = 1.3

export interface FlushSettings {
  readonly rows: number
  /** Timed repetitions per variant. */
  readonly repetitions: number
  /** Untimed repetitions per variant first (JIT, statement caches). */
  readonly warmup: number
  /** Rows per statement of the hand-written variants (30,000 parameters, as fastify-orm's flush). */
  readonly chunk: number
  readonly postgresUrl: string
  /** Only these variants (for profiling one); all when undefined. */
  readonly variants?: readonly string[]
}

export interface FlushRepetition { readonly wallMs: number, readonly cpuMs: number }

export interface FlushRun {
  readonly dialect: DialectName
  readonly variant: string
  readonly repetitions: FlushRepetition[]
}

export interface FlushSummaryRow {
  readonly scenario: string
  readonly dialect: DialectName
  readonly variant: string
  readonly repetitions: number
  readonly medianMs: number
  readonly minMs: number
  readonly maxMs: number
  readonly cpuMs: number
  readonly rowsPerSec: number
  /** This variant's median time ÷ kysely's (orm: ≤ 1.3 is the target). */
  readonly timeRatioToKysely: number | null
  readonly timeRatioToRaw: number | null
}

interface Variant {
  readonly name: string
  /** Inserts the rows in one transaction; returns the generated ids, in input order. */
  run (rows: readonly NewItemInput[]): Promise<number[]>
  close (): Promise<void>
}

/** Its own schema, not the HTTP bench's: both may run against one database without dropping each other's tables. */
const PG_SCHEMA = `fastify_orm_bench_flush_${process.pid}`
const COLUMNS = ['title', 'body', 'quantity', 'price_cents'] as const


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
        return items.map((item) => item.id)
      } finally {
        await session.close()
      }
    },
    close: () => app.close()
  }
}

async function kyselyVariant (target: Target, settings: FlushSettings): Promise<Variant> {
  const db = plainKysely<UowDatabase>(target)
  return {
    name: 'kysely',
    run: (rows) => db.transaction().execute(async (trx) => {
      const ids: number[] = []
      for (const chunk of chunks(rows, settings.chunk)) {
        const inserted = await trx.insertInto('bench_new_item')
          .values(chunk.map((row) => ({ title: row.title, body: row.body, quantity: row.quantity, price_cents: row.priceCents })))
          .returningAll()
          .execute()
        for (const row of inserted) ids.push(row.id)
      }
      return ids
    }),
    close: () => db.destroy()
  }
}

async function rawVariant (target: Target, settings: FlushSettings): Promise<Variant> {
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
          const ids: number[] = []
          for (const chunk of chunks(rows, settings.chunk)) {
            const parameters: unknown[] = []
            for (const row of chunk) parameters.push(row.title, row.body, row.quantity, row.priceCents)
            for (const row of (await client.query<{ id: number }>(sqlFor(chunk.length), parameters)).rows) ids.push(row.id)
          }
          await client.query('commit')
          return ids
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
    const ids: number[] = []
    for (const row of rows) ids.push(Number(insert.run(row.title, row.body, row.quantity, row.priceCents).lastInsertRowid))
    return ids
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

/** A digest of the whole table, to check that every variant wrote exactly the same rows. */
async function tableDigest (db: Kysely<UowDatabase>): Promise<{ rows: number, digest: string }> {
  const rows = await db.selectFrom('bench_new_item').select(['id', 'title', 'body', 'quantity', 'price_cents']).orderBy('id').execute()
  return { rows: rows.length, digest: createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 16) }
}

/** Times every variant on every dialect; prints a line per repetition. */
export async function runFlush (dialects: readonly DialectName[], settings: FlushSettings): Promise<{ summary: FlushSummaryRow[], runs: FlushRun[] }> {
  console.log(`${FLUSH_SCENARIO}: ${settings.rows} new objects in one transaction, ${settings.repetitions} timed repetitions ` +
    `(+${settings.warmup} warm-up) per variant, hand-written chunks of ${settings.chunk} rows`)
  const rowsIn = input(settings.rows)
  const expectedIds = JSON.stringify(rowsIn.map((_row, index) => index + 1))
  const runs: FlushRun[] = []
  for (const dialect of dialects) {
    const { target, dispose } = await prepareTarget(dialect, settings.postgresUrl, PG_SCHEMA)
    const admin = plainKysely<UowDatabase>(target)
    const variants: Variant[] = []
    try {
      await recreateTables(target, newItemModels)
      const wanted = (name: string): boolean => settings.variants === undefined || settings.variants.includes(name)
      if (wanted('orm')) variants.push(await ormVariant(target))
      if (wanted('kysely')) variants.push(await kyselyVariant(target, settings))
      if (wanted('raw')) variants.push(await rawVariant(target, settings))
      const mine = variants.map((variant): FlushRun => ({ dialect, variant: variant.name, repetitions: [] }))
      let reference: { variant: string, digest: string } | undefined
      for (let repetition = 0; repetition < settings.warmup + settings.repetitions; repetition++) {
        for (const variant of rotate(variants, repetition)) {
          await emptyTable(admin, target, 'bench_new_item')
          const cpuBefore = process.cpuUsage()
          const start = performance.now()
          const ids = await variant.run(rowsIn)
          const wallMs = performance.now() - start
          const cpu = process.cpuUsage(cpuBefore)
          // The same work: ids 1..rows back in input order, and the same rows in the table.
          if (JSON.stringify(ids) !== expectedIds) {
            throw new Error(`${FLUSH_SCENARIO} ${dialect} ${variant.name}: the ids handed back are not 1..${settings.rows} in order`)
          }
          if (repetition === 0) {
            const { rows, digest } = await tableDigest(admin)
            if (rows !== settings.rows) throw new Error(`${FLUSH_SCENARIO} ${dialect} ${variant.name}: ${rows} rows in the table, for ${settings.rows}`)
            reference ??= { variant: variant.name, digest }
            if (digest !== reference.digest) throw new Error(`${FLUSH_SCENARIO} ${dialect}: ${variant.name} wrote other rows than ${reference.variant}`)
            if (variant.name !== reference.variant) console.log(`  ${FLUSH_SCENARIO} ${dialect} ${variant.name.padEnd(8)} wrote exactly the rows and ids ${reference.variant} did`)
          }
          if (repetition >= settings.warmup) {
            const cpuMs = (cpu.user + cpu.system) / 1000
            mine.find((row) => row.variant === variant.name)!.repetitions.push({ wallMs, cpuMs })
            console.log(`  ${FLUSH_SCENARIO} ${dialect} ${variant.name.padEnd(8)} repetition ${repetition - settings.warmup + 1}: ${wallMs.toFixed(1)} ms, ${cpuMs.toFixed(1)} ms CPU`)
          }
        }
      }
      runs.push(...mine)
    } finally {
      for (const variant of variants) await variant.close()
      await admin.destroy()
      await dispose()
    }
  }
  return { summary: summarizeFlush(runs, settings.rows), runs }
}

function summarizeFlush (runs: readonly FlushRun[], rows: number): FlushSummaryRow[] {
  const wall = (run: FlushRun): number => median(run.repetitions.map((repetition) => repetition.wallMs))
  return runs.map((run) => {
    const ratio = (variant: string): number | null => {
      const other = runs.find((candidate) => candidate.dialect === run.dialect && candidate.variant === variant)
      return other === undefined ? null : round(wall(run) / wall(other), 3)
    }
    const times = run.repetitions.map((repetition) => repetition.wallMs)
    return {
      scenario: FLUSH_SCENARIO,
      dialect: run.dialect,
      variant: run.variant,
      repetitions: run.repetitions.length,
      medianMs: round(wall(run), 1),
      minMs: round(Math.min(...times), 1),
      maxMs: round(Math.max(...times), 1),
      cpuMs: round(median(run.repetitions.map((repetition) => repetition.cpuMs)), 1),
      rowsPerSec: Math.round(rows / (wall(run) / 1000)),
      timeRatioToKysely: ratio('kysely'),
      timeRatioToRaw: ratio('raw')
    }
  })
}

export function formatFlushTable (summary: readonly FlushSummaryRow[]): string {
  return formatColumns(
    ['scenario', 'dialect', 'variant', 'median ms', 'min ms', 'max ms', 'cpu ms', 'rows/s', 'ms ÷ kysely', 'ms ÷ raw'],
    summary.map((row) => [row.scenario, row.dialect, row.variant, row.medianMs.toFixed(1), row.minMs.toFixed(1), row.maxMs.toFixed(1),
      row.cpuMs.toFixed(1), row.rowsPerSec.toLocaleString('en-US'), row.timeRatioToKysely?.toFixed(3) ?? '-', row.timeRatioToRaw?.toFixed(3) ?? '-']))
}

export function formatFlushVerdicts (summary: readonly FlushSummaryRow[]): string[] {
  const verdict = (ratio: number | null): string => ratio === null ? 'not measured' : ratio <= FLUSH_TARGET ? 'met' : 'NOT met'
  return summary.filter((row) => row.variant === 'orm').map((row) =>
    `${FLUSH_SCENARIO} ${row.dialect}: orm time ÷ kysely ${row.timeRatioToKysely?.toFixed(3) ?? '-'}, ÷ raw ${row.timeRatioToRaw?.toFixed(3) ?? '-'}; ` +
    `target ≤ ${FLUSH_TARGET}× a hand-written batched insert (issue 4): ${verdict(row.timeRatioToKysely)} vs kysely, ${verdict(row.timeRatioToRaw)} vs raw`)
}
