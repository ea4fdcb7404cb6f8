// A wrong model fails early with a ModelDefinitionError that names the model and the
// column: at defineModel for what one model says, at registration (app.ready()) for what
// models say about each other, at createAll for what a database cannot store.
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import fastifyOrm, { c, ConfigurationError, defineModel, defineTable, ModelDefinitionError, type AnyModel } from '../../src/index.ts'
import { ModelRegistry } from '../../src/model/registry.ts'
import { User } from '../fixtures/seed-models.ts'
import { catalogTableNames } from '../schema/catalog.ts'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp, untyped } from '../schema/support.ts'

/** Runs `fn`, expecting a ModelDefinitionError about `modelName` whose message contains every one of `parts`. */
function expectDefinitionError (t: Test, fn: () => unknown, modelName: string, parts: readonly string[], message: string): void {
  try {
    fn()
    t.fail(`${message}: no error`)
  } catch (error) {
    checkDefinitionError(t, error, modelName, parts, message)
  }
}

function checkDefinitionError (t: Test, error: unknown, modelName: string, parts: readonly string[], message: string): void {
  if (!(error instanceof ModelDefinitionError)) {
    t.fail(`${message}: not a ModelDefinitionError: ${String(error)}`)
    return
  }
  t.equal(error.modelName, modelName, `${message}: names the model`)
  t.ok(error.message.startsWith(`Model ${modelName} `), `${message}: the message starts with the model`)
  for (const part of parts) t.match(error.message, part, `${message}: mentions ${part}`)
}

/** Registers `models` with the plugin on an in-memory SQLite database; returns what ready() rejected with. */
async function registrationError (models: Record<string, AnyModel>): Promise<unknown> {
  const app = Fastify()
  app.register(fastifyOrm, { url: 'sqlite://:memory:', models })
  try {
    await app.ready()
    return undefined
  } catch (error) {
    return error
  } finally {
    await app.close()
  }
}

t.test('errors at defineModel', async (t) => {
  expectDefinitionError(t, () => defineModel('Bad', { id: c.integer().primaryKey(), tags: c.array(c.json() as never) }),
    'Bad', ['"tags"', 'array of json', 'integer, float, boolean, string, text, uuid'], 'an array of an unsupported element type')
  expectDefinitionError(t, () => defineModel('Bad', { id: c.integer().primaryKey(), nested: c.array(c.array(c.integer()) as never) }),
    'Bad', ['"nested"', 'array of array'], 'an array of arrays')
  expectDefinitionError(t, () => defineModel('Pair', { a: c.integer().primaryKey(), b: c.integer().primaryKey() }),
    'Pair', ['several columns primaryKey()', 'a, b', 'primaryKey: [\'a\', \'b\']'], 'several column-level primaryKey()')
  expectDefinitionError(t, () => defineModel('Tagless', { name: c.string(50) }),
    'Tagless', ['has no primary key'], 'no primary key')
  expectDefinitionError(t, () => defineModel('Twice', { id: c.integer().primaryKey(), other: c.integer() }, { primaryKey: ['id', 'other'] }),
    'Twice', ['primary key twice'], 'a primary key both on a column and in the options')
  expectDefinitionError(t, () => defineModel('Empty', {}), 'Empty', ['no columns'], 'no columns')

  // Options naming a column that does not exist.
  expectDefinitionError(t, () => defineModel('Opt', { id: c.integer() }, { primaryKey: ['nope' as 'id'] }),
    'Opt', ['primaryKey', '"nope"', 'not a column of Opt'], 'primaryKey option')
  expectDefinitionError(t, () => defineModel('Opt', { id: c.integer().primaryKey(), a: c.integer() }, { unique: [['a', 'nope' as 'a']] }),
    'Opt', ['unique', '"nope"'], 'unique option (list)')
  expectDefinitionError(t, () => defineModel('Opt', { id: c.integer().primaryKey(), a: c.integer() }, { unique: [{ columns: ['nope' as 'a'], name: 'x' }] }),
    'Opt', ['unique', '"nope"'], 'unique option (object)')
  expectDefinitionError(t, () => defineModel('Opt', { id: c.integer().primaryKey(), a: c.integer() }, { indexes: [{ columns: ['a', 'nope' as 'a'] }] }),
    'Opt', ['indexes', '"nope"'], 'indexes option')

  // Columns that cannot be what they say.
  expectDefinitionError(t, () => defineModel('Len', { id: c.integer().primaryKey(), name: c.string(0) }),
    'Len', ['"name"', 'positive string length'], 'a string of length 0')
  expectDefinitionError(t, () => defineModel('Enum', { id: c.integer().primaryKey(), kind: c.enumeration([] as unknown as ['a']) }),
    'Enum', ['"kind"', 'enumeration with no values'], 'an enumeration without values')
  expectDefinitionError(t, () => defineModel('Auto', { id: c.integer().primaryKey(), counter: c.integer().autoincrement() }),
    'Auto', ['"counter"', 'autoincrement()', 'not the lone integer primary key'], 'autoincrement off the key')
  expectDefinitionError(t, () => defineModel('Clash', { userId: c.integer().primaryKey(), user_id: c.integer() }, { naming: 'snake_case' }),
    'Clash', ['"userId"', '"user_id"', 'both map to the database column "user_id"'], 'two properties, one column name')
})

