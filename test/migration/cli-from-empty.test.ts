// The tutorial's other order, through the bin on every database: `create-all` first, then
// `migrate`. The first revision compared with a database that has the tables would create
// nothing, so migrate refuses and says what to do; `migrate --from-empty` writes a revision
// that creates every table, `stamp head` records the database as up to date, and a fresh
// database gets everything from `upgrade`. Also: `init` creates the app module's
// `migrationsDir`, which every other command then reads; `check` does not call widening
// an enumeration destructive.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { createTestDatabase, eachDb } from '../helpers/databases.ts'
import { cli, runInProcess } from './support.ts'

const appModule = (ratings: string[]) => `import { c, defineModel } from 'fastify-orm'

export const migrationsDir = new URL('./db/revisions', import.meta.url).pathname

export const Director = defineModel('Director', { id: c.integer().primaryKey(), name: c.string(80) }, { naming: 'snake_case' })

export const Movie = defineModel('Movie', {
  id: c.integer().primaryKey(),
  title: c.string(120),
  directorId: c.integer().references(() => Director).index(),
  rating: c.enumeration(${JSON.stringify(ratings)}).nullable()
}, { naming: 'snake_case' })

export const models = { Director, Movie }
`

t.test('create-all first: migrate says what to do; --from-empty, stamp head, and a fresh database upgrades', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'app.ts': appModule(['G', 'R']) })
    const env = { DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, 'app.ts') }
    const revisions = join(dir, 'db', 'revisions')
    // On SQLite commands that write run the bin in a child process; read-only ones, and every
    // command on the other databases, run in this process (a child costs ~1 s of CPU on Node 20).
    const child = database.dialect === 'sqlite'
    const run = (...args: string[]) => child ? cli(args, { env, cwd: dir }) : runInProcess(args, env)
    const local = (...args: string[]) => runInProcess(args, env)

    const init = await run('init')
    t.equal(init.code, 0, init.stderr)
    t.match(init.stdout, `Created ${revisions}.`)
    t.ok(existsSync(revisions), 'init created the module\'s migrationsDir')
    t.notOk(existsSync(join(dir, 'migrations')), 'and not ./migrations')

    t.equal((await run('create-all')).code, 0)
    const refused = await run('migrate', '-m', 'Initial')
    t.equal(refused.code, 1, 'migrate refuses: its revision would not create the tables')
    t.match(refused.stderr, 'The database has the models\' tables already (director, movie) but no revision')
    t.match(refused.stderr, 'fastify-orm migrate --from-empty -m "Initial migration", then fastify-orm stamp head')
    t.strictSame(readdirSync(revisions), [], 'nothing written')

    const generated = await run('migrate', '--from-empty', '-m', 'Initial')
    t.equal(generated.code, 0, generated.stderr)
    t.strictSame(generated.stdout.split('\n').filter((line) => line.startsWith('Detected')),
      ['Detected + create table director', 'Detected + create table movie'], 'every table, parents first')
    t.match(generated.stdout, 'fastify-orm stamp head')
    const files = readdirSync(revisions)
    t.equal(files.length, 1, 'one revision, in the module\'s migrationsDir')
    const source = readFileSync(join(revisions, files[0] as string), 'utf8')
    t.match(source, 'createTable(\'director\')')
    t.match(source, 'createTable(\'movie\')')

    const behind = await local('check')
    t.equal(behind.code, 1, 'before stamping, the database is behind the revision')
    const stamped = await run('stamp', 'head')
    t.equal(stamped.code, 0, stamped.stderr)
    const revision = /^(\w+)_/.exec(files[0] as string)?.[1]
    t.equal((await local('current')).stdout.trim(), revision, 'stamped at the revision')
    t.equal((await local('check')).code, 0, 'and in sync')
    t.equal((await local('migrate', '-m', 'Nothing')).stdout.trim(), 'No changes detected', 'later revisions compare with the database')
    const again = await local('migrate', '--from-empty', '-m', 'Again')
    t.equal(again.code, 1)
    t.match(again.stderr, '--from-empty writes the first revision, and the migrations folder has 1 already.')

    const fresh = await createTestDatabase(database.dialect)
    if (typeof fresh === 'string') throw new Error(fresh)
    t.teardown(fresh.drop)
    const freshEnv = { ...env, DATABASE_URL: fresh.url }
    const upgraded = child ? await cli(['upgrade'], { env: freshEnv, cwd: dir }) : await runInProcess(['upgrade'], freshEnv)
    t.equal(upgraded.code, 0, upgraded.stderr)
    t.match(upgraded.stdout, `Running upgrade <base> -> ${revision}, Initial`)
    const freshCheck = await runInProcess(['check'], freshEnv)
    t.equal(freshCheck.code, 0, freshCheck.stderr)
    t.equal(freshCheck.stdout.trim(), 'No changes detected: the database matches the models.', 'a fresh database gets every table')

    // Widening the enumeration: a longer varchar and one more value, nothing destructive.
    // The changed models in new files: this process keeps each module's first version imported.
    env.FASTIFY_ORM_APP = join(dir, 'app-widened.ts')
    writeFileSync(env.FASTIFY_ORM_APP, appModule(['G', 'R', 'PG-13']))
    const widened = await run('check')
    t.equal(widened.code, 1)
    t.match(widened.stdout, '~ alter column movie.rating: type varchar(1) -> varchar(5)\n')
    t.notMatch(widened.stdout, 'destructive', `widening is not destructive: ${widened.stdout}`)
    env.FASTIFY_ORM_APP = join(dir, 'app-narrowed.ts')
    writeFileSync(env.FASTIFY_ORM_APP, appModule(['G']))
    const narrowed = await run('check')
    t.match(narrowed.stdout, '+ add check ck_movie_rating_enum on movie: rating = \'G\' (destructive)', 'removing a value is')
  })
})

t.test('init: --dir wins over migrationsDir; without an app module, ./migrations', async (t) => {
  const dir = t.testdir({ 'app.ts': appModule(['G']) })
  const explicit = await runInProcess(['init', '--dir', join(dir, 'elsewhere')], { FASTIFY_ORM_APP: join(dir, 'app.ts') })
  t.equal(explicit.code, 0, explicit.stderr)
  t.ok(existsSync(join(dir, 'elsewhere')))
  t.notOk(existsSync(join(dir, 'db', 'revisions')))
  const plain = await cli(['init'], { cwd: dir, env: { FASTIFY_ORM_APP: '' } })
  t.equal(plain.code, 0, plain.stderr)
  t.ok(existsSync(join(dir, 'migrations')), 'no app module: ./migrations, as before')
})
