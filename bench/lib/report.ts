import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Measurement } from './autocannon-runner.ts'
import { median, round } from './math.ts'
import type { BenchOptions } from './options.ts'
import type { RatioTarget } from './scenario.ts'

/** One measured run of one variant. */
export interface RunRecord {
  readonly scenario: string
  readonly dialect: string
  readonly variant: string
  readonly round: number
  /** Share of all CPUs busy just before the run (other processes' work); null when unknown. */
  readonly machineBusyBefore: number | null
  readonly measurement: Measurement
  /** Server-process CPU time per request (µs); null for in-process servers. */
  readonly cpuUsPerRequest: number | null
  /** The server process's peak resident memory after this run (MB); null for in-process servers. */
  readonly peakRssMb?: number | null
}

/** The medians over rounds of one variant, with its ratios to the baselines (medians of per-round ratios). */
export interface SummaryRow {
  readonly scenario: string
  readonly dialect: string
  readonly variant: string
  readonly rounds: number
  readonly reqPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly failures: number
  readonly cpuUsPerRequest: number | null
  readonly ratioToKysely: number | null
  readonly ratioToRaw: number | null
  /** Lowest and highest per-round ratios (req/s), when there were several rounds. */
  readonly ratioToKyselyRange: readonly [number, number] | null
  readonly ratioToRawRange: readonly [number, number] | null
  /** Kysely's CPU µs/request ÷ this variant's: like ratioToKysely, but immune to a busy machine. */
  readonly cpuRatioToKysely: number | null
  /** The highest peak resident memory of the server over the rounds (MB). */
  readonly peakRssMb: number | null
  /** This variant's peak memory ÷ the raw server's. */
  readonly rssRatioToRaw: number | null
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const RESULTS_FILE = fileURLToPath(new URL('../results/latest.json', import.meta.url))

export function summarize (records: readonly RunRecord[]): SummaryRow[] {
  const groups = new Map<string, RunRecord[]>()
  for (const record of records) {
    const key = `${record.scenario}\0${record.dialect}\0${record.variant}`
    groups.set(key, [...(groups.get(key) ?? []), record])
  }
  const rows = [...groups.values()].map((runs) => {
    const first = runs[0]!
    const of = (pick: (m: Measurement) => number): number => median(runs.map((run) => pick(run.measurement)))
    return {
      scenario: first.scenario,
      dialect: first.dialect,
      variant: first.variant,
      rounds: runs.length,
      reqPerSec: of((m) => m.reqPerSec),
      p50Ms: of((m) => m.p50Ms),
      p99Ms: of((m) => m.p99Ms),
      failures: runs.reduce((sum, run) => sum + run.measurement.failures, 0),
      cpuUsPerRequest: runs.every((run) => run.cpuUsPerRequest !== null) ? round(median(runs.map((run) => run.cpuUsPerRequest!)), 1) : null,
      peakRssMb: runs.every((run) => typeof run.peakRssMb === 'number') ? round(Math.max(...runs.map((run) => run.peakRssMb!)), 1) : null
    }
  })
  // Paired by round: a variant is divided by the baseline measured in the same round, and
  // the median of those ratios is reported (a drifting machine moves both sides of a pair).
  const ratios = (row: (typeof rows)[number], variant: string, value: (run: RunRecord) => number | null, inverse = false): number[] => {
    const mine = groups.get(`${row.scenario}\0${row.dialect}\0${row.variant}`) ?? []
    const theirs = groups.get(`${row.scenario}\0${row.dialect}\0${variant}`) ?? []
    const list: number[] = []
    for (const run of mine) {
      const base = theirs.find((other) => other.round === run.round)
      const [a, b] = [value(run), base === undefined ? null : value(base)]
      if (a !== null && b !== null && a !== 0 && b !== 0) list.push(inverse ? b / a : a / b)
    }
    return list
  }
  const middle = (list: number[]): number | null => list.length === 0 ? null : round(median(list), 3)
  const range = (list: number[]): readonly [number, number] | null => list.length < 2 ? null : [round(Math.min(...list), 3), round(Math.max(...list), 3)]
  const reqPerSec = (run: RunRecord): number => run.measurement.reqPerSec
  return rows.map((row) => {
    const toKysely = ratios(row, 'kysely', reqPerSec)
    const toRaw = ratios(row, 'raw', reqPerSec)
    return {
      ...row,
      ratioToKysely: middle(toKysely),
      ratioToRaw: middle(toRaw),
      ratioToKyselyRange: range(toKysely),
      ratioToRawRange: range(toRaw),
      cpuRatioToKysely: middle(ratios(row, 'kysely', (run) => run.cpuUsPerRequest, true)),
      rssRatioToRaw: rssRatio(row, rows.find((other) => other.scenario === row.scenario && other.dialect === row.dialect && other.variant === 'raw'))
    }
  })
}

function rssRatio (row: { peakRssMb: number | null }, raw: { peakRssMb: number | null } | undefined): number | null {
  return row.peakRssMb === null || raw?.peakRssMb == null || raw.peakRssMb === 0 ? null : round(row.peakRssMb / raw.peakRssMb, 2)
}

export function formatTable (rows: readonly SummaryRow[]): string {
  return formatColumns(
    ['scenario', 'dialect', 'variant', 'req/s', 'p50 ms', 'p99 ms', '÷ kysely', '÷ raw', 'cpu µs/req', 'cpu ÷ kysely', 'peak RSS MB', 'RSS ÷ raw', 'failures'],
    rows.map((row) => [
      row.scenario, row.dialect, row.variant,
      Math.round(row.reqPerSec).toLocaleString('en-US'),
      row.p50Ms.toFixed(1), row.p99Ms.toFixed(1),
      row.ratioToKysely?.toFixed(3) ?? '-', row.ratioToRaw?.toFixed(3) ?? '-',
      row.cpuUsPerRequest?.toFixed(1) ?? '-', row.cpuRatioToKysely?.toFixed(3) ?? '-',
      row.peakRssMb?.toFixed(1) ?? '-', row.rssRatioToRaw?.toFixed(2) ?? '-',
      String(row.failures)
    ]))
}

/** A plain-text table: the first three columns left-aligned (names), the rest right-aligned. */
export function formatColumns (header: readonly string[], body: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]!.length)))
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n')
}

