// npm run bench -- [scenario ...] [--dialect postgres,sqlite] [--duration 5] … (see --help)
import { loadavg } from 'node:os'
import { FLUSH_SCENARIO, formatFlushTable, formatFlushVerdicts, runFlush } from './flush/flush.ts'
import { analyzeTables, prepareTarget } from './lib/databases.ts'
import { parseOptions, USAGE } from './lib/options.ts'
import { formatTable, formatVerdicts, summarize, writeResults, type RunRecord } from './lib/report.ts'
import { runScenario } from './lib/run-scenario.ts'
import { getScenario, scenarios } from './scenarios/index.ts'

const options = parseOptions(process.argv.slice(2), process.env)
if (options === 'help') {
  console.log(USAGE)
  console.log('Scenarios:')
  for (const scenario of scenarios.values()) console.log(`  ${scenario.name.padEnd(18)} ${scenario.description} [${scenario.variants.join(', ')}]`)
  console.log(`  ${FLUSH_SCENARIO.padEnd(18)} not HTTP: session.addAll(10,000 new objects) + commit, timed in one process [orm, kysely, raw]`)
  process.exit(0)
}
const named = options.scenarios.length > 0
const flush = !named || options.scenarios.includes(FLUSH_SCENARIO)
const selected = named ? options.scenarios.filter((name) => name !== FLUSH_SCENARIO).map(getScenario) : [...scenarios.values()]
console.log(`fastify-orm bench: ${[...selected.map((s) => s.name), ...(flush ? [FLUSH_SCENARIO] : [])].join(', ')} on ${options.dialects.join(', ')}; ` +
  `${options.duration}s (+${options.warmup}s warm-up) × ${options.rounds} round(s), ${options.connections} connections, servers ${options.mode}` +
  `${options.check ? '; --check: comparing answers only' : ''}`)
const loadBefore = loadavg()

const records: RunRecord[] = []
for (const dialect of options.dialects) {
  if (selected.length === 0) break
  const { target, dispose } = await prepareTarget(dialect, options.postgresUrl)
  try {
    for (const scenario of selected) {
      await scenario.seed(target)
      await analyzeTables(target)
      records.push(...await runScenario(scenario, target, options))
    }
  } finally {
    await dispose()
  }
}

const summary = summarize(records)
if (records.length > 0) {
  console.log(`\n${formatTable(summary)}\n`)
  const targetsOf = (name: string): NonNullable<ReturnType<typeof getScenario>['targets']> => getScenario(name).targets ?? []
  for (const verdict of formatVerdicts(summary, targetsOf)) console.log(verdict)
  console.log('')
}

let flushResults: Awaited<ReturnType<typeof runFlush>> | undefined
if (flush) {
  const settings = { rows: 10_000, repetitions: options.check ? 0 : options.flushRepetitions, warmup: options.check ? 1 : 2, chunk: 7_500, postgresUrl: options.postgresUrl }
  flushResults = await runFlush(options.dialects, settings)
  if (!options.check) {
    console.log(`\n${formatFlushTable(flushResults.summary)}\n`)
    for (const verdict of formatFlushVerdicts(flushResults.summary)) console.log(verdict)
    console.log('')
  }
}

if (!options.check) console.log(`Results written to ${await writeResults(options, summary, records, loadBefore, flushResults)}`)
