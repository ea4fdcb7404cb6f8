// Model behaviour on objects: methods and computed properties on the entities' shared
// prototype, and the printed form (`String(user)`, `util.inspect(user)`), on every database.
import { createHash } from 'node:crypto'
import { inspect } from 'node:util'
import { Type } from 'typebox'
import t from 'tap'
import { c, defineModel, ModelDefinitionError, relations, type EntityOf } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp } from '../schema/support.ts'

const Account = defineModel('Account', {
  id: c.integer().primaryKey(),
  username: c.string(64),
  fullName: c.string(100).nullable(),
  secret: c.string(64).nullable()
}, {
  naming: 'snake_case',
  methods: {
    async setSecret (secret: string) {
      await new Promise((resolve) => setImmediate(resolve))
      this.secret = createHash('sha256').update(secret).digest('hex')
    },
    checkSecret (secret: string): boolean {
      return this.secret === createHash('sha256').update(secret).digest('hex')
    },
    get displayName (): string {
      return this.fullName ?? `@${this.username}`
    },
    set displayName (value: string) {
      this.fullName = value
    }
  }
})

const Note = defineModel('Note', {
  id: c.integer().primaryKey(),
  accountId: c.integer().references(() => Account),
  body: c.text()
}, { naming: 'snake_case', repr: (note) => `<Note #${String(note.id)}>` })

const Pair = defineModel('Pair', {
  left: c.integer(),
  right: c.integer(),
  subtitle: c.string(40).nullable(),
  headline: c.string(40)
}, { primaryKey: ['left', 'right'], repr: 'headline' })

const models = {
  Account,
  Note,
  Pair,
  accountRelations: relations(Account, ({ hasMany }) => ({ notes: hasMany(() => Note, 'accountId', { inverse: 'account' }) })),
  noteRelations: relations(Note, ({ belongsTo }) => ({ account: belongsTo(() => Account, 'accountId', { inverse: 'notes' }) }))
}

t.test('methods and computed properties live on the shared prototype of the objects', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models })
    await app.db.createAll()
    const session = app.db.session()
    t.teardown(() => session.close())

    const alice = session.add(Account, { username: 'alice' })
    await alice.setSecret('s3cret')
    t.ok(alice.checkSecret('s3cret'), 'an async method set the column the sync one reads')
    t.notOk(alice.checkSecret('other'))
    t.equal(alice.displayName, '@alice', 'a getter computes from the columns')
    alice.displayName = 'Alice Liddell'
    t.equal(alice.fullName, 'Alice Liddell', 'a setter writes a column')
    await session.commit()

    t.notOk(Object.hasOwn(alice, 'checkSecret'), 'not copied onto the object')
    t.notOk(Object.hasOwn(alice, 'displayName'))
    t.strictSame(Object.keys(alice).sort(), ['fullName', 'id', 'secret', 'username'], 'only the columns are own enumerable properties (the new, untouched collection is not)')

    const reader = app.db.session()
    t.teardown(() => reader.close())
    const loaded = await reader.get(Account, alice.id)
    t.ok(loaded?.checkSecret('s3cret'), 'an object from get has the methods')
    const [queried] = await reader.query(Account).all()
    t.equal(queried, loaded, 'one object per row')
    const withNotes = await reader.query(Account).with('notes').first()
    t.equal(withNotes?.displayName, 'Alice Liddell', 'an object from a query with relationships has them too')
    t.equal(Object.getPrototypeOf(loaded), Object.getPrototypeOf(alice), 'every object of the model shares one prototype')

    const note = reader.add(Note, { accountId: alice.id, body: 'hello' })
    await reader.commit()
    const [withAccount] = await reader.query(Note).with('account').all()
    // Unregistered here, so the relationship is not in the type.
    t.equal(((withAccount as { account?: unknown } | undefined)?.account as EntityOf<typeof Account> | undefined)?.displayName, 'Alice Liddell', 'a related object loaded with its parent has them')
    t.equal(note.id, withAccount?.id)
  })
})

