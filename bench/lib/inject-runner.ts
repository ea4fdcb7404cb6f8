import { setImmediate as nextTurn } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { BenchRequest } from './scenario.ts'

export interface InjectMeasurement {
  /** CPU time (user + system) of this process per request, µs. */
  readonly cpuUsPerRequest: number
  /** Wall-clock time per request, µs (sensitive to other load; CPU is the figure to compare). */
  readonly wallUsPerRequest: number
  readonly failures: number
}

/**
 * Sends `requests` requests through `app.inject` (no sockets), `concurrency` at a time,
 * and measures this process's CPU time: the app's own cost per request, without the HTTP
 * syscalls and load generator that dominate — and add noise to — an autocannon run.
 */
export async function measureInject (app: FastifyInstance, nextRequest: () => BenchRequest, requests: number, concurrency: number): Promise<InjectMeasurement> {
  let remaining = requests
  let failures = 0
  const worker = async (): Promise<void> => {
    while (remaining-- > 0) {
      const { method = 'GET', path, body, headers } = nextRequest()
      const response = await app.inject({ method, url: path, ...(body === undefined ? {} : { payload: body }), ...(headers === undefined ? {} : { headers }) })
      if (response.statusCode >= 300) failures++
      // Start the next request in a new event-loop turn, as a real server does. A loop made
      // only of promise callbacks would starve setImmediate callbacks (light-my-request
      // queues some per request) and keep every request in memory.
      await nextTurn()
    }
  }
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const wallUs = (performance.now() - start) * 1000
  const cpu = process.cpuUsage(cpuBefore)
  return { cpuUsPerRequest: (cpu.user + cpu.system) / requests, wallUsPerRequest: wallUs / requests, failures }
}
