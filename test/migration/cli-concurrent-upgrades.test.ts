// Two `fastify-orm upgrade` processes at once apply each revision exactly once (the lock).
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp, untyped } from '../schema/support.ts'
import { cli, movieModule, writeRevision } from './support.ts'

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
    const app = await buildReadyApp(t, database)
    const rows = await sql<{ revision: string }>`select revision from applied order by revision`.execute(untyped(app))
    t.strictSame(rows.rows.map((row) => row.revision), ['r1', 'r2', 'r3', 'r4'], 'each revision ran once')
  })
})
