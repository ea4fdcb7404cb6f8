// The seed tutorials end to end: the movies tutorial's populate script and shell session
// through app.db.session(), and the blog (users, posts, tags, profiles, employees) through
// routes using request.db — create, query, update, delete, relationship changes, cascades.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { Employee, Movie, Post, Tag, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import {
  as, countRows, emptyTables, fresh, raw, seedApp,
  type EmployeeE, type MovieRow, type PostE, type TagE, type UserE
} from './support.ts'

/** The movies tutorial's populate.py: one commit per movie, in a script's own session. */
async function populate (app: FastifyInstance, movies: ReadonlyArray<{ title: string, year: number, directors: string[], theatre?: boolean }>): Promise<string[]> {
  const printed: string[] = []
  const db = app.db.session()
  try {
    for (const { title, year, directors, theatre = true } of movies) {
      db.add(Movie, { title, year, directors, theatre })
      await db.commit()
      printed.push(`Movie '${title}' added to the database.`)
    }
  } finally {
    await db.close()
  }
  return printed
}

t.test('the movies tutorial, as scripts', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    await emptyTables(app)

    // The shell: create a movie, add it, commit.
    const shell = app.db.session()
    t.teardown(() => shell.close())
    const matrix = shell.add(Movie, { title: 'The Matrix', year: 1999, directors: ['Lana Wachowski', 'Lilly Wachowski'], theatre: true })
    log.clear()
    await shell.commit()
    t.same(log.allKinds, ['insert'], 'a lone INSERT … RETURNING is atomic by itself: no BEGIN and COMMIT')
    t.ok(Number.isInteger(matrix.id))

    const printed = await populate(app, [
      { title: 'Inception', year: 2010, directors: ['Christopher Nolan'] },
      { title: 'Interstellar', year: 2014, directors: ['Christopher Nolan'] },
      { title: 'The Dark Knight', year: 2008, directors: ['Christopher Nolan'] }
    ])
    t.same(printed, ["Movie 'Inception' added to the database.", "Movie 'Interstellar' added to the database.", "Movie 'The Dark Knight' added to the database."])

    // results = db.session.scalars(select(Movie)).all()
    const results = await shell.query(Movie).orderBy('id').all()
    t.same(results.map((movie) => movie.title), ['The Matrix', 'Inception', 'Interstellar', 'The Dark Knight'])
    t.equal(results[0], matrix, 'the shell\'s own movie is the same object')
    t.same(results[1]?.directors, ['Christopher Nolan'], 'arrays read back as arrays')
    t.equal(results[1]?.theatre, true)
    t.equal(results[1]?.mpa, null)

    // Exercise 2: three more, with an explicit theatre=False.
    await populate(app, [
      { title: 'Alien', year: 1979, directors: ['Ridley Scott'], theatre: false },
      { title: 'Arrival', year: 2016, directors: ['Denis Villeneuve'] },
      { title: 'Heat', year: 1995, directors: ['Michael Mann'] }
    ])
    t.equal(await shell.query(Movie).count(), 7)
    t.same((await shell.query(Movie).where('year', '<', 2000).orderBy('year').all()).map((movie) => movie.title), ['Alien', 'Heat', 'The Matrix'])
    t.same((await shell.query(Movie).filterBy({ theatre: false }).all()).map((movie) => movie.title), ['Alien'])

    // The mpa column of the migration section: set it on a few movies.
    const nolan = await shell.query(Movie).where('title', 'in', ['Inception', 'Interstellar']).all()
    const alien = await shell.query(Movie).filterBy({ title: 'Alien' }).one() as MovieRow
    for (const movie of nolan) movie.mpa = 'PG-13'
    alien.mpa = 'R'
    log.clear()
    await shell.commit()
    t.same(log.kinds, ['update', 'update', 'update'], 'one UPDATE per changed movie')
    t.same((await shell.query(Movie).filterBy({ mpa: 'PG-13' }).orderBy('year').all()).map((movie) => movie.year), [2010, 2014])

    // Delete one; the table and the identity map agree.
    shell.delete(alien)
    await shell.commit()
    t.equal(await countRows(app, 'movie'), 6)
    t.equal(await shell.get(Movie, alien.id), undefined)
    const fresh = app.db.session()
    t.same((await fresh.query(Movie).orderBy('year', 'desc').limit(2).all()).map((movie) => movie.title), ['Arrival', 'Interstellar'])
    await fresh.close()
  })
})

