import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sql, type DatabaseIntrospector } from 'kysely'
import t, { type Test } from 'tap'
import fastifyOrm, { ConfigurationError, ConnectionError, type FastifyOrmOptions } from '../../src/index.ts'
import { parseDatabaseUrl } from '../../src/config/parse-database-url.ts'
import { eachDb } from '../helpers/databases.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PASSWORD = 'hunter2'

// The plugin reads DATABASE_URL and friends from process.env. This file's process is its
// own (tap runs one per file); the variables are cleared here and restored at the end so
// that a developer's shell cannot change the outcome.
const savedEnv = { DATABASE_URL: process.env.DATABASE_URL, DATABASE_ECHO: process.env.DATABASE_ECHO, DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX }
for (const key of Object.keys(savedEnv)) delete process.env[key]
t.teardown(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value !== undefined) process.env[key] = value
  }
})

/** Registers the plugin and returns why `ready()` failed (undefined if it did not). The app is closed. */
async function readyError (t: Test, options: FastifyOrmOptions): Promise<unknown> {
  const app = Fastify()
  app.register(fastifyOrm, options)
  const error = await app.ready().then(() => undefined, (caught: unknown) => caught)
  await app.close()
  if (error === undefined) t.fail('ready() should have rejected')
  return error
}

/** An app with the plugin registered and ready; closed at the end of the test. */
async function readyApp (t: Test, options: FastifyOrmOptions): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyOrm, options)
  await app.ready()
  return app
}

async function selectOne (app: FastifyInstance, bind?: string): Promise<unknown> {
  const engine = bind === undefined ? app.db : app.db.bind(bind)
  const { rows } = await sql<{ one: number }>`select 1 as one`.execute(engine.kysely)
  return Number(rows[0]?.one)
}

/**
 * A SQLite file already in WAL mode. While a connection has it open, its -wal file exists;
 * closing the last connection checkpoints and deletes it. That is how these tests see
 * whether an engine on it was closed. ("after app.close()" shows both states.)
 */
function walModeFile (t: Test): string {
  const file = join(tmpdir(), `orm_registration_${randomUUID()}.db`)
  const setup = new Database(file)
  setup.pragma('journal_mode = WAL')
  setup.exec('create table kept (id integer)')
  setup.close()
  t.teardown(() => { for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true }) })
  return file
}

function checkNoPassword (t: Test, error: unknown): void {
  const { message, stack } = error as Error
  t.notOk(message.includes(PASSWORD), 'the message never shows the password')
  t.notOk(String(stack).includes(PASSWORD), 'nor does the stack')
}

t.test('no URL and no DATABASE_URL: ConfigurationError', async (t) => {
  const error = await readyError(t, {})
  t.type(error, ConfigurationError)
  t.match(error, { code: 'ORM_CONFIGURATION', message: /No database URL: pass \{ url \} to the fastify-orm plugin or set DATABASE_URL\. Accepted forms: .*sqlite:\/\/\/relative\/path\.db/ })
})

t.test('DATABASE_URL is used when there is no url option; the option wins', async (t) => {
  process.env.DATABASE_URL = 'sqlite://'
  t.teardown(() => { delete process.env.DATABASE_URL })
  const fromEnv = await readyApp(t, {})
  t.equal(fromEnv.db.dialect, 'sqlite')
  t.equal(await selectOne(fromEnv), 1)

  process.env.DATABASE_URL = 'oracle://scott:hunter2@db/orcl'
  const fromOption = await readyApp(t, { url: 'sqlite://:memory:' })
  t.equal(fromOption.db.redactedUrl, 'sqlite://:memory:')
})

