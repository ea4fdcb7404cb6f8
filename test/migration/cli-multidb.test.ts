// Migrations for binds through the CLI, on every database: each database has its own
// revision chain in its own folder (migrations/ and migrations/analytics/) and its own
// version table. init --multidb, migrate and upgrade on every database, current and check
// per database, a change in the bind only, downgrade --bind, offline SQL of a bind, and the
// usage errors.
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import t from 'tap'
import { bindUrlVariable } from '../../src/cli/databases.ts'
import { createTestDatabase, eachDb } from '../helpers/databases.ts'
import { catalogTableNames, readCatalog } from '../schema/catalog.ts'
import { buildReadyApp } from '../schema/support.ts'
import { cli, runInProcess } from './support.ts'

/**
 * A module with a model in the default database and one in the bind `analytics`. The bind's
 * exported URL leads nowhere: every step gets the real one from DATABASE_URL_ANALYTICS.
 */
const multidbModule = (eventExtra: string) => `import { c, defineModel } from 'fastify-orm'

export const Movie = defineModel('Movie', {
  id: c.integer().primaryKey(),
  title: c.string(120)
})

export const Event = defineModel('Event', {
  id: c.integer().primaryKey(),
  name: c.string(50)${eventExtra}
}, { bind: 'analytics' })

export const models = { Movie, Event }
export const binds = { analytics: 'postgresql://127.0.0.1:1/overridden_by_the_environment' }
`

/** The revision files of one folder (the default folder also holds the binds' folders). */
function revisionsIn (folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name)
}

/** The user tables of a database (not the version table). */
async function userTables (db: Kysely<unknown>, dialect: Parameters<typeof catalogTableNames>[1]): Promise<string[]> {
  return (await catalogTableNames(db, dialect)).filter((name) => name !== 'fastify_orm_version').sort()
}

