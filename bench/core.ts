// npm run bench:core -- [scenario ...] [--dialect postgres,sqlite] [--batches 15] [--requests 2000] [--concurrency 10]
//                        [--compare orm:orm-records]
//
// The CPU cost of each variant's request path, without HTTP sockets or a load generator:
// all variants' apps live in this process and are driven through app.inject, in alternating
// batches, and the report shows the median CPU µs per request. Far less noisy than
// `npm run bench` on a busy machine, and the figure to watch when optimising the session path.
import { parseArgs } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { analyzeTables, prepareTarget, type DialectName } from './lib/databases.ts'
import { measureInject, type InjectMeasurement } from './lib/inject-runner.ts'
import { median, rotate, round } from './lib/math.ts'
import { environment, formatColumns, writeJson } from './lib/report.ts'
import { getScenario, scenarios } from './scenarios/index.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dialect: { type: 'string', default: process.env.BENCH_DIALECTS ?? 'postgres,sqlite' },
    variant: { type: 'string', default: '' },
    batches: { type: 'string', default: '15' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '10' },
    // base:variant pairs: each batch of `variant` divided by the batch of `base` run next to it.
    compare: { type: 'string', default: '' }
  }
})
const settings = { batches: Number(values.batches), requests: Number(values.requests), concurrency: Number(values.concurrency) }
const dialects = values.dialect.split(',') as DialectName[]
const onlyVariants = values.variant.split(',').filter((variant) => variant !== '')
const selected = positionals.length > 0 ? positionals.map(getScenario) : [...scenarios.values()]
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'

interface CoreRow { scenario: string, dialect: string, variant: string, batches: InjectMeasurement[] }
const rows: CoreRow[] = []

for (const dialect of dialects) {
  const { target, dispose } = await prepareTarget(dialect, postgresUrl)
  try {
    for (const scenario of selected) {
      await scenario.seed(target)
      await analyzeTables(target)
      const variants = scenario.variants.filter((variant) => onlyVariants.length === 0 || onlyVariants.includes(variant))
      const apps = new Map<string, FastifyInstance>()
      for (const variant of variants) apps.set(variant, await scenario.createApp(variant, target))
      const mine = variants.map((variant) => ({ scenario: scenario.name, dialect, variant, batches: [] as InjectMeasurement[] }))
      // Batch 0 warms up (JIT, pools, statement caches) and is not kept.
      for (let batch = 0; batch <= settings.batches; batch++) {
        for (const row of rotate(mine, batch)) {
          const measurement = await measureInject(apps.get(row.variant)!, scenario.nextRequest, settings.requests, settings.concurrency)
          if (batch > 0) row.batches.push(measurement)
        }
      }
      rows.push(...mine)
      await Promise.all([...apps.values()].map((app) => app.close()))
    }
  } finally {
    await dispose()
  }
}

const summary = rows.map((row) => {
  const cpu = median(row.batches.map((batch) => batch.cpuUsPerRequest))
  const kysely = rows.find((other) => other.scenario === row.scenario && other.dialect === row.dialect && other.variant === 'kysely')
  const kyselyCpu = kysely === undefined ? null : median(kysely.batches.map((batch) => batch.cpuUsPerRequest))
  return {
    scenario: row.scenario,
    dialect: row.dialect,
    variant: row.variant,
    cpuUsPerRequest: round(cpu),
    wallUsPerRequest: round(median(row.batches.map((batch) => batch.wallUsPerRequest))),
    overKyselyUs: kyselyCpu === null ? null : round(cpu - kyselyCpu),
    kyselyCpuRatio: kyselyCpu === null ? null : round(kyselyCpu / cpu, 3),
    failures: row.batches.reduce((sum, batch) => sum + batch.failures, 0)
  }
})

console.log(formatColumns(
  ['scenario', 'dialect', 'variant', 'cpu µs/req', 'wall µs/req', 'µs over kysely', 'kysely ÷ variant (cpu)', 'failures'],
  summary.map((row) => [row.scenario, row.dialect, row.variant, row.cpuUsPerRequest.toFixed(1), row.wallUsPerRequest.toFixed(1),
    row.overKyselyUs?.toFixed(1) ?? '-', row.kyselyCpuRatio?.toFixed(3) ?? '-', String(row.failures)])))
const comparisons = values.compare.split(',').filter((pair) => pair !== '').map((pair) => {
  const [base, variant] = pair.split(':')
  if (base === undefined || variant === undefined) throw new Error(`--compare takes base:variant pairs, not "${pair}"`)
  return { base, variant }
})
const paired = comparisons.flatMap(({ base, variant }) => rows.filter((row) => row.variant === variant).map((row) => {
  const baseRow = rows.find((other) => other.scenario === row.scenario && other.dialect === row.dialect && other.variant === base)
  if (baseRow === undefined) throw new Error(`--compare: ${row.scenario} on ${row.dialect} ran no "${base}" variant`)
  // Paired per batch: the two ran back to back, so a slow spell of the machine hits both.
  const ratios = row.batches.map((batch, index) => batch.cpuUsPerRequest / baseRow.batches[index]!.cpuUsPerRequest).sort((a, b) => a - b)
  const quartile = (q: number): number => ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))]!
  return { scenario: row.scenario, dialect: row.dialect, base, variant, cpuRatio: round(median(ratios), 3), lowerQuartile: round(quartile(0.25), 3), upperQuartile: round(quartile(0.75), 3) }
}))
if (paired.length > 0) {
  console.log('\nPaired CPU ratios (median of per-batch ratios, with the middle half of them):')
  console.log(formatColumns(['scenario', 'dialect', 'variant ÷ base', 'cpu ratio', 'middle half'],
    paired.map((entry) => [entry.scenario, entry.dialect, `${entry.variant} ÷ ${entry.base}`, entry.cpuRatio.toFixed(3), `${entry.lowerQuartile.toFixed(3)}–${entry.upperQuartile.toFixed(3)}`])))
}
const file = new URL('./results/core-latest.json', import.meta.url).pathname
console.log(`\nResults written to ${await writeJson(file, { meta: { ...environment(), settings }, summary, paired, rows })}`)
