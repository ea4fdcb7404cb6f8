// A new object that gives no column (an autoincrement key and server defaults only) is
// inserted with the database's own form of "every value from its default": DEFAULT VALUES
// on SQLite, (col) VALUES (DEFAULT), … on PostgreSQL, () VALUES (), … on MySQL.
import t from 'tap'
import { c, defineModel, type Session } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'

const Visit = defineModel('Visit', {
  id: c.integer().primaryKey(),
  hits: c.integer().serverDefault({ sql: '0' }),
  at: c.dateTime().serverDefault({ sql: 'CURRENT_TIMESTAMP' })
})

type VisitRow = typeof Visit.$row

t.test('INSERT with every column from its default', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db, { models: { Visit } }, { ready: true })
    await app.db.createAll()
    const open = (): Session => {
      const s = app.db.session() as Session
      t.teardown(() => s.close())
      return s
    }

    await t.test('one row', async (t) => {
      const s = open()
      const visit = s.add(Visit, {}) as VisitRow
      await s.commit()
      t.ok(Number.isInteger(visit.id) && visit.id > 0, 'the key is generated')
      t.equal(visit.hits, 0, 'server defaults are read back')
      t.ok(visit.at instanceof Date)
    })

    await t.test('several rows in one flush, next to rows that give columns', async (t) => {
      const s = open()
      const visits = s.addAll(Visit, [{}, {}, { hits: 5 }, {}]) as VisitRow[]
      t.same(await s.flush(), { inserted: 4, updated: 0, deleted: 0 })
      await s.commit()
      const ids = visits.map((visit) => visit.id)
      t.equal(new Set(ids).size, 4, 'each object has its own key')
      t.same(visits.map((visit) => visit.hits), [0, 0, 5, 0])
      const rows = await app.db.kysely.selectFrom('visit' as never).select(['id' as never, 'hits' as never]).orderBy('id' as never).execute() as Array<{ id: number, hits: number }>
      t.same(rows.slice(-4).map((row) => [Number(row.id), Number(row.hits)]), visits.map((visit) => [visit.id, visit.hits]).sort((a, b) => (a[0] as number) - (b[0] as number)))
    })
  })
})