t.test('bad URLs: ConfigurationError naming the problem, without the password', async (t) => {
  const cases: Array<[url: string, message: RegExp]> = [
    ['oracle://scott:hunter2@db:1521/orcl', /Unknown database URL scheme "oracle:" in "oracle:\/\/scott:\*\*\*@db:1521\/orcl"\. Accepted forms: /],
    ['mongodb+srv://app:hunter2@cluster/app', /Unknown database URL scheme "mongodb:"/],
    ['postgresql:app:hunter2@db/app', /Malformed database URL "postgresql:\*\*\*@db\/app": expected "postgresql:\/\/…"\. Accepted forms: /],
    ['not a url', /Malformed database URL "not a url"\. Accepted forms: /],
    ['postgresql://', /Malformed database URL "postgresql:\/\/": no host/],
    ['mysql+pymysql://root:hunter2@db/app', /Unsupported driver "\+pymysql"/],
    ['sqlite://db.example.com/app.db', /SQLite URLs have no host/]
  ]
  for (const [url, message] of cases) {
    const error = await readyError(t, { url })
    t.type(error, ConfigurationError, url)
    t.match(error, { message }, url)
    checkNoPassword(t, error)
  }
})

t.test('a bind with a bad URL, or named "default": ConfigurationError', async (t) => {
  const bad = await readyError(t, { url: 'sqlite://', binds: { analytics: 'oracle://scott:hunter2@db/orcl' } })
  t.type(bad, ConfigurationError)
  t.match(bad, { message: /^Bind "analytics": Unknown database URL scheme "oracle:"/ })
  checkNoPassword(t, bad)

  const named = await readyError(t, { url: 'sqlite://', binds: { default: 'sqlite://' } })
  t.type(named, ConfigurationError)
  t.match(named, { message: /A bind cannot be named "default"/ })
})

t.test('a server that cannot be reached: ConnectionError with the redacted URL', async (t) => {
  // Port 1 is closed on any test machine: the connection is refused at once.
  for (const [url, redacted] of [
    ['postgresql://postgres:hunter2@127.0.0.1:1/test', 'postgresql://postgres:***@127.0.0.1:1/test'],
    ['postgres://postgres:hunter2@127.0.0.1:1/test?sslmode=disable', 'postgres://postgres:***@127.0.0.1:1/test?sslmode=disable'],
    ['mysql://root:hunter2@127.0.0.1:1/test', 'mysql://root:***@127.0.0.1:1/test'],
    ['mariadb://root:hunter2@127.0.0.1:1/test', 'mariadb://root:***@127.0.0.1:1/test']
  ] as const) {
    t.test(url, async (t) => {
      const error = await readyError(t, { url })
      t.type(error, ConnectionError)
      t.match(error, { code: 'ORM_CONNECTION', statusCode: 503 })
      t.match(error, { message: `Could not connect to ${redacted}: ` })
      t.match(error, { message: /ECONNREFUSED/ }, 'says why')
      checkNoPassword(t, error)
    })
  }
})

t.test('a SQLite file that cannot be opened: ConnectionError naming it', async (t) => {
  const missingDirectory = await readyError(t, { url: 'sqlite:////orm-no-such-directory/app.db' })
  t.type(missingDirectory, ConnectionError)
  t.match(missingDirectory, { message: /^Could not connect to sqlite:\/\/\/\/orm-no-such-directory\/app\.db: .*directory does not exist/ })

  const readOnlyMissing = await readyError(t, { url: `sqlite:///${join(tmpdir(), `orm_missing_${randomUUID()}.db`)}?mode=ro` })
  t.type(readOnlyMissing, ConnectionError, 'mode=ro does not create the file')
})

t.test('sqlite:///…?mode=ro opens the file read-only', async (t) => {
  const file = join(tmpdir(), `orm_registration_${randomUUID()}.db`)
  t.teardown(() => { for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true }) })
  const setup = new Database(file)
  setup.exec("create table kept (name text); insert into kept values ('before')")
  setup.close()

  const app = await readyApp(t, { url: `sqlite:///${file}?mode=ro` })
  const { rows } = await sql<{ name: string }>`select name from kept`.execute(app.db.kysely)
  t.strictSame(rows, [{ name: 'before' }], 'reads')
  await t.rejects(sql`insert into kept values ('after')`.execute(app.db.kysely), { cause: { message: /readonly database/ } }, 'refuses writes')
})

