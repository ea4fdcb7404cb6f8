// Four app processes started at once on one empty database, each with
// `migrations: { upgrade: true }`, as a deployment that starts several replicas does: every
// revision is applied exactly once (the version table and the rows the revisions insert
// say so), every process becomes ready, and all four serve requests. On SQLite (one file),
// PostgreSQL and MariaDB/MySQL.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { sql } from 'kysely'
import t from 'tap'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp, untyped } from '../schema/support.ts'
import { ORM_ENTRY, writeRevision } from './support.ts'

const PROCESSES = 4
const REVISIONS = 4
const REQUESTS_PER_PROCESS = 25

const serverModule = `import Fastify from 'fastify'
import fastifyOrm, { c, defineModel } from '${ORM_ENTRY}'

const Movie = defineModel('Movie', { id: c.integer().primaryKey(), title: c.string(120) })
const app = Fastify()
await app.register(fastifyOrm, { url: process.env.DATABASE_URL, models: { Movie }, migrations: { dir: process.env.MIGRATIONS_DIR, upgrade: true } })
app.post('/movies', async (request, reply) => {
  const movie = request.db.add(Movie, { title: 'From ' + process.pid })
  await request.db.commit()
  return reply.code(201).send({ id: movie.id, pid: process.pid })
})
app.get('/movies/count', async (request) => ({ count: await request.db.query(Movie).count(), pid: process.pid }))
const address = await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(JSON.stringify({ address }) + '\\n')
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
`

interface Started { child: ChildProcess, address?: string, failure?: string }

/** Starts the server module; resolves with its address once it listens, or with its output if it exits first. */
function startServer (file: string, env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  return new Promise((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        resolve({ child, address: (JSON.parse(line) as { address: string }).address })
      } catch { /* not the address line */ }
    })
    child.once('exit', (code) => { resolve({ child, failure: `exited with ${String(code)}: ${stderr}` }) })
  })
}

t.test(`${PROCESSES} processes upgrading one empty database at startup`, async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'server.ts': serverModule, migrations: {} })
    const migrations = join(dir, 'migrations')
    let parent: string | null = null
    for (let i = 1; i <= REVISIONS; i++) {
      const id = `d0d0d0d0d0d${i}`
      writeRevision(migrations, {
        id,
        parent,
        message: `Step ${i}`,
        up: i === 1
          ? "  await db.schema.createTable('movie').addColumn('id', ...t.column(c.integer().autoincrement())).addColumn('title', ...t.column(c.string(120))).addPrimaryKeyConstraint('pk_movie', ['id']).execute()\n" +
            "  await db.schema.createTable('applied').addColumn('revision', ...t.column(c.string(20))).execute()\n  await db.insertInto('applied').values({ revision: 'r1' }).execute()"
          : `  await db.insertInto('applied').values({ revision: 'r${i}' }).execute()`,
        down: ''
      })
      parent = id
    }
    const env = { DATABASE_URL: database.url, MIGRATIONS_DIR: migrations }
    const started = await Promise.all(Array.from({ length: PROCESSES }, () => startServer(join(dir, 'server.ts'), env)))
    t.teardown(() => { for (const { child } of started) if (child.exitCode === null) child.kill('SIGTERM') })
    t.strictSame(started.map((server) => server.failure), Array.from({ length: PROCESSES }, () => undefined), 'every process became ready')

    const app = await buildReadyApp(t, database)
    const versions = await sql<{ name: string }>`select name from fastify_orm_version order by name`.execute(untyped(app))
    t.strictSame(versions.rows.map((row) => row.name), [1, 2, 3, 4].map((i) => `000${i}_d0d0d0d0d0d${i}`), 'the version table lists each revision once')
    const applied = await sql<{ revision: string }>`select revision from applied order by revision`.execute(untyped(app))
    t.strictSame(applied.rows.map((row) => row.revision), ['r1', 'r2', 'r3', 'r4'], 'each revision ran once')

    // Every process serves: writes and reads, all at once.
    const replies = await Promise.all(started.flatMap(({ address }) => Array.from({ length: REQUESTS_PER_PROCESS }, async (_, i) => {
      const response = i % 2 === 0
        ? await fetch(`${address}/movies`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
        : await fetch(`${address}/movies/count`)
      return { status: response.status, pid: (await response.json() as { pid?: number }).pid }
    })))
    const errors = replies.filter((reply) => reply.status >= 400).length
    t.comment(`${database.dialect}: ${PROCESSES} processes, ${replies.length} requests, ${errors} errors`)
    t.equal(errors, 0, 'no request failed')
    t.equal(new Set(replies.map((reply) => reply.pid)).size, PROCESSES, 'all four processes answered')
    const stored = await sql<{ n: number | string | bigint }>`select count(*) as n from movie`.execute(untyped(app))
    t.equal(Number(stored.rows[0]?.n), PROCESSES * Math.ceil(REQUESTS_PER_PROCESS / 2), 'every created movie is stored')
  })
})
