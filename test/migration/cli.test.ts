// The fastify-orm CLI as a child process (the built bin), on every database: the movies
// tutorial's workflow (init → migrate → upgrade → add mpa → migrate → upgrade → downgrade),
// check, stamp, history, offline SQL, two concurrent upgrades, the shell, and usage errors.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import t from 'tap'
import { buildApp, eachDb, untyped } from '../schema/support.ts'
import { CLI, cli, writeRevision } from './support.ts'

const movieModule = (extra: string) => `import { c, defineModel } from 'fastify-orm'

export const Movie = defineModel('Movie', {
  id: c.integer().primaryKey(),
  title: c.string(120),
  year: c.integer(),
  directors: c.array(c.string(100)),
  theatre: c.boolean().default(true)${extra}
})

export const models = { Movie }
`

async function titles (db: Kysely<unknown>): Promise<string[]> {
  return (await sql<{ title: string }>`select title from movie order by id`.execute(db)).rows.map((row) => row.title)
}

t.test('usage: help on every command, exit code 2 for a wrong command line', async (t) => {
  const help = await cli(['--help'])
  t.equal(help.code, 0)
  for (const command of ['init', 'migrate', 'upgrade', 'downgrade', 'current', 'history', 'stamp', 'check', 'create-all', 'drop-all', 'shell']) {
    t.match(help.stdout, `\n  ${command}`, `lists ${command}`)
    const own = await cli([command, '--help'])
    t.equal(own.code, 0, `${command} --help`)
    t.match(own.stdout, `Usage: fastify-orm ${command}`)
  }
  const unknown = await cli(['migrat'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /^fastify-orm: usage error: Unknown command "migrat"/)
  const noApp = await cli(['upgrade'], { env: { FASTIFY_ORM_APP: '' } })
  t.equal(noApp.code, 2)
  t.match(noApp.stderr, /Pass --app path\/to\/app.ts/)
  const badOption = await cli(['upgrade', '--frobnicate'])
  t.equal(badOption.code, 2)
  const missingModule = await cli(['current', '--app', 'no/such/app.ts'])
  t.equal(missingModule.code, 2)
  t.match(missingModule.stderr, 'The app module no/such/app.ts does not exist')
  t.notMatch(missingModule.stderr, /\n\s+at /, 'no stack trace')
})

t.test('the movies tutorial: init, migrate, upgrade, a new column, downgrade — rows kept', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'app.ts': movieModule('') })
    const env = { DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, 'app.ts') }
    const migrations = join(dir, 'migrations')
    const run = (...args: string[]) => cli([...args, '--dir', migrations], { env })

    t.equal((await run('init')).code, 0)
    t.equal((await run('current')).stdout.trim(), 'base')
    const initial = await run('migrate', '-m', 'Initial migration')
    t.equal(initial.code, 0, initial.stderr)
    t.match(initial.stdout, 'Detected + create table movie')
    t.equal(readdirSync(migrations).length, 1, 'one revision file')
    t.equal((await run('check')).code, 1, 'check sees the table the database lacks')
    const upgraded = await run('upgrade')
    t.equal(upgraded.code, 0, upgraded.stderr)

    const app = await buildApp(t, database)
    const db = untyped(app)
    await sql`insert into movie (title, year, directors, theatre) values ('Casablanca', 1942, ${database.dialect === 'postgres' ? sql`array['Michael Curtiz']` : sql`'["Michael Curtiz"]'`}, ${database.dialect === 'postgres' ? sql`true` : sql`1`})`.execute(db)

    t.equal((await run('check')).code, 0, 'in sync')
    t.equal((await run('migrate', '-m', 'Nothing')).stdout.trim(), 'No changes detected')
    t.equal(readdirSync(migrations).length, 1, 'and no file written')

    writeFileSync(env.FASTIFY_ORM_APP, movieModule(",\n  mpa: c.string(5).nullable()"))
    const check = await run('check')
    t.equal(check.code, 1)
    t.match(check.stdout, '+ add column movie.mpa')
    const added = await run('migrate', '-m', 'Add mpa column to Movie model')
    t.equal(added.code, 0, added.stderr)
    t.strictSame(added.stdout.split('\n').filter((line) => line.startsWith('Detected')), ['Detected + add column movie.mpa'], 'exactly one change')
    const file = readdirSync(migrations).find((name) => name.includes('add_mpa'))
    t.ok(file, 'named after the message')
    const source = readFileSync(join(migrations, file as string), 'utf8')
    t.match(source, "export const message = 'Add mpa column to Movie model'")
    t.match(source, 'addColumn(\'mpa\'')

    t.equal((await run('upgrade')).code, 0)
    t.strictSame(await titles(db), ['Casablanca'], 'rows kept by upgrade')
    await sql`update movie set mpa = 'PG'`.execute(db)
    const history = await run('history')
    t.match(history.stdout.split('\n')[0], /-> \w+ \(current\), Add mpa column to Movie model/)

    const downgraded = await run('downgrade')
    t.equal(downgraded.code, 0, downgraded.stderr)
    t.strictSame(await titles(db), ['Casablanca'], 'rows kept by downgrade')
    const columns = await sql<{ mpa?: unknown }>`select * from movie`.execute(db)
    t.notOk('mpa' in (columns.rows[0] ?? {}), 'the column is gone')
    t.equal((await run('upgrade')).code, 0, 'and up again')
    t.strictSame(await titles(db), ['Casablanca'])

    const stamped = await run('stamp', 'base')
    t.equal(stamped.code, 0)
    t.equal((await run('current')).stdout.trim(), 'base')
    await run('stamp', 'head')
    const offline = await cli(['upgrade', 'base:head', '--sql', '--dir', migrations], { env: { ...env, DATABASE_URL: database.dialect === 'sqlite' ? database.url : database.url.replace(/:\d+\//, ':1/') } })
    t.equal(offline.code, 0, `--sql never connects (an unreachable port here): ${offline.stderr}`)
    t.match(offline.stdout, /create table .movie./)
  })
})

