// Lifecycle hooks (before/after insert, update, delete) and `onUpdate` columns, run by the
// unit of work at flush, on every database.
import type { Kysely } from 'kysely'
import t from 'tap'
import { c, defineModel, relations, type DatabaseOf } from '../../src/index.ts'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp } from '../schema/support.ts'

const log: string[] = []
const failOn = new Set<string>()

function record (what: string, slug: string): void {
  log.push(`${what} ${slug}`)
  if (failOn.has(what)) throw new Error(`${what} refused ${slug}`)
}

const Article = defineModel('Article', {
  id: c.integer().primaryKey(),
  title: c.string(100),
  slug: c.string(100).default(''),
  revision: c.integer().default(0),
  authorId: c.integer().nullable().references(() => Author),
  createdAt: c.dateTime().default(() => new Date()),
  updatedAt: c.dateTime().default(() => new Date()).onUpdate(() => new Date())
}, {
  naming: 'snake_case',
  hooks: {
    async beforeInsert (article) {
      await new Promise((resolve) => setImmediate(resolve))
      article.slug = article.title.toLowerCase().replaceAll(' ', '-')
      record('beforeInsert', article.slug)
    },
    beforeUpdate (article) {
      article.revision += 1
      record('beforeUpdate', article.slug)
    },
    beforeDelete (article) { record('beforeDelete', article.slug) },
    afterInsert (article) { record(`afterInsert#${String(article.id)}`, article.slug) },
    afterUpdate (article) { record('afterUpdate', article.slug) },
    afterDelete (article) { record('afterDelete', article.slug) }
  }
})

const Author = defineModel('Author', {
  id: c.integer().primaryKey(),
  name: c.string(50)
})

// No relationship: a lone new Stamp would be inserted in autocommit, but for its afterInsert.
const Stamp = defineModel('Stamp', { id: c.integer().primaryKey(), note: c.string(20) }, {
  hooks: { afterInsert (stamp) { record('afterStamp', stamp.note) } }
})

const models = {
  Article,
  Author,
  Stamp,
  articleRelations: relations(Article, ({ belongsTo }) => ({ author: belongsTo(() => Author, 'authorId') }))
}

type DB = DatabaseOf<typeof models>
const earlier = new Date('2020-01-01T00:00:00Z')

const kysely = (app: { db: { kysely: unknown } }): Kysely<DB> => app.db.kysely as Kysely<DB>

t.test('hooks run at flush, in order, and what a before-hook sets is written', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models })
    await app.db.createAll()
    const session = app.db.session()
    t.teardown(() => session.close())
    log.length = 0
    failOn.clear()

    const article = session.add(Article, { title: 'Hello World' })
    t.strictSame(log, [], 'nothing runs before the flush')
    await session.commit()
    t.strictSame(log, ['beforeInsert hello-world', `afterInsert#${article.id} hello-world`], 'the after-hook sees the generated key')
    const row = await kysely(app).selectFrom('article').selectAll().executeTakeFirstOrThrow()
    t.equal(row.slug, 'hello-world', 'a value set by an async beforeInsert is inserted')

    log.length = 0
    article.title = 'Hello Again'
    await session.commit()
    t.strictSame(log, ['beforeUpdate hello-world', 'afterUpdate hello-world'])
    t.equal((await kysely(app).selectFrom('article').select('revision').executeTakeFirstOrThrow()).revision, 1, 'a column set by beforeUpdate is written')

    log.length = 0
    await session.commit()
    t.strictSame(log, [], 'an unchanged object runs no hook')

    const author = session.add(Author, { name: 'Ann' })
    Object.assign(article, { author })
    await session.commit()
    t.strictSame(log, ['beforeUpdate hello-world', 'afterUpdate hello-world'], 'a new parent is an update of the child')
    t.equal((await kysely(app).selectFrom('article').select(['revision', 'author_id']).executeTakeFirstOrThrow()).author_id, author.id)

    log.length = 0
    session.delete(article)
    await session.commit()
    t.strictSame(log, ['beforeDelete hello-world', 'afterDelete hello-world'])
  })
})

t.test('a failing hook rolls the flush back', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models })
    await app.db.createAll()
    const session = app.db.session()
    t.teardown(() => session.close())
    log.length = 0
    failOn.clear()

    failOn.add('beforeInsert')
    session.add(Article, { title: 'First' })
    await t.rejects(session.commit(), /beforeInsert refused first/)
    failOn.clear()

    // An afterInsert that fails undoes the INSERT.
    failOn.add('afterInsert#1')
    const lone = session.add(Article, { title: 'Second' })
    await t.rejects(session.commit(), /afterInsert#1 refused second/)
    t.equal(lone.id, undefined, 'the key of the rolled-back INSERT is taken back')
    failOn.clear()
    const count = async (): Promise<number> => Number((await kysely(app).selectFrom('article').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
    t.equal(await count(), 0, 'nothing stayed')

    failOn.add('afterStamp')
    session.add(Stamp, { note: 'lone' })
    await t.rejects(session.commit(), /afterStamp refused lone/)
    failOn.clear()
    t.equal(Number((await kysely(app).selectFrom('stamp').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n), 0,
      'a lone INSERT whose afterInsert fails is rolled back too')

    const kept = session.add(Article, { title: 'Third' })
    await session.commit()
    failOn.add('beforeUpdate')
    kept.title = 'Changed'
    await t.rejects(session.commit(), /beforeUpdate refused third/)
    failOn.clear()
    const fresh = await session.getOr404(Article, kept.id)
    t.equal(fresh.title, 'Third')

    failOn.add('afterDelete')
    session.delete(fresh)
    await t.rejects(session.commit(), /afterDelete refused third/)
    t.equal(await count(), 1, 'the DELETE was rolled back')
  })
})

t.test('onUpdate columns are set when a flush updates the row, unless the change sets them', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models })
    await app.db.createAll()
    failOn.clear()
    const session = app.db.session()
    t.teardown(() => session.close())
    const article = session.add(Article, { title: 'Dated', createdAt: earlier, updatedAt: earlier })
    await session.commit()
    t.equal(article.updatedAt.getTime(), earlier.getTime(), 'an INSERT keeps the value given')

    await session.commit()
    t.equal(article.updatedAt.getTime(), earlier.getTime(), 'no change, no update')

    const before = Date.now()
    article.title = 'Dated again'
    await session.commit()
    t.ok(article.updatedAt.getTime() >= before, 'set by the UPDATE')
    t.equal(article.createdAt.getTime(), earlier.getTime(), 'other columns untouched')
    const row = await kysely(app).selectFrom('article').select('updated_at').executeTakeFirstOrThrow()
    t.equal(new Date(row.updated_at).getTime(), article.updatedAt.getTime(), 'and written')

    const chosen = new Date('2025-06-01T00:00:00Z')
    article.title = 'Dated by hand'
    article.updatedAt = chosen
    await session.commit()
    t.equal(article.updatedAt.getTime(), chosen.getTime(), 'a value the change sets itself is kept')
    const after = await kysely(app).selectFrom('article').select('updated_at').executeTakeFirstOrThrow()
    t.equal(new Date(after.updated_at).getTime(), chosen.getTime())
  })
})
