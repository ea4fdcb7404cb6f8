// The startup check: at ready(), the tables and columns of the registered models must
// exist (after createAll / migrations.upgrade ran), else ready() fails naming what is
// missing and the fix. An empty database passes (the app may create the tables itself);
// checkSchema: false turns the check off.
import Fastify from 'fastify'
import { sql } from 'kysely'
import t from 'tap'
import fastifyOrm, { c, defineModel, SchemaMismatchError, type FastifyOrmOptions } from '../../src/index.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'

const User = defineModel('User', { id: c.integer().primaryKey(), name: c.string(50) })
const Note = defineModel('Note', { id: c.integer().primaryKey(), text: c.string(50), userId: c.integer().references('user.id') })
// The same table after a model change that was never migrated.
const UserWithEmail = defineModel('User', { id: c.integer().primaryKey(), name: c.string(50), email: c.string(120).nullable() })

async function ready (t: Parameters<Parameters<typeof eachDb>[1]>[0], database: TestDatabase, options: Omit<FastifyOrmOptions, 'url'>): Promise<unknown> {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(fastifyOrm, { url: database.url, ...options })
  return app.ready().then(() => undefined, (error: unknown) => error)
}

t.test('schema check at ready()', async (t) => {
  await eachDb(t, async (t, database) => {
    await t.test('an empty database passes: the app may create its tables after ready()', async (t) => {
      t.equal(await ready(t, database, { models: { User, Note } }), undefined)
    })

    await t.test('createAll: true runs before the check', async (t) => {
      t.equal(await ready(t, database, { models: { User }, createAll: true }), undefined)
    })

    await t.test('a missing table fails ready(), naming it and the fixes', async (t) => {
      const error = await ready(t, database, { models: { User, Note } })
      t.ok(error instanceof SchemaMismatchError)
      t.same((error as SchemaMismatchError).missing, ['table "note"'])
      t.match((error as Error).message, /lacks what the registered models need: table "note"\. .*fastify-orm upgrade.*app\.db\.createAll\(\).*checkSchema: false/)
    })

    await t.test('a missing column fails ready() too (createAll cannot add it)', async (t) => {
      const error = await ready(t, database, { models: { UserWithEmail } })
      t.ok(error instanceof SchemaMismatchError)
      t.same((error as SchemaMismatchError).missing, ['column user.email'])
      t.notMatch((error as Error).message, /createAll/)
    })

    await t.test('checkSchema: false starts anyway; app.db.checkSchema() checks on demand', async (t) => {
      const app = Fastify({ logger: false })
      t.teardown(() => app.close())
      await app.register(fastifyOrm, { url: database.url, models: { UserWithEmail }, checkSchema: false })
      await app.ready()
      await t.rejects(app.db.checkSchema(), SchemaMismatchError)
      await sql`alter table ${sql.table('user')} add column email varchar(120)`.execute(app.db.kysely)
      await app.db.checkSchema()
      t.equal(await ready(t, database, { models: { UserWithEmail } }), undefined, 'once migrated, ready() passes')
    })

    await t.test('a model mapped onto a view counts as present', async (t) => {
      const app = Fastify({ logger: false })
      t.teardown(() => app.close())
      await app.register(fastifyOrm, { url: database.url, checkSchema: false })
      await sql`create view user_name as select id, name from ${sql.table('user')}`.execute(app.db.kysely)
      const UserName = defineModel('UserName', { id: c.integer().primaryKey(), name: c.string(50) })
      t.equal(await ready(t, database, { models: { UserWithEmail, UserName } }), undefined)
    })
  })
})
