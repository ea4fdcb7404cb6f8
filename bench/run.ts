// npm run bench -- [scenario ...] [--dialect postgres,sqlite] [--duration 10] … (see --help)
import { loadavg } from 'node:os'
import { prepareTarget } from './lib/databases.ts'
import { parseOptions, USAGE } from './lib/options.ts'
import { formatTable, formatVerdicts, summarize, writeResults, type RunRecord } from './lib/report.ts'
import { runScenario } from './lib/run-scenario.ts'
import { getScenario, scenarios } from './scenarios/index.ts'

const options = parseOptions(process.argv.slice(2), process.env)
if (options === 'help') {
  console.log(USAGE)
  process.exit(0)
}
const selected = options.scenarios.length > 0 ? options.scenarios.map(getScenario) : [...scenarios.values()]
console.log(`fastify-orm bench: ${selected.map((s) => s.name).join(', ')} on ${options.dialects.join(', ')}; ` +
  `${options.duration}s (+${options.warmup}s warm-up) × ${options.rounds} round(s), ${options.connections} connections, servers ${options.mode}`)
const loadBefore = loadavg()

const records: RunRecord[] = []
for (const dialect of options.dialects) {
  const { target, dispose } = await prepareTarget(dialect, options.postgresUrl)
  try {
    for (const scenario of selected) {
      await scenario.seed(target)
      records.push(...await runScenario(scenario, target, options))
    }
  } finally {
    await dispose()
  }
}

const summary = summarize(records)
console.log(`\n${formatTable(summary)}\n`)
for (const verdict of formatVerdicts(summary)) console.log(verdict)
console.log(`\nResults written to ${await writeResults(options, summary, records, loadBefore)}`)
