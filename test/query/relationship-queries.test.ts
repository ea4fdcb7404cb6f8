// Querying through relationships without Kysely: join() a to-one relationship to filter and
// order by its properties, has()/hasNot() as EXISTS subqueries, and session.related() over
// one object's collection — on every database, with the results checked row by row.
import t from 'tap'
import { InvalidArgumentError, InvalidValueError, UnknownPropertyError, UnknownRelationshipError, type Query, type Session } from '../../src/index.ts'
import type { AnyModel } from '../../src/model/define-model.ts'
import { Employee, Post, Tag, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { as, fresh, seedBlog, plain, seedApp, seedEmployees, sessionOpener, type EmployeeE, type PostE, type TagE, type UserE } from '../unit-of-work/support.ts'

const titles = (posts: readonly unknown[]): string[] => (posts as PostE[]).map((post) => post.title)
const names = (rows: readonly unknown[]): string[] => (rows as Array<{ name?: string, username?: string }>).map((row) => row.name ?? row.username ?? '?')

// Without a Register augmentation a has() condition names the related model's query itself.
const tagQuery = (q: Query<typeof Tag>): Query<typeof Tag> => q
const postQuery = (q: Query<typeof Post>): Query<typeof Post> => q
const userQuery = (q: Query<typeof User>): Query<typeof User> => q
const employeeQuery = (q: Query<typeof Employee>): Query<typeof Employee> => q
// …and related() returns a query of a model it cannot name: the test names it.
const posts = (q: Query<AnyModel>): Query<typeof Post> => q as unknown as Query<typeof Post>

t.test('relationship queries', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    const open = sessionOpener(app)
    await seedBlog(app)

    await t.test('join(belongsTo): filter, order and filterBy on the related model', async (t) => {
      const s = open(t)
      const byAda = await s.query(Post).join('author').where('author.email', '=', 'ada@example.com').orderBy('title').all()
      t.same(titles(byAda), ['p1', 'p2'])
      t.equal(byAda[0], await s.get(Post, byAda[0]!.id), 'the results are the identity map\'s objects')
      t.same(Object.keys(byAda[0]!).sort(), Object.keys((await s.query(Post).first())!).sort(), 'only the root\'s columns are loaded')

      t.same(titles(await s.query(Post).join('author').orderBy('author.username', 'desc').orderBy('title').all()), ['p3', 'p1', 'p2'])
      t.same(titles(await s.query(Post).join('author').filterBy({ 'author.username': 'alan' }).all()), ['p3'])
      t.same(titles(await s.query(Post).join('author').where('author.username', 'in', ['alan', 'bob']).all()), ['p3'])
      // Both tables have an id: the query's own columns are qualified.
      t.same(titles(await s.query(Post).join('author').where('id', '>', 0).filterBy({ title: 'p2' }).orderBy('id').all()), ['p2'])
      t.same(titles(await s.query(Post).where('title', '<>', 'p9').join('author').where('author.username', '=', 'ada').orderBy('id', 'desc').all()), ['p2', 'p1'],
        'filters written before the join still name the query\'s own table')
      t.same(titles(await s.query(Post).where((eb) => eb.or([eb('id', '<', 0), eb('title', '=', 'p3')])).join('author').all()), ['p3'],
        'so do the columns of an expression callback')

      const statements = await log.during(() => s.query(Post).join('author').where('author.username', '=', 'ada').all())
      t.match(plain(statements[0]!.sql), /^select post\.id, post\.title, post\.body, post\.timestamp, post\.user_id from post inner join user as author on author\.id = post\.user_id where author\.username = /, 'an inner join on the foreign key, the model\'s own columns selected')
      const plainQuery = await log.during(() => s.query(Post).where('title', '=', 'p1').orderBy('id').all())
      t.match(plain(plainQuery[0]!.sql), /^select id, title, body, timestamp, user_id from post where title = .* order by id asc$/, 'without joins, the columns are not qualified')
    })

    await t.test('count, exists, first, paginate and both loading strategies keep the join', async (t) => {
      const s = open(t)
      const ada = s.query(Post).join('author').where('author.username', '=', 'ada')
      t.equal(await ada.count(), 2)
      t.equal(await ada.exists(), true)
      t.equal(await s.query(Post).join('author').where('author.username', '=', 'bob').exists(), false)
      t.equal((await ada.orderBy('title', 'desc').first())?.title, 'p2')
      const page = await ada.orderBy('title').paginate({ page: 2, perPage: 1 })
      t.same([page.total, page.pages, titles(page.items)], [2, 2, ['p2']])

      const byAuthor = s.query(Post).join('author').orderBy('author.username', 'desc').orderBy('title')
      const selectin = as<PostE[]>(await byAuthor.with('tags').all())
      t.same(selectin.map((post) => [post.title, post.tags.map((tag) => tag.name)]), [['p3', []], ['p1', ['x', 'y']], ['p2', ['y']]])
      const other = open(t)
      log.clear()
      const joined = as<PostE[]>(await other.query(Post).join('author').orderBy('author.username', 'desc').orderBy('title').with('tags', { strategy: 'joined' }).all())
      t.same(log.kinds, ['select'], 'one statement')
      t.same(joined.map((post) => [post.title, post.tags.map((tag) => tag.name)]), [['p3', []], ['p1', ['x', 'y']], ['p2', ['y']]], 'the joined load orders by the joined column too')
      const firstJoined = as<PostE>(await other.query(Post).join('author').where('author.username', '=', 'ada').orderBy('author.username').orderBy('title', 'desc')
        .with('tags', { strategy: 'joined' }).first())
      t.same([firstJoined.title, firstJoined.tags.map((tag) => tag.name)], ['p2', ['y']], 'limit counts root rows')
    })

    await t.test('join(hasOne) is an inner join: users without a profile are left out', async (t) => {
      const s = open(t)
      t.same(names(await s.query(User).join('profile').where('profile.bio', 'like', 'Count%').all()), ['ada'])
      t.equal(await s.query(User).join('profile').count(), 1)
      t.equal(await s.query(User).join('profile').join('profile').count(), 1, 'joining twice is joining once')
    })

    await t.test('a self-referential join gets its own alias', async (t) => {
      await seedEmployees(app)
      const s = open(t)
      t.same(names(await s.query(Employee).join('manager').where('manager.name', '=', 'Lead').orderBy('name').all()), ['Dev1', 'Dev2'])
      t.same(names(await s.query(Employee).join('manager').orderBy('manager.name', 'desc').orderBy('name').all()), ['Dev1', 'Dev2', 'Lead', 'Solo'])
      const withReports = as<EmployeeE[]>(await s.query(Employee).join('manager').where('manager.name', '=', 'Boss').orderBy('name')
        .with('reports', { strategy: 'joined' }).all())
      t.same(withReports.map((employee) => [employee.name, employee.reports.map((report) => report.name)]), [['Lead', ['Dev1', 'Dev2']], ['Solo', []]])
      const byManager = as<EmployeeE[]>(await s.query(Employee).join('manager').orderBy('manager.name').orderBy('name', 'desc')
        .with(['reports', 'manager'], { strategy: 'joined' }).all())
      t.same(byManager.map((employee) => [employee.name, employee.manager?.name, employee.reports.length]),
        [['Solo', 'Boss', 0], ['Lead', 'Boss', 2], ['Dev2', 'Lead', 0], ['Dev1', 'Lead', 0]], 'the joined load follows the joined order')
      await seedBlog(app)
    })

    await t.test('join() refuses a collection, pointing at has()', async (t) => {
      const s = open(t)
      t.throws(() => s.query(Post).join('tags'), { constructor: InvalidArgumentError, message: /Post\.tags is a collection.*has\('tags'/ })
      t.throws(() => s.query(User).join('posts'), { constructor: InvalidArgumentError, message: /has\('posts'/ })
    })

    await t.test('has() and hasNot() on every kind of relationship', async (t) => {
      const s = open(t)
      // manyToMany
      t.same(titles(await s.query(Post).has('tags', (q) => tagQuery(q).where('name', '=', 'x')).all()), ['p1'])
      t.same(titles(await s.query(Post).has('tags').orderBy('title').all()), ['p1', 'p2'])
      t.same(titles(await s.query(Post).hasNot('tags').all()), ['p3'])
      t.same(titles(await s.query(Post).hasNot('tags', (q) => tagQuery(q).filterBy({ name: 'x' })).orderBy('title').all()), ['p2', 'p3'])
      t.same(names(await s.query(Tag).hasNot('posts').all()), ['z'])
      // hasMany
      t.same(names(await s.query(User).has('posts', (q) => postQuery(q).where('title', '=', 'p3')).all()), ['alan'])
      t.same(names(await s.query(User).hasNot('posts').all()), ['bob'])
      t.equal(await s.query(User).has('posts').count(), 2, 'no repeated rows: ada has two posts, counted once')
      // hasOne, belongsTo
      t.same(names(await s.query(User).has('profile').all()), ['ada'])
      t.same(names(await s.query(User).hasNot('profile').orderBy('username').all()), ['alan', 'bob'])
      t.same(titles(await s.query(Post).has('author', (q) => userQuery(q).where('username', '=', 'alan')).all()), ['p3'])
      // nested: a condition with its own has() and join()
      t.same(names(await s.query(User).has('posts', (q) => postQuery(q).has('tags', (tags) => tagQuery(tags).where('name', '=', 'x'))).all()), ['ada'])
      t.same(names(await s.query(Tag).has('posts', (q) => postQuery(q).join('author').where('author.username', '=', 'ada')).orderBy('name').all()), ['x', 'y'])
      // count, paginate and joined loading keep the subquery
      const page = await s.query(User).has('posts').orderBy('username').with('posts', { strategy: 'joined' }).paginate({ page: 1, perPage: 1 })
      t.same([page.total, names(page.items), titles(as<UserE[]>(page.items)[0]!.posts)], [2, ['ada'], ['p1', 'p2']])
      // with a join on the outer query too
      t.same(titles(await s.query(Post).join('author').has('tags').where('author.username', '=', 'ada').orderBy('title').all()), ['p1', 'p2'])

      const statements = await log.during(() => s.query(Post).has('tags', (q) => tagQuery(q).where('name', '=', 'x')).all())
      t.match(plain(statements[0]!.sql), /where exists \(select 1 as one from tag inner join post_tag on post_tag\.tag_id = tag\.id where post_tag\.post_id = post\.id and tag\.name = /)
    })

    await t.test('has() on a self-referential relationship aliases the inner table', async (t) => {
      await seedEmployees(app)
      const s = open(t)
      t.same(names(await s.query(Employee).has('reports').orderBy('name').all()), ['Boss', 'Lead'])
      t.same(names(await s.query(Employee).hasNot('reports').orderBy('name').all()), ['Dev1', 'Dev2', 'Solo'])
      t.same(names(await s.query(Employee).has('manager', (q) => employeeQuery(q).where('name', '=', 'Boss')).orderBy('name').all()), ['Lead', 'Solo'])
      t.same(names(await s.query(Employee).has('reports', (q) => employeeQuery(q).has('reports')).all()), ['Boss'], 'two levels, two aliases')
      t.same(names(await s.query(Employee).has('reports', (q) => employeeQuery(q).join('manager').where('manager.name', '=', 'Boss')).all()), ['Boss'])
      await seedBlog(app)
    })

    await t.test('related(): a query over one object\'s collection', async (t) => {
      const s = open(t)
      const ada = as<UserE>(await s.query(User).filterBy({ username: 'ada' }).one())
      const members = await posts(s.related(ada, 'posts')).orderBy('title', 'desc').all()
      t.same(titles(members), ['p2', 'p1'])
      t.equal(members[0], await s.get(Post, members[0]!.id), 'tracked objects of the target model')
      t.equal(await posts(s.related(ada, 'posts')).where('title', '=', 'p1').count(), 1)
      const page = await posts(s.related(ada, 'posts')).orderBy('id').paginate({ page: 1, perPage: 1 })
      t.same([page.total, titles(page.items)], [2, ['p1']])
      t.throws(() => ada.posts, 'the object\'s own collection is not loaded by it')

      const y = as<TagE>(await s.query(Tag).filterBy({ name: 'y' }).one())
      t.same(titles(await posts(s.related(y, 'posts')).orderBy('title').all()), ['p1', 'p2'], 'manyToMany, through the association table')
      t.same(titles(await posts(s.related(y, 'posts')).join('author').where('author.username', '=', 'ada').has('tags', (q) => tagQuery(q).where('name', '=', 'x')).all()), ['p1'])
      const z = as<TagE>(await s.query(Tag).filterBy({ name: 'z' }).one())
      t.equal(await posts(s.related(z, 'posts')).exists(), false)
    })

    await t.test('related() on a new object reads its key after the autoflush', async (t) => {
      const s = open(t)
      const grace = as<UserE>(s.add(User, { username: 'grace', email: 'grace@example.com' }))
      grace.posts.push(fresh({ title: 'g1', body: 'one' }))
      const query = posts(s.related(grace, 'posts'))
      t.same(titles(await query.all()), ['g1'])
      await s.rollback()
    })

    await t.test('related() refuses a to-one relationship', async (t) => {
      const s = open(t)
      const post = await s.query(Post).filterBy({ title: 'p1' }).one()
      t.throws(() => s.related(post, 'author'), { constructor: InvalidArgumentError, message: /Post\.author is a belongsTo relationship, not a collection; load it/ })
    })

    await t.test('mistakes name what to do', async (t) => {
      const s: Session = open(t)
      t.throws(() => s.query(Post).join('writer'), { constructor: UnknownRelationshipError, message: 'Post has no relationship "writer" (relationships: author, tags)' })
      t.throws(() => s.query(Post).where('author.email' as never, '=', 'a' as never), { constructor: UnknownPropertyError, message: /Post has no property "author\.email" .*join the relationship first: query\(Post\)\.join\('author'\)/ })
      t.throws(() => s.query(Post).orderBy('author.email' as never), { constructor: UnknownPropertyError, message: /join\('author'\)/ })
      t.throws(() => s.query(Post).filterBy({ 'writer.email': 'a' } as never), { constructor: UnknownRelationshipError, message: /Post has no relationship "writer"/ })
      t.throws(() => s.query(Post).join('author').where('author.mail' as never, '=', 'a' as never), { constructor: UnknownPropertyError, message: /^User has no property "mail" \(properties: id, username, email/ })
      t.throws(() => s.query(Post).has('writers'), { constructor: UnknownRelationshipError, message: /Post has no relationship "writers"/ })
      t.throws(() => s.query(Post).has('tags', (q) => tagQuery(q).where('label' as never, '=', 'x' as never)), { constructor: UnknownPropertyError, message: /^Tag has no property "label"/ })
      t.throws(() => s.query(Post).has('tags', (q) => tagQuery(q).orderBy('name').limit(1)), { constructor: InvalidArgumentError, message: /has\('tags'\) only filters/ })
      const ada = await s.query(User).filterBy({ username: 'ada' }).one()
      t.throws(() => s.related(ada, 'articles'), { constructor: UnknownRelationshipError, message: /User has no relationship "articles" \(relationships: posts, profile\)/ })
    })

    await t.test('values are checked against the related column', async (t) => {
      const s = open(t)
      t.throws(() => s.query(Post).join('author').where('author.id', '=', 'one' as never), { constructor: InvalidValueError, message: /^Invalid value for User\.id: / })
      t.throws(() => s.query(Post).join('author').filterBy({ 'author.id': 'one' as never }), { constructor: InvalidValueError, message: /^Invalid value for User\.id: / })
      t.throws(() => s.query(Post).has('tags', (q) => tagQuery(q).where('id', '=', 'one' as never)), { constructor: InvalidValueError, message: /^Invalid value for Tag\.id: / })
    })
  })
})
