// Two branches from one revision through the CLI, on every database: heads, branches,
// upgrade refusing two heads, merge, upgrade applying every revision once, history's markers.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp, untyped } from '../schema/support.ts'
import { branchedRevisions, BASE, BRANCH_B, BRANCH_C, loggedEntries, versionIds } from './branches-support.ts'
import { cli, movieModule, runInProcess } from './support.ts'

t.test('two branches: heads, branches, refused upgrade, merge, upgrade once, history', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'app.ts': movieModule(''), migrations: {} })
    const migrations = join(dir, 'migrations')
    const env = { DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, 'app.ts') }
    // A child process on SQLite; on the other databases the same CLI code in this process
    // (a child costs ~1 s of CPU on Node 20, and what differs there is the database).
    const run = (...args: string[]) => database.dialect === 'sqlite' ? cli([...args, '--dir', migrations], { env }) : runInProcess([...args, '--dir', migrations], env)
    const local = (...args: string[]) => runInProcess([...args, '--dir', migrations], env)
    branchedRevisions(migrations, 'br')

    // The file commands never connect: an unreachable port here.
    const unreachable = database.dialect === 'sqlite' ? database.url : database.url.replace(/:\d+\//, ':1/')
    const heads = await cli(['heads', '--dir', migrations], { env: { ...env, DATABASE_URL: unreachable } })
    t.equal(heads.code, 0, heads.stderr)
    t.strictSame(heads.stdout.trim().split('\n').sort(), [`${BRANCH_B} (head), Branch B`, `${BRANCH_C} (head), Branch C`], 'two heads')
    const branches = await local('branches')
    t.strictSame(branches.stdout.trim().split('\n'), [`${BASE} (branchpoint), Base`, `  -> ${BRANCH_B}, Branch B`, `  -> ${BRANCH_C}, Branch C`])

    const refused = await run('upgrade')
    t.equal(refused.code, 1, 'upgrade to head refuses two heads')
    t.match(refused.stderr, BRANCH_B)
    t.match(refused.stderr, BRANCH_C)
    t.match(refused.stderr, 'fastify-orm merge -m')
    t.match(refused.stderr, 'upgrade heads')

    const merged = await run('merge', '-m', 'Merge branches')
    t.equal(merged.code, 0, merged.stderr)
    const mergeFile = readdirSync(migrations).find((name) => name.endsWith('_merge_branches.ts'))
    t.ok(mergeFile, 'a merge revision named after its message')
    const source = readFileSync(join(migrations, mergeFile as string), 'utf8')
    t.match(source, `export const parent: string[] = ['${BRANCH_B}', '${BRANCH_C}']`, 'both parents')
    const merge = /export const revision = '(\w+)'/.exec(source)?.[1] as string

    const upgraded = await run('upgrade')
    t.equal(upgraded.code, 0, upgraded.stderr)
    t.notMatch(upgraded.stdout, '\u001b', 'plain text when stdout is not a terminal')
    const lines = upgraded.stdout.trim().split('\n')
    t.match(lines, [
      new RegExp(`^Running upgrade <base> -> ${BASE}, Base \\(\\d+ ms\\)$`),
      new RegExp(`^Running upgrade ${BASE} -> ${BRANCH_B}, Branch B \\(\\d+ ms\\)$`),
      new RegExp(`^Running upgrade ${BASE} -> ${BRANCH_C}, Branch C \\(\\d+ ms\\)$`),
      new RegExp(`^Running upgrade ${BRANCH_B}, ${BRANCH_C} -> ${merge}, Merge branches \\(\\d+ ms\\)$`),
      /^Upgraded 4 revisions in \d+ ms$/,
      `The database is at ${merge}`
    ], 'one progress line per revision, parents first, then the summary')

    const app = await buildReadyApp(t, database)
    const db = untyped(app)
    t.strictSame(await loggedEntries(db, 'br'), ['base', 'branch b', 'branch c'], 'each branch applied exactly once')
    t.strictSame(await versionIds(db), [BASE, BRANCH_B, BRANCH_C, merge].sort(), 'one version row per applied revision')

    const again = await run('upgrade')
    t.equal(again.code, 0, again.stderr)
    t.match(again.stdout, /^Nothing to upgrade$/m)
    t.strictSame(await loggedEntries(db, 'br'), ['base', 'branch b', 'branch c'], 'nothing applied twice')

    const history = await local('history')
    t.strictSame(history.stdout.trimEnd().split('\n'), [
      `* ${BRANCH_B}, ${BRANCH_C} -> ${merge} (head) (current) (mergepoint), Merge branches`,
      '|\\',
      `| * ${BASE} -> ${BRANCH_C}, Branch C`,
      `* | ${BASE} -> ${BRANCH_B}, Branch B`,
      '|/',
      `* <base> -> ${BASE} (branchpoint), Base`
    ], 'history draws the branches and shows the branch point and the merge point')

  })
})
