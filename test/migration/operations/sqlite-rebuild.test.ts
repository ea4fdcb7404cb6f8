// SQLite's table rebuilds (https://www.sqlite.org/lang_altertable.html#otheralter): every
// row, rowid, index, trigger and foreign key survives, in the rebuilt table and in the
// tables that reference it; child rows are never cascaded away; a rebuild that would break
// a foreign key, or that runs with foreign keys on, fails and leaves the old table.
import { sql, type Kysely } from 'kysely'
import t from 'tap'
import { c, CheckViolationError, defineModel, MigrationError } from '../../../src/index.ts'
import { expectedTable } from '../../../src/migration/autogenerate/expected-schema.ts'
import { eachDb } from '../../helpers/databases.ts'
import { DIALECTS, execute, openDb, tableNamed } from '../../introspection/support.ts'
import { migrate, tableOf } from './support.ts'

const sqlite = DIALECTS.sqlite

const Studio = defineModel('Studio', { id: c.integer().primaryKey(), name: c.string(50) })
const Film = defineModel('Film', {
  id: c.integer().primaryKey(),
  title: c.string(50),
  studioId: c.integer().references(() => Studio, { onDelete: 'cascade' })
}, { naming: 'snake_case' })
const Award = defineModel('Award', {
  id: c.integer().primaryKey(),
  filmId: c.integer().references(() => Film, { onDelete: 'cascade' }),
  parentId: c.integer().nullable().references('award.id', { onDelete: 'cascade' })
}, { naming: 'snake_case' })
const models = { Studio, Film, Award }

async function rows (db: Kysely<unknown>, query: string): Promise<unknown[]> {
  return (await sql.raw(query).execute(db)).rows
}

async function seed (db: Kysely<unknown>): Promise<void> {
  await execute(db, [
    'insert into studio (id, name) values (1, \'A\'), (2, \'B\'), (5, \'C\')',
    'insert into film (id, title, studio_id) values (1, \'Alpha\', 1), (2, \'Beta\', 2), (7, \'Gamma\', 5), (8, \'Delta\', 5)',
    'insert into award (id, film_id, parent_id) values (1, 1, null), (2, 7, 1), (3, 8, 2), (4, 2, null)'
  ])
}

t.test('rebuilding parents keeps every child row under ON DELETE CASCADE, and their foreign keys', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db } = await openDb(t, database, models)
    await app.db.createAll()
    await seed(db)
    const before = { studio: await rows(db, 'select * from studio order by id'), film: await rows(db, 'select * from film order by id'), award: await rows(db, 'select * from award order by id') }

    await migrate(db, 'sqlite', async ({ op }) => {
      await op.alterColumn('studio', 'name', c.string(200)) // a parent of film
      await op.addCheck('film', 'ck_film_title', 'title <> \'\'') // a child of studio, a parent of award
      await op.addUnique('award', 'uq_award_film_id', ['film_id']) // references itself
    })

    t.strictSame(await rows(db, 'select * from studio order by id'), before.studio, 'studio: every row, with its ids')
    t.strictSame(await rows(db, 'select * from film order by id'), before.film, 'film: every row, none cascaded away')
    t.strictSame(await rows(db, 'select * from award order by id'), before.award, 'award: every row, none cascaded away')
    const tables = await sqlite.introspector.introspect(db)
    const StudioAfter = defineModel('Studio', { id: c.integer().primaryKey(), name: c.string(200) })
    t.strictSame(tableNamed(tables, 'studio'), expectedTable(tableOf(StudioAfter), sqlite), 'studio as changed')
    t.strictSame(tableNamed(tables, 'film'), { ...expectedTable(tableOf(Film, { Studio }), sqlite), checks: [{ name: 'ck_film_title', expression: 'title <> \'\'' }] }, 'film as changed, its foreign key kept')
    t.strictSame(tableNamed(tables, 'award').foreignKeys, expectedTable(tableOf(Award, { Film, Studio }), sqlite).foreignKeys, 'award keeps both foreign keys')

    // The foreign keys still act: deleting studio 5 cascades to its films and their awards.
    await sql`delete from studio where id = 5`.execute(db)
    t.strictSame(await rows(db, 'select id from film order by id'), [{ id: 1 }, { id: 2 }])
    t.strictSame(await rows(db, 'select id from award order by id'), [{ id: 1 }, { id: 4 }], 'cascades through film and the self-reference')
  }, ['sqlite'])
})

