// Generated (computed) columns: createAll writes them, introspection reads them back, and
// autogenerate compares them by meaning (PostgreSQL and MariaDB rewrite the expression),
// on every database: added, dropped, an expression changed, plain ↔ generated.
import t from 'tap'
import { sql, type Kysely } from 'kysely'
import { c, defineModel } from '../../../src/index.ts'
import { eachDb } from '../../helpers/databases.ts'
import { autogenerate } from '../../../src/migration/autogenerate/autogenerate.ts'
import { offlineContext } from '../operations/support.ts'
import { detect, openOrm, roundTrip, runRevision, tablesOf, writeRevision } from './support.ts'

const line = (total?: ReturnType<typeof c.numeric>) => defineModel('Line', {
  id: c.integer().primaryKey(),
  price: c.numeric(10, 2),
  qty: c.integer(),
  ...total === undefined ? {} : { total }
})

const Plain = line()
const Stored = line(c.numeric(12, 2).generatedAs('price * qty') as unknown as ReturnType<typeof c.numeric>)
const Doubled = line(c.numeric(12, 2).generatedAs('price * qty * 2') as unknown as ReturnType<typeof c.numeric>)
const Ordinary = line(c.numeric(12, 2).nullable() as unknown as ReturnType<typeof c.numeric>)

async function seed (db: Kysely<unknown>): Promise<void> {
  await sql`insert into line (price, qty) values (${'2.50'}, ${4})`.execute(db)
}

async function totals (db: Kysely<unknown>): Promise<number[]> {
  const { rows } = await sql<{ total: string | number }>`select total from line order by id`.execute(db)
  return rows.map((row) => Number(row.total))
}

t.test('createAll then generate finds nothing, stored and virtual', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openOrm(t, database, { Line: Stored })
    await app.db.createAll()
    t.strictSame(await detect(db, dialect, { Line: Stored }), [], 'stored: nothing to change')
    await seed(db)
    t.strictSame(await totals(db), [10], 'the database computes the value')
    if (database.dialect !== 'postgres') {
      await app.db.dropAll()
      const Virtual = line(c.numeric(12, 2).generatedAs('price * qty', { stored: false }) as unknown as ReturnType<typeof c.numeric>)
      const { app: other, db: otherDb } = await openOrm(t, database, { Line: Virtual })
      await other.db.createAll()
      t.strictSame(await detect(otherDb, dialect, { Line: Virtual }), [], 'virtual: nothing to change')
      t.strictSame(await detect(otherDb, dialect, { Line: Stored }), ['~ alter column line.total: generated (price * qty) virtual -> (price * qty) stored'], 'virtual to stored is a change')
      await other.db.dropAll()
    }
  })
})

t.test('a rewritten expression compares by meaning', async (t) => {
  await eachDb(t, async (t, database) => {
    // PostgreSQL adds casts to `||`; MariaDB writes lower() as lcase().
    const Lower = defineModel('Tag', {
      id: c.integer().primaryKey(),
      name: c.string(40),
      slug: c.string(60).generatedAs(database.dialect === 'postgres' ? "lower(name) || '-x'" : "concat(lower(name), '-x')")
    })
    const { app, db, dialect } = await openOrm(t, database, { Lower })
    await app.db.createAll()
    t.strictSame(await detect(db, dialect, { Lower }), [], 'nothing to change')
  }, ['postgres', 'mysql'])
})

t.test('generated columns: added, dropped, expression changed, plain <-> generated', async (t) => {
  await eachDb(t, async (t, database) => {
    await t.test('added', (t) => roundTrip(t, database, {
      v1: { Line: Plain }, v2: { Line: Stored }, expected: ['+ add column line.total'], seed,
      verify: async (t, db, state) => { if (state === 'up') t.strictSame(await totals(db), [10], 'computed for existing rows') }
    }))
    await t.test('dropped (not destructive)', async (t) => {
      const { app, db, dialect } = await openOrm(t, database, { Line: Stored })
      await app.db.createAll()
      const { changes } = await autogenerate(db, dialect, tablesOf({ Line: Plain }))
      t.strictSame(changes, [{ text: '- drop column line.total', destructive: false }])
      await app.db.dropAll()
    })
    await t.test('expression changed', async (t) => {
      const operations = await roundTrip(t, database, {
        v1: { Line: Stored },
        v2: { Line: Doubled },
        // PostgreSQL reports the new expression as it stores it (with its parentheses).
        expected: [database.dialect === 'postgres'
          ? '~ alter column line.total: generated (price * qty) stored -> ((price * qty) * 2) stored'
          : '~ alter column line.total: generated (price * qty) stored -> (price * qty * 2) stored'],
        seed,
        verify: async (t, db, state) => { t.strictSame(await totals(db), [state === 'up' ? 20 : 10], `recomputed after ${state}`) }
      })
      const { source } = await writeRevision(t, operations)
      t.match(source, /no data is lost/, 'the revision says the values are recomputed')
    })
    await t.test('plain to generated is destructive, generated to plain keeps the values', async (t) => {
      const { app, db, dialect } = await openOrm(t, database, { Line: Ordinary })
      await app.db.createAll()
      await sql`insert into line (price, qty, total) values (${'2.50'}, ${4}, ${'99.00'})`.execute(db)
      const result = await autogenerate(db, dialect, tablesOf({ Line: Stored }))
      t.strictSame(result.changes.map((change) => change.destructive), [true], 'plain to generated replaces values')
      const { module } = await writeRevision(t, result.operations)
      await runRevision(db, dialect, module.up)
      t.strictSame(await detect(db, dialect, { Line: Stored }), [], 'after up, generated')
      t.strictSame(await totals(db), [10], 'computed')
      const back = await autogenerate(db, dialect, tablesOf({ Line: Ordinary }))
      t.strictSame(back.changes.map((change) => change.destructive), [false], 'generated to plain loses nothing')
      const { module: reverse } = await writeRevision(t, back.operations)
      await runRevision(db, dialect, reverse.up)
      t.strictSame(await detect(db, dialect, { Line: Ordinary }), [], 'after up, ordinary')
      t.strictSame(await totals(db), [10], 'the computed values are kept')
      await app.db.dropAll()
    })
  })
})

