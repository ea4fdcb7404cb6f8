// Queries: filterBy (null too), where with every usual operator and and/or through the
// expression builder, ordering by several keys, limit/offset, the single-row helpers and
// their 404s, count/exists, immutability, and autoflush making pending objects visible.
import t from 'tap'
import { MultipleResultsError, NotFoundError, UnknownPropertyError } from '../../src/index.ts'
import { Post, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { emptyTables, plain, seedApp, type UserRow } from './support.ts'

const PEOPLE = [
  { username: 'ada', email: 'ada@math.org', passwordHash: 'h1' },
  { username: 'alan', email: 'alan@math.org', passwordHash: null },
  { username: 'grace', email: 'grace@navy.mil', passwordHash: 'h3' },
  { username: 'edsger', email: 'edsger@math.org', passwordHash: null },
  { username: 'barbara', email: 'barbara@mit.edu', passwordHash: 'h5' }
]

t.test('queries', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    await emptyTables(app)
    const setup = app.db.session()
    const created = setup.addAll(User, PEOPLE)
    await setup.commit()
    // Posts: (user, title) with repeated titles to order by two keys.
    const [ada, alan, grace] = created as [UserRow, UserRow, UserRow]
    setup.addAll(Post, [
      { title: 'b', body: '1', userId: ada.id },
      { title: 'a', body: '2', userId: alan.id },
      { title: 'b', body: '3', userId: alan.id },
      { title: 'a', body: '4', userId: ada.id },
      { title: 'c', body: '5', userId: grace.id }
    ])
    await setup.commit()
    await setup.close()
    const idOf = (name: string): number => (created.find((user) => user.username === name) as UserRow).id

    const s = app.db.session()
    t.teardown(() => s.close())
    const names = (users: readonly UserRow[]): string[] => users.map((user) => user.username)
    const sorted = (users: readonly UserRow[]): string[] => names(users).sort()

    await t.test('filterBy: equality, several properties, null as IS NULL, undefined ignored', async (t) => {
      t.same(names(await s.query(User).filterBy({ username: 'grace' }).all()), ['grace'])
      t.same(names(await s.query(User).filterBy({ username: 'grace', email: 'ada@math.org' }).all()), [])
      log.clear()
      t.same(sorted(await s.query(User).filterBy({ passwordHash: null }).all()), ['alan', 'edsger'])
      t.match(plain(log.statements[0]?.sql ?? ''), /where password_hash is null/, 'null is IS NULL, not = NULL')
      t.equal(log.statements[0]?.params, 0)
      t.same(sorted(await s.query(User).filterBy({ username: undefined }).all()), sorted(created), 'undefined values are ignored')
      t.same(names(await s.query(User).filterBy({ username: 'ada' }).filterBy({ email: 'ada@math.org' }).all()), ['ada'], 'filters add up')
      t.throws(() => s.query(User).filterBy({ nope: 1 } as never), UnknownPropertyError, 'an unknown property is refused before any query')
    })

    await t.test('where: =, <>, <, >=, in, not in, like, is null, is not null', async (t) => {
      const q = s.query(User)
      t.same(names(await q.where('username', '=', 'alan').all()), ['alan'])
      t.same(sorted(await q.where('username', '<>', 'alan').all()), ['ada', 'barbara', 'edsger', 'grace'])
      t.same(sorted(await q.where('id', '<', idOf('grace')).all()), ['ada', 'alan'])
      t.same(sorted(await q.where('id', '>=', idOf('edsger')).all()), ['barbara', 'edsger'])
      t.same(sorted(await q.where('username', 'in', ['ada', 'grace', 'nobody']).all()), ['ada', 'grace'])
      t.same(sorted(await q.where('username', 'not in', ['ada', 'grace']).all()), ['alan', 'barbara', 'edsger'])
      t.same(sorted(await q.where('email', 'like', '%@math.org').all()), ['ada', 'alan', 'edsger'])
      t.same(sorted(await q.where('passwordHash', 'is', null).all()), ['alan', 'edsger'])
      t.same(sorted(await q.where('passwordHash', 'is not', null).all()), ['ada', 'barbara', 'grace'])
      log.clear()
      await q.where('passwordHash', 'is not', null).all()
      t.match(plain(log.statements[0]?.sql ?? ''), /where password_hash is not null$/, 'properties are translated to column names')
      t.same(sorted(await q.where('email', 'like', '%@math.org').where('passwordHash', 'is', null).all()), ['alan', 'edsger'], 'where calls are ANDed')
    })

    await t.test('where(eb => …): and/or with the expression builder, on column names', async (t) => {
      const either = await s.query(User)
        .where((eb) => eb.or([eb('username', '=', 'ada'), eb('email', 'like', '%@navy.mil')]))
        .all()
      t.same(sorted(either), ['ada', 'grace'])
      const both = await s.query(User)
        .where((eb) => eb.and([eb('email', 'like', '%@math.org'), eb('password_hash', 'is not', null)]))
        .all()
      t.same(names(both), ['ada'])
      const nested = await s.query(User)
        .where((eb) => eb.or([eb.and([eb('email', 'like', '%@math.org'), eb('password_hash', 'is', null)]), eb('username', '=', 'barbara')]))
        .all()
      t.same(sorted(nested), ['alan', 'barbara', 'edsger'])
    })

    await t.test('orderBy several keys, limit and offset', async (t) => {
      const posts = await s.query(Post).orderBy('title').orderBy('body', 'desc').all()
      t.same(posts.map((post) => `${post.title}${post.body}`), ['a4', 'a2', 'b3', 'b1', 'c5'])
      log.clear()
      const page = await s.query(Post).orderBy('title', 'desc').orderBy('body').limit(2).offset(1).all()
      t.same(page.map((post) => `${post.title}${post.body}`), ['b1', 'b3'])
      t.match(plain(log.statements[0]?.sql ?? ''), /order by title desc, body asc limit .* offset /)
      t.same((await s.query(Post).orderBy('body').offset(3).all()).map((post) => post.body), ['4', '5'], 'offset without a limit')
      t.same((await s.query(Post).orderBy('body').limit(0).all()), [], 'limit 0')
    })

    await t.test('first / firstOr404', async (t) => {
      log.clear()
      const first = await s.query(User).orderBy('username', 'desc').first()
      t.equal(first?.username, 'grace')
      t.match(plain(log.statements[0]?.sql ?? ''), /limit /, 'first() asks for one row')
      t.equal(await s.query(User).filterBy({ username: 'nobody' }).first(), undefined)
      t.equal((await s.query(User).orderBy('id').firstOr404()).username, 'ada')
      const error = await s.query(User).filterBy({ username: 'nobody' }).firstOr404().then(() => undefined, (e: unknown) => e)
      t.type(error, NotFoundError)
      t.match(error, { statusCode: 404, message: 'User not found' })
      await t.rejects(s.query(User).filterBy({ username: 'nobody' }).firstOr404('No such user'), { statusCode: 404, message: 'No such user' })
    })

    await t.test('one / oneOr404: none is a 404, several an error', async (t) => {
      t.equal((await s.query(User).filterBy({ username: 'alan' }).one()).email, 'alan@math.org')
      await t.rejects(s.query(User).filterBy({ username: 'nobody' }).one(), NotFoundError)
      const several = await s.query(User).filterBy({ passwordHash: null }).one().then(() => undefined, (e: unknown) => e)
      t.type(several, MultipleResultsError, 'several rows is not a 404: the query is wrong')
      t.equal((several as MultipleResultsError).statusCode, 500)
      t.match((several as Error).message, /several/)
      t.equal((await s.query(User).filterBy({ username: 'ada' }).oneOr404()).username, 'ada')
      await t.rejects(s.query(User).filterBy({ username: 'nobody' }).oneOr404('Who?'), { statusCode: 404, message: 'Who?' })
      await t.rejects(s.query(User).filterBy({ passwordHash: null }).oneOr404('Who?'), MultipleResultsError, 'several is still an error with oneOr404')
    })

    await t.test('count and exists', async (t) => {
      log.clear()
      const count = await s.query(User).filterBy({ passwordHash: null }).orderBy('username').limit(1).count()
      t.equal(count, 2, 'counts every match, ignoring order and limit')
      t.equal(typeof count, 'number', 'a number on every database')
      t.match(plain(log.statements[0]?.sql ?? ''), /^select count\(\*\) as count from user where password_hash is null$/, 'no ORDER BY, no LIMIT')
      t.equal(await s.query(User).count(), 5)
      t.equal(await s.query(User).where('username', 'like', 'zz%').count(), 0)
      t.equal(await s.query(User).filterBy({ username: 'ada' }).exists(), true)
      t.equal(await s.query(User).filterBy({ username: 'nobody' }).exists(), false)
    })

    await t.test('queries are immutable: a base query can be reused', async (t) => {
      const math = s.query(User).where('email', 'like', '%@math.org')
      const withHash = math.where('passwordHash', 'is not', null)
      const ordered = math.orderBy('username', 'desc')
      t.same(sorted(await math.all()), ['ada', 'alan', 'edsger'])
      t.same(names(await withHash.all()), ['ada'])
      t.same(names(await ordered.all()), ['edsger', 'alan', 'ada'])
      t.equal(await math.count(), 3)
    })

    await t.test('autoflush: a pending add is visible to the next query', async (t) => {
      const pending = app.db.session()
      t.teardown(() => pending.close())
      const linus = pending.add(User, { username: 'linus', email: 'linus@kernel.org' })
      log.clear()
      const found = await pending.query(User).filterBy({ username: 'linus' }).one()
      t.equal(found, linus, 'the query returns the added object itself')
      t.same(log.allKinds, ['begin', 'insert', 'select'], 'flushed (in a transaction) before the SELECT')
      t.ok(Number.isInteger(linus.id))
      pending.add(User, { username: 'ken', email: 'ken@bell-labs.com' })
      t.equal(await pending.query(User).count(), 7, 'count() flushes too')
      pending.add(User, { username: 'dennis', email: 'dennis@bell-labs.com' })
      t.equal(await pending.query(User).filterBy({ username: 'dennis' }).exists(), true, 'and exists()')
      await pending.rollback()
      t.equal(await s.query(User).count(), 5, 'flushed but never committed: rolled back')
    })
  })
})
