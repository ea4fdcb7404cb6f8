// The migrations runner on hand-written revisions, on every database: targets, history,
// stamp, a failing revision, broken chains (two heads, a merged branch), offline SQL.
import Database from 'better-sqlite3'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import t from 'tap'
import { resolveConfig } from '../../src/config/resolve-config.ts'
import { createOrmDialect } from '../../src/dialect/create-orm-dialect.ts'
import Fastify from 'fastify'
import fastifyOrm, { MigrationError } from '../../src/index.ts'
import { Migrations } from '../../src/migration/migrations.ts'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp, untyped } from '../schema/support.ts'
import { writeRevision } from './support.ts'

const R1 = 'a1a1a1a1a1a1'
const R2 = 'b2b2b2b2b2b2'
const R3 = 'c3c3c3c3c3c3'
const R4 = 'd4d4d4d4d4d4'
const RM = 'e5e5e5e5e5e5'

const log = (entry: string) => `  await db.insertInto('upgrade_log').values({ entry: '${entry}' }).execute()`

function writeChain (dir: string): void {
  writeRevision(dir, {
    id: R1,
    parent: null,
    message: 'Notes',
    up: [
      "  await db.schema.createTable('note').addColumn('id', ...t.column(c.integer().autoincrement())).addColumn('body', ...t.column(c.string(100))).addPrimaryKeyConstraint('pk_note', ['id']).execute()",
      "  await db.schema.createTable('upgrade_log').addColumn('entry', ...t.column(c.string(20))).execute()",
      log('up a1')
    ].join('\n'),
    down: "  await db.schema.dropTable('note').execute()\n  await db.schema.dropTable('upgrade_log').execute()"
  })
  writeRevision(dir, {
    id: R2,
    parent: R1,
    message: 'Mood',
    up: `  await db.schema.alterTable('note').addColumn('mood', ...t.column(c.string(10).nullable())).execute()\n${log('up b2')}`,
    down: `  await db.schema.alterTable('note').dropColumn('mood').execute()\n${log('down b2')}`
  })
  writeRevision(dir, {
    id: R3,
    parent: R2,
    message: 'Mood index',
    up: `  await db.schema.createIndex('ix_note_mood').on('note').columns(['mood']).execute()\n${log('up c3')}`,
    down: `  await op.dropIndex('note', 'ix_note_mood')\n${log('down c3')}`
  })
}

async function entries (db: Kysely<unknown>): Promise<string[]> {
  const rows = await sql<{ entry: string }>`select entry from upgrade_log`.execute(db)
  return rows.rows.map((row) => row.entry)
}