t.test('the CRUD tutorials, as a script', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app } = await seedApp(t, db)
    await emptyTables(app)
    const s = app.db.session()
    t.teardown(() => s.close())

    // user = User(username='john', email=…); db.session.add(user); db.session.commit()
    const john = as<UserE>(s.add(User, { username: 'john', email: 'john@example.com', passwordHash: 'hash' }))
    await s.commit()
    // post = Post(title=…, body=…, author=user); add; commit
    const post = as<PostE>(s.add(Post, { title: 'My First Post', body: 'This is the post content' } as typeof Post.$insert))
    post.author = john
    await s.commit()
    t.equal(post.userId, john.id)
    t.same(john.posts, [post], 'the backref: john.posts holds the post')

    s.addAll(User, [{ username: 'johndoe', email: 'johndoe@example.com' }, { username: 'mary', email: 'mary@sample.org' }])
    await s.commit()
    t.equal((await s.query(User).all()).length, 3, 'User.query.all()')
    t.equal(await s.get(User, john.id), john, 'User.query.get(1)')
    t.equal((await s.query(User).filterBy({ username: 'johndoe' }).first())?.email, 'johndoe@example.com', 'filter_by(...).first()')
    t.same((await s.query(User).where('email', 'like', '%@example.com').orderBy('id').all()).map((user) => user.username), ['john', 'johndoe'], 'email.endswith(…)')

    const second = s.add(Post, { title: 'Second', body: '…', userId: john.id })
    await s.commit()
    const recent = await s.query(Post).orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(5).all()
    t.same(recent.map((p) => p.id), [second.id, post.id], 'order_by(timestamp.desc()).limit(5)')
    const page = await s.query(Post).orderBy('id').paginate({ page: 1, perPage: 10 })
    t.same(page.items.map((p) => p.title), ['My First Post', 'Second'], 'paginate(page=1, per_page=10)')

    // user.username = 'johnsmith'; commit
    const johndoe = await s.query(User).filterBy({ username: 'johndoe' }).one()
    johndoe.username = 'johnsmith'
    await s.commit()
    t.equal((await raw(app).selectFrom('user').select('username').where('id', '=', johndoe.id).executeTakeFirstOrThrow()).username, 'johnsmith')

    // db.session.delete(user); commit: john's posts go with him.
    s.delete(john)
    await s.commit()
    t.equal(await countRows(app, 'user'), 2)
    t.equal(await countRows(app, 'post'), 0)
  })
})

interface Reply<T> { status: number, body: T, statements: string[] }

