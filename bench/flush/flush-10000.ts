// npm run bench:flush -- [--dialect postgres,sqlite] [--variant orm,kysely,raw] [--rows 10000] [--repetitions 9] [--warmup 2] [--chunk 7500]
//
// flush-10000 on its own, with more repetitions than `npm run bench` gives it (see flush.ts).
// Results: bench/results/flush-latest.json, and under "flush" in latest.json when it exists.
import { existsSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import type { DialectName } from '../lib/databases.ts'
import { environment, RESULTS_FILE, writeJson } from '../lib/report.ts'
import { formatFlushTable, formatFlushVerdicts, runFlush } from './flush.ts'

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: process.env.BENCH_DIALECTS ?? 'postgres,sqlite' },
    rows: { type: 'string', default: '10000' },
    repetitions: { type: 'string', default: '9' },
    warmup: { type: 'string', default: '2' },
    chunk: { type: 'string', default: '7500' },
    variant: { type: 'string' }
  }
})
const settings = {
  rows: Number(values.rows),
  repetitions: Number(values.repetitions),
  warmup: Number(values.warmup),
  chunk: Number(values.chunk),
  variants: values.variant?.split(','),
  postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'
}
const dialects = values.dialect.split(',') as DialectName[]
const loadBefore = loadavg()
const { summary, runs } = await runFlush(dialects, settings)
console.log(`\n${formatFlushTable(summary)}\n`)
for (const line of formatFlushVerdicts(summary)) console.log(line)

const { postgresUrl: _url, ...recorded } = settings
const document = { meta: { ...environment(), settings: recorded, loadAverage: { before: loadBefore, after: loadavg() } }, summary, runs }
const file = new URL('../results/flush-latest.json', import.meta.url).pathname
console.log(`\nResults written to ${await writeJson(file, document)}`)
// Also under "flush" in latest.json (the HTTP bench rewrites that file; flush-latest.json stays).
if (existsSync(RESULTS_FILE)) {
  const latest = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>
  console.log(`and added to ${await writeJson(RESULTS_FILE, { ...latest, flush: document })}`)
}
