// PostgreSQL runs repeated statements as named (prepared) statements: which texts get a
// name (StatementNames), that the server really holds them, that the option turns them
// off, and that a table changed under a prepared `select *` is survived.
import { sql, type Kysely } from 'kysely'
import t from 'tap'
import { StatementNames, isStalePreparedStatement } from '../../src/dialect/postgres/statement-names.ts'
import { buildApp, createItemTable, eachDb } from '../session/support.ts'

const BY_ID = 'select * from "item" where "id" = $1'

t.test('a text gets a name at its second execution, and keeps it', async (t) => {
  const names = new StatementNames(10)
  t.equal(names.nameFor(BY_ID, 1), undefined, 'first execution: unnamed')
  const name = names.nameFor(BY_ID, 1)
  t.match(name, /^fastify_orm_\d+$/, 'second: named')
  t.equal(names.nameFor(BY_ID, 1), name, 'third: the same name')
  names.nameFor('select 2 where $1', 1)
  t.not(names.nameFor('select 2 where $1', 1), name, 'another text, another name')
})

t.test('texts without parameters are never prepared (they may hold several statements)', async (t) => {
  const names = new StatementNames(10)
  for (let i = 0; i < 3; i++) t.equal(names.nameFor('select 1; select 2', 0), undefined)
  t.equal(names.size, 0)
})

t.test('DDL gives every text a new name; a refused statement is renamed alone', async (t) => {
  const names = new StatementNames(10)
  const other = 'select * from "tag" where "id" = $1'
  for (const text of [BY_ID, BY_ID, other, other]) names.nameFor(text, 1)
  const before = [names.nameFor(BY_ID, 1), names.nameFor(other, 1)]

  names.forget(BY_ID)
  t.equal(names.nameFor(BY_ID, 1), undefined, 'after forget: unnamed once')
  const renamed = names.nameFor(BY_ID, 1)
  t.ok(renamed !== undefined && renamed !== before[0], `then a new name (${renamed} after ${before[0]})`)
  t.equal(names.nameFor(other, 1), before[1], 'the other text keeps its name')

  t.equal(names.nameFor('alter table "item" add column "x" integer', 0), undefined)
  t.equal(names.size, 0, 'DDL forgets every name')
  names.nameFor(other, 1)
  const after = names.nameFor(other, 1)
  t.ok(after !== undefined && after !== before[1], 'renamed after DDL')
})

t.test('at most `limit` names; the rest run unnamed', async (t) => {
  const names = new StatementNames(3)
  const given = new Set<string>()
  for (let i = 0; i < 10; i++) {
    const text = `select ${i} where $1`
    names.nameFor(text, 1)
    const name = names.nameFor(text, 1)
    if (name !== undefined) given.add(name)
  }
  t.equal(given.size, 3)
  t.equal(names.size, 3)
})

t.test('isStalePreparedStatement: the two server errors of a stale statement, nothing else', async (t) => {
  t.ok(isStalePreparedStatement({ code: '0A000', message: 'cached plan must not change result type' }))
  t.ok(isStalePreparedStatement({ code: '26000', message: 'prepared statement "fastify_orm_1" does not exist' }))
  t.notOk(isStalePreparedStatement({ code: '0A000', message: 'some other unsupported feature' }))
  t.notOk(isStalePreparedStatement({ code: '23505', message: 'duplicate key value' }))
  t.notOk(isStalePreparedStatement(new Error('boom')))
})

/** The statements the server has prepared on the (single) pooled connection. */
async function preparedOnServer<DB> (db: Kysely<DB>): Promise<Array<{ name: string, statement: string }>> {
  const { rows } = await sql<{ name: string, statement: string }>`select name, statement from pg_prepared_statements order by name`.execute(db)
  return rows
}

interface ItemDatabase { item: { id: number, tag: string | null } }

