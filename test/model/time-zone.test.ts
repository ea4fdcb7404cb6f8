// dateTime columns do not depend on the app server's time zone: this file runs in
// America/Sao_Paulo (UTC-3). A Date, a UTC ISO string and a CURRENT_TIMESTAMP server
// default all read back as the right instant, and the database holds UTC wall-clock time
// (what another client of the database sees).
process.env.TZ = 'America/Sao_Paulo'

import { sql, type Kysely } from 'kysely'
import t from 'tap'
import { c, defineModel, type DatabaseOf } from '../../src/index.ts'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp } from '../schema/support.ts'

const Stamp = defineModel('Stamp', {
  id: c.integer().primaryKey(),
  at: c.dateTime().nullable(),
  atTz: c.dateTime({ withTimezone: true }).nullable(),
  createdAt: c.dateTime().serverDefault({ sql: 'CURRENT_TIMESTAMP' })
}, { naming: 'snake_case' })

type DB = DatabaseOf<{ Stamp: typeof Stamp }>

t.test('the process runs in a zone other than UTC', async (t) => {
  t.equal(new Date('2024-02-29T12:00:00Z').getHours(), 9, 'local time is UTC-3')
})

t.test('dateTime in a non-UTC process', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models: { Stamp } })
    await app.db.createAll()
    const db = app.db.kysely as unknown as Kysely<DB>
    const instant = new Date('2024-02-29T13:45:56.789Z')

    await db.insertInto('stamp').values({ id: 1, at: instant, at_tz: instant }).execute()
    const row = await db.selectFrom('stamp').selectAll().where('id', '=', 1).executeTakeFirstOrThrow()
    t.strictSame([row.at, row.at_tz], [instant, instant], 'a Date reads back as the same instant')

    const text = database.dialect === 'postgres'
      ? sql<{ at: string }>`select at::text as at from stamp where id = 1`
      : database.dialect === 'mysql'
        ? sql<{ at: string }>`select cast(at as char) as at from stamp where id = 1`
        : sql<{ at: string }>`select at || '' as at from stamp where id = 1`
    const stored = (await text.execute(db)).rows[0]?.at
    t.match(stored, /^2024-02-29[ T]13:45:56\.789Z?$/, `the database holds UTC wall-clock time (${stored})`)

    if (database.dialect !== 'mysql') {
      await db.insertInto('stamp').values({ id: 2, at: instant.toISOString() }).execute()
      const fromText = await db.selectFrom('stamp').select('at').where('id', '=', 2).executeTakeFirstOrThrow()
      t.strictSame(fromText.at, instant, 'a UTC ISO string reads back as the same instant')
    }

    // The server default is the database's clock; it lies between two readings of the
    // process clock (SQLite's CURRENT_TIMESTAMP has whole seconds).
    const before = new Date(Math.floor(Date.now() / 1000) * 1000)
    await db.insertInto('stamp').values({ id: 3 }).execute()
    const after = new Date()
    const { created_at: created } = await db.selectFrom('stamp').select('created_at').where('id', '=', 3).executeTakeFirstOrThrow()
    t.ok(created instanceof Date, 'CURRENT_TIMESTAMP reads back as a Date')
    t.ok(before <= created && created <= after, `CURRENT_TIMESTAMP is now: ${before.toISOString()} <= ${created.toISOString()} <= ${after.toISOString()}`)
  })
})
