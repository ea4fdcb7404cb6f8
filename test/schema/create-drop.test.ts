// createAll/dropAll semantics: existing tables are left alone, a second createAll creates
// nothing, dropAll drops children before parents and only what exists, self-referencing
// and cyclic foreign keys, the createAll plugin option, and binds.
import { sql, type Kysely } from 'kysely'
import t from 'tap'
import { c, defineModel, defineTable, ForeignKeyViolationError, type DatabaseOf } from '../../src/index.ts'
import { Employee, seedModels } from '../fixtures/seed-models.ts'
import { createTestDatabase, eachDb } from '../helpers/databases.ts'
import { catalogTableNames, readCatalog } from './catalog.ts'
import { buildReadyApp, untyped } from './support.ts'

const seedTables = Object.values(seedModels).map((model) => model.tableName)

t.test('createAll leaves an existing table alone and creates the others; twice creates nothing', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildReadyApp(t, db, { models: seedModels })
    // `tag` exists already with another shape (no `name`, an extra `label`).
    await untyped(app).schema.createTable('tag')
      .addColumn('id', 'integer', (column) => column.primaryKey())
      .addColumn('label', 'varchar(10)')
      .execute()
    const created = await app.db.createAll()
    t.same([...created].sort(), seedTables.filter((name) => name !== 'tag').sort(), 'every table but tag is created')
    const tag = await readCatalog(untyped(app), db.dialect, 'tag')
    t.same(tag.columnOrder, ['id', 'label'], 'tag keeps its own columns')
    t.same(tag.uniques, [], 'and gets no constraint of the model')
    t.same(await catalogTableNames(untyped(app), db.dialect), [...seedTables].sort())
    // post_tag's foreign key was made against the existing tag table.
    const postTag = await readCatalog(untyped(app), db.dialect, 'post_tag')
    t.ok(postTag.foreignKeys.some((fk) => fk.referencedTable === 'tag'), 'post_tag references the existing tag')

    const before = await Promise.all(seedTables.map((name) => readCatalog(untyped(app), db.dialect, name)))
    t.same(await app.db.createAll(), [], 'a second createAll creates nothing')
    t.same(await Promise.all(seedTables.map((name) => readCatalog(untyped(app), db.dialect, name))), before, 'and changes nothing')
  })
})

t.test('dropAll drops children before parents, only tables that exist, nothing else', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildReadyApp(t, db, { models: seedModels })
    await app.db.createAll()
    const k = app.db.kysely
    // Rows everywhere, so that a parent dropped too early would fail on every dialect.
    await k.insertInto('user').values({ id: 1, username: 'ann', email: 'ann@example.com', created_at: new Date() }).execute()
    await k.insertInto('profile').values({ user_id: 1 }).execute()
    await k.insertInto('post').values({ id: 1, title: 't', body: 'b', user_id: 1 }).execute()
    await k.insertInto('tag').values({ id: 1, name: 'x' }).execute()
    await k.insertInto('post_tag').values({ post_id: 1, tag_id: 1 }).execute()
    await k.insertInto('employee').values([{ id: 1, name: 'boss' }, { id: 2, name: 'worker', manager_id: 1 }]).execute()
    // A table of no model, and a model table removed by hand.
    await untyped(app).schema.createTable('unrelated').addColumn('id', 'integer', (column) => column.primaryKey()).execute()
    await untyped(app).schema.dropTable('movie').execute()

    const dropped = await app.db.dropAll()
    t.same([...dropped].sort(), seedTables.filter((name) => name !== 'movie').sort(), 'drops every registered table that exists')
    for (const table of app.db.tables) {
      for (const fk of table.foreignKeys) {
        if (fk.referencedTable === table.tableName || !dropped.includes(table.tableName)) continue
        t.ok(dropped.indexOf(table.tableName) < dropped.indexOf(fk.referencedTable), `${table.tableName} is dropped before ${fk.referencedTable}`)
      }
    }
    t.same(await catalogTableNames(untyped(app), db.dialect), ['unrelated'], 'a table of no model stays')
    t.same(await app.db.dropAll(), [], 'a second dropAll drops nothing')
  })
})

t.test('a self-referencing table alone (Employee)', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildReadyApp(t, db, { models: { Employee } })
    t.same(await app.db.createAll(), ['employee'])
    const k = app.db.kysely
    await k.insertInto('employee').values({ id: 1, name: 'ceo' }).execute()
    await k.insertInto('employee').values({ id: 2, name: 'cto', manager_id: 1 }).execute()
    await k.insertInto('employee').values({ id: 3, name: 'dev', manager_id: 2 }).execute()
    await t.rejects(k.insertInto('employee').values({ id: 4, name: 'ghost', manager_id: 99 }).execute(), ForeignKeyViolationError)
    const rows = await k.selectFrom('employee as e').leftJoin('employee as m', 'm.id', 'e.manager_id')
      .select(['e.name as name', 'm.name as manager']).orderBy('e.id').execute()
    t.same(rows, [{ name: 'ceo', manager: null }, { name: 'cto', manager: 'ceo' }, { name: 'dev', manager: 'cto' }])
    t.same(await app.db.dropAll(), ['employee'], 'drops with rows referencing each other')
  })
})

