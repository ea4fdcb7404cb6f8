// The part of autocannon's programmatic API the benchmarks use (autocannon ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  namespace autocannon {
    interface Request {
      method?: string
      path?: string
      body?: string
      headers?: Record<string, string>
      /** Called before each request; return the (mutated) request. */
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request
    }

    interface Options {
      url: string
      connections?: number
      duration?: number
      pipelining?: number
      timeout?: number
      workers?: number
      title?: string
      requests?: Request[]
    }

    interface Histogram {
      average: number
      mean: number
      stddev: number
      min: number
      max: number
      total: number
      p50: number
      p90: number
      p99: number
    }

    interface Result {
      title?: string
      url: string
      requests: Histogram
      latency: Histogram
      throughput: Histogram
      errors: number
      timeouts: number
      non2xx: number
      '2xx': number
      duration: number
      connections: number
      pipelining: number
    }

    interface Instance extends EventEmitter, Promise<Result> {
      stop (): void
    }
  }

  function autocannon (options: autocannon.Options): autocannon.Instance

  export = autocannon
}
