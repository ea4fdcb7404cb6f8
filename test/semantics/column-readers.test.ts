// A model mapped onto a table made elsewhere, whose SQL types differ from the model's
// (a dateTime() on a text column, a boolean() on an integer, …): the session hands out the
// JS types the model declares, on every database. Raw Kysely keeps the driver's values.
// JSON on a text column is the exception: its text is not parsed, since a JSON column's
// string values look the same.
import { sql } from 'kysely'
import t from 'tap'
import { c, defineModel, type Session } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'

const Legacy = defineModel('Legacy', {
  id: c.integer().primaryKey(),
  createdAt: c.dateTime(),
  active: c.boolean(),
  doc: c.json(),
  tags: c.array(c.string(20)),
  big: c.bigInteger(),
  amount: c.numeric(10, 2),
  day: c.date(),
  label: c.json().nullable()
}, { naming: 'snake_case' })

type LegacyRow = typeof Legacy.$row

t.test('values are converted by the model\'s column types', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db, { models: { Legacy } }, { ready: true })
    const timestamp = db.dialect === 'mysql' ? 'datetime' : 'timestamp'
    await sql`create table legacy (
      id integer primary key, created_at varchar(40) not null, active integer not null, doc text not null, tags text not null,
      big integer not null, amount double precision not null, day ${sql.raw(timestamp)} not null, label text
    )`.execute(app.db.kysely)
    await sql`insert into legacy values (1, '2024-05-06 07:08:09', 1, '{"a":[1,2]}', '["x","y"]', 42, 12.5, '2024-05-06 00:00:00', 'plain text')`.execute(app.db.kysely)
    const s = app.db.session() as Session
    t.teardown(() => s.close())

    const row = await s.get(Legacy, 1) as LegacyRow
    t.ok(row.createdAt instanceof Date, 'dateTime from text is a Date')
    t.equal(row.createdAt.toISOString(), '2024-05-06T07:08:09.000Z', 'read as UTC')
    t.equal(row.active, true, 'boolean from an integer')
    t.equal(row.doc, '{"a":[1,2]}', 'json on a text column: the text, not parsed')
    t.equal(row.tags, '["x","y"]', 'array on a text column: the text, not parsed')
    t.equal(row.big, 42n, 'bigInteger from an integer')
    t.equal(row.amount, '12.50', 'numeric from a float, at its scale')
    t.equal(row.day, '2024-05-06', 'date from a timestamp')
    t.equal(row.label, 'plain text', 'text that is not a JSON document stays text')

    row.big = 43n
    await s.commit()
    s.expunge(row)
    const again = await s.query(Legacy).filterBy({ id: 1 }).first() as LegacyRow
    t.not(again, row, 'read again from the database')
    t.equal(again.big, 43n)
    t.equal(again.active, true)
    t.same(await s.flush(), { inserted: 0, updated: 0, deleted: 0 }, 'converted values are not seen as changes')

    const raw = await sql<{ created_at: unknown }>`select created_at from legacy`.execute(app.db.kysely)
    t.equal(typeof raw.rows[0]?.created_at, 'string', 'raw Kysely returns what the driver returns')
  })
})

t.test('a JSON column\'s string values stay strings, even when they read as documents', async (t) => {
  const Doc = defineModel('Doc', { id: c.integer().primaryKey(), data: c.json() })
  const values: unknown[] = ['[1, 2]', '{"a":1}', 'plain', '', [1, 2], { a: 1 }, 7, true]
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db, { models: { Doc } }, { ready: true })
    await app.db.createAll()
    const writer = app.db.session()
    t.teardown(() => writer.close())
    writer.addAll(Doc, values.map((data) => ({ data })))
    await writer.commit()
    const reader = app.db.session()
    t.teardown(() => reader.close())
    t.same((await reader.query(Doc).orderBy('id').all()).map((row) => row.data), values)
  })
})
