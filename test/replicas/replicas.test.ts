// Read replicas on a real topology: a private PostgreSQL 15 primary and a streaming hot
// standby of it (pg_basebackup -R), started for this file on their own ports. Reads land
// on the replica (pg_is_in_recovery() through the session), a session that wrote reads
// from the primary, a stopped replica sends reads to the primary with no failed request
// and is used again once back, and a replica whose replay is paused leaves the rotation
// past the lag bound. Figures are printed as tap comments.
//
//   npm run build && npx tap test/replicas/replicas.test.ts
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import fastifyOrm, { c, defineModel } from '../../src/index.ts'
import { privateServerUnavailable, startPrivatePostgres, startPrivateStandby, type PrivateStandby } from '../helpers/private-servers.ts'

const Note = defineModel('Note', {
  id: c.integer().primaryKey(),
  text: c.string(100)
})

const CHECK_INTERVAL_MS = 100
const MAX_LAG_MS = 1_000

interface Where { standby: boolean, server: string }

function redacted (url: string): string {
  const parsed = new URL(url)
  if (parsed.password !== '') parsed.password = '***'
  return parsed.toString()
}

async function startApp (t: Test, url: string, replicaUrl: string, logs: string[]): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(line) } } } })
  await app.register(fastifyOrm, {
    url, replicas: [replicaUrl], replicaCheckIntervalMs: CHECK_INTERVAL_MS, replicaMaxLagMs: MAX_LAG_MS, models: { Note }, recordQueries: true
  })
  const where = async (db: FastifyRequest['db']): Promise<Where> => {
    const row = await db.kysely.selectNoFrom(sql<boolean>`pg_is_in_recovery()`.as('standby')).executeTakeFirstOrThrow()
    return { standby: row.standby, server: db.queries.at(-1)?.database ?? '' }
  }
  app.get('/where', async (request) => where(request.db))
  app.get('/notes/:id', async (request) => {
    const note = await request.db.get(Note, Number((request.params as { id: string }).id))
    return { found: note !== undefined, ...await where(request.db) }
  })
  app.post('/notes', async (request) => {
    const note = request.db.add(Note, { text: (request.body as { text: string }).text })
    await request.db.commit()
    // Read-your-writes: the session wrote, so this read goes to the primary and sees the row.
    const again = await request.db.query(Note).where('id', '=', note.id).first()
    return { id: note.id, seen: again !== undefined, ...await where(request.db) }
  })
  app.get('/primary', async (request) => where(request.db.primary()))
  app.get('/primary-route', { config: { db: { primary: true } } }, async (request) => where(request.db))
  app.get('/transaction', async (request) => request.db.transaction(async (db) => where(db)))
  // A locking read: a standby refuses FOR UPDATE, so it goes to the primary.
  app.get('/for-update', async (request) => {
    const row = await request.db.kysely.selectNoFrom(sql<boolean>`pg_is_in_recovery()`.as('standby')).forUpdate().executeTakeFirstOrThrow()
    return { standby: row.standby, server: request.db.queries.at(-1)?.database ?? '' }
  })
  // Kysely's own transaction on the session's Kysely, before the session wrote anything.
  app.post('/kysely-transaction', async (request) => request.db.kysely.transaction().execute(async (trx) => {
    const pid = sql<{ pid: number, standby: boolean }>`select pg_backend_pid() as pid, pg_is_in_recovery() as standby`
    const first = (await pid.execute(trx)).rows[0]!
    await trx.insertInto('note' as never).values({ text: 'in a kysely transaction' } as never).execute()
    const second = (await pid.execute(trx)).rows[0]!
    return { first, second }
  }))
  await app.ready()
  t.teardown(() => app.close())
  return app
}

async function waitFor (what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const start = Date.now()
  while (Date.now() - start < timeoutMs) {
    if (await probe()) return Date.now() - start
    await sleep(50)
  }
  throw new Error(`timed out waiting for ${what}`)
}

const unavailable = privateServerUnavailable('postgres')