t.test('a rebuild reproduces a hand-written table: constraints, indexes and triggers as written; views keep working', async (t) => {
  await eachDb(t, async (t, database) => {
    const { db } = await openDb(t, database)
    await execute(db, [
      'create table owner (id integer primary key, name text)',
      `create table gadget (
        id integer primary key,
        code VARCHAR (20) not null default 'x' unique,
        price NUMERIC(10,2) DEFAULT 0.00,
        qty INT default (-1) check (qty >= -1),
        made DATETIME DEFAULT (datetime('now')),
        owner_id integer references owner on delete cascade,
        [odd name] text constraint uq_odd unique,
        "order" integer,
        constraint "uq_gadget_pair" unique (price, "qty"),
        constraint price_ok check ("price" >= 0 and "order" is not 'x')
      )`,
      'create index gadget_made on gadget (made desc) where made is not null',
      'create unique index gadget_lower_code on gadget (lower(code))',
      'create table log (gadget_id integer, what text)',
      'create trigger gadget_log after insert on gadget begin insert into log values (new.id, new.code); end',
      'create view cheap as select id, code from gadget where price < 10',
      'insert into owner (id, name) values (1, \'o\')',
      'insert into gadget (id, code, price, qty, owner_id, [odd name], "order") values (3, \'a\', 5, 1, 1, \'z\', 2), (9, \'b\', 50, 2, null, null, null)'
    ])
    const schema = (): Promise<unknown[]> => rows(db, 'select type, name, sql from sqlite_master where type in (\'index\', \'trigger\', \'view\') and sql is not null order by name')
    const before = { table: tableNamed(await sqlite.introspector.introspect(db), 'gadget'), schema: await schema(), rows: await rows(db, 'select * from gadget order by id') }

    await migrate(db, 'sqlite', async ({ op }) => { await op.addCheck('gadget', 'ck_qty_small', 'qty < 1000') })

    t.strictSame(tableNamed(await sqlite.introspector.introspect(db), 'gadget'),
      { ...before.table, checks: [{ name: 'ck_qty_small', expression: 'qty < 1000' }, ...before.table.checks] }, // sorted by name
      'every column, default, key, unique (named or not), foreign key and check, plus the new check')
    t.strictSame(await schema(), before.schema, 'indexes (partial, on expressions, descending), triggers and views, as written')
    t.strictSame(await rows(db, 'select * from gadget order by id'), before.rows, 'every row')
    t.strictSame(await rows(db, 'select id, code from cheap'), [{ id: 3, code: 'a' }], 'the view reads the new table')
    await sql`insert into gadget (id, code) values (10, 'c')`.execute(db)
    t.strictSame(await rows(db, 'select * from log'), [{ gadget_id: 3, what: 'a' }, { gadget_id: 9, what: 'b' }, { gadget_id: 10, what: 'c' }],
      'the trigger fires again, and did not fire for the copied rows')
    await t.rejects(sql`insert into gadget (code, qty) values ('d', 5000)`.execute(db), CheckViolationError, 'the new check holds')

    // A column in no key, index or constraint goes with ALTER TABLE, which keeps the text as written.
    await migrate(db, 'sqlite', async ({ op }) => { await op.dropColumn('gadget', 'made') })
    t.match((await rows(db, 'select sql from sqlite_master where name = \'gadget\''))[0], { sql: /VARCHAR \(20\)/ }, 'a plain column: ALTER TABLE DROP COLUMN')
    t.notOk((await schema()).some((entry) => (entry as { name: string }).name === 'gadget_made'), 'the index of the column went with it')
  }, ['sqlite'])
})

t.test('AUTOINCREMENT keeps its keyword and its high-water mark', async (t) => {
  await eachDb(t, async (t, database) => {
    const { db } = await openDb(t, database)
    await execute(db, [
      'create table owner (id integer primary key autoincrement, name text)',
      'insert into owner (name) values (\'a\'), (\'b\'), (\'c\')',
      'delete from owner where id = 3',
      'create table emptied (id integer primary key autoincrement, name text)',
      'insert into emptied (name) values (\'a\'), (\'b\')',
      'delete from emptied'
    ])
    await migrate(db, 'sqlite', async ({ op }) => {
      await op.alterColumn('owner', 'name', c.string(10))
      await op.alterColumn('emptied', 'name', c.string(10))
    })
    t.match((await rows(db, 'select sql from sqlite_master where name = \'owner\''))[0], { sql: /primary key autoincrement/i })
    await sql`insert into owner (name) values ('d')`.execute(db)
    t.strictSame(await rows(db, 'select id, name from owner order by id'), [{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 4, name: 'd' }], 'id 3 is never handed out again')
    await sql`insert into emptied (name) values ('c')`.execute(db)
    t.strictSame(await rows(db, 'select id from emptied'), [{ id: 3 }], 'nor are the ids of an emptied table')
  }, ['sqlite'])
})

