// The movies tutorial through the CLI as a child process, on every database: init → migrate →
// upgrade → add mpa → migrate detects exactly that → upgrade → downgrade, rows kept; check,
// history, stamp and offline SQL.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import t from 'tap'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp, untyped } from '../schema/support.ts'
import { cli, movieModule, runInProcess } from './support.ts'

async function titles (db: Kysely<unknown>): Promise<string[]> {
  return (await sql<{ title: string }>`select title from movie order by id`.execute(db)).rows.map((row) => row.title)
}

t.test('the movies tutorial: init, migrate, upgrade, a new column, downgrade — rows kept', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'app.ts': movieModule('') })
    const env = { DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, 'app.ts') }
    const migrations = join(dir, 'migrations')
    // On SQLite the steps that change the database run the bin in a child process; the ones
    // that only read, and every step on the other databases, run the same CLI code in this
    // process (each child costs ~1 s of CPU, tsx's start-up included, on Node 20).
    const child = database.dialect === 'sqlite'
    const run = (...args: string[]) => child ? cli([...args, '--dir', migrations], { env }) : runInProcess([...args, '--dir', migrations], env)
    const local = (...args: string[]) => runInProcess([...args, '--dir', migrations], env)

    t.equal((await run('init')).code, 0)
    t.equal((await local('current')).stdout.trim(), 'base')
    const initial = await run('migrate', '-m', 'Initial migration')
    t.equal(initial.code, 0, initial.stderr)
    t.match(initial.stdout, 'Detected + create table movie')
    t.equal(readdirSync(migrations).length, 1, 'one revision file')
    const behind = await local('check')
    t.equal(behind.code, 1, 'check exits 1 before the revisions are applied…')
    t.match(behind.stderr, /The database is not up to date \(at base, head is \w+\)\. Run fastify-orm upgrade first\./)
    const upgraded = await run('upgrade')
    t.equal(upgraded.code, 0, upgraded.stderr)

    const app = await buildReadyApp(t, database)
    const db = untyped(app)
    await sql`insert into movie (title, year, directors, theatre) values ('Casablanca', 1942, ${database.dialect === 'postgres' ? sql`array['Michael Curtiz']` : sql`'["Michael Curtiz"]'`}, ${database.dialect === 'postgres' ? sql`true` : sql`1`})`.execute(db)

    t.equal((await local('check')).code, 0, 'in sync')
    t.equal((await local('migrate', '-m', 'Nothing')).stdout.trim(), 'No changes detected')
    t.equal(readdirSync(migrations).length, 1, 'and no file written')

    // The changed models in a new file: this process keeps app.ts's first version imported.
    env.FASTIFY_ORM_APP = join(dir, 'app-mpa.ts')
    writeFileSync(env.FASTIFY_ORM_APP, movieModule(",\n  mpa: c.string(5).nullable()"))
    const check = await run('check') // a child process: the exit code is the process's
    t.equal(check.code, 1, '… and when the models changed')
    t.match(check.stdout, '+ add column movie.mpa')
    t.match(check.stderr, /1 difference\(s\) between the models and the database/)
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
    const history = await local('history')
    t.match(history.stdout.split('\n')[0], /-> \w+ \(head\) \(current\), Add mpa column to Movie model/)

    const downgraded = await run('downgrade')
    t.equal(downgraded.code, 0, downgraded.stderr)
    t.strictSame(await titles(db), ['Casablanca'], 'rows kept by downgrade')
    const columns = await sql<{ mpa?: unknown }>`select * from movie`.execute(db)
    t.notOk('mpa' in (columns.rows[0] ?? {}), 'the column is gone')
    t.equal((await run('upgrade')).code, 0, 'and up again')
    t.strictSame(await titles(db), ['Casablanca'])

    const stamped = await local('stamp', 'base')
    t.equal(stamped.code, 0)
    t.equal((await local('current')).stdout.trim(), 'base')
    await local('stamp', 'head')
    const offlineEnv = { ...env, DATABASE_URL: database.dialect === 'sqlite' ? database.url : database.url.replace(/:\d+\//, ':1/') }
    const offlineArgs = ['upgrade', 'base:head', '--sql', '--dir', migrations]
    const offline = child ? await cli(offlineArgs, { env: offlineEnv }) : await runInProcess(offlineArgs, offlineEnv)
    t.equal(offline.code, 0, `--sql never connects (an unreachable port here): ${offline.stderr}`)
    t.match(offline.stdout, /create table .movie./)
  })
})
