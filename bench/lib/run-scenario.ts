import { probe, runLoad } from './autocannon-runner.ts'
import type { Target } from './databases.ts'
import { waitForQuietMachine } from './machine.ts'
import { rotate } from './math.ts'
import type { BenchOptions } from './options.ts'
import type { RunRecord } from './report.ts'
import type { Scenario } from './scenario.ts'
import { startServer, type RunningServer } from './servers.ts'

/**
 * Runs every variant of `scenario` (those kept by --variant) `rounds` times, interleaved:
 * every variant's server is started (and checked and warmed up) first and stays up, then
 * each round measures each variant once, in an order that rotates every round. On a shared
 * machine whose speed drifts, the variants of one round meet the same conditions, which is
 * why the report's ratios are medians of per-round ratios. The tables must be seeded.
 */
export async function runScenario (scenario: Scenario, target: Target, options: BenchOptions): Promise<RunRecord[]> {
  const variants = scenario.variants.filter((variant) => options.variants.length === 0 || options.variants.includes(variant))
  const servers = new Map<string, RunningServer>()
  try {
    for (const variant of variants) {
      const server = await startServer({ scenario: scenario.name, variant, target }, options.mode, options.cpuProf)
      servers.set(variant, server)
      await checkAnswers(scenario, target, variant, server, servers.size === 1 ? undefined : variants[0])
    }
    if (options.check) return []
    const load = { connections: options.connections }
    if (options.warmup > 0) {
      for (const server of servers.values()) await runLoad(server.url, scenario.nextRequest, { ...load, duration: options.warmup })
    }
    const runs: RunRecord[] = []
    for (let round = 1; round <= options.rounds; round++) {
      for (const variant of rotate(variants, round - 1)) {
        const server = servers.get(variant)!
        const machineBusyBefore = options.quietWait > 0 ? await waitForQuietMachine(options.quietWait) : null
        const before = await server.usage()
        const measurement = await runLoad(server.url, scenario.nextRequest, { ...load, duration: options.duration })
        const after = await server.usage()
        const cpuUsPerRequest = before === null || after === null ? null : (after.micros - before.micros) / measurement.requests
        // The process's peak so far: its warm-up and earlier rounds included, as a server's would be.
        const peakRssMb = after === null ? null : after.maxRssKb / 1024
        const record = { scenario: scenario.name, dialect: target.dialect, variant, round, machineBusyBefore, measurement, cpuUsPerRequest, peakRssMb }
        runs.push(record)
        console.log(describe(record))
      }
    }
    return runs
  } finally {
    for (const server of servers.values()) await server.close()
  }
}

/** The probe answers of the first variant, kept to compare the others with. */
const expectedAnswers = new Map<string, string[]>()

/** Every variant must give the same answers, or the comparison means nothing. */
async function checkAnswers (scenario: Scenario, target: Target, variant: string, server: RunningServer, first: string | undefined): Promise<void> {
  const responses: string[] = []
  for (const request of scenario.probes) responses.push(await probe(server.url, request))
  const key = `${scenario.name}\0${target.dialect}`
  const expected = first === undefined ? undefined : expectedAnswers.get(key)
  if (expected === undefined) {
    expectedAnswers.set(key, responses)
    return
  }
  scenario.probes.forEach((request, index) => {
    if (responses[index] !== expected[index]) {
      throw new Error(`${scenario.name}/${target.dialect}: ${variant} answers ${request.method ?? 'GET'} ${request.path} with\n  ${responses[index]}\n` +
        `but ${first} with\n  ${expected[index]}`)
    }
  })
  console.log(`  ${scenario.name} ${target.dialect} ${variant.padEnd(8)} answers the ${scenario.probes.length} probe requests exactly as ${first} does`)
}

function describe ({ scenario, dialect, variant, round, machineBusyBefore, measurement, cpuUsPerRequest }: RunRecord): string {
  return `  ${scenario} ${dialect} ${variant.padEnd(8)} round ${round}: ` +
    `${Math.round(measurement.reqPerSec)} req/s, p99 ${measurement.p99Ms} ms` +
    `${cpuUsPerRequest === null ? '' : `, ${cpuUsPerRequest.toFixed(1)} µs CPU/req`}` +
    `${machineBusyBefore === null ? '' : ` (machine ${Math.round(machineBusyBefore * 100)}% busy before)`}` +
    `${measurement.failures > 0 ? `, ${measurement.failures} FAILURES` : ''}`
}
