// A primary-key change that other tables' foreign keys reference, on every database: the
// revision drops those foreign keys, changes the key and adds them back (from the models),
// and the reverse in `down`; rows stay, the foreign keys are enforced afterwards, and
// `--sql` prints the same steps on PostgreSQL and MySQL. A foreign key left pointing at
// columns that would no longer be unique is refused with what to change.
import t from 'tap'
import { sql, type Kysely } from 'kysely'
import { c, defineModel, MigrationError } from '../../../src/index.ts'
import { autogenerate } from '../../../src/migration/autogenerate/autogenerate.ts'
import { eachDb, type TapTest } from '../../helpers/databases.ts'
import { offlineContext } from '../operations/support.ts'
import { openOrm, roundTrip, tablesOf, writeRevision } from './support.ts'

const item = (columns: Parameters<typeof defineModel>[1], options: Parameters<typeof defineModel>[2] = {}) => defineModel('Item', {
  sku: c.string(20),
  code: c.string(20),
  ...columns
}, options)
const line = (target: string) => defineModel('Line', {
  id: c.integer().primaryKey(),
  itemRef: c.string(20).references(target)
}, { naming: 'snake_case' })

const BySku = item({ sku: c.string(20).primaryKey() })
const ByCodeSkuUnique = item({ code: c.string(20).primaryKey(), sku: c.string(20).unique() })
const ByCode = item({ code: c.string(20).primaryKey() })
const ToSku = line('item.sku')
const ToCode = line('item.code')

async function seed (db: Kysely<unknown>): Promise<void> {
  await sql`insert into item (sku, code) values ('A-1', 'A-1'), ('B-2', 'B-2')`.execute(db)
  await sql`insert into line (id, item_ref) values (1, 'A-1'), (2, 'B-2')`.execute(db)
}

/** The rows are kept and the foreign key still refuses a line of no item. */
async function keptAndEnforced (t: TapTest, db: Kysely<unknown>, state: 'up' | 'down'): Promise<void> {
  const { rows } = await sql<{ item_ref: string }>`select item_ref from line order by id`.execute(db)
  t.strictSame(rows.map((row) => row.item_ref), ['A-1', 'B-2'], `the rows are kept (${state})`)
  await t.rejects(sql`insert into line (id, item_ref) values (3, 'Z-9')`.execute(db), `the foreign key is enforced (${state})`)
  await sql`insert into line (id, item_ref) values (3, 'B-2')`.execute(db)
  await sql`delete from line where id = 3`.execute(db)
}

const FK = 'fk_line_item_ref_item on line (item_ref)'

const OFFLINE = {
  postgres: {
    up: [
      'alter table "line" drop constraint "fk_line_item_ref_item"',
      'alter table "item" drop constraint "pk_item", add constraint "pk_item" primary key ("code")',
      'alter table "item" add constraint "uq_item_sku" unique ("sku")',
      'alter table "line" add constraint "fk_line_item_ref_item" foreign key ("item_ref") references "item" ("sku")'
    ],
    down: [
      'alter table "line" drop constraint "fk_line_item_ref_item"',
      'alter table "item" drop constraint "uq_item_sku"',
      'alter table "item" drop constraint "pk_item", add constraint "pk_item" primary key ("sku")',
      'alter table "line" add constraint "fk_line_item_ref_item" foreign key ("item_ref") references "item" ("sku")'
    ]
  },
  mysql: {
    up: [
      'alter table `line` drop foreign key `fk_line_item_ref_item`',
      'alter table `item` drop primary key, add primary key (`code`)',
      'alter table `item` add constraint `uq_item_sku` unique (`sku`)',
      'alter table `line` add constraint `fk_line_item_ref_item` foreign key (`item_ref`) references `item` (`sku`)'
    ],
    down: [
      'alter table `line` drop foreign key `fk_line_item_ref_item`',
      'drop index `uq_item_sku` on `item`',
      'alter table `item` drop primary key, add primary key (`sku`)',
      'alter table `line` add constraint `fk_line_item_ref_item` foreign key (`item_ref`) references `item` (`sku`)'
    ]
  }
}

