// Defaults. Client defaults (.default(value | fn)) live on the model for the session to
// apply: they are configuration only and never reach the DDL. Server defaults
// (.serverDefault(literal | { sql })) are in the DDL and applied by the database on insert.
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import t from 'tap'
import { c, defineModel, NotNullViolationError, type DatabaseOf } from '../../src/index.ts'
import { Movie, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp } from '../schema/support.ts'

t.test('client defaults are configuration on the column', async (t) => {
  const theatre = Movie.columns.theatre.config.clientDefault
  t.same(theatre, { value: false }, 'a value')

  const createdAt = User.columns.createdAt.config.clientDefault
  t.ok(createdAt && 'factory' in createdAt, 'a function is kept as a factory, not called at definition')
  if (createdAt && 'factory' in createdAt) {
    const made = createdAt.factory()
    t.ok(made instanceof Date, 'the factory makes a new Date')
    t.not(createdAt.factory(), made, 'a new one each time')
  }

  const token = c.uuid().default(() => randomUUID())
  const config = token.config.clientDefault
  if (!config || !('factory' in config)) throw new Error('expected a factory')
  t.not(config.factory(), config.factory(), 'a uuid factory gives a new id per call')

  t.equal(User.columns.username.config.clientDefault, undefined, 'no default: undefined')
  t.equal(Movie.columns.theatre.config.serverDefault, undefined, 'a client default is not a server default')

  // An object value is kept as given (the session decides whether to copy it).
  const settings = { theme: 'dark' }
  t.equal((c.json().default(settings).config.clientDefault as { value: unknown }).value, settings)

  // Builders are immutable: chaining returns a new column and leaves the original alone.
  const base = c.boolean()
  const defaulted = base.default(true)
  t.equal(base.config.clientDefault, undefined)
  t.same(defaulted.config.clientDefault, { value: true })
  t.ok(Object.isFrozen(defaulted.config), 'the config is frozen')
})

const Doc = defineModel('Doc', {
  id: c.integer().primaryKey(),
  title: c.string(50),
  status: c.string(10).serverDefault('draft'),
  version: c.integer().serverDefault(1),
  big: c.bigInteger().serverDefault('9007199254740993'), // beyond 2^53: written as text
  published: c.boolean().serverDefault(false),
  pinned: c.boolean().serverDefault(true),
  score: c.float().serverDefault(0.5),
  price: c.numeric(8, 2).serverDefault('9.90'),
  createdAt: c.dateTime().serverDefault({ sql: 'CURRENT_TIMESTAMP' }),
  // client-only: the database knows nothing of it
  slug: c.string(50).default(() => 'made-by-the-session')
}, { naming: 'snake_case' })

type DB = DatabaseOf<{ Doc: typeof Doc }>

t.test('server defaults are applied by the database on insert', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models: { Doc } })
    await app.db.createAll()
    const db = app.db.kysely as unknown as Kysely<DB>

    const before = new Date(Math.floor(Date.now() / 1000) * 1000)
    await db.insertInto('doc').values({ id: 1, title: 'first', slug: 'given' }).execute()
    const after = new Date()
    const row = await db.selectFrom('doc').selectAll().executeTakeFirstOrThrow()
    const { created_at: createdAt, ...rest } = row
    t.strictSame(rest, {
      id: 1,
      title: 'first',
      status: 'draft',
      version: 1,
      big: 9007199254740993n,
      published: false,
      pinned: true,
      score: 0.5,
      price: '9.90',
      slug: 'given'
    }, 'every literal default, read back with its JS type')
    t.ok(createdAt instanceof Date && before <= createdAt && createdAt <= after, 'CURRENT_TIMESTAMP is the time of the insert')

    // A client default is not in the database: raw Kysely must pass the value itself.
    await t.rejects(db.insertInto('doc').values({ id: 2, title: 'no slug' } as never).execute(), NotNullViolationError,
      'leaving out a column with only a client default violates NOT NULL')
  })
})