// A cycle: a.b_id → b and b.a_id → a, both nullable.
const A = defineTable('cycle_a', {
  id: c.integer().primaryKey(),
  bId: c.integer().nullable().references('cycle_b.id')
}, { naming: 'snake_case' })
const B = defineTable('cycle_b', {
  id: c.integer().primaryKey(),
  aId: c.integer().nullable().references('cycle_a.id')
}, { naming: 'snake_case' })

t.test('a cycle of foreign keys is created and dropped', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildReadyApp(t, db, { models: { A, B } })
    t.same([...await app.db.createAll()].sort(), ['cycle_a', 'cycle_b'])
    const a = await readCatalog(untyped(app), db.dialect, 'cycle_a')
    const b = await readCatalog(untyped(app), db.dialect, 'cycle_b')
    t.same(a.foreignKeys.map((fk) => [fk.name, fk.columns, fk.referencedTable, fk.referencedColumns]), [['fk_cycle_a_b_id_cycle_b', ['b_id'], 'cycle_b', ['id']]])
    t.same(b.foreignKeys.map((fk) => [fk.name, fk.columns, fk.referencedTable, fk.referencedColumns]), [['fk_cycle_b_a_id_cycle_a', ['a_id'], 'cycle_a', ['id']]])

    // Rows that point at each other, then a dangling reference in each direction.
    const k = untyped(app)
    await sql`insert into ${sql.table('cycle_a')} (id, b_id) values (1, null)`.execute(k)
    await sql`insert into ${sql.table('cycle_b')} (id, a_id) values (1, 1)`.execute(k)
    await sql`update ${sql.table('cycle_a')} set b_id = 1 where id = 1`.execute(k)
    await t.rejects(sql`insert into ${sql.table('cycle_a')} (id, b_id) values (2, 42)`.execute(k), ForeignKeyViolationError, 'a.b_id is enforced')
    await t.rejects(sql`insert into ${sql.table('cycle_b')} (id, a_id) values (2, 42)`.execute(k), ForeignKeyViolationError, 'b.a_id is enforced')

    t.same([...await app.db.dropAll()].sort(), ['cycle_a', 'cycle_b'], 'dropAll drops both, rows and all')
    t.same(await catalogTableNames(k, db.dialect), [])
    t.same([...await app.db.createAll()].sort(), ['cycle_a', 'cycle_b'], 'and they can be created again')
    t.same([...await app.db.dropAll()].sort(), ['cycle_a', 'cycle_b'], 'and dropped empty')
  })
})

t.test('the createAll option creates the tables when the app is ready', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildReadyApp(t, db, { models: seedModels, createAll: true })
    t.same(await catalogTableNames(untyped(app), db.dialect), [...seedTables].sort())
  })
})

const Event = defineModel('Event', {
  id: c.integer().primaryKey(),
  name: c.string(50).index(),
  at: c.dateTime().serverDefault({ sql: 'CURRENT_TIMESTAMP' })
}, { bind: 'other' })

t.test('a model bound to another database is created and dropped there', async (t) => {
  await eachDb(t, async (t, db) => {
    const other = await createTestDatabase(db.dialect)
    if (typeof other === 'string') throw new Error(other)
    t.teardown(other.drop)
    const app = await buildReadyApp(t, db, { models: { ...seedModels, Event }, binds: { other: other.url } })
    const created = await app.db.createAll()
    t.same([...created].sort(), [...seedTables, 'event'].sort(), 'app.db.createAll() creates in both databases')
    const bound = app.db.bind<DatabaseOf<{ Event: typeof Event }>>('other')
    const otherDb = bound.kysely as Kysely<unknown>
    t.same(await catalogTableNames(untyped(app), db.dialect), [...seedTables].sort(), 'the default database has no event table')
    t.same(await catalogTableNames(otherDb, db.dialect), ['event'], 'the bind holds event only')
    const event = await readCatalog(otherDb, db.dialect, 'event')
    t.same(event.indexes.map((index) => index.name), ['ix_event_name'])

    await bound.kysely.insertInto('event').values({ name: 'deploy' }).execute()
    t.same((await bound.kysely.selectFrom('event').select('name').execute()).map((row) => row.name), ['deploy'])
    t.same(await bound.createAll(), [], 'the bind alone: nothing left to create')

    const dropped = await app.db.dropAll()
    t.same([...dropped].sort(), [...seedTables, 'event'].sort(), 'app.db.dropAll() drops in both databases')
    t.same(await catalogTableNames(otherDb, db.dialect), [])
    t.same(await catalogTableNames(untyped(app), db.dialect), [])
  })
})
