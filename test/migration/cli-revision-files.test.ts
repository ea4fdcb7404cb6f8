// The commands on revision files through the CLI, on every database: `revision -m` writes an
// empty revision that upgrade applies (a data migration), `migrate --empty`, `--head` with
// several heads, `show`, and `edit` through $EDITOR.
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp, untyped } from '../schema/support.ts'
import { cli, movieModule, runInProcess, writeRevision } from './support.ts'

const BASE = 'f0f0f0f0f0f0'
const OTHER = 'f1f1f1f1f1f1'

t.test('revision -m, migrate --empty, --head, show and edit', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'app.ts': movieModule(''), migrations: {}, 'editor.sh': '#!/bin/sh\nprintf "// edited by the test editor\\n" >> "$1"\n' })
    chmodSync(join(dir, 'editor.sh'), 0o755)
    const migrations = join(dir, 'migrations')
    const env = { DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, 'app.ts'), EDITOR: '', VISUAL: '' }
    // A child process on SQLite; on the other databases the same CLI code in this process
    // (a child costs ~1 s of CPU on Node 20, and what differs there is the database).
    const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => database.dialect === 'sqlite'
      ? cli([...args, '--dir', migrations], { env: { ...env, ...extra } })
      : runInProcess([...args, '--dir', migrations], { ...env, ...extra })
    const local = (...args: string[]) => runInProcess([...args, '--dir', migrations], env)
    writeRevision(migrations, {
      id: BASE,
      parent: null,
      message: 'Items',
      up: "  await db.schema.createTable('rf_item').addColumn('name', ...t.column(c.string(40))).execute()",
      down: "  await db.schema.dropTable('rf_item').execute()"
    })

    const written = await run(['revision', '-m', 'Seed items'])
    t.equal(written.code, 0, written.stderr)
    const name = readdirSync(migrations).find((file) => file.endsWith('_seed_items.ts')) as string
    t.ok(name, 'the revision file, named after its message')
    const file = join(migrations, name)
    const source = readFileSync(file, 'utf8')
    t.match(source, `export const parent: string | null = '${BASE}'`, 'after the head')
    t.match(source, '// Nothing to do yet', 'empty up and down')
    const seed = /export const revision = '(\w+)'/.exec(source)?.[1] as string
    // Filled in by hand: a data migration.
    writeFileSync(file, source
      .replace(/export async function up \(_context: MigrationContext\): Promise<void> \{\n {2}\/\/ Nothing to do yet[^\n]*/, "export async function up ({ db }: MigrationContext): Promise<void> {\n  await db.insertInto('rf_item').values({ name: 'seeded' }).execute()")
      .replace(/export async function down \(_context: MigrationContext\): Promise<void> \{\n {2}\/\/ Nothing to do yet[^\n]*/, "export async function down ({ db }: MigrationContext): Promise<void> {\n  await db.deleteFrom('rf_item').where('name', '=', 'seeded').execute()"))

    const upgraded = await run(['upgrade'])
    t.equal(upgraded.code, 0, upgraded.stderr)
    t.match(upgraded.stdout, new RegExp(`Running upgrade ${BASE} -> ${seed}, Seed items \\(\\d+ ms\\)\\nUpgraded 2 revisions in \\d+ ms`))
    const app = await buildReadyApp(t, database)
    const rows = await sql<{ name: string }>`select name from rf_item`.execute(untyped(app))
    t.strictSame(rows.rows.map((row) => row.name), ['seeded'], 'the data migration ran')

    const shown = await local('show', seed.slice(0, 6))
    t.equal(shown.code, 0, shown.stderr)
    t.match(shown.stdout, new RegExp(`^Revision: ${seed}\\nParents: ${BASE}\\nMessage: Seed items\\nPath: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`))
    t.match(shown.stdout, "export async function up ({ db }: MigrationContext): Promise<void> {\n  await db.insertInto('rf_item')")
    t.match(shown.stdout, "await db.deleteFrom('rf_item')", 'down too')

    const noEditor = await local('edit', seed)
    t.equal(noEditor.code, 2, 'edit without an editor is a usage error')
    t.match(noEditor.stderr, 'set EDITOR or VISUAL')
    const edited = await run(['edit', seed], { EDITOR: join(dir, 'editor.sh') })
    t.equal(edited.code, 0, edited.stderr)
    t.match(readFileSync(file, 'utf8'), /\/\/ edited by the test editor\n$/, 'the editor got the revision file')

    const empty = await local('migrate', '--empty', '-m', 'Second data step')
    t.equal(empty.code, 0, empty.stderr)
    const second = readdirSync(migrations).find((entry) => entry.endsWith('_second_data_step.ts')) as string
    t.match(readFileSync(join(migrations, second), 'utf8'), `export const parent: string | null = '${seed}'`, 'migrate --empty follows the head, without comparing')

    // A second head: revision must be told which one to follow.
    writeRevision(migrations, { id: OTHER, parent: BASE, message: 'Other branch', up: '', down: '' })
    const refused = await local('revision', '-m', 'Ambiguous')
    t.equal(refused.code, 1)
    t.match(refused.stderr, /Multiple heads: .*--head <revision>.*fastify-orm merge/)
    const onOther = await local('revision', '-m', 'On other', '--head', OTHER)
    t.equal(onOther.code, 0, onOther.stderr)
    const onOtherFile = readdirSync(migrations).find((entry) => entry.endsWith('_on_other.ts')) as string
    t.match(readFileSync(join(migrations, onOtherFile), 'utf8'), `export const parent: string | null = '${OTHER}'`)
  })
})