t.test('a bind that cannot be reached fails ready() the same way', async (t) => {
  const error = await readyError(t, { url: 'sqlite://', binds: { analytics: 'postgresql://app:hunter2@127.0.0.1:1/analytics' } })
  t.type(error, ConnectionError)
  t.match(error, { message: 'Could not connect to postgresql://app:***@127.0.0.1:1/analytics: ' })
  checkNoPassword(t, error)
})

t.test('a failed registration closes what it opened', async (t) => {
  for (const [label, options] of [
    ['the default database fails after a bind opened', (file: string): FastifyOrmOptions => ({ url: 'postgresql://app:hunter2@127.0.0.1:1/app', binds: { cache: `sqlite:///${file}` } })],
    ['a later bind fails after an earlier one opened', (file: string): FastifyOrmOptions => ({ url: 'sqlite://', binds: { cache: `sqlite:///${file}`, analytics: 'mysql://root:hunter2@127.0.0.1:1/app' } })]
  ] as const) {
    t.test(label, async (t) => {
      const file = walModeFile(t)
      const app = Fastify()
      app.register(fastifyOrm, options(file))
      const error = await app.ready().then(() => undefined, (caught: unknown) => caught)
      t.type(error, ConnectionError)
      t.notOk(existsSync(`${file}-wal`), 'the bind opened first was closed again before ready() rejected')
      await app.close()
    })
  }
})

t.test('real servers: wrong credentials or a missing database fail ready() with ConnectionError', async (t) => {
  const servers = [
    ['postgres', process.env.TEST_POSTGRES_URL, /password authentication failed|role "orm_no_such_user" does not exist/],
    ['mysql', process.env.TEST_MYSQL_URL, /Access denied for user 'orm_no_such_user'/]
  ] as const
  for (const [dialect, base, reason] of servers) {
    // as in the helper: where CI requires the databases, a missing one fails instead of skipping
    const skip = base || process.env.FASTIFY_ORM_REQUIRE_DATABASES ? false : `set TEST_${dialect.toUpperCase()}_URL to run this test`
    t.test(dialect, { skip }, async (t) => {
      if (!base) throw new Error(`TEST_${dialect.toUpperCase()}_URL is required`)
      const wrongUser = new URL(base)
      wrongUser.username = 'orm_no_such_user'
      wrongUser.password = PASSWORD
      const error = await readyError(t, { url: wrongUser.toString() })
      t.type(error, ConnectionError)
      t.match(error, { message: `Could not connect to ${wrongUser.toString().replace(PASSWORD, '***')}: ` })
      t.match(error, { message: reason })
      checkNoPassword(t, error)

      // the server's own credentials, so that the database is the only thing wrong
      const noDatabase = new URL(base)
      noDatabase.pathname = '/orm_no_such_database'
      const missing = await readyError(t, { url: noDatabase.toString() })
      t.type(missing, ConnectionError)
      t.match(missing, { message: /database "orm_no_such_database" does not exist|Unknown database 'orm_no_such_database'/ })
      if (noDatabase.password !== '') t.notOk((missing as Error).message.includes(decodeURIComponent(noDatabase.password)), 'no password')
    })
  }
})

t.test('no log line shows the password', async (t) => {
  const lines: string[] = []
  const logged = (): FastifyInstance => Fastify({ logger: { level: 'trace', stream: { write: (line: string) => { lines.push(line) } } } })

  const failing = logged()
  failing.register(fastifyOrm, { url: 'postgresql://app:hunter2@127.0.0.1:1/app', echo: true })
  const error = await failing.ready().then(() => undefined, (caught: unknown) => caught)
  // what an app's startup code does with the error
  failing.log.error({ err: error }, 'startup failed')
  await failing.close()

  // a working server, with statements echoed: PostgreSQL on trust auth ignores the password
  const base = process.env.TEST_POSTGRES_URL
  if (base) {
    const url = new URL(base)
    if (url.password === '') url.password = PASSWORD
    const secret = decodeURIComponent(url.password)
    const working = logged()
    await working.register(fastifyOrm, { url: url.toString(), echo: true })
    await working.ready()
    t.equal(await selectOne(working), 1)
    await working.close()
    t.ok(lines.some((line) => line.includes('select 1')), 'statements were echoed')
    t.notOk(lines.some((line) => line.includes(secret)), 'no line shows the password of the working server')
  }

  t.ok(lines.some((line) => line.includes('startup failed') && line.includes('postgresql://app:***@127.0.0.1:1/app')), 'the error was logged, redacted')
  t.notOk(lines.some((line) => line.includes(PASSWORD)), 'no line shows the password')
})

