// `upgrade heads` applies every branch without a merge, on every database; the progress
// lines are printed as each revision runs (before its own output), with times and a summary.
import { join } from 'node:path'
import t from 'tap'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp, untyped } from '../schema/support.ts'
import { branchedRevisions, BASE, BRANCH_B, BRANCH_C, loggedEntries, versionIds } from './branches-support.ts'
import { cli, movieModule, runInProcess } from './support.ts'

t.test('upgrade heads without a merge; progress lines in order, as each revision runs', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'app.ts': movieModule(''), migrations: {} })
    const migrations = join(dir, 'migrations')
    const env = { DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, 'app.ts') }
    // Branch B writes to stdout while it runs: its progress line must already be there.
    branchedRevisions(migrations, 'uh', "  process.stdout.write('[inside B]')\n")

    const upgraded = await cli(['upgrade', 'heads', '--dir', migrations], { env })
    t.equal(upgraded.code, 0, upgraded.stderr)
    t.notMatch(upgraded.stdout, '\u001b', 'no escape codes when stdout is not a terminal')
    t.match(upgraded.stdout, new RegExp([
      `^Running upgrade <base> -> ${BASE}, Base \\(\\d+ ms\\)`,
      `Running upgrade ${BASE} -> ${BRANCH_B}, Branch B\\[inside B\\] \\(\\d+ ms\\)`,
      `Running upgrade ${BASE} -> ${BRANCH_C}, Branch C \\(\\d+ ms\\)`,
      'Upgraded 3 revisions in \\d+ ms',
      `The database is at ${BRANCH_B}, ${BRANCH_C}\\n$`
    ].join('\\n')), 'each line starts before its revision runs and ends with its time; a summary last')

    const app = await buildReadyApp(t, database)
    const db = untyped(app)
    t.strictSame(await loggedEntries(db, 'uh'), ['base', 'branch b', 'branch c'], 'both branches applied once')
    t.strictSame(await versionIds(db), [BASE, BRANCH_B, BRANCH_C], 'both heads recorded')
    t.strictSame((await runInProcess(['current', '--dir', migrations], env)).stdout.trim().split('\n'), [BRANCH_B, BRANCH_C], 'current lists both')

    // Nothing runs a revision's code now: a child process on SQLite, this process elsewhere.
    const againArgs = ['upgrade', 'heads', '--dir', migrations]
    const again = database.dialect === 'sqlite' ? await cli(againArgs, { env }) : await runInProcess(againArgs, env)
    t.equal(again.code, 0, again.stderr)
    t.equal(again.stdout, `Nothing to upgrade\nThe database is at ${BRANCH_B}, ${BRANCH_C}\n`)
    t.strictSame(await loggedEntries(db, 'uh'), ['base', 'branch b', 'branch c'], 'nothing applied twice')
  })
})
