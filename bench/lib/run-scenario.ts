import { probe, runLoad } from './autocannon-runner.ts'
import type { Target } from './databases.ts'
import { waitForQuietMachine } from './machine.ts'
import { rotate } from './math.ts'
import type { BenchOptions } from './options.ts'
import type { RunRecord } from './report.ts'
import type { Scenario } from './scenario.ts'
import { startServer } from './servers.ts'

/**
 * Runs every variant of `scenario` (those kept by --variant) `rounds` times; the order
 * rotates each round so that no variant always runs first. The tables must be seeded.
 */
export async function runScenario (scenario: Scenario, target: Target, options: BenchOptions): Promise<RunRecord[]> {
  const variants = scenario.variants.filter((variant) => options.variants.length === 0 || options.variants.includes(variant))
  const runs: RunRecord[] = []
  let expected: { variant: string, response: string } | undefined
  for (let round = 1; round <= options.rounds; round++) {
    for (const variant of rotate(variants, round - 1)) {
      const machineBusyBefore = options.quietWait > 0 ? await waitForQuietMachine(options.quietWait) : null
      const server = await startServer({ scenario: scenario.name, variant, target }, options.mode, options.cpuProf)
      try {
        // Every variant must give the same answer, or the comparison means nothing.
        const response = await probe(server.url, scenario.probe)
        expected ??= { variant, response }
        if (response !== expected.response) {
          throw new Error(`${scenario.name}/${target.dialect}: ${variant} answers ${scenario.probe.path} with\n  ${response}\nbut ${expected.variant} with\n  ${expected.response}`)
        }
        const load = { connections: options.connections }
        if (options.warmup > 0) await runLoad(server.url, scenario.nextRequest, { ...load, duration: options.warmup })
        const cpuBefore = await server.cpuMicros()
        const measurement = await runLoad(server.url, scenario.nextRequest, { ...load, duration: options.duration })
        const cpuAfter = await server.cpuMicros()
        const cpuUsPerRequest = cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / measurement.requests
        const record = { scenario: scenario.name, dialect: target.dialect, variant, round, machineBusyBefore, measurement, cpuUsPerRequest }
        runs.push(record)
        console.log(describe(record))
      } finally {
        await server.close()
      }
    }
  }
  return runs
}

function describe ({ scenario, dialect, variant, round, machineBusyBefore, measurement, cpuUsPerRequest }: RunRecord): string {
  return `  ${scenario} ${dialect} ${variant.padEnd(8)} round ${round}: ` +
    `${Math.round(measurement.reqPerSec)} req/s, p99 ${measurement.p99Ms} ms` +
    `${cpuUsPerRequest === null ? '' : `, ${cpuUsPerRequest.toFixed(1)} µs CPU/req`}` +
    `${machineBusyBefore === null ? '' : ` (machine ${Math.round(machineBusyBefore * 100)}% busy before)`}` +
    `${measurement.failures > 0 ? `, ${measurement.failures} FAILURES` : ''}`
}