t.test('JSON is the columns: methods and getters are left out unless a response schema names them', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildApp(t, database, { models })
    app.get('/plain', async (request) => request.db.getOr404(Account, 1))
    app.get('/schema', {
      schema: { response: { 200: Type.Object({ id: Type.Integer(), username: Type.String(), displayName: Type.String() }) } }
    }, async (request) => request.db.getOr404(Account, 1))
    // Loaded both ways (notes and each note's account), the object serializes through a copy that cuts the cycle.
    app.get('/with-notes', {
      schema: { response: { 200: Type.Object({ id: Type.Integer(), displayName: Type.String(), notes: Type.Array(Type.Object({ id: Type.Integer(), body: Type.String() })) }) } }
    }, async (request) => request.db.query(Account).with({ notes: { account: true } }).firstOr404())
    await app.ready()
    await app.db.createAll()
    const session = app.db.session()
    t.teardown(() => session.close())
    const bob = session.add(Account, { username: 'bob' })
    await session.commit()

    t.strictSame(JSON.parse(JSON.stringify(bob)), { id: 1, username: 'bob', fullName: null, secret: null }, 'a new object serializes as it will when read back')
    t.strictSame((await app.inject('/plain')).json(), { id: 1, username: 'bob', fullName: null, secret: null })
    t.strictSame((await app.inject('/schema')).json(), { id: 1, username: 'bob', displayName: '@bob' }, 'fast-json-stringify reads the getter')
    session.add(Note, { accountId: bob.id, body: 'hi' })
    await session.commit()
    t.strictSame((await app.inject('/with-notes')).json(), { id: 1, displayName: '@bob', notes: [{ id: 1, body: 'hi' }] }, 'also with relationships loaded')
    const withNotes = await session.query(Account).with({ notes: { account: true } }).firstOr404()
    t.strictSame(JSON.parse(JSON.stringify(withNotes)), { id: 1, username: 'bob', fullName: null, secret: null, notes: [{ id: 1, accountId: 1, body: 'hi' }] }, 'and JSON.stringify still leaves the getter out')
  }, ['sqlite'])
})

t.test('objects print as <Model key label>, or as the model chooses, without changing their JSON', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models })
    await app.db.createAll()
    const session = app.db.session()
    t.teardown(() => session.close())

    const alice = session.add(Account, { username: 'alice' })
    t.equal(String(alice), '<Account ? alice>', 'no key before the INSERT')
    await session.commit()
    t.equal(String(alice), '<Account 1 alice>', 'the model name, the key and a name-like column')
    t.equal(`${alice}`, '<Account 1 alice>')
    t.equal(inspect(alice), '<Account 1 alice>', 'what console.log prints')
    const note = session.add(Note, { accountId: alice.id, body: 'x'.repeat(100) })
    const pair = session.add(Pair, { left: 1, right: 2, headline: 'the headline', subtitle: 'no' })
    await session.commit()
    t.equal(inspect([alice, note, pair]), '[ <Account 1 alice>, <Note #1>, <Pair 1,2 the headline> ]', 'a repr function; a repr column and a composite key')
    t.strictSame(JSON.parse(JSON.stringify(alice)), { id: 1, username: 'alice', fullName: null, secret: null }, 'JSON unchanged')
    const loaded = await session.query(Account).with({ notes: true }).firstOr404()
    t.equal(inspect(loaded), '<Account 1 alice notes=[<Note #1>]>', 'util.inspect adds the loaded relationships, one level deep')
    t.equal(String(loaded), '<Account 1 alice>', 'String() does not')
  })
})

t.test('a label is cut at 40 characters; without a text column only the key is shown', async (t) => {
  const Long = defineModel('Long', { id: c.integer().primaryKey(), note: c.text(), count: c.integer().nullable() })
  const Bare = defineModel('Bare', { id: c.integer().primaryKey(), count: c.integer().nullable() })
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models: { Long, Bare } })
    await app.db.createAll()
    const session = app.db.session()
    t.teardown(() => session.close())
    const long = session.add(Long, { note: 'n'.repeat(60) })
    const bare = session.add(Bare, { count: 3 })
    await session.commit()
    t.equal(String(long), `<Long 1 ${'n'.repeat(39)}…>`)
    t.equal(String(bare), '<Bare 1>')
  }, ['sqlite'])
})

t.test('a method may not take the name of a column, a relationship or toJSON', async (t) => {
  t.throws(() => defineModel('Clash', { id: c.integer().primaryKey(), name: c.string(10) }, { methods: { name () { return 1 } } }),
    new ModelDefinitionError('Clash', 'has a method "name" and a column of that name; rename one of them'))
  t.throws(() => defineModel('Clash', { id: c.integer().primaryKey() }, { methods: { toJSON () { return 1 } } }), ModelDefinitionError)
  t.throws(() => defineModel('Clash', { id: c.integer().primaryKey() }, { repr: 'nope' as 'id' }),
    /repr names "nope", which is not a column of Clash/)
  const Owner = defineModel('Owner', { id: c.integer().primaryKey() }, { methods: { items () { return [] } } })
  const Item = defineModel('Item', { id: c.integer().primaryKey(), ownerId: c.integer().references(() => Owner) })
  await eachDb(t, async (t, database) => {
    const registering = buildReadyApp(t, database, {
      models: { Owner, Item, ownerRelations: relations(Owner, ({ hasMany }) => ({ items: hasMany(() => Item, 'ownerId') })) }
    })
    await t.rejects(registering, new ModelDefinitionError('Owner', 'has a method "items" and a relationship of that name; rename one of them'), 'at registration')
  }, ['sqlite'])
})
