// PostgreSQL runs repeated statements as named (prepared) statements: which texts get a
// name (StatementNames), that the server really holds them, that the option turns them
// off, and that a table changed under a prepared `select *` is survived.
import type { FastifyInstance } from 'fastify'
import { sql, type Kysely } from 'kysely'
import t, { type Test } from 'tap'
import type { FastifyOrmOptions } from '../../src/index.ts'
import { StatementNames, isStalePreparedStatement } from '../../src/dialect/postgres/statement-names.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'
import { createItemTable } from '../session/support.ts'

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

/** An app on one pooled connection (every statement meets the same server session), with item 1. */
async function itemApp (t: Test, db: TestDatabase, options: Omit<FastifyOrmOptions, 'url'> = {}): Promise<{ app: FastifyInstance, kysely: Kysely<ItemDatabase> }> {
  const app = await buildApp(t, db, { pool: { max: 1 }, ...options })
  await app.ready()
  await createItemTable(app)
  const kysely = app.db.kysely as unknown as Kysely<ItemDatabase>
  await kysely.insertInto('item').values({ id: 1, tag: 'a' }).execute()
  return { app, kysely }
}

/** `select * from item where id = 1`, on the engine or in a transaction. */
const rowOne = (db: Kysely<ItemDatabase>): Promise<unknown> => db.selectFrom('item').selectAll().where('id', '=', 1).executeTakeFirst()

t.test('PostgreSQL: repeated statements are prepared on the server', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, kysely } = await itemApp(t, db)
    await kysely.insertInto('item').values({ id: 2, tag: 'b' }).execute()
    const byId = (id: number): Promise<unknown> => kysely.selectFrom('item').select(['id', 'tag']).where('id', '=', id).executeTakeFirst()

    const selects = async (): Promise<Array<{ name: string, statement: string }>> =>
      (await preparedOnServer(app.db.kysely)).filter((row) => row.statement.startsWith('select'))
    t.same(await byId(1), { id: 1, tag: 'a' })
    t.same(await selects(), [], 'nothing prepared after one execution')
    t.same(await byId(2), { id: 2, tag: 'b' })
    t.same(await byId(1), { id: 1, tag: 'a' }, 'the prepared statement answers with new parameters')
    const prepared = await selects()
    t.equal(prepared.length, 1, 'one statement prepared')
    t.match(prepared[0], { name: /^fastify_orm_\d+$/, statement: 'select "id", "tag" from "item" where "id" = $1' })
    t.ok((await preparedOnServer(app.db.kysely)).some((row) => row.statement === 'insert into "item" ("id", "tag") values ($1, $2)'),
      'the INSERT run twice by the setup is prepared too')

    // The session's statements go the same way.
    const session = app.db.session()
    t.teardown(() => session.close())
    for (let i = 3; i < 6; i++) await session.kysely.insertInto('item').values({ id: i }).execute()
    t.ok((await preparedOnServer(app.db.kysely)).some((row) => row.statement === 'insert into "item" ("id") values ($1)'), "the session's repeated INSERT is prepared")
  }, ['postgres'])
})

t.test('PostgreSQL: preparedStatements: false prepares nothing', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, kysely } = await itemApp(t, db, { preparedStatements: false })
    for (let i = 0; i < 3; i++) await rowOne(kysely)
    t.same(await preparedOnServer(app.db.kysely), [])
  }, ['postgres'])
})

t.test('PostgreSQL: a table changed by another process under a prepared select *', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, kysely } = await itemApp(t, db)
    await rowOne(kysely)
    await rowOne(kysely)
    t.equal((await preparedOnServer(app.db.kysely)).length, 1, 'select * prepared')

    // A migration run elsewhere (another connection, not through this engine)
    const { default: pg } = await import('pg')
    const other = new pg.Client({ connectionString: db.url })
    await other.connect()
    t.teardown(() => other.end())
    await other.query('alter table item add column note text')

    t.same(await rowOne(kysely), { id: 1, tag: 'a', note: null }, 'outside a transaction: retried, the new column is read')
    await rowOne(kysely)
    await rowOne(kysely)
    t.equal((await preparedOnServer(app.db.kysely)).length, 2, 'prepared again under a new name')

    await other.query('alter table item add column rank integer')
    await t.rejects(kysely.transaction().execute(rowOne), { code: 'ORM_DATABASE_ERROR', cause: { message: /cached plan must not change result type/ } },
      'inside a transaction the statement failed and the transaction is rolled back: the error is not hidden')
    t.same(await kysely.transaction().execute(rowOne), { id: 1, tag: 'a', note: null, rank: null }, 'the next transaction prepares it again')
  }, ['postgres'])
})

t.test('PostgreSQL: DDL through the engine makes every connection prepare again', async (t) => {
  await eachDb(t, async (t, db) => {
    const { kysely } = await itemApp(t, db)
    await rowOne(kysely)
    await rowOne(kysely)
    await kysely.schema.alterTable('item').addColumn('note', 'text').execute()
    t.same(await kysely.transaction().execute(rowOne), { id: 1, tag: 'a', note: null }, 'no stale statement, even inside a transaction')
  }, ['postgres'])
})
