// Every `op` of a revision's context on every database, run as the migrations runner runs
// a revision. After each step the live table must read back exactly as the model of that
// step implies (expectedTable), and every row must still be there.
import { sql, type Kysely } from 'kysely'
import t from 'tap'
import { c, CheckViolationError, defineModel, type AnyModel, type DialectName } from '../../../src/index.ts'
import { expectedTable } from '../../../src/migration/autogenerate/expected-schema.ts'
import { eachDb, type TapTest } from '../../helpers/databases.ts'
import { openDb, tableNamed } from '../../introspection/support.ts'
import { contextDialect, migrate, tableOf } from './support.ts'

const Studio = defineModel('Studio', { id: c.integer().primaryKey(), name: c.string(50) })

// The film table, step by step.
const v1 = {
  id: c.integer().primaryKey(),
  title: c.string(50).index(),
  year: c.integer().nullable().index(),
  rating: c.string(10).nullable(),
  studioId: c.integer().nullable(),
  code: c.string(20).nullable(),
  note: c.text().nullable()
}
const FilmV1 = defineModel('Film', v1, { naming: 'snake_case' })
// alterColumn: a longer type, NOT NULL with a default, a shorter type.
const vA = { ...v1, title: c.string(120).index(), year: c.integer().serverDefault(2000).index(), rating: c.string(2).nullable() }
const FilmA = defineModel('Film', vA, { naming: 'snake_case' })
// addUnique, addForeignKey, addCheck (hand-written and an enumeration's).
const vB = {
  ...vA,
  rating: c.enumeration(['G', 'PG']).nullable(),
  studioId: c.integer().nullable().references(() => Studio, { onDelete: 'set null' }),
  code: c.string(20).nullable().unique()
}
const FilmB = defineModel('Film', vB, { naming: 'snake_case', checks: { year: 'year >= 1888' } })
// dropCheck, dropForeignKey, dropUnique, dropIndex.
const vC = { ...vB, year: c.integer().serverDefault(2000), studioId: c.integer().nullable(), code: c.string(20).nullable() }
const FilmC = defineModel('Film', vC, { naming: 'snake_case' })
// dropColumn: a plain column, an indexed one, one with a CHECK.
const { note: _note, title: _title, rating: _rating, ...vD } = vC
const FilmD = defineModel('Film', vD, { naming: 'snake_case' })

interface FilmRow { id: number, title?: string, year: number | null, rating?: string | null, studio_id: number | null, code: string | null }

async function films (db: Kysely<unknown>, columns: readonly string[]): Promise<FilmRow[]> {
  const { rows } = await sql<FilmRow>`select ${sql.join(columns.map((column) => sql.ref(column)))} from film order by id`.execute(db)
  return rows.map((row) => ({ ...row }))
}

async function assertTables (t: TapTest, db: Kysely<unknown>, dialect: DialectName, film: AnyModel, step: string): Promise<void> {
  const context = contextDialect(dialect)
  const tables = await context.introspector.introspect(db)
  t.strictSame(tableNamed(tables, 'film'), expectedTable(tableOf(film, { Studio }), context), `${step}: film reads back as its model`)
  t.strictSame(tableNamed(tables, 'studio'), expectedTable(tableOf(Studio), context), `${step}: studio untouched`)
}

