// Keyset (cursor) pagination: walking every page forward and back gives exactly the rows of
// the full ordered query, ties broken by the primary key; cursors are signed and bound to
// their ordering; a row added while paging shifts nothing. Real databases.
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import fastifyOrm, { c, defineModel, InvalidCursorError, type CursorPaginationJSON } from '../../src/index.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'

const Entry = defineModel('Entry', {
  id: c.integer().primaryKey(),
  title: c.string(50),
  score: c.integer(),
  postedAt: c.dateTime(),
  note: c.string(20).nullable()
}, { tableName: 'cursor_entry' })

const ROWS = 53
const SECRET = 'a-cursor-secret-of-some-length'

async function buildApp (t: Test, database: TestDatabase, options: { cursorSecret?: string } = {}): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fastifyOrm, { url: database.url, models: { Entry }, ...options })
  app.get('/entries', async (request) => request.db.query(Entry).orderBy('postedAt', 'desc').orderBy('id', 'desc').cursorPaginate(request))
  app.get('/by-score', async (request) => request.db.query(Entry).orderBy('score').cursorPaginate({ request, maxPerPage: 10 }))
  await app.ready()
  t.teardown(() => app.close())
  return app
}

async function seed (app: FastifyInstance): Promise<void> {
  await app.db.dropAll()
  await app.db.createAll()
  const session = app.db.session()
  const base = Date.UTC(2026, 0, 1)
  for (let i = 1; i <= ROWS; i++) {
    // Every third timestamp repeats its neighbour's, and scores repeat: ties the key must break.
    session.add(Entry, { id: i, title: `entry ${i}`, score: i % 7, postedAt: new Date(base + Math.floor(i / 3) * 60_000), note: null })
  }
  await session.commit()
  await session.close()
}

type Page = CursorPaginationJSON<{ id: number }>

