// Downgrading a merge revision through the CLI, on every database: `downgrade` takes the
// merge back to its parents (two current revisions again), `downgrade BASE` goes past it,
// reverting both branches.
import { join } from 'node:path'
import t from 'tap'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp, untyped } from '../schema/support.ts'
import { branchedRevisions, BASE, BRANCH_B, BRANCH_C, loggedEntries, versionIds } from './branches-support.ts'
import { cli, movieModule, runInProcess, writeRevision } from './support.ts'

const MERGE = 'd2d2d2d2d2d2'

t.test('downgrade of a merge goes back to its parents, and past it', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'app.ts': movieModule(''), migrations: {} })
    const migrations = join(dir, 'migrations')
    const env = { DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, 'app.ts') }
    // A child process on SQLite; on the other databases the same CLI code in this process
    // (a child costs ~1 s of CPU on Node 20, and what differs there is the database).
    const run = (...args: string[]) => database.dialect === 'sqlite' ? cli([...args, '--dir', migrations], { env }) : runInProcess([...args, '--dir', migrations], env)
    branchedRevisions(migrations, 'dm')
    // A merge revision written by hand: `parent` is an array.
    writeRevision(migrations, { id: MERGE, parent: [BRANCH_B, BRANCH_C], message: 'Merge', up: '', down: '' })

    const upgraded = await run('upgrade')
    t.equal(upgraded.code, 0, upgraded.stderr)
    t.match(upgraded.stdout, /Upgraded 4 revisions in \d+ ms/)

    const down = await run('downgrade')
    t.equal(down.code, 0, down.stderr)
    t.match(down.stdout, new RegExp(`^Running downgrade ${MERGE} -> ${BRANCH_B}, ${BRANCH_C}, Merge \\(\\d+ ms\\)\\nDowngraded 1 revision in \\d+ ms\\nThe database is at ${BRANCH_B}, ${BRANCH_C}\\n$`))
    t.strictSame((await runInProcess(['current', '--dir', migrations], env)).stdout.trim().split('\n'), [BRANCH_B, BRANCH_C], 'the merge\'s parents are the current revisions again')
    const app = await buildReadyApp(t, database)
    const db = untyped(app)
    t.strictSame(await versionIds(db), [BASE, BRANCH_B, BRANCH_C])

    const past = await run('downgrade', BASE)
    t.equal(past.code, 0, past.stderr)
    t.match(past.stdout, new RegExp(`^Running downgrade ${BRANCH_C} -> ${BASE}, Branch C \\(\\d+ ms\\)\\nRunning downgrade ${BRANCH_B} -> ${BASE}, Branch B \\(\\d+ ms\\)\\nDowngraded 2 revisions in \\d+ ms\\n`))
    t.strictSame(await loggedEntries(db, 'dm'), ['base'], 'both branches reverted')
    t.strictSame(await versionIds(db), [BASE])
  })
})
