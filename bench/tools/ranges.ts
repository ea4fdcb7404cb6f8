// Ranges over several runs of `npm run bench` (copies of bench/results/latest.json):
//   npx tsx bench/tools/ranges.ts run1.json run2.json [run3.json …] [--markdown]
// On a shared machine one run proves little: this prints, per scenario, dialect and variant,
// the lowest and highest req/s, p99, ratios to kysely and raw, and CPU µs/request seen, and
// the same for flush-10000's times. --markdown prints the orm/kysely/raw table the READMEs use.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { FlushSummaryRow } from '../flush/flush.ts'
import { formatColumns, type SummaryRow } from '../lib/report.ts'

interface Results { summary: SummaryRow[], flush?: { summary: FlushSummaryRow[] } }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { markdown: { type: 'boolean' } } })
if (positionals.length === 0) throw new Error('Usage: ranges.ts <latest.json> [<latest.json> …] [--markdown]')
const runs = positionals.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Results)

/** "lo–hi" (or one value), with `digits` decimals and thousands separators. */
function range (numbers: ReadonlyArray<number | null>, digits = 0): string {
  const known = numbers.filter((value): value is number => value !== null)
  if (known.length === 0) return '-'
  const format = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
  const [low, high] = [Math.min(...known), Math.max(...known)]
  return format(low) === format(high) ? format(low) : `${format(low)}–${format(high)}`
}

function group<T extends { scenario: string, dialect: string, variant: string }> (rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const row of rows) {
    const key = `${row.scenario}\0${row.dialect}\0${row.variant}`
    groups.set(key, [...(groups.get(key) ?? []), row])
  }
  return groups
}

const http = group(runs.flatMap((run) => run.summary))
const flush = group(runs.flatMap((run) => run.flush?.summary ?? []))

if (values.markdown === true) {
  // One line per scenario and dialect: orm, kysely and raw req/s, and orm's ratios.
  const lines = ['| scenario | dialect | orm req/s | Kysely req/s | raw req/s | orm ÷ Kysely | orm ÷ raw | orm ÷ Kysely (CPU) |', '|---|---|---|---|---|---|---|---|']
  const seen = new Set<string>()
  for (const rows of http.values()) {
    const { scenario, dialect } = rows[0]!
    if (seen.has(`${scenario}\0${dialect}`)) continue
    seen.add(`${scenario}\0${dialect}`)
    const of = (variant: string): SummaryRow[] => http.get(`${scenario}\0${dialect}\0${variant}`) ?? []
    const orm = of('orm')
    lines.push(`| ${scenario} | ${dialect} | ${range(orm.map((r) => r.reqPerSec))} | ${range(of('kysely').map((r) => r.reqPerSec))} | ` +
      `${range(of('raw').map((r) => r.reqPerSec))} | ${range(orm.map((r) => r.ratioToKysely), 2)} | ${range(orm.map((r) => r.ratioToRaw), 2)} | ` +
      `${range(orm.map((r) => r.cpuRatioToKysely), 2)} |`)
  }
  if (flush.size > 0) {
    lines.push('', '| flush-10000 | orm ms | Kysely ms | raw ms | orm ÷ Kysely (time) | orm ÷ raw (time) |', '|---|---|---|---|---|---|')
    for (const dialect of new Set([...flush.values()].map((rows) => rows[0]!.dialect))) {
      const of = (variant: string): FlushSummaryRow[] => flush.get(`flush-10000\0${dialect}\0${variant}`) ?? []
      const orm = of('orm')
      lines.push(`| ${dialect} | ${range(orm.map((r) => r.medianMs))} | ${range(of('kysely').map((r) => r.medianMs))} | ${range(of('raw').map((r) => r.medianMs))} | ` +
        `${range(orm.map((r) => r.timeRatioToKysely), 2)} | ${range(orm.map((r) => r.timeRatioToRaw), 2)} |`)
    }
  }
  console.log(lines.join('\n'))
} else {
  console.log(`${runs.length} runs\n`)
  console.log(formatColumns(['scenario', 'dialect', 'variant', 'req/s', 'p99 ms', '÷ kysely', '÷ raw', 'cpu µs/req', 'cpu ÷ kysely'],
    [...http.values()].map((rows) => [rows[0]!.scenario, rows[0]!.dialect, rows[0]!.variant,
      range(rows.map((r) => r.reqPerSec)), range(rows.map((r) => r.p99Ms)), range(rows.map((r) => r.ratioToKysely), 2),
      range(rows.map((r) => r.ratioToRaw), 2), range(rows.map((r) => r.cpuUsPerRequest)), range(rows.map((r) => r.cpuRatioToKysely), 2)])))
  if (flush.size > 0) {
    console.log(`\n${formatColumns(['scenario', 'dialect', 'variant', 'median ms', 'cpu ms', 'ms ÷ kysely', 'ms ÷ raw'],
      [...flush.values()].map((rows) => [rows[0]!.scenario, rows[0]!.dialect, rows[0]!.variant, range(rows.map((r) => r.medianMs)),
        range(rows.map((r) => r.cpuMs)), range(rows.map((r) => r.timeRatioToKysely), 2), range(rows.map((r) => r.timeRatioToRaw), 2)]))}`)
  }
}