t.test('two upgrades at once apply each revision exactly once', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'app.ts': movieModule('') })
    const migrations = join(dir, 'migrations')
    const env = { DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, 'app.ts') }
    await cli(['init', '--dir', migrations], { env })
    let parent: string | null = null
    for (let i = 1; i <= 4; i++) {
      const id = `c0c0c0c0c0c${i}`
      writeRevision(migrations, {
        id,
        parent,
        message: `Step ${i}`,
        up: i === 1
          ? "  await db.schema.createTable('applied').addColumn('revision', ...t.column(c.string(20))).execute()\n  await db.insertInto('applied').values({ revision: 'r1' }).execute()"
          : `  await db.insertInto('applied').values({ revision: 'r${i}' }).execute()`,
        down: ''
      })
      parent = id
    }
    const [first, second] = await Promise.all([cli(['upgrade', '--dir', migrations], { env }), cli(['upgrade', '--dir', migrations], { env })])
    t.equal(first.code, 0, first.stderr)
    t.equal(second.code, 0, second.stderr)
    const app = await buildApp(t, database)
    const rows = await sql<{ revision: string }>`select revision from applied order by revision`.execute(untyped(app))
    t.strictSame(rows.rows.map((row) => row.revision), ['r1', 'r2', 'r3', 'r4'], 'each revision ran once')
  })
})

t.test('the shell: models, db and top-level await', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'app.ts': movieModule('') })
    const env = { ...process.env, DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, 'app.ts') }
    t.equal((await cli(['create-all'], { env })).code, 0)
    const child = spawn(process.execPath, [CLI, 'shell'], { env })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stdin.end([
      "db.add(Movie, { title: 'Up', year: 2009, directors: ['Pete Docter'] })",
      'await db.commit()',
      'console.log("count=" + await db.query(Movie).count())',
      '.exit',
      ''
    ].join('\n'))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    t.equal(code, 0, stdout)
    t.match(stdout, 'Globals: app, db, Movie')
    t.match(stdout, 'count=1')
    t.equal((await cli(['drop-all'], { env })).stdout.trim(), 'Dropped tables: movie')
  })
})