t.test('a referenced primary key changes: its foreign keys are dropped and added back', async (t) => {
  await eachDb(t, async (t, database) => {
    await t.test('the model keeps the foreign key, the old key stays unique', async (t) => {
      const operations = await roundTrip(t, database, {
        v1: { Item: BySku, Line: ToSku },
        v2: { Item: ByCodeSkuUnique, Line: ToSku },
        expected: [
          `- drop foreign key ${FK} -> item (sku)`,
          '~ alter primary key item: (sku) -> (code) (destructive)',
          '+ add unique constraint uq_item_sku on item (sku)',
          `+ add foreign key ${FK} -> item (sku)`
        ],
        seed,
        verify: keptAndEnforced
      })
      if (database.dialect === 'sqlite') return // a rebuild cannot be printed
      const { module } = await writeRevision(t, operations)
      const up = offlineContext(database.dialect)
      await module.up(up.context)
      const down = offlineContext(database.dialect)
      await module.down(down.context)
      t.strictSame(up.recorder.statements, OFFLINE[database.dialect].up, '--sql prints the upgrade: foreign key dropped, key changed, foreign key back')
      t.strictSame(down.recorder.statements, OFFLINE[database.dialect].down, '--sql prints the downgrade in the reverse order')
    })
    await t.test('the model moves the foreign key to the new key', (t) => roundTrip(t, database, {
      v1: { Item: BySku, Line: ToSku },
      v2: { Item: ByCode, Line: ToCode },
      expected: [
        `- drop foreign key ${FK} -> item (sku)`,
        '~ alter primary key item: (sku) -> (code) (destructive)',
        `+ add foreign key ${FK} -> item (code)`
      ],
      seed,
      verify: keptAndEnforced
    }))
  })
})

t.test('a table\'s own foreign key on its changing key is dropped and added back too', async (t) => {
  const part = (key: 'sku' | 'code') => defineModel('Part', {
    sku: key === 'sku' ? c.string(20).primaryKey() : c.string(20).unique(),
    code: key === 'code' ? c.string(20).primaryKey() : c.string(20),
    parentSku: c.string(20).nullable().references('part.sku')
  }, { naming: 'snake_case' })
  await eachDb(t, async (t, database) => {
    await roundTrip(t, database, {
      v1: { Part: part('sku') },
      v2: { Part: part('code') },
      expected: [
        '- drop foreign key fk_part_parent_sku_part on part (parent_sku) -> part (sku)',
        '~ alter primary key part: (sku) -> (code) (destructive)',
        '+ add unique constraint uq_part_sku on part (sku)',
        '+ add foreign key fk_part_parent_sku_part on part (parent_sku) -> part (sku)'
      ],
      seed: async (db) => { await sql`insert into part (sku, code, parent_sku) values ('A', 'a', null), ('B', 'b', 'A')`.execute(db) },
      verify: async (t, db, state) => {
        const { rows } = await sql<{ parent_sku: string | null }>`select parent_sku from part order by sku`.execute(db)
        t.strictSame(rows.map((row) => row.parent_sku), [null, 'A'], `the rows are kept (${state})`)
        await t.rejects(sql`insert into part (sku, code, parent_sku) values ('C', 'c', 'Z')`.execute(db), `the foreign key is enforced (${state})`)
      }
    })
  })
})

t.test('a renamed table whose key keeps its old name: the foreign keys on it are dropped and added back around the new name', async (t) => {
  const Film = defineModel('Film', { id: c.integer().primaryKey(), name: c.string(120) })
  const Movie = defineModel('Movie', { id: c.integer().primaryKey(), name: c.string(120) })
  const review = (target: string) => defineModel('Review', { id: c.integer().primaryKey(), filmId: c.integer().references(target, { name: 'fk_review_film' }) }, { naming: 'snake_case' })
  const seedFilms = async (db: Kysely<unknown>): Promise<void> => {
    await sql`insert into film (id, name) values (1, 'Alien')`.execute(db)
    await sql`insert into review (id, film_id) values (1, 1)`.execute(db)
  }
  await eachDb(t, async (t, database) => {
    // MySQL names every primary key PRIMARY: only the rename.
    const keyed = database.dialect === 'mysql'
      ? []
      : ['- drop foreign key fk_review_film on review (film_id) -> movie (id)', '~ alter primary key movie: pk_film (id) -> pk_movie (id)', '+ add foreign key fk_review_film on review (film_id) -> movie (id)']
    await roundTrip(t, database, {
      v1: { Film, Review: review('film.id') },
      v2: { Movie, Review: review('movie.id') },
      renames: { tables: { film: 'movie' } },
      expected: ['~ rename table film -> movie', ...keyed],
      seed: seedFilms,
      verify: async (t, db, state) => {
        const table = state === 'up' ? 'movie' : 'film'
        await t.rejects(sql`insert into review (id, film_id) values (2, 9)`.execute(db), `the foreign key is enforced (${state})`)
        const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db)
        t.equal(Number(rows[0]?.n), 1, `the rows are kept (${state})`)
      }
    })
  })
})

t.test('a foreign key left on columns that would no longer be unique is refused, saying what to change', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openOrm(t, database, { Item: BySku, Line: ToSku })
    await app.db.createAll()
    await t.rejects(autogenerate(db, dialect, tablesOf({ Item: ByCode, Line: ToSku })), new MigrationError(
      'The primary key of `item` changes from (sku) to (code), but foreign key fk_line_item_ref_item of `line` (item_ref) references item (sku), ' +
      'which would then be neither the primary key nor unique, so the database could not add it back. ' +
      'Change the model of `line` to reference the new key, or declare item (sku) unique, then generate again.'))
    await app.db.dropAll()
  })
})