t.test('binds: init --multidb, a chain per database, upgrade, current, check, a bind-only change, downgrade --bind', async (t) => {
  await eachDb(t, async (t, database) => {
    const analytics = await createTestDatabase(database.dialect)
    if (typeof analytics === 'string') throw new Error(analytics)
    t.teardown(analytics.drop)
    const dir = t.testdir({ 'app.ts': multidbModule('') })
    const migrations = join(dir, 'migrations')
    const bindFolder = join(migrations, 'analytics')
    const env = { DATABASE_URL: database.url, DATABASE_URL_ANALYTICS: analytics.url, FASTIFY_ORM_APP: join(dir, 'app.ts') }
    // On SQLite the steps that change a database run the bin in a child process; the others,
    // and every step on the other databases, run the same CLI code in this process (each
    // child costs ~1 s of CPU on Node 20, and what differs there is the database).
    const run = (...args: string[]) => database.dialect === 'sqlite' ? cli([...args, '--dir', migrations], { env }) : runInProcess([...args, '--dir', migrations], env)
    const local = (...args: string[]) => runInProcess([...args, '--dir', migrations], env)

    const init = await local('init', '--multidb')
    t.equal(init.code, 0, init.stderr)
    t.ok(existsSync(migrations) && existsSync(bindFolder), 'the default folder and the bind\'s inside it')
    t.match(init.stdout, `Created ${bindFolder} (bind analytics)`)

    const initial = await run('migrate', '-m', 'Initial migration')
    t.equal(initial.code, 0, initial.stderr)
    t.match(initial.stdout, /== default ==\nDetected \+ create table movie\nGenerated .*\n== analytics ==\nDetected \+ create table event\n/)
    t.equal(revisionsIn(migrations).length, 1, 'one revision for the default database…')
    t.equal(revisionsIn(bindFolder).length, 1, '… and one for the bind, in its folder')

    const upgraded = await run('upgrade')
    t.equal(upgraded.code, 0, upgraded.stderr)
    t.match(upgraded.stdout, /== default ==\nRunning upgrade <base> -> \w+, Initial migration.*\n[^]*== analytics ==\nRunning upgrade <base> -> \w+, Initial migration/)

    // Each table only in its own database; each database has its own version table.
    const app = await buildReadyApp(t, database, { binds: { analytics: analytics.url }, migrations: { dir: migrations } })
    const main = app.db.kysely as Kysely<unknown>
    const bind = app.db.bind('analytics').kysely as Kysely<unknown>
    t.strictSame(await userTables(main, database.dialect), ['movie'])
    t.strictSame(await userTables(bind, database.dialect), ['event'])
    t.equal(app.db.bind('analytics').migrations().dir, bindFolder, 'a bind\'s migrations() reads its own folder')
    const defaultHead = (await app.db.migrations().current()) as string
    const bindFirst = (await app.db.bind('analytics').migrations().current()) as string
    t.not(defaultHead, bindFirst, 'two chains')

    const current = await local('current')
    t.equal(current.code, 0, current.stderr)
    t.equal(current.stdout, `default: ${defaultHead}\nanalytics: ${bindFirst}\n`)
    t.equal((await local('current', '--bind', 'analytics')).stdout.trim(), bindFirst)
    const urlOption = await runInProcess(['current', '--bind', 'analytics', '--url', analytics.url, '--dir', migrations], { ...env, DATABASE_URL_ANALYTICS: database.url })
    t.equal(urlOption.stdout.trim(), bindFirst, '--url with --bind is the bind\'s URL, before DATABASE_URL_ANALYTICS')
    const clean = await local('check')
    t.equal(clean.code, 0, clean.stderr)
    t.match(clean.stdout, /== default ==\nNo changes detected[^\n]*\n== analytics ==\nNo changes detected/)

    // A new column in the bind's model only.
    writeFileSync(env.FASTIFY_ORM_APP, multidbModule(",\n  kind: c.string(20).nullable()"))
    const check = await local('check')
    t.equal(check.code, 1, 'check exits 1 when one database differs')
    t.match(check.stdout, /== default ==\nNo changes detected[^\n]*\n== analytics ==\n\+ add column event\.kind/)
    t.match(check.stderr, /1 difference\(s\) between the models and the database analytics: run fastify-orm migrate -m "…" --bind analytics/)

    const added = await run('migrate', '-m', 'Add kind to event')
    t.equal(added.code, 0, added.stderr)
    t.match(added.stdout, /== default ==\nNo changes detected\n== analytics ==\nDetected \+ add column event\.kind\n/)
    t.equal(revisionsIn(migrations).length, 1, 'nothing new for the default database')
    t.equal(revisionsIn(bindFolder).length, 2, 'the revision is in the bind\'s folder')
    t.equal((await run('upgrade')).code, 0)
    t.equal((await local('check')).code, 0, 'in sync again')
    t.ok((await readCatalog(bind, database.dialect, 'event')).columns.kind, 'the column is in the bind\'s table')

    const downgraded = await run('downgrade', '--bind', 'analytics')
    t.equal(downgraded.code, 0, downgraded.stderr)
    t.match(downgraded.stdout, /Running downgrade \w+ -> \w+, Add kind to event/)
    t.equal((await local('current')).stdout, `default: ${defaultHead}\nanalytics: ${bindFirst}\n`, 'only the bind went down')
    t.notOk((await readCatalog(bind, database.dialect, 'event')).columns.kind, 'the column is gone from the bind')
    t.strictSame(await userTables(main, database.dialect), ['movie'], 'the default database untouched')

    const history = await local('history', '--bind', 'analytics')
    t.match(history.stdout.split('\n')[0], /-> \w+ \(head\) \(pending\), Add kind to event/)
    // Offline SQL of the bind: its chain and its tables only, nothing connected.
    const offline = await local('upgrade', 'base:head', '--sql', '--bind', 'analytics')
    t.equal(offline.code, 0, offline.stderr)
    t.match(offline.stdout, /create table .event./)
    t.notMatch(offline.stdout, /movie/)

    // The plugin's migrations.upgrade: the default database (at head already), then the bind.
    const upgrading = await buildReadyApp(t, database, { binds: { analytics: analytics.url }, migrations: { dir: migrations, upgrade: true } })
    t.equal(await upgrading.db.bind('analytics').migrations().current(), (await upgrading.db.bind('analytics').migrations().heads())[0]?.revision)
    t.ok((await readCatalog(bind, database.dialect, 'event')).columns.kind, 'the bind is at head again')

    const unknown = await local('current', '--bind', 'nope')
    t.equal(unknown.code, 2, 'an unknown bind is a usage error')
    t.match(unknown.stderr, 'Unknown bind "nope". Known binds: analytics')
  })
})

