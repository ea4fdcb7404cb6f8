import { parseArgs } from 'node:util'
import type { DialectName } from './databases.ts'

/** How the app under test runs: in a child process (default) or next to autocannon. */
export type ServerMode = 'child' | 'inprocess'

export interface BenchOptions {
  /** Scenario names; empty means all. */
  readonly scenarios: readonly string[]
  readonly dialects: readonly DialectName[]
  /** Variant names to keep (e.g. orm,kysely); empty means all of each scenario's. */
  readonly variants: readonly string[]
  /** Measured seconds per run. */
  readonly duration: number
  /** Warm-up seconds per run (JIT, pools), not recorded. */
  readonly warmup: number
  /** Each variant runs this many times, in rotating order; the report shows medians. */
  readonly rounds: number
  readonly connections: number
  readonly mode: ServerMode
  /** Before each run, wait up to this many seconds for other processes to leave the CPUs idle (0: don't). */
  readonly quietWait: number
  /** Write a V8 CPU profile of every child server to bench/results/profiles/. */
  readonly cpuProf: boolean
  readonly postgresUrl: string
}

export const USAGE = `Usage: npm run bench -- [scenario ...] [options]

Options (environment variable in brackets):
  --dialect LIST      postgres,sqlite                        [BENCH_DIALECTS]
  --variant LIST      only these variants, e.g. orm,kysely   [BENCH_VARIANTS]
  --duration S        measured seconds per run, default 10   [BENCH_DURATION]
  --warmup S          warm-up seconds per run, default 3     [BENCH_WARMUP]
  --rounds N          runs per variant (median shown), 1     [BENCH_ROUNDS]
  --connections N     autocannon connections, default 50     [BENCH_CONNECTIONS]
  --mode M            child | inprocess, default child       [BENCH_MODE]
  --quiet-wait S      wait ≤ S s for an idle machine before
                      each run, default 15 (0: never)        [BENCH_QUIET_WAIT]
  --cpu-prof          profile the child servers (--cpu-prof) [BENCH_CPU_PROF=1]
  PostgreSQL URL: BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test)
`

export function parseOptions (argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      dialect: { type: 'string' },
      variant: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      mode: { type: 'string' },
      'quiet-wait': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help === true) return 'help'
  const mode = values.mode ?? env.BENCH_MODE ?? 'child'
  if (mode !== 'child' && mode !== 'inprocess') throw new Error(`--mode must be child or inprocess, got "${mode}"`)
  const dialects = list(values.dialect ?? env.BENCH_DIALECTS) ?? ['postgres', 'sqlite']
  for (const dialect of dialects) {
    if (dialect !== 'postgres' && dialect !== 'sqlite') throw new Error(`Unknown dialect "${dialect}" (postgres, sqlite)`)
  }
  return {
    scenarios: positionals,
    dialects: dialects as DialectName[],
    variants: list(values.variant ?? env.BENCH_VARIANTS) ?? [],
    duration: number('duration', values.duration ?? env.BENCH_DURATION, 10),
    warmup: number('warmup', values.warmup ?? env.BENCH_WARMUP, 3, 0),
    rounds: number('rounds', values.rounds ?? env.BENCH_ROUNDS, 1),
    connections: number('connections', values.connections ?? env.BENCH_CONNECTIONS, 50),
    mode,
    quietWait: number('quiet-wait', values['quiet-wait'] ?? env.BENCH_QUIET_WAIT, 15, 0),
    cpuProf: values['cpu-prof'] === true || env.BENCH_CPU_PROF === '1',
    postgresUrl: env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'
  }
}

function list (value: string | undefined): string[] | undefined {
  const items = value?.split(',').map((item) => item.trim()).filter((item) => item !== '')
  return items === undefined || items.length === 0 ? undefined : items
}

function number (name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined || value === '') return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${value}"`)
  return parsed
}