t.test('registering twice on the same app: a clear ConfigurationError', async (t) => {
  const app = Fastify()
  app.register(fastifyOrm, { url: 'sqlite://' })
  app.register(fastifyOrm, { url: 'sqlite://' })
  const error = await app.ready().then(() => undefined, (caught: unknown) => caught)
  t.type(error, ConfigurationError)
  t.match(error, { message: /fastify-orm is already registered on this app.*Register it once/ })
  // the first registration still works and is closed with the app
  t.equal(await selectOne(app), 1)
  await app.close()
  await t.rejects(selectOne(app), 'closed with the app')
})

t.test('app.db is visible to sibling plugins and satisfies a dependency on "fastify-orm"', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(fastifyOrm, { url: 'sqlite://' })
  let seenBySibling: string | undefined
  app.register(async (sibling) => { seenBySibling = sibling.db.dialect })
  app.register(fp(async (dependent) => { dependent.decorate('dialectName', dependent.db.dialect) }, { name: 'dependent', dependencies: ['fastify-orm'] }))
  await app.ready()
  t.equal(seenBySibling, 'sqlite')
  t.equal((app as unknown as { dialectName: string }).dialectName, 'sqlite')
})

t.test('per dialect: app.db, binds, close', async (t) => {
  await eachDb(t, async (t, database) => {
    t.test('app.db reports its dialect and runs queries', async (t) => {
      const app = await readyApp(t, { url: database.url })
      t.equal(app.db.dialect, database.dialect)
      t.equal(app.db.name, 'default')
      t.equal(app.db.bind('default'), app.db)
      t.equal(await selectOne(app), 1)
    })

    t.test('binds are engines of their own databases', async (t) => {
      const app = await readyApp(t, { url: database.url, binds: { cache: 'sqlite://', reports: database.url } })
      const cache = app.db.bind('cache')
      t.equal(cache.name, 'cache')
      t.equal(cache.dialect, 'sqlite')
      t.equal(app.db.bind('reports').dialect, database.dialect)
      t.not(cache, app.db)

      // a table made through the bind is in the bind's database, not the default one
      const table = `only_in_bind_${Math.random().toString(36).slice(2, 10)}`
      await cache.kysely.schema.createTable(table).addColumn('id', 'integer').execute()
      const tablesOf = async (engine: { kysely: { introspection: DatabaseIntrospector } }): Promise<string[]> =>
        (await engine.kysely.introspection.getTables()).map((found) => found.name)
      t.ok((await tablesOf(cache)).includes(table), 'in the bind')
      t.notOk((await tablesOf(app.db)).includes(table), 'not in the default database')

      t.throws(() => app.db.bind('nope'), ConfigurationError)
      t.throws(() => app.db.bind('nope'), { message: 'Unknown bind "nope". Declare it in the plugin\'s binds option; known binds: cache, reports.' })
    })

    t.test('after app.close() the engines are closed', async (t) => {
      const cacheFile = walModeFile(t)
      const app = Fastify()
      await app.register(fastifyOrm, { url: database.url, binds: { cache: `sqlite:///${cacheFile}` } })
      await app.ready()
      // a write, so that a fresh SQLite file is in WAL mode with its -wal file too
      await app.db.kysely.schema.createTable('written').addColumn('id', 'integer').execute()
      t.equal(await selectOne(app), 1)
      t.equal(await selectOne(app, 'cache'), 1)
      const file = database.dialect === 'sqlite' ? (parseDatabaseUrl(database.url) as { filename: string }).filename : undefined
      t.ok(existsSync(`${cacheFile}-wal`), 'the SQLite bind has its -wal file while open')
      if (file !== undefined) t.ok(existsSync(`${file}-wal`), 'so has the default SQLite database')
      else t.ok(app.db.poolStatus().open > 0, 'the pool has a connection while open')

      await app.close()
      await t.rejects(selectOne(app), 'the default engine is closed')
      await t.rejects(selectOne(app, 'cache'), 'the bind is closed')
      t.notOk(existsSync(`${cacheFile}-wal`), 'the SQLite bind was closed (-wal checkpointed and removed)')
      if (file !== undefined) t.notOk(existsSync(`${file}-wal`), 'so was the default SQLite database')
      else {
        // mysql2 never removes ended connections from the pool's list that openConnections() reads
        t.equal(app.db.poolStatus().open, 0, 'no connection is left open')
      }
    })
  })
})