async function tables (app: { db: { kysely: unknown } }, dialect: string): Promise<string[]> {
  const db = app.db.kysely as Kysely<unknown>
  const query = dialect === 'sqlite'
    ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`
    : dialect === 'postgres'
      ? sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`
      : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = database()`
  return (await query.execute(db)).rows.map((row) => row.name).sort()
}

t.test('upgrade, downgrade, targets, history and stamp', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({})
    writeChain(dir)
    const app = await buildReadyApp(t, database)
    const migrations = app.db.migrations({ dir })
    const db = untyped(app)

    t.equal(await migrations.current(), null, 'a new database is at base')
    t.strictSame(await migrations.upgrade(), [R1, R2, R3], 'to head, in chain order')
    t.equal(await migrations.current(), R3)
    t.strictSame(await entries(db), ['up a1', 'up b2', 'up c3'])
    t.strictSame((await migrations.history()).map((entry) => [entry.revision, entry.current, entry.applied]), [[R3, true, true], [R2, false, true], [R1, false, true]], 'newest first')
    t.strictSame(await migrations.upgrade(), [], 'nothing left to apply')
    t.ok((await tables(app, database.dialect)).includes('fastify_orm_version'), 'the version table')

    t.strictSame(await migrations.downgrade(), [R3], 'one step down by default')
    t.equal(await migrations.current(), R2)
    t.strictSame(await migrations.downgrade('base'), [R2, R1], 'down to base, newest first')
    t.notOk((await tables(app, database.dialect)).includes('note'), 'the tables are gone')
    t.strictSame(await migrations.upgrade('+1'), [R1])
    t.strictSame(await migrations.upgrade('b2b2'), [R2], 'a unique prefix of an id')
    await t.rejects(migrations.upgrade('-1'), { name: 'MigrationError', message: /use downgrade/ })
    await t.rejects(migrations.downgrade('head'), { name: 'MigrationError', message: /use upgrade/ })
    await t.rejects(migrations.upgrade('zzzz'), { name: 'MigrationError', message: /Unknown revision zzzz/ })
    t.strictSame(await migrations.upgrade(), [R3])
    t.strictSame(await entries(db), ['up a1', 'up b2', 'up c3'], 'downgrading to base dropped the log table; these are the entries of the re-application')

    await migrations.stamp(R1)
    t.equal(await migrations.current(), R1, 'stamp moves the revision')
    t.ok((await tables(app, database.dialect)).includes('note'), '… without running anything')
    await migrations.stamp('head')
    t.equal(await migrations.current(), R3)
  })
})

t.test('a failing revision leaves the database at the previous revision', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({})
    writeChain(dir)
    writeRevision(dir, {
      id: R4,
      parent: R3,
      message: 'Doomed',
      up: "  await db.schema.createTable('doomed').addColumn('id', ...t.column(c.integer())).execute()\n  await db.selectFrom('no_such_table').selectAll().execute()",
      down: "  await db.schema.dropTable('doomed').execute()"
    })
    const app = await buildReadyApp(t, database)
    const migrations = app.db.migrations({ dir })
    const error = await migrations.upgrade().then(() => undefined, (caught: unknown) => caught)
    t.type(error, MigrationError)
    t.match((error as Error).message, new RegExp(`^Revision ${R4} \\(Doomed\\) failed in upgrade: .*no_such_table`))
    t.equal(await migrations.current(), R3, 'the revisions before it stay applied')
    if (database.dialect === 'mysql') {
      t.match((error as Error).message, /cannot roll back DDL/, 'MySQL says what stays behind')
    } else {
      t.match((error as Error).message, new RegExp(`rolled back: the database is still at ${R3}`))
      t.notOk((await tables(app, database.dialect)).includes('doomed'), 'the failed revision\'s DDL rolled back')
    }
  })
})

t.test('broken chains are errors, never skipped revisions', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({})
    writeChain(dir)
    const app = await buildReadyApp(t, database)
    const migrations = app.db.migrations({ dir })
    await migrations.upgrade()

    // Two branches both added a revision after R1: two heads, which upgrade to head refuses.
    const branch = writeRevision(dir, { id: RM, parent: R1, message: 'Other branch', up: '', down: '' })
    await t.rejects(migrations.upgrade(), { name: 'MigrationError', message: new RegExp(`Multiple heads: (${R3} \\(Mood index\\), ${RM}|${RM} \\(Other branch\\), ${R3}).*fastify-orm merge -m .*upgrade heads`) })
    await t.rejects(migrations.check(), { message: /Multiple heads/ }, 'check reports it too')

    // The merge: RM re-parented after R2 and R3 after RM. RM is not applied, R3 is: never skip RM.
    rmSync(branch)
    writeRevision(dir, { id: RM, parent: R2, message: 'Other branch', up: log('up e5'), down: '' })
    rmSync(join(dir, `${R3}_mood_index.ts`))
    writeRevision(dir, { id: R3, parent: RM, message: 'Mood index', up: '', down: "  await op.dropIndex('note', 'ix_note_mood')" })
    await t.rejects(migrations.upgrade(), { name: 'MigrationError', message: new RegExp(`Revision ${RM} \\(Other branch\\) is not applied, but ${R3} after it is`) })
    t.strictSame(await migrations.downgrade(R2).catch((error: Error) => error.message), `Revision ${RM} (Other branch) is not applied, but ${R3} after it is (it was inserted before applied revisions). It is never skipped: downgrade below it, then upgrade; or apply its changes by hand and stamp.`)

    // A revision applied here whose file is gone.
    await migrations.stamp(R2)
    writeRevision(dir, { id: 'f6f6f6f6f6f6', parent: R3, message: 'Gone later', up: '', down: '' })
    await migrations.upgrade()
    rmSync(join(dir, 'f6f6f6f6f6f6_gone_later.ts'))
    await t.rejects(migrations.current(), { message: /has revision f6f6f6f6f6f6 applied, which no file in .* defines/ })
  })
})

t.test('--sql renders the upgrade without a connection', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({})
    writeChain(dir)
    const dialect = await createOrmDialect(resolveConfig({ url: database.url }).default, () => undefined)
    t.teardown(() => dialect.closeUnused())
    const offline = new Migrations(undefined, dialect, [], { dir })
    const script = await offline.sql('up', 'head')
    const q = database.dialect === 'mysql' ? '`' : '"'
    t.match(script, `create table if not exists ${q}fastify_orm_version${q}`)
    t.match(script, `create table ${q}note${q}`)
    t.match(script, `-- Upgrade to ${R2}: Mood`)
    t.match(script, `values ('0003_${R3}', '`, 'the version rows with their values inlined')
    t.match(script, `values ('up c3')`)
    t.equal(script.includes('begin;'), database.dialect !== 'mysql', 'a transaction per revision where DDL is transactional')
    const down = await offline.sql('down', `${R2}`, 'head')
    t.match(down, `-- Downgrade from ${R3}: Mood index`)
    t.notMatch(down, R2 + ': Mood\n', 'stops above the target')
    await t.rejects(offline.current(), { message: /needs a database connection; only --sql works offline/ })

    if (database.dialect === 'sqlite') {
      // The script runs as it is printed, through SQLite's own shell-style exec.
      const file = join(dir, 'offline.db')
      const sqlite = new Database(file)
      sqlite.exec(script)
      t.strictSame(sqlite.prepare('select name from fastify_orm_version order by name').all(), [{ name: `0001_${R1}` }, { name: `0002_${R2}` }, { name: `0003_${R3}` }])
      sqlite.close()
    }
    if (database.dialect === 'postgres') {
      // The script runs as it is printed.
      const app = await buildReadyApp(t, database)
      await sql.raw(script).execute(untyped(app))
      t.equal(await app.db.migrations({ dir }).current(), R3, 'psql-style application of the script reaches head')
    }
  })
})

t.test('the plugin option migrations.upgrade applies the revisions when the app starts', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({})
    writeChain(dir)
    const app = await buildReadyApp(t, database, { migrations: { dir, upgrade: true } })
    t.equal(await app.db.migrations().current(), R3, 'at head once ready (the option\'s dir is the default)')

    writeRevision(dir, { id: R4, parent: R3, message: 'Doomed', up: "  await db.selectFrom('no_such_table').selectAll().execute()", down: '' })
    const failing = Fastify()
    await failing.register(fastifyOrm, { url: database.url, migrations: { dir, upgrade: true } })
    await t.rejects(async () => { await failing.ready() }, { name: 'MigrationError', message: new RegExp(`Revision ${R4} \\(Doomed\\) failed in upgrade`) }, 'a failing revision fails ready()')
    await failing.close()

    const both = Fastify()
    await t.rejects(async () => { await both.register(fastifyOrm, { url: database.url, createAll: true, migrations: { dir, upgrade: true } }) }, { name: 'ConfigurationError', message: /Choose createAll or migrations.upgrade/ })
    await both.close()
  }, ['sqlite', 'postgres'])
})