t.test('read replicas on a primary and a streaming standby', { skip: unavailable, timeout: 240_000 }, async (t) => {
  const primary = await startPrivatePostgres(t)
  const database = await primary.createDatabase()
  const standby: PrivateStandby = await startPrivateStandby(primary, t)
  const replicaUrl = standby.urlOf(database.url)
  const setup = Fastify()
  await setup.register(fastifyOrm, { url: database.url, models: { Note } })
  await setup.ready()
  await setup.db.createAll()
  await setup.close()
  await waitFor('the table on the standby', async () =>
    (await standby.sql<{ n: number }>("select count(*)::int as n from pg_tables where tablename = 'note'", { database: database.name }))[0]?.n === 1)

  const logs: string[] = []
  const app = await startApp(t, database.url, replicaUrl, logs)
  const get = async (url: string): Promise<Where & { status: number }> => {
    const response = await app.inject(url)
    return { status: response.statusCode, ...response.json<Where>() }
  }

  await t.test('reads outside a transaction go to the replica, named in the records', async (t) => {
    for (let i = 0; i < 10; i++) {
      const where = await get('/where')
      t.equal(where.status, 200)
      t.equal(where.standby, true, 'answered by the standby')
      t.equal(where.server, redacted(replicaUrl), 'the record names the replica, without its password')
    }
    t.notMatch(redacted(replicaUrl), new URL(database.url).password, 'the password is not shown')
  })

  await t.test('a session that wrote reads its writes from the primary', async (t) => {
    const response = await app.inject({ method: 'POST', url: '/notes', payload: { text: 'hello' } })
    t.equal(response.statusCode, 200)
    t.match(response.json(), { seen: true, standby: false, server: redacted(database.url) })
    const id = response.json<{ id: number }>().id
    // Another request reads from the replica once it has replayed the insert.
    await waitFor('the note on the replica', async () => (await app.inject(`/notes/${id}`)).json<{ found: boolean }>().found)
    t.match((await app.inject(`/notes/${id}`)).json(), { found: true, standby: true })
  })

  await t.test('primary(), config.db.primary and transactions use the primary', async (t) => {
    t.match(await get('/primary'), { status: 200, standby: false })
    t.match(await get('/primary-route'), { status: 200, standby: false })
    t.match(await get('/transaction'), { status: 200, standby: false })
    t.match(await get('/for-update'), { status: 200, standby: false })
    const kyselyTransaction = await app.inject({ method: 'POST', url: '/kysely-transaction' })
    t.equal(kyselyTransaction.statusCode, 200)
    const { first, second } = kyselyTransaction.json<{ first: { pid: number, standby: boolean }, second: { pid: number, standby: boolean } }>()
    t.equal(first.standby, false, "request.db.kysely.transaction() runs on the primary")
    t.equal(first.pid, second.pid, 'on one connection from BEGIN to COMMIT')
  })

  await t.test('a stopped replica: reads continue on the primary with no failed request; back, it is used again', async (t) => {
    let stopped = false
    let requests = 0
    let failures = 0
    let onReplica = 0
    const load = (async () => {
      while (!stopped) {
        const batch = await Promise.all(Array.from({ length: 10 }, () => get('/where')))
        for (const where of batch) {
          requests++
          if (where.status !== 200) failures++
          else if (where.standby) onReplica++
        }
      }
    })()
    await sleep(200)
    await standby.stop({ mode: 'immediate' })
    await sleep(1_000)
    const whileDown = await get('/where')
    t.match(whileDown, { status: 200, standby: false }, 'answered by the primary while the replica is down')
    await standby.start()
    const backAfter = await waitFor('the replica back in rotation', async () => (await get('/where')).standby)
    stopped = true
    await load
    t.equal(failures, 0, `no failed request (${requests} requests, ${onReplica} on the replica)`)
    t.comment(`replica stopped: ${requests} requests, ${failures} failed, ${onReplica} answered by the replica; back in rotation ${backAfter} ms after it started`)
    t.ok(logs.some((line) => /read replica out of rotation/.test(line)), 'logged when it left the rotation')
    t.ok(logs.some((line) => /read replica in rotation/.test(line)), 'logged when it came back')
  })

  await t.test('a replica lagging past replicaMaxLagMs leaves the rotation, and returns when it catches up', async (t) => {
    await standby.sql('select pg_wal_replay_pause()')
    t.teardown(() => standby.sql('select pg_wal_replay_resume()').catch(() => undefined))
    // The primary keeps committing; the paused standby receives the WAL but does not replay it.
    let writing = true
    const writes = (async () => {
      while (writing) {
        await app.inject({ method: 'POST', url: '/notes', payload: { text: 'lag' } })
        await sleep(50)
      }
    })()
    const outAfter = await waitFor('the lagging replica out of rotation', async () => !(await get('/where')).standby)
    writing = false
    await writes
    t.pass(`out of rotation ${outAfter} ms after replay paused (bound ${MAX_LAG_MS} ms, checked every ${CHECK_INTERVAL_MS} ms)`)
    t.ok(logs.some((line) => /over replicaMaxLagMs/.test(line)), 'the log says why')
    await standby.sql('select pg_wal_replay_resume()')
    await waitFor('the replica back once replayed', async () => (await get('/where')).standby)
    t.pass('back in rotation')
  })

  await t.test('under 50 concurrent clients, reads are spread and nothing fails', async (t) => {
    const logsBefore = logs.length
    let requests = 0
    let failures = 0
    let onReplica = 0
    await Promise.all(Array.from({ length: 50 }, async (_, client) => {
      for (let i = 0; i < 20; i++) {
        const write = (client + i) % 10 === 0
        const response = write
          ? await app.inject({ method: 'POST', url: '/notes', payload: { text: `c${client}` } })
          : await app.inject('/where')
        requests++
        if (response.statusCode !== 200) failures++
        else if (!write && response.json<Where>().standby) onReplica++
      }
    }))
    const reads = requests - requests / 10
    t.equal(failures, 0)
    // On a starved machine the standby may replay more than MAX_LAG_MS behind these writes:
    // then it leaves the rotation, as it must, and those reads go to the primary.
    const leftRotation = logs.slice(logsBefore).find((line) => /read replica out of rotation/.test(line))
    if (leftRotation === undefined) t.equal(onReplica, reads, 'every read outside a write went to the replica')
    else t.ok(onReplica > 0, `the replica left the rotation meanwhile (${leftRotation}); the other reads went to the primary`)
    t.comment(`50 clients: ${requests} requests (90 % reads), ${failures} failed, ${onReplica} of ${reads} reads on the replica`)
  })
})

t.test('replica options are validated', async (t) => {
  for (const [options, message] of [
    [{ url: 'sqlite://', replicas: ['sqlite://'] }, /Read replicas are supported on PostgreSQL/],
    [{ url: 'postgresql://db/app', replicas: ['mysql://db/app'] }, /not a PostgreSQL URL/],
    [{ url: 'postgresql://db/app', replicas: [''] }, /needs a database URL string/],
    [{ url: 'postgresql://db/app', replicas: ['postgresql://r/app'], replicaMaxLagMs: 0 }, /replicaMaxLagMs option must be a positive integer/]
  ] as const) {
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(async () => { await app.register(fastifyOrm, options as object).ready() }, { code: 'ORM_CONFIGURATION', message })
  }
})