t.test('drivers that the URL does not need are never loaded', async (t) => {
  // A fresh process per URL; it prints which driver packages sit in the CommonJS module
  // cache (pg, mysql2 and better-sqlite3 are CommonJS, however they are imported).
  const child = `
    import { createRequire } from 'node:module'
    import Fastify from 'fastify'
    const { default: fastifyOrm } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src/index.ts')).href)})
    const app = Fastify()
    app.register(fastifyOrm, { url: process.env.CHILD_DATABASE_URL })
    const outcome = await app.ready().then(() => 'ready', (error) => error.name)
    await app.close()
    const drivers = new Set()
    for (const path of Object.keys(createRequire(import.meta.url).cache)) {
      const match = /\\/node_modules\\/(pg|mysql2|better-sqlite3)\\//.exec(path)
      if (match) drivers.add(match[1])
    }
    console.log(JSON.stringify({ outcome, drivers: [...drivers].sort() }))
  `
  const run = async (url: string): Promise<{ outcome: string, drivers: string[] }> => {
    const env: NodeJS.ProcessEnv = { ...process.env, CHILD_DATABASE_URL: url }
    delete env.DATABASE_URL
    const { stdout } = await promisify(execFile)(process.execPath, ['--import=tsx', '--input-type=module', '-e', child], { cwd: ROOT, env })
    return JSON.parse(stdout.trim().split('\n').pop() as string) as { outcome: string, drivers: string[] }
  }

  // one process each, started together: each spends most of its time compiling TypeScript
  const [sqlite, postgres, mysql, rejected] = await Promise.all([
    run('sqlite://'),
    run('postgresql://postgres:hunter2@127.0.0.1:1/test'),
    run('mysql://root:hunter2@127.0.0.1:1/test'),
    run('oracle://x')
  ])
  t.strictSame(sqlite, { outcome: 'ready', drivers: ['better-sqlite3'] }, 'SQLite loads better-sqlite3 only')
  // The same check must see a driver when one is loaded, or it proves nothing: these URLs
  // fail to connect (port 1 is closed) after their driver was imported.
  t.strictSame(postgres, { outcome: 'ConnectionError', drivers: ['pg'] }, 'PostgreSQL loads pg only')
  t.strictSame(mysql, { outcome: 'ConnectionError', drivers: ['mysql2'] }, 'MySQL loads mysql2 only')
  t.strictSame(rejected, { outcome: 'ConfigurationError', drivers: [] }, 'a rejected URL loads no driver')
})

t.test('the plugin is also a named export', async (t) => {
  const { fastifyOrm: named, default: byDefault } = await import('../../src/index.ts')
  t.equal(named, byDefault, 'import { fastifyOrm } is the default export')
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(named, { url: 'sqlite://' })
  t.equal(app.db.dialect, 'sqlite')
})