t.test('cursorPaginate', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildApp(t, database)
    await seed(app)
    const session = app.db.session()
    t.teardown(() => session.close())
    const expected = (await session.query(Entry).orderBy('postedAt', 'desc').orderBy('id', 'desc').all()).map((entry) => entry.id)
    const get = async (url: string): Promise<Page> => {
      const response = await app.inject(url)
      t.equal(response.statusCode, 200, url)
      return response.json<Page>()
    }

    await t.test('forward through every page, then back', async (t) => {
      const pages: Page[] = []
      let page = await get('/entries?perPage=10')
      t.equal(page.hasPrev, false, 'the first page has no previous')
      t.equal(page.prevCursor, null)
      pages.push(page)
      while (page.nextCursor !== null) {
        page = await get(`/entries?perPage=10&cursor=${encodeURIComponent(page.nextCursor)}`)
        pages.push(page)
      }
      t.equal(pages.length, 6)
      t.same(pages.flatMap((p) => p.items.map((item) => item.id)), expected, 'the pages hold every row once, in order')
      t.same(pages.map((p) => p.items.length), [10, 10, 10, 10, 10, 3])
      t.equal(page.hasNext, false, 'the last page has no next')
      const back: Page[] = [page]
      while (page.prevCursor !== null) {
        page = await get(`/entries?perPage=10&cursor=${encodeURIComponent(page.prevCursor)}`)
        back.unshift(page)
      }
      t.same(back.map((p) => p.items.map((item) => item.id)), pages.map((p) => p.items.map((item) => item.id)), 'going back gives the same pages')
      t.equal(back[0]?.hasPrev, false)
      t.equal(back[0]?.hasNext, true)
    })

    await t.test('a key that is not unique gets the primary key as tie-breaker', async (t) => {
      const all = (await session.query(Entry).orderBy('score').orderBy('id').all()).map((entry) => entry.id)
      const seen: number[] = []
      let cursor: string | null = null
      do {
        const url = `/by-score?perPage=50${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
        const page: Page = (await app.inject(url)).json<Page>()
        t.equal(page.perPage, 10, 'maxPerPage applies')
        seen.push(...page.items.map((item) => item.id))
        cursor = page.nextCursor
      } while (cursor !== null)
      t.same(seen, all)
    })

    await t.test('a row added while paging shifts nothing', async (t) => {
      const first = await get('/entries?perPage=10')
      const writer = app.db.session()
      writer.add(Entry, { id: 1000, title: 'newest', score: 1, postedAt: new Date(Date.UTC(2030, 0, 1)), note: null })
      await writer.commit()
      await writer.close()
      const second = await get(`/entries?perPage=10&cursor=${encodeURIComponent(first.nextCursor!)}`)
      t.same(second.items.map((item) => item.id), expected.slice(10, 20), 'the second page is the one it was')
      const back = await get(`/entries?perPage=10&cursor=${encodeURIComponent(second.prevCursor!)}`)
      t.same(back.items.map((item) => item.id), expected.slice(0, 10), 'the page before is still the first ten')
      t.equal(back.hasPrev, true, 'and the new row is before it now')
      const removed = app.db.session()
      await removed.delete(await removed.getOr404(Entry, 1000))
      await removed.commit()
      await removed.close()
    })

    await t.test('altered and foreign cursors are a 400', async (t) => {
      const first = await get('/entries?perPage=5')
      const cursor = first.nextCursor!
      const [payload, signature] = cursor.split('.')
      const forged = Buffer.from(JSON.stringify(['a', ['2030-01-01T00:00:00.000Z', 1]])).toString('base64url') + '.' + signature!
      for (const bad of [forged, `${payload!}x.${signature!}`, 'nonsense', `${payload!}.${signature!}.x`]) {
        const response = await app.inject(`/entries?cursor=${encodeURIComponent(bad)}`)
        t.equal(response.statusCode, 400, bad)
        t.equal(response.json<{ code: string }>().code, 'ORM_INVALID_CURSOR')
      }
      const otherOrdering = await app.inject(`/by-score?cursor=${encodeURIComponent(cursor)}`)
      t.equal(otherOrdering.statusCode, 400, 'a cursor of another ordering')
    })

    await t.test('refused orderings and options', async (t) => {
      await t.rejects(session.query(Entry).orderBy('note').cursorPaginate(), /Entry.note is nullable/)
      await t.rejects(session.query(Entry).orderBy('id').limit(5).cursorPaginate(), /remove limit\(\) and offset\(\)/)
      await t.rejects(session.query(Entry).orderBy('id').cursorPaginate({ cursor: 'x.y' }), InvalidCursorError)
    })

    await t.test('filters apply, and a query without orderBy pages by primary key', async (t) => {
      const page = await session.query(Entry).where('score', '=', 3).cursorPaginate({ perPage: 3 })
      const all = (await session.query(Entry).where('score', '=', 3).orderBy('id').all()).map((entry) => entry.id)
      t.same(page.items.map((item) => item.id), all.slice(0, 3))
      const next = await session.query(Entry).where('score', '=', 3).cursorPaginate({ perPage: 3, cursor: page.nextCursor })
      t.same(next.items.map((item) => item.id), all.slice(3, 6))
    })
  })
})

t.test('cursorSecret: cursors cross processes that share it, and only those', async (t) => {
  await eachDb(t, async (t, database) => {
    const a = await buildApp(t, database, { cursorSecret: SECRET })
    await seed(a)
    const b = await buildApp(t, database, { cursorSecret: SECRET })
    const c = await buildApp(t, database)
    const cursor = (await a.inject('/entries?perPage=5')).json<Page>().nextCursor!
    t.equal((await b.inject(`/entries?cursor=${encodeURIComponent(cursor)}`)).statusCode, 200, 'same secret')
    t.equal((await c.inject(`/entries?cursor=${encodeURIComponent(cursor)}`)).statusCode, 400, 'a process key of its own')
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(async () => { await app.register(fastifyOrm, { url: database.url, cursorSecret: 'short' }).ready() }, /at least 16 characters/)
  }, ['sqlite'])
})
