// Statements read by position (joined loads): SQLite and PostgreSQL return their rows as
// arrays, with the same value conversions as object rows; MySQL returns objects, which
// rowValues turns into the same arrays. The same SQL text read both ways keeps each way.
import t from 'tap'
import { c, defineModel } from '../../src/index.ts'
import { rowValues, withArrayRows } from '../../src/dialect/array-rows.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'

const Reading = defineModel('Reading', {
  id: c.integer().primaryKey(),
  label: c.string(40),
  active: c.boolean(),
  takenAt: c.dateTime(),
  total: c.bigInteger(),
  note: c.text().nullable()
}, { tableName: 'array_rows_reading' })

const TAKEN = new Date('2026-03-04T05:06:07.000Z')
const COLUMNS = ['id', 'label', 'active', 'takenAt', 'total', 'note']

t.test('rows as arrays, converted as object rows are', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildApp(t, database, { models: { Reading }, createAll: true }, { ready: true })
    const session = app.db.session()
    t.teardown(() => session.close())
    session.add(Reading, { id: 1, label: 'first', active: true, takenAt: TAKEN, total: 9007199254740993n, note: null })
    session.add(Reading, { id: 2, label: 'second', active: false, takenAt: TAKEN, total: 2n, note: 'n' })
    await session.commit()

    const compiled = app.db.kysely.selectFrom('array_rows_reading').selectAll().orderBy('id').compile()
    const asArrays = await app.db.kysely.executeQuery(withArrayRows(compiled))
    if (database.dialect === 'mysql') {
      t.notOk(Array.isArray(asArrays.rows[0]), 'mysql2 gives objects')
    } else {
      t.ok(asArrays.rows.every((row) => Array.isArray(row)), `${database.dialect}: each row an array`)
    }
    const values = rowValues(asArrays.rows, COLUMNS)
    t.equal(values.length, 2)
    const [first, second] = values as unknown[][]
    t.equal(first?.[0], 1)
    t.equal(first?.[1], 'first')
    t.equal(first?.[2], true, 'a boolean column reads as a boolean')
    t.ok(first?.[3] instanceof Date && first[3].getTime() === TAKEN.getTime(), `a datetime column reads as the same Date (${String(first?.[3])})`)
    t.equal(first?.[4], 9007199254740993n, 'a bigint column reads as a bigint, exactly')
    t.equal(first?.[5], null)
    t.equal(second?.[2], false)
    t.equal(second?.[5], 'n')

    // The same text without the request: objects again (SQLite's statement is switched back).
    const asObjects = await app.db.kysely.executeQuery(compiled)
    t.same(asObjects.rows[0], { id: 1, label: 'first', active: true, takenAt: TAKEN, total: 9007199254740993n, note: null })
    t.notOk(Array.isArray(asObjects.rows[0]))

    // And a stream of that text after an array read.
    await app.db.kysely.executeQuery(withArrayRows(compiled))
    const streamed: unknown[] = []
    for await (const row of app.db.kysely.selectFrom('array_rows_reading').selectAll().orderBy('id').stream()) streamed.push(row)
    t.same(streamed.map((row) => (row as { label: string }).label), ['first', 'second'])
    t.notOk(Array.isArray(streamed[0]), 'streamed rows are objects')

    // PostgreSQL runs a text it saw twice as a prepared statement: the array form holds there too.
    const again = await app.db.kysely.executeQuery(withArrayRows(compiled))
    t.same(rowValues(again.rows, COLUMNS)[1]?.slice(0, 3), [2, 'second', false])
  })
})

t.test('rowValues passes arrays through and reads objects by column', async (t) => {
  const arrays = [[1, 'a'], [2, 'b']]
  t.equal(rowValues(arrays, ['id', 'name']), arrays, 'arrays: the same list')
  t.same(rowValues([{ name: 'a', id: 1 }], ['id', 'name']), [[1, 'a']], 'objects: in the columns\' order')
  t.same(rowValues([], ['id']), [])
})

const Odd = defineModel('Odd', {
  id: c.integer().primaryKey(),
  'a.b': c.string(20),
  'first name': c.string(20),
  'x as y': c.integer()
}, { tableName: 'array_rows_odd' })

t.test('queries select the model\'s columns by position, names with dots or spaces included', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildApp(t, database, { models: { Odd }, createAll: true }, { ready: true })
    const session = app.db.session()
    t.teardown(() => session.close())
    session.addAll(Odd, [{ id: 1, 'a.b': 'dot', 'first name': 'Ada', 'x as y': 7 }, { id: 2, 'a.b': 'dot 2', 'first name': 'Grace', 'x as y': 8 }])
    await session.commit()
    const reader = app.db.session()
    t.teardown(() => reader.close())
    const rows = await reader.query(Odd).orderBy('id', 'desc').all()
    t.same(rows.map((row) => ({ ...row })), [
      { id: 2, 'a.b': 'dot 2', 'first name': 'Grace', 'x as y': 8 },
      { id: 1, 'a.b': 'dot', 'first name': 'Ada', 'x as y': 7 }
    ])
    const page = await reader.query(Odd).filterBy({ 'first name': 'Ada' }).paginate({ page: 1, perPage: 5 })
    t.same(page.items.map((row) => row['x as y']), [7])
    t.equal(page.total, 1)
    t.equal(await reader.query(Odd).where('x as y', '>', 7).count(), 1)
  })
})