function blogApp (app: FastifyInstance): void {
  app.post('/users', async (request, reply) => {
    const body = request.body as { username: string, email: string, bio?: string }
    const user = as<UserE>(request.db.add(User, { username: body.username, email: body.email }))
    if (body.bio !== undefined) user.profile = fresh({ bio: body.bio })
    await request.db.commit()
    return reply.code(201).send({ id: user.id, username: user.username })
  })
  app.get('/users/:id', async (request) => {
    const user = await request.db.getOr404(User, (request.params as { id: string }).id)
    await request.db.load(user, { posts: { tags: true }, profile: true })
    return user
  })
  app.patch('/users/:id', async (request) => {
    const user = await request.db.getOr404(User, (request.params as { id: string }).id)
    Object.assign(user, request.body as Partial<typeof User.$update>)
    await request.db.commit()
    return { id: user.id, username: user.username, email: user.email }
  })
  app.delete('/users/:id', async (request, reply) => {
    request.db.delete(await request.db.getOr404(User, (request.params as { id: string }).id))
    await request.db.commit()
    return reply.code(204).send()
  })
  // A post with tags by name: existing tags are reused, new ones created.
  app.post('/users/:id/posts', async (request, reply) => {
    const { title, body, tags } = request.body as { title: string, body: string, tags: string[] }
    const user = as<UserE>(await request.db.getOr404(User, (request.params as { id: string }).id))
    await request.db.load(user, 'posts')
    const known = as<TagE[]>(tags.length === 0 ? [] : await request.db.query(Tag).where('name', 'in', tags).all())
    const post = fresh<PostE>({ title, body, tags: tags.map((name) => known.find((tag) => tag.name === name) ?? fresh({ name })) })
    user.posts.push(post)
    await request.db.commit()
    return reply.code(201).send(post)
  })
  app.put('/posts/:id/tags', async (request) => {
    const post = as<PostE>(await request.db.query(Post).filterBy({ id: Number((request.params as { id: string }).id) }).with('tags').oneOr404('No such post'))
    const names = request.body as string[]
    const known = as<TagE[]>(await request.db.query(Tag).where('name', 'in', names).all())
    post.tags = names.map((name) => known.find((tag) => tag.name === name) ?? fresh({ name }))
    await request.db.commit()
    return post.tags.map((tag) => tag.name)
  })
  app.get('/posts', async (request) => request.db.query(Post).orderBy('id').with(['tags', 'author']).paginate(request))
  app.get('/tags/:name', async (request) =>
    request.db.query(Tag).filterBy({ name: (request.params as { name: string }).name }).with({ posts: { author: true } }).oneOr404('No such tag'))
  app.post('/posts/:id/move', async (request) => {
    const post = as<PostE>(await request.db.getOr404(Post, (request.params as { id: string }).id))
    post.author = as(await request.db.getOr404(User, (request.body as { to: number }).to))
    await request.db.commit()
    return { userId: post.userId }
  })
  app.post('/employees', async (request, reply) => {
    // { name, reports: [{ name, reports: [...] }] }: a whole hierarchy in one request.
    interface Node { name: string, reports?: Node[] }
    const build = (node: Node): EmployeeE => fresh({ name: node.name, reports: (node.reports ?? []).map(build) })
    const top = as<EmployeeE>(request.db.add(Employee, { name: (request.body as Node).name }))
    top.reports.push(...((request.body as Node).reports ?? []).map(build))
    await request.db.commit()
    return reply.code(201).send({ id: top.id })
  })
  app.get('/employees/:id', async (request) => {
    const employee = await request.db.query(Employee).filterBy({ id: Number((request.params as { id: string }).id) })
      .with({ manager: true, reports: { reports: true } }).oneOr404()
    return employee
  })
}