t.test('PostgreSQL: repeated statements are prepared on the server', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db, { pool: { max: 1 } })
    await app.ready()
    await createItemTable(app)
    const kysely = app.db.kysely as unknown as Kysely<ItemDatabase>
    await kysely.insertInto('item').values([{ id: 1, tag: 'a' }, { id: 2, tag: 'b' }]).execute()
    const byId = (id: number): Promise<unknown> => kysely.selectFrom('item').select(['id', 'tag']).where('id', '=', id).executeTakeFirst()

    t.same(await byId(1), { id: 1, tag: 'a' })
    t.same(await preparedOnServer(app.db.kysely), [], 'nothing prepared after one execution')
    t.same(await byId(2), { id: 2, tag: 'b' })
    t.same(await byId(1), { id: 1, tag: 'a' }, 'the prepared statement answers with new parameters')
    const prepared = await preparedOnServer(app.db.kysely)
    t.equal(prepared.length, 1, 'one statement prepared')
    t.match(prepared[0], { name: /^fastify_orm_\d+$/, statement: 'select "id", "tag" from "item" where "id" = $1' })

    // The unit of work's statements go the same way.
    const session = app.db.session()
    t.teardown(() => session.close())
    for (let i = 3; i < 6; i++) await session.kysely.insertInto('item').values({ id: i, tag: `t${i}` }).execute()
    t.equal((await preparedOnServer(app.db.kysely)).length, 2, 'the repeated INSERT is prepared too')
  }, ['postgres'])
})

t.test('PostgreSQL: preparedStatements: false prepares nothing', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db, { pool: { max: 1 }, preparedStatements: false })
    await app.ready()
    await createItemTable(app)
    const kysely = app.db.kysely as unknown as Kysely<ItemDatabase>
    await kysely.insertInto('item').values({ id: 1, tag: 'a' }).execute()
    for (let i = 0; i < 3; i++) await kysely.selectFrom('item').selectAll().where('id', '=', 1).execute()
    t.same(await preparedOnServer(app.db.kysely), [])
  }, ['postgres'])
})

t.test('PostgreSQL: a table changed by another process under a prepared select *', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db, { pool: { max: 1 } })
    await app.ready()
    await createItemTable(app)
    const kysely = app.db.kysely as unknown as Kysely<ItemDatabase>
    await kysely.insertInto('item').values({ id: 1, tag: 'a' }).execute()
    const selectAll = (): Promise<unknown> => kysely.selectFrom('item').selectAll().where('id', '=', 1).executeTakeFirst()
    await selectAll()
    await selectAll()
    t.equal((await preparedOnServer(app.db.kysely)).length, 1, 'select * prepared')

    // A migration run elsewhere (another connection, not through this engine)
    const { default: pg } = await import('pg')
    const other = new pg.Client({ connectionString: db.url })
    await other.connect()
    t.teardown(() => other.end())
    await other.query('alter table item add column note text')

    t.same(await selectAll(), { id: 1, tag: 'a', note: null }, 'outside a transaction: retried, the new column is read')
    await selectAll()
    await selectAll()
    t.equal((await preparedOnServer(app.db.kysely)).length, 2, 'prepared again under a new name')

    await other.query('alter table item add column rank integer')
    const failed = kysely.transaction().execute(async (trx) => trx.selectFrom('item').selectAll().where('id', '=', 1).executeTakeFirst())
    await t.rejects(failed, { code: 'ORM_DATABASE_ERROR', cause: { message: /cached plan must not change result type/ } },
      'inside a transaction the statement failed and the transaction is rolled back: the error is not hidden')
    const retried = await kysely.transaction().execute(async (trx) => trx.selectFrom('item').selectAll().where('id', '=', 1).executeTakeFirst())
    t.same(retried, { id: 1, tag: 'a', note: null, rank: null }, 'the next transaction prepares it again')
  }, ['postgres'])
})

t.test('PostgreSQL: DDL through the engine makes every connection prepare again', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db, { pool: { max: 1 } })
    await app.ready()
    await createItemTable(app)
    const kysely = app.db.kysely as unknown as Kysely<ItemDatabase>
    await kysely.insertInto('item').values({ id: 1, tag: 'a' }).execute()
    const selectAllIn = (db: Kysely<ItemDatabase>): Promise<unknown> => db.selectFrom('item').selectAll().where('id', '=', 1).executeTakeFirst()
    await selectAllIn(kysely)
    await selectAllIn(kysely)
    await kysely.schema.alterTable('item').addColumn('note', 'text').execute()
    const row = await kysely.transaction().execute((trx) => selectAllIn(trx))
    t.same(row, { id: 1, tag: 'a', note: null }, 'no stale statement, even inside a transaction')
  }, ['postgres'])
})
