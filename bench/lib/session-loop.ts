import type { FastifyInstance } from 'fastify'

/** One session's path: `app.db.session()`, a `get` by primary key, `close()`. Returns its CPU µs. */
async function sessionGet (app: FastifyInstance, model: unknown, key: number): Promise<number> {
  const before = process.cpuUsage()
  const session = app.db.session()
  try {
    if (await session.get(model as never, key) === undefined) throw new Error(`row ${key} is missing`)
  } finally {
    await session.close()
  }
  const cpu = process.cpuUsage(before)
  return cpu.user + cpu.system
}

export interface InterleavedSessions {
  /** CPU µs per session of each app, over all measured sessions. */
  readonly usPerSession: readonly [number, number]
  /** Total CPU of the second app's sessions over the first's. */
  readonly ratio: number
  /** The same ratio in each of the chunks, sorted: how much it moves. */
  readonly chunkRatios: readonly number[]
}

/**
 * The session path alone, of two apps taking turns one session at a time (in alternating
 * order), each session's CPU time read around it. Both apps meet the same state of the
 * machine, so a difference of a few tenths of a microsecond shows, where timing whole
 * injected requests in batches leaves it inside the batches' noise (±10 % and more on a
 * shared machine). The first `warmUp` pairs are not counted.
 */
export async function interleavedSessions (apps: readonly [FastifyInstance, FastifyInstance], model: unknown, options: { sessions: number, warmUp: number, chunks: number, keyOf: (i: number) => number }): Promise<InterleavedSessions> {
  const { sessions, warmUp, chunks, keyOf } = options
  for (let i = 0; i < warmUp; i++) {
    await sessionGet(apps[0], model, keyOf(i))
    await sessionGet(apps[1], model, keyOf(i))
  }
  const totals: [number, number] = [0, 0]
  const chunkRatios: number[] = []
  const perChunk = Math.ceil(sessions / chunks)
  for (let chunk = 0; chunk < chunks; chunk++) {
    let firstApp = 0
    let secondApp = 0
    for (let i = 0; i < perChunk; i++) {
      if (i % 2 === 0) {
        firstApp += await sessionGet(apps[0], model, keyOf(i))
        secondApp += await sessionGet(apps[1], model, keyOf(i))
      } else {
        secondApp += await sessionGet(apps[1], model, keyOf(i))
        firstApp += await sessionGet(apps[0], model, keyOf(i))
      }
    }
    totals[0] += firstApp
    totals[1] += secondApp
    chunkRatios.push(secondApp / firstApp)
  }
  const measured = perChunk * chunks
  return { usPerSession: [totals[0] / measured, totals[1] / measured], ratio: totals[1] / totals[0], chunkRatios: chunkRatios.sort((a, b) => a - b) }
}