t.test('the blog, through routes and request.db', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    blogApp(app)
    await app.ready()
    await emptyTables(app)

    const call = async <T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<Reply<T>> => {
      log.clear()
      const response = await app.inject({ method, url, payload: payload as never })
      t.ok(log.all.every((statement) => statement.reqId !== undefined), `${method} ${url}: every statement was logged by the request`)
      return { status: response.statusCode, body: (response.body === '' ? undefined : response.json()) as T, statements: log.allKinds }
    }

    const ada = await call<{ id: number }>('POST', '/users', { username: 'ada', email: 'ada@example.com', bio: 'Countess' })
    t.equal(ada.status, 201)
    t.same(ada.statements, ['begin', 'insert', 'insert', 'commit'], 'the user and its profile in one transaction')
    const alan = await call<{ id: number }>('POST', '/users', { username: 'alan', email: 'alan@example.com' })
    const dup = await call<{ message: string }>('POST', '/users', { username: 'ada', email: 'x@example.com' })
    t.equal(dup.status, 409, 'a duplicate username is a 409')
    t.same(dup.statements, ['insert'], 'a lone INSERT in autocommit: refused, it left nothing to roll back')

    const p1 = await call<PostE>('POST', `/users/${ada.body.id}/posts`, { title: 'Notes', body: 'On the engine', tags: ['math', 'engines'] })
    t.equal(p1.status, 201)
    t.match(p1.body, { title: 'Notes', userId: ada.body.id, tags: [{ name: 'math' }, { name: 'engines' }] })
    t.match(p1.body.author, { username: 'ada' }, 'the reply shows the post\'s author (set from user.posts)')
    t.notOk('posts' in (p1.body.author as object), 'and stops where the JSON would loop back to the post')
    t.same(log.kinds, ['select', 'select', 'select', 'insert', 'insert', 'insert'], 'user, posts, tags; then post, tags, links')
    const p2 = await call<PostE>('POST', `/users/${ada.body.id}/posts`, { title: 'Poetry', body: 'Of science', tags: ['math'] })
    t.same(log.kinds, ['select', 'select', 'select', 'insert', 'insert'], 'the existing tag is reused: no tag INSERT')
    const p3 = await call<PostE>('POST', `/users/${alan.body.id}/posts`, { title: 'Machines', body: 'Can they think?', tags: ['math', 'ai'] })
    t.equal(await countRows(app, 'tag'), 3)

    const shown = await call<UserE>('GET', `/users/${ada.body.id}`)
    t.equal(shown.status, 200)
    t.same(shown.statements, ['select', 'select', 'select', 'select'], 'user, posts, their tags, profile: no transaction for reads')
    t.same(shown.body.posts.map((post) => [post.title, post.tags.map((tag) => tag.name)]), [['Notes', ['math', 'engines']], ['Poetry', ['math']]])
    t.match(shown.body.profile, { bio: 'Countess', userId: ada.body.id })
    t.equal((await call('GET', '/users/999999')).status, 404)

    const patched = await call<{ email: string }>('PATCH', `/users/${alan.body.id}`, { email: 'turing@example.com' })
    t.equal(patched.body.email, 'turing@example.com')
    t.same(patched.statements, ['select', 'begin', 'update', 'commit'])

    const retag = await call<string[]>('PUT', `/posts/${p2.body.id}/tags`, ['poetry', 'math'])
    t.same(retag.body, ['poetry', 'math'])
    t.same(log.kinds, ['select', 'select', 'select', 'insert', 'insert'], 'post with tags, the known tags; then the new tag and its link')
    const untag = await call<string[]>('PUT', `/posts/${p2.body.id}/tags`, ['poetry'])
    t.same(untag.body, ['poetry'])
    t.same(log.kinds, ['select', 'select', 'select', 'delete'], 'one link removed')

    const math = await call<TagE>('GET', '/tags/math')
    t.same(math.body.posts.map((post) => [post.title, post.author?.username]), [['Notes', 'ada'], ['Machines', 'alan']])
    t.equal((await call('GET', '/tags/nothing')).status, 404)

    const page = await call<{ items: PostE[], total: number }>('GET', '/posts?page=1&perPage=2')
    t.equal(page.body.total, 3)
    t.same(page.body.items.map((post) => [post.title, post.author?.username, post.tags.length]), [['Notes', 'ada', 2], ['Poetry', 'ada', 1]])
    t.same(page.statements, ['select', 'select', 'select', 'select'], 'count, posts, tags, authors')

    const moved = await call<{ userId: number }>('POST', `/posts/${p3.body.id}/move`, { to: ada.body.id })
    t.equal(moved.body.userId, ada.body.id)
    t.same(log.kinds, ['select', 'select', 'update'])

    const gone = await call('DELETE', `/users/${ada.body.id}`)
    t.equal(gone.status, 204)
    t.same(gone.statements, ['select', 'begin', 'delete', 'commit'], 'the database cascades to posts, profile and links')
    t.same([await countRows(app, 'user'), await countRows(app, 'post'), await countRows(app, 'profile'), await countRows(app, 'post_tag')], [1, 0, 0, 0])
    t.equal(await countRows(app, 'tag'), 4, 'tags stay')
    t.equal((await call('GET', `/users/${ada.body.id}`)).status, 404)

    // Employees: a hierarchy in one request; both directions in one reply.
    const created = await call<{ id: number }>('POST', '/employees', { name: 'CEO', reports: [{ name: 'CTO', reports: [{ name: 'Dev' }] }, { name: 'CFO' }] })
    t.equal(created.status, 201)
    t.same(created.statements, ['begin', 'insert', 'insert', 'insert', 'commit'], 'one INSERT per level')
    const cto = await raw(app).selectFrom('employee').select('id').where('name', '=', 'CTO').executeTakeFirstOrThrow()
    const shownCto = await call<EmployeeE>('GET', `/employees/${String(cto.id)}`)
    t.match(shownCto.body, { name: 'CTO', manager: { name: 'CEO' }, reports: [{ name: 'Dev', reports: [] }] })
    t.same(shownCto.statements, ['select', 'select', 'select', 'select'])
    t.equal(await countRows(app, 'employee'), 4)
  })
})