t.test('every operation, step by step, on every database', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db } = await openDb(t, database, { Studio, FilmV1 })
    const dialect = database.dialect
    await app.db.createAll()
    await db.insertInto('studio' as never).values([{ name: 'A' }, { name: 'B' }] as never).execute()
    await db.insertInto('film' as never).values([
      { title: 'Alpha', year: 1999, rating: 'G', studio_id: 1, code: 'a', note: 'n1' },
      { title: 'Beta', year: 2001, rating: null, studio_id: 2, code: 'b', note: null },
      { title: 'Gamma', year: 1950, rating: 'PG', studio_id: null, code: null, note: 'n3' },
      { title: 'Delta', year: 2010, rating: 'PG', studio_id: 1, code: 'd', note: null }
    ] as never).execute()
    await sql`delete from film where title = 'Beta'`.execute(db) // ids 1, 3, 4: a gap the copy must keep
    const all = ['id', 'title', 'year', 'rating', 'studio_id', 'code']
    const rows: FilmRow[] = [
      { id: 1, title: 'Alpha', year: 1999, rating: 'G', studio_id: 1, code: 'a' },
      { id: 3, title: 'Gamma', year: 1950, rating: 'PG', studio_id: null, code: null },
      { id: 4, title: 'Delta', year: 2010, rating: 'PG', studio_id: 1, code: 'd' }
    ]
    await assertTables(t, db, dialect, FilmV1, 'created')

    await migrate(db, dialect, async ({ op }) => {
      await op.alterColumn('film', 'title', c.string(120))
      await op.alterColumn('film', 'year', c.integer().serverDefault(2000))
      await op.alterColumn('film', 'rating', c.string(2).nullable())
    })
    await assertTables(t, db, dialect, FilmA, 'alterColumn')
    t.strictSame(await films(db, all), rows, 'alterColumn keeps every row and id')
    await sql`insert into film (title) values ('Epsilon')`.execute(db)
    rows.push({ id: 5, title: 'Epsilon', year: 2000, rating: null, studio_id: null, code: null })
    t.strictSame(await films(db, all), rows, 'the new server default applies, and ids continue after the highest')

    await migrate(db, dialect, async ({ op, t: types }) => {
      await op.addUnique('film', 'uq_film_code', ['code'])
      await op.addForeignKey('film', 'fk_film_studio_id_studio', ['studio_id'], 'studio', ['id'], { onDelete: 'set null' })
      await op.addCheck('film', 'ck_film_year', 'year >= 1888')
      await op.addCheck('film', 'ck_film_rating_enum', types.enumCheck('rating', ['G', 'PG']))
    })
    await assertTables(t, db, dialect, FilmB, 'add constraints')
    t.strictSame(await films(db, all), rows, 'adding constraints keeps every row')
    await t.rejects(sql`insert into film (title, year) values ('Old', 1800)`.execute(db), CheckViolationError, 'the added CHECK holds')

    await migrate(db, dialect, async ({ op }) => {
      await op.dropCheck('film', 'ck_film_year')
      await op.dropForeignKey('film', 'fk_film_studio_id_studio')
      await op.dropUnique('film', 'uq_film_code')
      await op.dropIndex('film', 'ix_film_year')
    })
    await assertTables(t, db, dialect, FilmC, 'drop constraints')
    t.strictSame(await films(db, all), rows, 'dropping constraints keeps every row')

    await migrate(db, dialect, async ({ op }) => {
      await op.dropColumn('film', 'note')
      await op.dropColumn('film', 'title')
      await op.dropColumn('film', 'rating')
    })
    await assertTables(t, db, dialect, FilmD, 'dropColumn')
    t.strictSame(await films(db, ['id', 'year', 'studio_id', 'code']),
      rows.map(({ title: _t, rating: _r, ...row }) => row), 'dropColumn keeps every row of the other columns')
  })
})

t.test('a shorter type never truncates a value silently', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db } = await openDb(t, database, { Studio })
    await app.db.createAll()
    await db.insertInto('studio' as never).values({ name: 'A long studio name' } as never).execute()
    const shrink = migrate(db, database.dialect, async ({ op }) => { await op.alterColumn('studio', 'name', c.string(5)) })
    if (database.dialect === 'sqlite') {
      // SQLite does not enforce varchar lengths: the rebuild keeps the whole value.
      await shrink
    } else {
      await t.rejects(shrink, { name: 'InvalidValueError', statusCode: 400, cause: { message: /too long|truncated/i } }, 'the database refuses the change')
    }
    t.strictSame((await sql<{ name: string }>`select name from studio`.execute(db)).rows, [{ name: 'A long studio name' }])
  })
})

t.test('alterColumn changes a type that needs a conversion, keeping the values', async (t) => {
  await eachDb(t, async (t, database) => {
    const Counter = defineModel('Counter', { id: c.integer().primaryKey(), hits: c.string(10).serverDefault('0') })
    const { app, db } = await openDb(t, database, { Counter })
    await app.db.createAll()
    await db.insertInto('counter' as never).values([{ hits: '12' }, { hits: '7' }] as never).execute()
    await migrate(db, database.dialect, async ({ op }) => { await op.alterColumn('counter', 'hits', c.integer().serverDefault(0)) })
    const Changed = defineModel('Counter', { id: c.integer().primaryKey(), hits: c.integer().serverDefault(0) })
    const context = contextDialect(database.dialect)
    t.strictSame(tableNamed(await context.introspector.introspect(db), 'counter'), expectedTable(tableOf(Changed), context))
    t.strictSame((await sql<{ hits: number }>`select hits from counter order by id`.execute(db)).rows, [{ hits: 12 }, { hits: 7 }])
  })
})
