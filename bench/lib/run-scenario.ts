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
  let expected: { variant: string, responses: string[] } | undefined
  for (let round = 1; round <= (options.check ? 1 : options.rounds); round++) {
    for (const variant of rotate(variants, round - 1)) {
      const machineBusyBefore = options.quietWait > 0 && !options.check ? await waitForQuietMachine(options.quietWait) : null
      const server = await startServer({ scenario: scenario.name, variant, target }, options.mode, options.cpuProf)
      try {
        // Every variant must give the same answers, or the comparison means nothing.
        const responses: string[] = []
        for (const request of scenario.probes) responses.push(await probe(server.url, request))
        expected ??= { variant, responses }
        scenario.probes.forEach((request, index) => {
          if (responses[index] !== expected!.responses[index]) {
            throw new Error(`${scenario.name}/${target.dialect}: ${variant} answers ${request.method ?? 'GET'} ${request.path} with\n  ${responses[index]}\n` +
              `but ${expected!.variant} with\n  ${expected!.responses[index]}`)
          }
        })
        if (round === 1 && variant !== expected.variant) {
          console.log(`  ${scenario.name} ${target.dialect} ${variant.padEnd(8)} answers the ${scenario.probes.length} probe requests exactly as ${expected.variant} does`)
        }
        if (options.check) continue
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
