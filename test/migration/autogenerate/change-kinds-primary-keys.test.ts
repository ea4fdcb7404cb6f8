// Primary-key changes on every database, as in change-kinds-constraints.test.ts: createAll v1,
// autogenerate must report exactly the change against v2, and the revision it renders must
// take the database to v2 and back to v1 — keeping the rows seeded in v1.
import t from 'tap'
import { sql, type Kysely } from 'kysely'
import { c, defineModel, MigrationError } from '../../../src/index.ts'
import { createMigrationContext } from '../../../src/migration/migration-context.ts'
import { eachDb, type TapTest } from '../../helpers/databases.ts'
import { insertMovie, movie, Movie } from './change-kinds-models.ts'
import { openOrm, roundTrip } from './support.ts'

const item = (columns: Parameters<typeof defineModel>[1], options: Parameters<typeof defineModel>[2] = {}) => defineModel('Item', {
  sku: c.string(20),
  region: c.string(2),
  code: c.string(10),
  ...columns
}, options)

const BySku = item({ sku: c.string(20).primaryKey() })
const BySkuAndRegion = item({}, { primaryKey: ['sku', 'region'] })
const ByCode = item({ code: c.string(10).primaryKey() })

async function seedItems (db: Kysely<unknown>): Promise<void> {
  await sql`insert into item (sku, region, code) values ('A-1', 'EU', 'a1'), ('B-2', 'EU', 'b2')`.execute(db)
}

async function keepsItems (t: TapTest, db: Kysely<unknown>, state: 'up' | 'down'): Promise<void> {
  const { rows } = await sql<{ sku: string }>`select sku from item order by sku`.execute(db)
  t.strictSame(rows.map((row) => row.sku), ['A-1', 'B-2'], `the rows are kept (${state})`)
}

t.test('primary keys: widened, moved, and moved off an autoincrement column', async (t) => {
  await eachDb(t, async (t, database) => {
    await t.test('one column to two (every old key stays unique)', (t) => roundTrip(t, database, {
      v1: { Item: BySku }, v2: { Item: BySkuAndRegion }, expected: ['~ alter primary key item: (sku) -> (sku, region)'], seed: seedItems, verify: keepsItems
    }))
    await t.test('two columns to one (destructive: rows may repeat on it)', (t) => roundTrip(t, database, {
      v1: { Item: BySkuAndRegion }, v2: { Item: BySku }, expected: ['~ alter primary key item: (sku, region) -> (sku) (destructive)'], seed: seedItems, verify: keepsItems
    }))
    await t.test('another column', (t) => roundTrip(t, database, {
      v1: { Item: BySku }, v2: { Item: ByCode }, expected: ['~ alter primary key item: (sku) -> (code) (destructive)'], seed: seedItems, verify: keepsItems
    }))
    await t.test('off an autoincrement column: it stops autoincrementing first', (t) => roundTrip(t, database, {
      v1: { Movie }, v2: { Movie: movie({ id: c.integer(), code: c.string(10).primaryKey().serverDefault('x') }) },
      expected: ['~ alter column movie.id: autoincrement true -> false', '+ add column movie.code', '~ alter primary key movie: (id) -> (code) (destructive)'],
      seed: insertMovie,
      // Back to autoincrement, the key generates values after the rows' highest.
      verify: async (t, db, state) => {
        if (state === 'up') return
        await insertMovie(db)
        const { rows } = await sql<{ id: number | string }>`select id from movie order by id`.execute(db)
        t.strictSame(rows.map((row) => Number(row.id)), [1, 2], 'a new row gets the next id')
      }
    }))
  })
})

t.test('MySQL: a hand-written key change off an AUTO_INCREMENT column says what to do first', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openOrm(t, database, { Movie: movie({ code: c.string(10).serverDefault('x') }) })
    await app.db.createAll()
    const { op } = createMigrationContext(db, dialect, { offline: false })
    await t.rejects(op.alterPrimaryKey('movie', { columns: ['id'] }, { name: 'pk_movie', columns: ['code'] }), new MigrationError(
      'op.alterPrimaryKey on `movie`: MySQL cannot take column `id` out of the primary key while it is AUTO_INCREMENT. Run op.alterColumn on it without .autoincrement() first.'))
    await app.db.dropAll()
  }, ['mysql'])
})