t.test('binds: the errors that say what to do', async (t) => {
  const dir = t.testdir({ 'app.ts': multidbModule(''), 'plain.ts': multidbModule('').replace(/^export const binds.*$/m, '').replace(", { bind: 'analytics' }", '') })
  const migrations = join(dir, 'migrations')
  const env = { DATABASE_URL: `sqlite:///${join(dir, 'main.db')}`, DATABASE_URL_ANALYTICS: `sqlite:///${join(dir, 'analytics.db')}`, FASTIFY_ORM_APP: join(dir, 'app.ts') }
  const local = (...args: string[]) => runInProcess([...args, '--dir', migrations], env)

  t.equal((await local('init')).code, 0, 'plain init: the default folder only')
  t.notOk(existsSync(join(migrations, 'analytics')))
  const migrate = await local('migrate', '-m', 'Initial migration')
  t.equal(migrate.code, 1, 'a bind without its folder fails the command…')
  t.match(migrate.stdout, /== default ==\nDetected \+ create table movie\nGenerated /, '… after the databases that have theirs')
  t.match(migrate.stderr, `Bind "analytics" has no migrations folder (${join(migrations, 'analytics')}). Create it with: fastify-orm init --multidb`)
  const upgrade = await local('upgrade')
  t.equal(upgrade.code, 1)
  t.match(upgrade.stderr, 'fastify-orm init --multidb', 'upgrade touches no database while a folder is missing')
  t.equal((await local('heads', '--bind', 'analytics')).code, 1)
  t.equal((await local('init', '--multidb')).code, 0, 'init --multidb adds the missing folder to an existing project')
  t.ok(existsSync(join(migrations, 'analytics')))
  t.match((await local('init', '--multidb')).stderr, 'Every migrations folder exists already')

  const renames = await local('migrate', '-m', 'Rename', '--rename-table', 'film:movie')
  t.equal(renames.code, 2)
  t.match(renames.stderr, 'add --bind NAME')
  const shell = await local('shell', '--bind', 'analytics')
  t.equal(shell.code, 2)
  t.match(shell.stderr, '--bind is for the migration commands')

  const plainEnv = { ...env, FASTIFY_ORM_APP: join(dir, 'plain.ts') }
  const noBinds = await runInProcess(['current', '--bind', 'analytics', '--dir', migrations], plainEnv)
  t.equal(noBinds.code, 2)
  t.match(noBinds.stderr, 'the app module exports no binds')
  const noMultidb = await runInProcess(['init', '--multidb', '--dir', join(dir, 'other')], plainEnv)
  t.equal(noMultidb.code, 2)
  t.match(noMultidb.stderr, 'exports no binds')
})

t.test('a bind\'s URL variable: DATABASE_URL_ and its name in capitals, other characters as _', async (t) => {
  t.equal(bindUrlVariable('analytics'), 'DATABASE_URL_ANALYTICS')
  t.equal(bindUrlVariable('eu-west.reports2'), 'DATABASE_URL_EU_WEST_REPORTS2')
})
