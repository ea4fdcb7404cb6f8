// Mistakes in model and relationship declarations, reported where they are made: a
// relations() object left out of the plugin's models option, a relationship on a column
// that is no foreign key, a misspelt column type in JavaScript.
import t from 'tap'
import { c, defineModel, ModelDefinitionError, relations, UnknownRelationshipError, type Session } from '../../src/index.ts'
import { ModelRegistry } from '../../src/model/registry.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'

const Writer = defineModel('Writer', { id: c.integer().primaryKey(), name: c.string(50) })
const Essay = defineModel('Essay', {
  id: c.integer().primaryKey(),
  title: c.string(50),
  writerId: c.integer().references(() => Writer),
  editorId: c.integer().nullable().references('writer.id')
})
const writerRelations = relations(Writer, ({ hasMany }) => ({ essays: hasMany(() => Essay, 'writerId') }))

t.test('a relations() object that was not registered: using its relationship says so', async (t) => {
  await eachDb(t, async (t, db) => {
    // writerRelations exists but is not in models.
    const app = await buildApp(t, db, { models: { Writer, Essay } }, { ready: true })
    await app.db.createAll()
    const s = app.db.session() as Session
    t.teardown(() => s.close())
    const writer = s.add(Writer, { name: 'w' })
    await s.commit()
    const error = await s.load(writer, 'essays' as never).then(() => undefined, (caught: unknown) => caught)
    t.ok(error instanceof UnknownRelationshipError)
    t.match((error as Error).message,
      /^Writer has no registered relationship "essays": it is declared by relations\(Writer, …\) at registration-checks\.test\.ts:17, but that object was not passed in the plugin's models option; add the relations\(\) export there, e\.g\. models: \{ Writer, …, writerRelations \}$/)
    const query = await s.query(Writer).with('essays' as never).all().then(() => undefined, (caught: unknown) => caught)
    t.ok(query instanceof UnknownRelationshipError, 'with() too')
    const unknown = await s.load(writer, 'poems' as never).then(() => undefined, (caught: unknown) => caught)
    t.match((unknown as Error).message, /^Writer has no relationship "poems"; declare it with relations\(\)$/, 'a name no declaration has keeps the plain message')
  }, ['sqlite'])
})

t.test('registered, the same declaration works', async (t) => {
  t.doesNotThrow(() => new ModelRegistry({ Writer, Essay, writerRelations }))
})

t.test('a relationship on a column that is not a foreign key to the other model is refused at registration', async (t) => {
  const onTitle = relations(Writer, ({ hasMany }) => ({ essays: hasMany(() => Essay, 'title') }))
  t.throws(() => new ModelRegistry({ Writer, Essay, onTitle }), new ModelDefinitionError('Writer',
    'relationship "essays" uses Essay.title, which is not a foreign key to Writer: name the property that is (writerId, editorId)'))
  const Plain = defineModel('Plain', { id: c.integer().primaryKey(), ownerId: c.integer() })
  const onPlain = relations(Writer, ({ hasOne }) => ({ plain: hasOne(() => Plain, 'ownerId') }))
  t.throws(() => new ModelRegistry({ Writer, Plain, onPlain }), new ModelDefinitionError('Writer',
    'relationship "plain" uses Plain.ownerId, which is not a foreign key to Writer: declare it with .references(() => Writer) (or \'writer.id\') on Plain.ownerId'))
  const wrongSide = relations(Essay, ({ belongsTo }) => ({ writer: belongsTo(() => Writer, 'title') }))
  t.throws(() => new ModelRegistry({ Writer, Essay, wrongSide }), { name: 'ModelDefinitionError', message: /relationship "writer" uses Essay\.title, which is not a foreign key to Writer/ })
})

t.test('a misspelt column type names the known ones', async (t) => {
  const untyped = c as unknown as Record<string, () => unknown>
  t.throws(() => untyped.strng?.(), new TypeError('Unknown column type "strng"; the column types are integer, bigInteger, float, numeric, boolean, string, text, dateTime, date, json, binary, uuid, enumeration, array'))
  t.equal((c as unknown as { then?: unknown }).then, undefined, 'c is not thenable')
  t.equal(c.integer().config.kind, 'integer', 'the known types work as before')
})
