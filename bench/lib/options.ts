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
  /** Interleaved rounds: each variant runs once per round, in rotating order; the report shows medians. */
  readonly rounds: number
  readonly connections: number
  readonly mode: ServerMode
  /** Before each run, wait up to this many seconds for other processes to leave the CPUs idle (0: don't). */
  readonly quietWait: number
  /** Write a V8 CPU profile of every child server to bench/results/profiles/. */
  readonly cpuProf: boolean
  /** Only start each server and compare the variants' answers to the probe requests; no load. */
  readonly check: boolean
  /** flush-10000: measured repetitions per variant (after 2 warm-up ones). */
  readonly flushRepetitions: number
  readonly postgresUrl: string
}

export const USAGE = `Usage: npm run bench -- [scenario ...] [options]

With no scenario named, runs them all (list below) on both dialects.
Examples:
  npm run bench -- user-posts-tags --dialect sqlite     one scenario, one dialect
  npm run bench -- create-row --variant orm,kysely --rounds 3
  npm run bench -- flush-10000 --dialect postgres
  npm run bench -- --check                              only compare the variants' answers

Options (environment variable in brackets):
  --dialect LIST      postgres,sqlite                        [BENCH_DIALECTS]
  --variant LIST      only these variants, e.g. orm,kysely   [BENCH_VARIANTS]
  --duration S        measured seconds per run, default 3    [BENCH_DURATION]
  --warmup S          warm-up seconds per run, default 2     [BENCH_WARMUP]
  --rounds N          interleaved runs per variant, default 3
                      (medians of per-round ratios shown)    [BENCH_ROUNDS]
  --connections N     autocannon connections, default 50     [BENCH_CONNECTIONS]
  --mode M            child | inprocess, default child       [BENCH_MODE]
  --quiet-wait S      wait ≤ S s for an idle machine before
                      each run, default 5 (0: never)         [BENCH_QUIET_WAIT]
  --cpu-prof          profile the child servers (--cpu-prof) [BENCH_CPU_PROF=1]
  --check             start each server, compare the probe
                      answers, measure nothing
  --flush-reps N      flush-10000: timed repetitions per
                      variant (+2 warm-up), default 5        [BENCH_FLUSH_REPS]
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
      check: { type: 'boolean' },
      'flush-reps': { type: 'string' },
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
    duration: number('duration', values.duration ?? env.BENCH_DURATION, 3),
    warmup: number('warmup', values.warmup ?? env.BENCH_WARMUP, 2, 0),
    rounds: number('rounds', values.rounds ?? env.BENCH_ROUNDS, 3),
    connections: number('connections', values.connections ?? env.BENCH_CONNECTIONS, 50),
    mode,
    quietWait: number('quiet-wait', values['quiet-wait'] ?? env.BENCH_QUIET_WAIT, 5, 0),
    cpuProf: values['cpu-prof'] === true || env.BENCH_CPU_PROF === '1',
    check: values.check === true,
    flushRepetitions: number('flush-reps', values['flush-reps'] ?? env.BENCH_FLUSH_REPS, 5),
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
