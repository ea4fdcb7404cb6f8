// npm run bench:records -- [--dialect sqlite,postgres] [--sessions 100000] [--requests 4000]
//
// What query records (`recordQueries`, with N+1 counting) cost a request. The work they
// add is in the session: an observer per session, two clock readings and one record per
// statement. So the session path alone (`app.db.session()`, `get`, `close()`) of an app
// with recording off and one with it on is timed one session at a time, the two apps
// taking turns, and the microseconds recording adds are divided by the CPU of a whole
// GET /items/:id (get-by-pk-session's `orm` app through app.inject) measured in the same
// run. Timing whole injected requests off and on in batches instead leaves the difference
// inside the batches' noise (±10 % and more on a shared machine).
import { parseArgs } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { analyzeTables, prepareTarget, type DialectName } from './lib/databases.ts'
import { measureInject } from './lib/inject-runner.ts'
import { median, round } from './lib/math.ts'
import { environment, formatColumns, writeJson } from './lib/report.ts'
import { interleavedSessions } from './lib/session-loop.ts'
import { getByPkSession, ITEM_ROWS } from './scenarios/get-by-pk-session.ts'
import { Item, itemModels } from './uow/models.ts'
import { ormBenchApp } from './uow/support.ts'

const { values } = parseArgs({
  options: {
    dialect: { type: 'string', default: process.env.BENCH_DIALECTS ?? 'sqlite,postgres' },
    sessions: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '4000' }
  }
})
const sessions = Number(values.sessions)
const CHUNKS = 20
const requests = Number(values.requests)
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'
// Spread over the table, the same sequence for both variants.
const keyOf = (i: number): number => 1 + (i * 7919) % ITEM_ROWS

const summary = []
for (const dialect of values.dialect.split(',') as DialectName[]) {
  const { target, dispose } = await prepareTarget(dialect, postgresUrl)
  try {
    await getByPkSession.seed(target)
    await analyzeTables(target)
    const apps: Record<'off' | 'on', FastifyInstance> = {
      off: await ormBenchApp(target, itemModels),
      on: await ormBenchApp(target, itemModels, { recordQueries: true, nPlusOne: 'warn' })
    }
    const request = await getByPkSession.createApp('orm', target)
    try {
      const measured = await interleavedSessions([apps.off, apps.on], Item, { sessions, warmUp: 5_000, chunks: CHUNKS, keyOf })
      const requestCpu: number[] = []
      for (let batch = 0; batch <= 5; batch++) {
        const { cpuUsPerRequest } = await measureInject(request, getByPkSession.nextRequest, requests, 10)
        if (batch > 0) requestCpu.push(cpuUsPerRequest)
      }
      const [off, on] = measured.usPerSession
      const perRequest = median(requestCpu)
      const quartile = (q: number): number => measured.chunkRatios[Math.floor(q * measured.chunkRatios.length)]!
      summary.push({
        dialect,
        sessionOffUs: round(off, 2),
        sessionOnUs: round(on, 2),
        sessionRatio: round(measured.ratio, 4),
        chunkRatioMiddleHalf: [round(quartile(0.25), 3), round(quartile(0.75), 3)],
        addedUs: round(on - off, 2),
        requestCpuUs: round(perRequest, 1),
        overheadPercent: round((on - off) / perRequest * 100, 2)
      })
    } finally {
      await Promise.all([apps.off.close(), apps.on.close(), request.close()])
    }
  } finally {
    await dispose()
  }
}

console.log(`\nSession path (session, get, close): ${sessions} sessions per app, taking turns; whole GET through app.inject: median of 5 batches of ${requests}\n`)
console.log(formatColumns(['dialect', 'session µs off', 'session µs on', `on ÷ off (middle half of ${CHUNKS} chunks)`, 'µs added', 'request cpu µs', 'overhead %'],
  summary.map((row) => [row.dialect, row.sessionOffUs.toFixed(2), row.sessionOnUs.toFixed(2),
    `${row.sessionRatio.toFixed(3)} (${row.chunkRatioMiddleHalf.map((value) => value.toFixed(3)).join('–')})`,
    row.addedUs.toFixed(2), row.requestCpuUs.toFixed(1), row.overheadPercent.toFixed(2)])))
const file = new URL('./results/records-latest.json', import.meta.url).pathname
console.log(`\nResults written to ${await writeJson(file, { meta: { ...environment(), sessions, requests }, summary })}`)
