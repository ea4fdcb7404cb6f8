// Generate → upgrade → generate again finds nothing, on every database, for every column
// type and option; and the reverse direction (every table dropped, then created back from
// what the database reported) lands on the same schema.
import t from 'tap'
import { eachDb } from '../../helpers/databases.ts'
import { everyTypeModels } from '../../fixtures/every-type-models.ts'
import { detect, openOrm, runRevision, tablesOf, writeRevision } from './support.ts'
import { autogenerate } from '../../../src/migration/autogenerate/autogenerate.ts'

t.test('nothing is detected after createAll', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openOrm(t, database, everyTypeModels)
    await app.db.createAll()
    t.strictSame(await detect(db, dialect, everyTypeModels), [])
  })
})

t.test('the initial revision creates every table; generating again finds nothing; down drops them all', async (t) => {
  await eachDb(t, async (t, database) => {
    const { db, dialect } = await openOrm(t, database, everyTypeModels)
    const { operations, changes } = await autogenerate(db, dialect, tablesOf(everyTypeModels))
    t.strictSame(changes.map((change) => change.text), [
      '+ create table user', '+ create table profile', '+ create table post', '+ create table tag', '+ create table post_tag',
      '+ create table employee', '+ create table movie', '+ create table team', '+ create table account', '+ create table membership'
    ])
    const { module } = await writeRevision(t, operations)
    await runRevision(db, dialect, module.up)
    t.strictSame(await detect(db, dialect, everyTypeModels), [], 'after up: no changes')
    await runRevision(db, dialect, module.down)
    t.strictSame(await dialect.introspector.introspect(db), [], 'after down: no tables')
  })
})

t.test('tables dropped by a revision come back from its down exactly as they were', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openOrm(t, database, everyTypeModels)
    await app.db.createAll()
    const before = await dialect.introspector.introspect(db)
    const { operations, changes } = await autogenerate(db, dialect, [])
    t.ok(changes.every((change) => change.destructive), 'every drop is destructive')
    const { module } = await writeRevision(t, operations)
    await runRevision(db, dialect, module.up)
    t.strictSame(await dialect.introspector.introspect(db), [], 'after up: no tables')
    await runRevision(db, dialect, module.down)
    t.strictSame(await dialect.introspector.introspect(db), before, 'after down: the same tables, as introspection reports them')
    t.strictSame(await detect(db, dialect, everyTypeModels), [], 'and the models find nothing to change')
  })
})
