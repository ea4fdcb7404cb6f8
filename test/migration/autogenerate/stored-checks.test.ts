// CHECKs that the databases rewrite when they store them (PostgreSQL: BETWEEN into two
// comparisons, LIKE into ~~, IN into = ANY; MariaDB: lower into lcase, % into MOD, length
// into octet_length) compare equal with the model once applied: generate, upgrade, and
// generating again finds nothing. A change of meaning is still found.
import t from 'tap'
import { c, defineModel } from '../../../src/index.ts'
import { eachDb, type TestDatabase } from '../../helpers/databases.ts'
import { autogenerate } from '../../../src/migration/autogenerate/autogenerate.ts'
import { detect, openOrm, runRevision, tablesOf, writeRevision } from './support.ts'

/** Expressions a user may write, with the dialect's own spelling of a cast. */
function expressions (database: TestDatabase): Record<string, string> {
  const castType = { postgres: 'varchar(10)', mysql: 'char', sqlite: 'text' }[database.dialect]
  return {
    between: 'qty between 1 and 5',
    not_between: 'price not between -10 and -1',
    like: "name like 'p%'",
    not_like: "name not like '%x%'",
    in_list: 'qty in (5, 1, 3, 2, 4)',
    functions: 'length(name) > 1 and lower(name) = name and abs(price) >= 0 and coalesce(note, name) <> \'\'',
    cast: `cast(qty as ${castType}) <> ''`,
    arithmetic: 'qty % 2 = 1 or (qty * 2 + price) / 3 > 1 - qty',
    logic: 'not (qty < 0) and (note is null or qty > 0) and (price >= 0 or not qty = 3)',
    case_when: "case when qty > 3 then name <> 'none' else true end",
    ...(database.dialect === 'postgres' ? { ilike: "name ilike 'P%'", any_array: 'qty = any (array[1, 2, 3, 4, 5])' } : {})
  }
}

function item (checks: Record<string, string>) {
  return defineModel('Item', {
    id: c.integer().primaryKey(),
    name: c.string(40),
    qty: c.integer(),
    price: c.integer(),
    note: c.string(40).nullable()
  }, { checks })
}

t.test('CHECKs rewritten by the database: nothing detected after upgrade, nor after createAll', async (t) => {
  await eachDb(t, async (t, database) => {
    const checks = expressions(database)
    const withChecks = { Item: item(checks) }
    const { app, db, dialect } = await openOrm(t, database, { Item: item({}) })
    await app.db.createAll()
    const { operations, changes } = await autogenerate(db, dialect, tablesOf(withChecks))
    t.equal(changes.length, Object.keys(checks).length, 'one added check per expression')
    t.ok(changes.every((change) => change.text.startsWith('+ add check ')), changes.map((change) => change.text).join('\n'))
    const { module, source } = await writeRevision(t, operations)
    t.match(source, 'qty between 1 and 5', 'the revision writes the expression as the model declares it')
    await runRevision(db, dialect, module.up)
    t.strictSame(await detect(db, dialect, withChecks), [], 'after upgrade: no changes')
    await app.db.dropAll()
    const fresh = await openOrm(t, database, withChecks)
    await fresh.app.db.createAll()
    t.strictSame(await detect(fresh.db, fresh.dialect, withChecks), [], 'after createAll: no changes')
    await fresh.app.db.dropAll()
  })
})

t.test('a CHECK whose meaning changed is a drop and an add', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openOrm(t, database, { Item: item({ between: 'qty between 1 and 5', like: "name like 'p%'" }) })
    await app.db.createAll()
    const changed = { Item: item({ between: 'qty between 1 and 6', like: "name like 'p%'" }) }
    const changes = await detect(db, dialect, changed)
    t.equal(changes.length, 2, changes.join('\n'))
    t.match(changes[0], /^- drop check ck_item_between on item: /)
    t.equal(changes[1], '+ add check ck_item_between on item: qty between 1 and 6', 'written as the model declares it')
    const { operations } = await autogenerate(db, dialect, tablesOf(changed))
    const { module } = await writeRevision(t, operations)
    await runRevision(db, dialect, module.up)
    t.strictSame(await detect(db, dialect, changed), [], 'after upgrade: no changes')
    await app.db.dropAll()
  })
})

t.test('a CHECK naming a column the table does not have yet is compared as written', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openOrm(t, database, { Item: item({ between: 'qty between 1 and 5' }) })
    await app.db.createAll()
    const later = defineModel('Item', {
      id: c.integer().primaryKey(),
      name: c.string(40),
      qty: c.integer(),
      price: c.integer(),
      note: c.string(40).nullable(),
      stock: c.integer().default(0)
    }, { checks: { between: 'stock between 1 and 5' } })
    const changes = await detect(db, dialect, { Item: later })
    t.ok(changes.includes('+ add column item.stock'), changes.join('\n'))
    t.ok(changes.includes('+ add check ck_item_between on item: stock between 1 and 5'), 'the changed check is added')
    await app.db.dropAll()
  })
})