t.test('table options and generated columns are kept; virtual tables are refused', async (t) => {
  await eachDb(t, async (t, database) => {
    const { db } = await openDb(t, database)
    await execute(db, [
      'create table kv (k text primary key, v integer) without rowid, strict',
      'insert into kv values (\'a\', 1)',
      'create table area (w integer, h integer, size integer generated always as (w * h), total integer as (w + h) stored)',
      'insert into area (w, h) values (2, 3)',
      'create virtual table notes using fts5(body)'
    ])
    await migrate(db, 'sqlite', async ({ op }) => { await op.addCheck('kv', 'ck_kv_v', 'v > 0') })
    t.match((await rows(db, 'select sql from sqlite_master where name = \'kv\''))[0], { sql: /\) without rowid, strict$/ }, 'WITHOUT ROWID, STRICT')
    t.strictSame(await rows(db, 'select * from kv'), [{ k: 'a', v: 1 }])
    await migrate(db, 'sqlite', async ({ op }) => { await op.addCheck('area', 'ck_area_w', 'w > 0') })
    t.match((await rows(db, 'select sql from sqlite_master where name = \'area\''))[0],
      { sql: /"size" integer generated always as \(w \* h\) virtual, "total" integer generated always as \(w \+ h\) stored/i }, 'generated columns written again')
    t.strictSame(await rows(db, 'select * from area'), [{ w: 2, h: 3, size: 6, total: 5 }], 'their values computed again')
    await t.rejects(migrate(db, 'sqlite', async ({ op }) => { await op.addCheck('notes', 'ck_notes_body', 'body <> \'\'') }),
      new MigrationError('SQLite table "notes" is virtual, which a table rebuild cannot reproduce; change it with hand-written SQL in the revision.'))
  }, ['sqlite'])
})

t.test('a rebuild refuses to run while foreign keys are on', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db } = await openDb(t, database, models)
    await app.db.createAll()
    await seed(db)
    const rebuild = migrate(db, 'sqlite', async ({ op }) => { await op.alterColumn('studio', 'name', c.string(200)) }, { foreignKeysOn: true })
    await t.rejects(rebuild, new MigrationError('Rebuilding SQLite table "studio" needs PRAGMA foreign_keys off, or dropping the old table would delete or change rows of the tables that reference it. ' +
      'Run the revision through fastify-orm upgrade/downgrade, which switches foreign keys off around it, or run PRAGMA foreign_keys = OFF outside the transaction first.'))
    t.strictSame(tableNamed(await sqlite.introspector.introspect(db), 'studio'), expectedTable(tableOf(Studio), sqlite), 'studio unchanged')
    t.equal((await rows(db, 'select * from film')).length, 4, 'no child row lost')
  }, ['sqlite'])
})

t.test('a rebuild that breaks a foreign key, or a constraint, fails and rolls back', async (t) => {
  await eachDb(t, async (t, database) => {
    const Loose = defineModel('Film', { id: c.integer().primaryKey(), title: c.string(50).nullable(), studioId: c.integer() }, { naming: 'snake_case' })
    const { app, db } = await openDb(t, database, { Studio, Loose })
    await app.db.createAll()
    await execute(db, ['insert into studio (id, name) values (1, \'A\')', 'insert into film (id, title, studio_id) values (1, \'a\', 1), (2, null, 9), (3, \'c\', 8)'])
    const before = { film: tableNamed(await sqlite.introspector.introspect(db), 'film'), rows: await rows(db, 'select * from film order by id') }

    await t.rejects(migrate(db, 'sqlite', async ({ op }) => {
      await op.addForeignKey('film', 'fk_film_studio_id_studio', ['studio_id'], 'studio', ['id'])
    }), { name: 'MigrationError', message: /would leave 2 row\(s\) whose foreign key points at no row \(film row 2 → studio, film row 3 → studio\)/ })
    await t.rejects(migrate(db, 'sqlite', async ({ op }) => { await op.alterColumn('film', 'title', c.string(50)) }),
      new MigrationError('Rebuilding SQLite table "film" failed: its rows do not fit the new definition (Not-null constraint violated: film.title must have a value); fix them earlier in the revision.'),
      'a NULL in a column made NOT NULL')
    t.strictSame(tableNamed(await sqlite.introspector.introspect(db), 'film'), before.film, 'the old table, unchanged')
    t.strictSame(await rows(db, 'select * from film order by id'), before.rows, 'every row')
    t.strictSame(await rows(db, 'select name from sqlite_master where name like \'fastify_orm_rebuild_%\''), [], 'no temporary table left')
  }, ['sqlite'])
})

t.test('names that do not exist fail clearly', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db } = await openDb(t, database, models)
    await app.db.createAll()
    await t.rejects(migrate(db, 'sqlite', async ({ op }) => { await op.dropUnique('film', 'uq_nope') }), { message: 'SQLite table "film" has no unique constraint named "uq_nope" (it has none with a name); check the name in the revision.' })
    await t.rejects(migrate(db, 'sqlite', async ({ op }) => { await op.dropForeignKey('film', 'fk_nope') }), { message: /no foreign key named "fk_nope" \(it has "fk_film_studio_id_studio"\)/ })
    await t.rejects(migrate(db, 'sqlite', async ({ op }) => { await op.alterColumn('film', 'nope', c.integer()) }), { message: 'SQLite table "film" has no column "nope"; check the column name in the revision.' })
    await t.rejects(migrate(db, 'sqlite', async ({ op }) => { await op.addCheck('nope', 'ck', '1') }), { message: 'SQLite has no table "nope"; check the table name in the revision.' })
  }, ['sqlite'])
})