t.test('offline --sql writes the generated column statements', async (t) => {
  const total = c.numeric(12, 2).generatedAs('price * qty')
  const pg = offlineContext('postgres')
  await pg.context.op.addColumn('line', 'total', total)
  await pg.context.op.alterColumn('line', 'total', c.numeric(12, 2).generatedAs('price * qty * 2'))
  t.strictSame(pg.recorder.statements, [
    'alter table "line" add column "total" numeric(12, 2) generated always as (price * qty) stored',
    'alter table "line" drop column "total"',
    'alter table "line" add column "total" numeric(12, 2) generated always as (price * qty * 2) stored',
    'comment on column "line"."total" is null'
  ], 'PostgreSQL: a changed expression is a drop and an add')
  const mysql = offlineContext('mysql')
  await mysql.context.op.alterColumn('line', 'total', c.numeric(12, 2).generatedAs('price * qty', { stored: false }))
  await mysql.context.op.alterColumn('line', 'total', total)
  t.strictSame(mysql.recorder.statements, [
    'alter table `line` drop column `total`',
    'alter table `line` add column `total` decimal(12, 2) generated always as (price * qty)',
    'alter table `line` modify column `total` decimal(12, 2) generated always as (price * qty) stored'
  ], 'MySQL: VIRTUAL is dropped and added, STORED modified')
  const sqlite = offlineContext('sqlite')
  await t.rejects(sqlite.context.op.addColumn('line', 'total', total), /--sql cannot render op\.addColumn on SQLite table "line"/, 'SQLite: a rebuild, refused offline')
})

t.test('declarations that cannot be', async (t) => {
  t.throws(() => defineModel('Bad', { id: c.integer().primaryKey(), total: c.integer().default(1).generatedAs('id * 2') }),
    /column "total" is generatedAs\(…\) and default\(\); a generated column takes its value from its expression alone/)
  await eachDb(t, async (t, database) => {
    const Virtual = line(c.numeric(12, 2).generatedAs('price * qty', { stored: false }) as unknown as ReturnType<typeof c.numeric>)
    const { app } = await openOrm(t, database, { Line: Virtual })
    await t.rejects(app.db.createAll(), /column "total" is a VIRTUAL generated column, which PostgreSQL does not have/)
  }, ['postgres'])
})

t.test('an index on a generated column whose expression changes is created again', async (t) => {
  const indexed = (expression: string) => defineModel('Line', {
    id: c.integer().primaryKey(),
    price: c.numeric(10, 2),
    qty: c.integer(),
    total: c.numeric(12, 2).generatedAs(expression).index()
  })
  await eachDb(t, async (t, database) => {
    const changed = database.dialect === 'postgres'
      ? '~ alter column line.total: generated (price * qty) stored -> ((price * qty) * 2) stored'
      : '~ alter column line.total: generated (price * qty) stored -> (price * qty * 2) stored'
    await roundTrip(t, database, {
      v1: { Line: indexed('price * qty') },
      v2: { Line: indexed('price * qty * 2') },
      expected: ['- drop index ix_line_total on line (total)', changed, '+ add index ix_line_total on line (total)'],
      seed,
      verify: async (t, db, state) => { t.strictSame(await totals(db), [state === 'up' ? 20 : 10], `recomputed after ${state}`) }
    })
  })
})

t.test('generate, upgrade, generate finds nothing; a dropped table comes back as it was', async (t) => {
  const Invoice = defineModel('Invoice', {
    id: c.integer().primaryKey().identity('always'),
    net: c.numeric(10, 2),
    rate: c.numeric(4, 2),
    gross: c.numeric(14, 4).generatedAs('net * (1 + rate / 100)'),
    label: c.string(60).generatedAs("'#' || cast(net as char(12))").nullable()
  })
  await eachDb(t, async (t, database) => {
    // MySQL spells concatenation concat(); the others ||.
    const Model = database.dialect === 'mysql'
      ? defineModel('Invoice', { ...Invoice.columns, label: c.string(60).generatedAs("concat('#', net)").nullable() })
      : Invoice
    const { db, dialect } = await openOrm(t, database, {})
    const { operations } = await autogenerate(db, dialect, tablesOf({ Model }))
    const { module } = await writeRevision(t, operations)
    await runRevision(db, dialect, module.up)
    t.strictSame(await detect(db, dialect, { Model }), [], 'after up: no changes')
    const before = await dialect.introspector.introspect(db)
    const drop = await autogenerate(db, dialect, [])
    const { module: dropping } = await writeRevision(t, drop.operations)
    await runRevision(db, dialect, dropping.up)
    await runRevision(db, dialect, dropping.down)
    t.strictSame(await dialect.introspector.introspect(db), before, 'after down: the same table, as introspection reports it')
    t.strictSame(await detect(db, dialect, { Model }), [], 'and the model finds nothing to change')
  })
})
