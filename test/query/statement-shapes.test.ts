// Statements reused per query shape, joined loads without a derived table where no page
// needs one, and paginate's count and page sent at once. Each case checks the rows a query
// returns when only its values change, so that a statement compiled for one call can never
// answer another call's question.
import diagnostics from 'node:diagnostics_channel'
import { sql } from 'kysely'
import t from 'tap'
import { NotFoundError } from '../../src/index.ts'
import { Post, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { as, plain, seedApp, seedBlog, sessionOpener, type UserE } from '../unit-of-work/support.ts'

t.test('statements by query shape', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    const open = sessionOpener(app)
    await seedBlog(app)

    await t.test('the same shape with other values: the same SQL, the right rows', async (t) => {
      const s = open(t)
      const names = async (query: Promise<Array<{ username: string }>>): Promise<string[]> => (await query).map((user) => user.username)
      log.clear()
      t.same(await names(s.query(User).filterBy({ username: 'ada' }).all()), ['ada'])
      t.same(await names(s.query(User).filterBy({ username: 'alan' }).all()), ['alan'])
      t.equal(log.statements[0]?.sql, log.statements[1]?.sql, 'one text for both')
      t.same(await names(s.query(User).filterBy({ passwordHash: null }).orderBy('id').all()), ['ada', 'alan', 'bob'], 'null is IS NULL, another shape')
      t.same(await names(s.query(User).where('username', 'in', ['ada', 'bob']).orderBy('id').all()), ['ada', 'bob'])
      t.same(await names(s.query(User).where('username', 'in', ['alan']).orderBy('id').all()), ['alan'], 'a list of another length')
      t.same(await names(s.query(User).where('username', 'in', ['bob', 'alan', 'ada']).orderBy('id').all()), ['ada', 'alan', 'bob'])
      t.same(await names(s.query(User).where('passwordHash', 'is', null).orderBy('id').limit(1).all()), ['ada'])
      t.same(await names(s.query(User).where('passwordHash', 'is not', null).all()), [], '`is` is written inline, never reused for other values')
      t.same(await names(s.query(User).where('username', '>', 'alan').orderBy('username', 'desc').all()), ['bob'])
      t.same(await names(s.query(User).where('username', '>', 'ada').orderBy('username', 'desc').all()), ['bob', 'alan'])
      t.same(await names(s.query(User).where('username', '>', 'ada').orderBy('username', 'asc').all()), ['alan', 'bob'], 'another order is another shape')
      t.same(await names(s.query(User).orderBy('id').offset(1).all()), ['alan', 'bob'], 'OFFSET without LIMIT')
      t.same(await names(s.query(User).orderBy('id').offset(2).all()), ['bob'])
      t.same(await names(s.query(User).orderBy('id').limit(2).offset(1).all()), ['alan', 'bob'])
      t.same(await names(s.query(User).orderBy('id').limit(1).offset(2).all()), ['bob'])
      t.same(await names(s.query(User).where((eb) => eb('username', '=', 'alan')).all()), ['alan'], 'an expression filter is compiled each time')
      t.same(await names(s.query(User).where((eb) => eb('username', '=', 'bob')).all()), ['bob'])
      t.equal(await s.query(User).filterBy({ username: 'ada' }).count(), 1)
      t.equal(await s.query(User).filterBy({ username: 'zed' }).count(), 0)
      t.equal(await s.query(User).where('username', 'in', ['ada', 'alan']).count(), 2)
      t.equal(await s.query(User).where('username', 'in', ['ada', 'alan', 'bob']).count(), 3)
    })

    await t.test('a joined load pinned to one row by its key is a flat join; a page of root rows is a derived table', async (t) => {
      const s = open(t)
      const ada = as<UserE>(await s.query(User).filterBy({ username: 'ada' }).first())
      log.clear()
      const byKey = as<UserE>(await open(t).query(User).filterBy({ id: ada.id }).with({ posts: { tags: true } }, { strategy: 'joined' }).first())
      const flat = plain(log.statements[0]?.sql ?? '')
      t.notMatch(flat, /\(select/, 'no derived table')
      t.notMatch(flat, /limit/, 'no LIMIT: the key allows one row')
      t.match(flat, /where t0\.id = /)
      t.same(byKey.posts.map((post) => [post.title, post.tags.map((tag) => tag.name)]), [['p1', ['x', 'y']], ['p2', ['y']]])

      log.clear()
      const all = as<UserE[]>(await open(t).query(User).where('username', '<', 'b').orderBy('username', 'desc').with('posts', { strategy: 'joined' }).all())
      t.notMatch(plain(log.statements[0]?.sql ?? ''), /\(select/, 'no page: no derived table')
      t.same(all.map((user) => [user.username, user.posts.length]), [['alan', 1], ['ada', 2]], 'the root order')

      log.clear()
      const byName = as<UserE>(await open(t).query(User).filterBy({ username: 'alan' }).with('posts', { strategy: 'joined' }).first())
      t.match(plain(log.statements[0]?.sql ?? ''), /from \(select .* limit/, 'LIMIT 1 on a column that is not the key counts root rows in a derived table')
      t.same(byName.posts.map((post) => post.title), ['p3'])

      log.clear()
      const withPosts = as<UserE[]>(await open(t).query(User).has('posts').orderBy('id').with('posts', { strategy: 'joined' }).all())
      t.match(plain(log.statements[0]?.sql ?? ''), /from \(select .* exists/, 'a filter of free form stays inside the derived table')
      t.same(withPosts.map((user) => user.username), ['ada', 'alan'])

      const other = as<UserE>(await open(t).query(User).filterBy({ id: byName.id }).with({ posts: { tags: true } }, { strategy: 'joined' }).first())
      t.same([other.username, other.posts.map((post) => post.title)], ['alan', ['p3']], 'the flat statement again, for another key')
      t.equal(await open(t).query(User).filterBy({ id: -1 }).with('posts', { strategy: 'joined' }).first(), undefined)
    })

    await t.test('a joined load is a SELECT of its root table to tracing (and to replica routing)', async (t) => {
      const seen: Array<{ operation: string | undefined, table: string | undefined }> = []
      const channel = diagnostics.tracingChannel<unknown, { operation: string | undefined, table: string | undefined }>('fastify-orm:query')
      const onStart = (message: { operation: string | undefined, table: string | undefined }): void => { seen.push({ operation: message.operation, table: message.table }) }
      const handlers = { start: onStart, end () {}, asyncStart () {}, asyncEnd () {}, error () {} }
      channel.subscribe(handlers)
      try {
        await open(t).query(User).filterBy({ username: 'ada' }).with('posts', { strategy: 'joined' }).first()
        await open(t).query(User).filterBy({ id: 1 }).with('posts', { strategy: 'joined' }).first()
      } finally {
        channel.unsubscribe(handlers)
      }
      t.same(seen, [{ operation: 'SELECT', table: 'user' }, { operation: 'SELECT', table: 'user' }])
    })

    await t.test('paginate: the count and the page together, objects only for a page that exists', async (t) => {
      const s = open(t)
      log.clear()
      const page = await s.query(Post).orderBy('id').paginate({ page: 2, perPage: 2 })
      t.same(page.items.map((post) => post.title), ['p3'])
      t.equal(page.total, 3)
      t.equal(log.statements.length, 2)
      const lenient = await s.query(Post).orderBy('id').paginate({ page: 5, perPage: 2, errorOut: false })
      t.same(lenient.items, [])
      await t.rejects(s.query(Post).orderBy('id').paginate({ page: 5, perPage: 2 }), NotFoundError)
    })
  })
})

t.test('paginate on PostgreSQL: the count and the page run at the same time, on two connections', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app } = await seedApp(t, db)
    await seedBlog(app)
    // Every row the statements read sleeps 0.4 s: both statements are still running when looked at.
    const slow = app.db.session()
    t.teardown(() => slow.close())
    const paging = slow.query(Post).filterBy({ title: 'p1' }).where(() => sql<boolean>`pg_sleep(0.4) is not null`).paginate({ page: 1, perPage: 5 })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where state = 'active' and query like '%pg_sleep(0.4)%' and pid <> pg_backend_pid()`.execute(app.db.kysely)
    const page = await paging
    t.equal(rows[0]?.n, 2, 'two backends run the statements at once')
    t.same(page.items.map((post) => post.title), ['p1'])
    t.equal(page.total, 1)
  }, ['postgres'])
})