/**
 * One line per scenario and dialect: the orm variant's ratios to kysely and raw (req/s and
 * CPU per request), and whether each of the scenario's targets is met.
 */
export function formatVerdicts (rows: readonly SummaryRow[], targetsOf: (scenario: string) => readonly RatioTarget[]): string[] {
  return rows.filter((row) => row.variant === 'orm').map((row) => {
    const spread = (range: readonly [number, number] | null): string => range === null ? '' : ` [rounds ${range[0].toFixed(2)}–${range[1].toFixed(2)}]`
    const ratios = `orm ÷ kysely ${row.ratioToKysely?.toFixed(3) ?? '-'} req/s${spread(row.ratioToKyselyRange)}` +
      `${row.cpuRatioToKysely === null ? '' : ` (${row.cpuRatioToKysely.toFixed(3)} CPU)`}, orm ÷ raw ${row.ratioToRaw?.toFixed(3) ?? '-'} req/s${spread(row.ratioToRawRange)}` +
      `${row.rssRatioToRaw === null ? '' : `, peak RSS ${row.peakRssMb?.toFixed(0) ?? '-'} MB = ${row.rssRatioToRaw.toFixed(2)} × raw's`}`
    const verdicts = targetsOf(row.scenario)
      .filter((target) => target.dialect === undefined || target.dialect === row.dialect)
      .map((target) => {
        const value = target.baseline === 'kysely' ? row.ratioToKysely : row.ratioToRaw
        const met = value === null ? 'not measured' : value >= target.min ? 'met' : 'NOT met'
        return `target orm ÷ ${target.baseline} ≥ ${target.min} (${target.source}): ${met}`
      })
    return `${row.scenario} ${row.dialect}: ${ratios}${verdicts.length === 0 ? '' : `; ${verdicts.join('; ')}`}`
  })
}

export async function writeResults (options: BenchOptions, summary: readonly SummaryRow[], runs: readonly RunRecord[], loadBefore: number[], flush?: unknown): Promise<string> {
  const { postgresUrl: _url, ...settings } = options
  return writeJson(RESULTS_FILE, {
    meta: { ...environment(), settings: { ...settings, pipelining: 1 }, loadAverage: { before: loadBefore, after: loadavg() } },
    summary,
    runs,
    ...(flush === undefined ? {} : { flush })
  })
}

export async function writeJson (file: string, document: unknown): Promise<string> {
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`)
  return file
}

/** Where the figures come from: machine, versions, commit. */
export function environment (): Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    // Uncommitted changes under src/ mean the figures are not exactly the commit's.
    srcModified: git(['status', '--porcelain', '--', 'src']) === undefined ? undefined : git(['status', '--porcelain', '--', 'src']) !== '',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    packages: Object.fromEntries(['fastify', 'kysely', 'pg', 'better-sqlite3', 'autocannon'].map((name) => [name, version(name)]))
  }
}

function version (name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version
  } catch {
    return undefined
  }
}

function git (args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return undefined
  }
}
