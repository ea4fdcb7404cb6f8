// paginate(request) in real Fastify routes: pages from the query string, the JSON a reply
// carries, 404s and their fallbacks, clamping, and the statements behind a page: the count
// (without ORDER BY) and the page, sent together, and one per eager-loaded relationship.
import t from 'tap'
import { Post, Tag, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { as, emptyTables, plain, seedApp, type PostE } from './support.ts'

interface PageJson {
  items: Array<{ id: number, title: string, tags: Array<{ name: string }> }>
  page: number
  perPage: number
  total: number
  pages: number
  hasPrev: boolean
  hasNext: boolean
}

const TOTAL = 25

t.test('pagination through routes', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    app.get('/posts', async (request) => request.db.query(Post).orderBy('id').with('tags').paginate(request))
    app.get('/posts/lenient', async (request) => request.db.query(Post).orderBy('id').paginate({ request, errorOut: false }))
    app.get('/posts/small', async (request) => request.db.query(Post).orderBy('id').paginate({ request, maxPerPage: 7 }))
    app.get('/posts/none', async (request) => request.db.query(Post).filterBy({ title: 'no such title' }).with('tags').paginate(request))
    await app.ready()

    await emptyTables(app)
    const s = app.db.session()
    const [author] = s.addAll(User, [{ username: 'writer', email: 'writer@example.com' }])
    const tags = s.addAll(Tag, [{ name: 'odd' }, { name: 'even' }, { name: 'all' }])
    await s.flush()
    const posts = s.addAll(Post, Array.from({ length: TOTAL }, (_, i) => ({ title: `Post ${i + 1}`, body: '…', userId: author?.id as number })))
    for (const [i, post] of posts.entries()) as<PostE>(post).tags = [as(tags[i % 2]), as(tags[2])]
    await s.commit()
    await s.close()
    const ids = posts.map((post) => post.id)

    const get = async (url: string): Promise<{ status: number, body: PageJson }> => {
      log.clear()
      const response = await app.inject({ method: 'GET', url })
      return { status: response.statusCode, body: response.json<PageJson>() }
    }

    await t.test('first page: items, totals and the JSON shape', async (t) => {
      const { status, body } = await get('/posts?page=1&perPage=10')
      t.equal(status, 200)
      t.same(Object.keys(body).sort(), ['hasNext', 'hasPrev', 'items', 'page', 'pages', 'perPage', 'total'], 'toJSON\'s shape')
      t.same(body.items.map((item) => item.id), ids.slice(0, 10))
      t.match(body, { page: 1, perPage: 10, total: TOTAL, pages: 3, hasPrev: false, hasNext: true })
      t.same(body.items[0]?.tags.map((tag) => tag.name).sort(), ['all', 'odd'], 'eager-loaded tags are serialized')
      t.same(body.items[1]?.tags.map((tag) => tag.name).sort(), ['all', 'even'])
      t.notOk('author' in (body.items[0] as object), 'the unloaded author is not')
    })

    await t.test('count, posts, tags: 3 statements whatever the page size; the count has no ORDER BY', async (t) => {
      for (const perPage of [1, 5, 25, 100]) {
        await get(`/posts?page=1&perPage=${perPage}`)
        t.same(log.kinds, ['select', 'select', 'select'], `3 statements for perPage ${perPage}`)
        // The count and the page are sent together: either may finish first.
        const [first, second, tagQuery] = log.statements.map((statement) => plain(statement.sql))
        const [count, page] = first?.startsWith('select count') === true ? [first, second] : [second, first]
        t.match(count, /^select count\(\*\) as count from post$/, 'the count has no ORDER BY or LIMIT')
        t.match(page, /^select id, title, body, timestamp, user_id from post order by id asc limit .* offset /)
        t.match(tagQuery, /from tag inner join post_tag .* where post_tag\.post_id in \(/)
        t.equal(log.statements[2]?.params, Math.min(perPage, TOTAL), 'the tags of this page\'s posts only')
      }
      t.same(log.allKinds, ['select', 'select', 'select'], 'and no transaction: reads go straight to the pool')
    })

    await t.test('middle and last pages', async (t) => {
      const middle = (await get('/posts?page=2&perPage=10')).body
      t.same(middle.items.map((item) => item.id), ids.slice(10, 20))
      t.match(middle, { page: 2, pages: 3, hasPrev: true, hasNext: true })
      const last = (await get('/posts?page=3&perPage=10')).body
      t.same(last.items.map((item) => item.id), ids.slice(20))
      t.match(last, { page: 3, pages: 3, total: TOTAL, hasPrev: true, hasNext: false })
      t.equal(log.statements.length, 3)
    })

    await t.test('defaults: page 1, 20 per page', async (t) => {
      const { body } = await get('/posts')
      t.match(body, { page: 1, perPage: 20, pages: 2, hasNext: true })
      t.equal(body.items.length, 20)
    })

    await t.test('an empty result: page 1 exists (the count and the page, sent together)', async (t) => {
      const { status, body } = await get('/posts/none?page=1')
      t.equal(status, 200)
      t.same(body, { items: [], page: 1, perPage: 20, total: 0, pages: 0, hasPrev: false, hasNext: false })
      t.same(log.kinds, ['select', 'select'])
      t.equal((await get('/posts/none?page=2')).status, 404, 'page 2 of nothing is a 404')
    })

    await t.test('out of range: 404; invalid input: refused before any query', async (t) => {
      const past = await get('/posts?page=4&perPage=10')
      t.equal(past.status, 404)
      t.match(past.body, { message: /Page 4 not found: the last page is 3/ })
      t.same(log.kinds, ['select', 'select'], 'the count and the page, sent together')
      for (const url of ['/posts?page=0', '/posts?page=abc', '/posts?perPage=-1', '/posts?page=1.5']) {
        const { status } = await get(url)
        t.equal(status, 404, url)
        t.same(log.statements, [], `${url}: refused before any query`)
      }
    })

    await t.test('errorOut: false falls back instead', async (t) => {
      const past = await get('/posts/lenient?page=9&perPage=10')
      t.equal(past.status, 200)
      t.match(past.body, { items: [], page: 9, total: TOTAL, pages: 3, hasPrev: true, hasNext: false }, 'a page past the end is empty')
      t.same(log.kinds, ['select', 'select'], 'the count and the page, sent together')
      const bad = await get('/posts/lenient?page=abc&perPage=xyz')
      t.match(bad.body, { page: 1, perPage: 20, total: TOTAL })
      t.equal(bad.body.items.length, 20)
    })

    await t.test('perPage is clamped to maxPerPage', async (t) => {
      const big = await get('/posts?perPage=500')
      t.match(big.body, { perPage: 100, pages: 1 })
      t.equal(big.body.items.length, TOTAL)
      const small = await get('/posts/small?perPage=50&page=2')
      t.match(small.body, { perPage: 7, page: 2, pages: 4, hasNext: true })
      t.same(small.body.items.map((item) => item.id), ids.slice(7, 14))
      t.ok(log.statements.some((statement) => /limit .* offset /.test(plain(statement.sql))), 'the page has its LIMIT and OFFSET')
    })

    await t.test('the Pagination object in code', async (t) => {
      const session = app.db.session()
      t.teardown(() => session.close())
      const page = await session.query(Post).orderBy('id', 'desc').paginate({ page: 2, perPage: 10 })
      t.same(page.items.map((item) => item.id), ids.slice(5, 15).reverse())
      t.equal(page.prevNum, 1)
      t.equal(page.nextNum, 3)
      t.same([...page].map((item) => item.id), page.items.map((item) => item.id), 'iterable over its items')
      t.same(page.iterPages(), [1, 2, 3])
      t.equal(page.items[0], await session.get(Post, ids[14] as number), 'its items are tracked objects')
    })
  })
})