t.test('errors at registration: ready() rejects', async (t) => {
  const Person = defineModel('Person', { id: c.integer().primaryKey() }, { tableName: 'user' })
  checkDefinitionError(t, await registrationError({ User, Person }), 'Person', ['"user"', 'User already uses'], 'two models, one table name')

  const Ghost = defineModel('Ghost', { id: c.integer().primaryKey(), ownerId: c.integer().references('owner.id') })
  checkDefinitionError(t, await registrationError({ Ghost }), 'Ghost', ['column "ownerId"', '"owner"', 'no registered model'], 'a foreign key to an unknown table')

  const BadColumn = defineModel('BadColumn', { id: c.integer().primaryKey(), userId: c.integer().references('user.uid') })
  checkDefinitionError(t, await registrationError({ User, BadColumn }), 'BadColumn', ['column "userId"', '"user.uid"', 'no column "uid"'], 'a foreign key to an unknown column')

  const Unregistered = defineModel('Unregistered', { id: c.integer().primaryKey(), userId: c.integer().references(() => User) })
  checkDefinitionError(t, await registrationError({ Unregistered }), 'Unregistered', ['column "userId"', '"user"'], 'a foreign key to a model that is not registered')

  const Malformed = defineModel('Malformed', { id: c.integer().primaryKey(), userId: c.integer().references('user') })
  checkDefinitionError(t, await registrationError({ User, Malformed }), 'Malformed', ['column "userId"', 'table.column'], 'a foreign key that is not table.column')

  const link = defineTable('link', { a: c.integer(), b: c.integer() }, { primaryKey: ['a', 'b'] })
  const ToComposite = defineModel('ToComposite', { id: c.integer().primaryKey(), linkId: c.integer().references(() => link) })
  checkDefinitionError(t, await registrationError({ link, ToComposite }), 'ToComposite', ['column "linkId"', '2 columns'], 'a foreign key to a model with a composite key')

  // A foreign key never crosses databases: the target must be in the same bind.
  const Audit = defineModel('Audit', { id: c.integer().primaryKey(), userId: c.integer().references('user.id') }, { bind: 'logs' })
  t.throws(() => new ModelRegistry({ User, Audit }), ModelDefinitionError, 'a foreign key to a table of another bind')
  const crossBind = await (async () => {
    const app = Fastify()
    app.register(fastifyOrm, { url: 'sqlite://:memory:', models: { User, Audit }, binds: { logs: 'sqlite://:memory:' } })
    try { await app.ready() } catch (error) { return error } finally { await app.close() }
  })()
  checkDefinitionError(t, crossBind, 'Audit', ['column "userId"', 'bind "logs"'], 'through the plugin')

  const Lost = defineModel('Lost', { id: c.integer().primaryKey() }, { bind: 'nowhere' })
  const unknownBind = await registrationError({ Lost })
  t.ok(unknownBind instanceof ConfigurationError && /"nowhere"/.test(unknownBind.message), 'a bind the plugin does not declare is a ConfigurationError naming it')

  t.equal(await registrationError({ User }), undefined, 'the same models, correct, register fine')
})

t.test('MySQL cannot index or constrain text, JSON or binary columns: an error at createAll, before any DDL', async (t) => {
  const Article = defineModel('Article', { id: c.integer().primaryKey(), body: c.text().unique() })
  const Note = defineModel('Note', { id: c.integer().primaryKey(), body: c.text().index() })
  const Blob = defineModel('Blob', { id: c.integer().primaryKey(), data: c.binary(), kind: c.string(5) }, { indexes: [{ columns: ['kind', 'data'] }] })
  const Settings = defineModel('Settings', { id: c.integer().primaryKey(), doc: c.json().serverDefault('{}') })
  const cases: Array<[AnyModel, string[]]> = [
    [Article, ['"body"', 'text column']],
    [Note, ['"body"', 'text column']],
    [Blob, ['"data"', 'binary column']],
    [Settings, ['"doc"', 'literal server default']]
  ]
  await eachDb(t, async (t, database) => {
    for (const [model, parts] of cases) {
      const app = await buildReadyApp(t, database, { models: { User, [model.name]: model } })
      if (database.dialect === 'mysql') {
        const error = await app.db.createAll().then(() => undefined, (error: unknown) => error)
        checkDefinitionError(t, error, model.name, ['cannot be stored on mysql', ...parts], model.name)
        t.same(await catalogTableNames(untyped(app), database.dialect), [], `${model.name}: no table was created, not even user`)
      } else {
        t.same([...await app.db.createAll()].sort(), [model.tableName, 'user'].sort(), `${model.name}: ${database.dialect} stores it`)
        await app.db.dropAll()
      }
    }
  })
})
