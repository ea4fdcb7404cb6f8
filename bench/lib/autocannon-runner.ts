import autocannon from 'autocannon'
import type { BenchRequest } from './scenario.ts'

export interface LoadOptions {
  /** Seconds. */
  readonly duration: number
  readonly connections: number
}

/** One measured run. Latencies in milliseconds. */
export interface Measurement {
  readonly reqPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly avgMs: number
  readonly maxMs: number
  readonly requests: number
  /** Socket errors and timeouts plus non-2xx replies: anything but 0 invalidates the run. */
  readonly failures: number
}

/** Drives `url` with autocannon (pipelining 1), calling `nextRequest` for every request. */
export async function runLoad (url: string, nextRequest: () => BenchRequest, options: LoadOptions): Promise<Measurement> {
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.duration,
    pipelining: 1,
    requests: [{ setupRequest: (request) => Object.assign(request, nextRequest()) }]
  })
  return {
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    avgMs: result.latency.average,
    maxMs: result.latency.max,
    requests: result.requests.total,
    failures: result.errors + result.timeouts + result.non2xx
  }
}

/** Sends one request and returns its status and body, to compare variants before measuring. */
export async function probe (url: string, request: BenchRequest): Promise<string> {
  const response = await fetch(new URL(request.path, url), {
    method: request.method ?? 'GET',
    ...(request.headers === undefined ? {} : { headers: request.headers }),
    ...(request.body === undefined ? {} : { body: request.body })
  })
  return `${response.status} ${await response.text()}`
}
