// Writing relationships: assigning them without loading them first, nested create
// (`add(Post, { author, tags })`), pushing objects and plain values into collections;
// inserts in foreign-key order. New and read-back objects serialize alike.
import t from 'tap'
import { Employee, Post, Profile, Tag, User } from '../fixtures/seed-models.ts'
import {
  as, countRows, emptyTables, fresh, plain, raw, seedApp, sessionOpener,
  type EmployeeE, type PostE, type ProfileE, type TagE, type UserE
} from '../unit-of-work/support.ts'
import type { FastifyInstance } from 'fastify'
import { eachDb } from '../helpers/databases.ts'

/** Which table each INSERT went to, in order. */
function insertTables (statements: ReadonlyArray<{ sql: string, kind: string }>): string[] {
  return statements.filter((statement) => statement.kind === 'insert').map((statement) => /^insert into (\w+)/.exec(plain(statement.sql))?.[1] ?? '?')
}

async function linkRows (app: FastifyInstance): Promise<Array<[string, string]>> {
  const rows = await raw(app).selectFrom('post_tag').innerJoin('post', 'post.id', 'post_tag.post_id').innerJoin('tag', 'tag.id', 'post_tag.tag_id')
    .select(['post.title as title', 'tag.name as name']).orderBy('post.title').orderBy('tag.name').execute()
  return rows.map((row) => [String(row.title), String(row.name)])
}

async function postOwners (app: FastifyInstance): Promise<Record<string, string>> {
  const rows = await raw(app).selectFrom('post').innerJoin('user', 'user.id', 'post.user_id').select(['post.title as title', 'user.username as username']).execute()
  return Object.fromEntries(rows.map((row) => [String(row.title), String(row.username)]))
}

/** Ada (post p1 with tags x, y; a profile) and Alan; tag z unused. */
async function seed (app: FastifyInstance): Promise<{ ada: number, alan: number, p1: number, x: number, y: number, z: number }> {
  await emptyTables(app)
  const s = app.db.session()
  const ada = as<UserE>(s.add(User, { username: 'ada', email: 'ada@example.com' }))
  const alan = as<UserE>(s.add(User, { username: 'alan', email: 'alan@example.com' }))
  const [x, y, z] = s.addAll(Tag, [{ name: 'x' }, { name: 'y' }, { name: 'z' }]) as [TagE, TagE, TagE]
  const p1 = as<PostE>(s.add(Post, { title: 'p1', body: 'one', author: ada, tags: [x, y] } as never))
  ada.profile = fresh({ bio: 'Countess' })
  await s.commit()
  await s.close()
  return { ada: ada.id, alan: alan.id, p1: p1.id, x: x.id, y: y.id, z: z.id }
}

t.test('relationship writes', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    const open = sessionOpener(app)

    await t.test('nested create: new author and tags inserted first, keys and links from them', async (t) => {
      await emptyTables(app)
      const s = open(t)
      const tag = as<TagE>(s.add(Tag, { name: 'old' }))
      await s.commit()
      const author = as<UserE>(s.add(User, { username: 'grace', email: 'grace@example.com' }))
      // Added before its author and tags: the flush orders the inserts by foreign key anyway.
      const post = as<PostE>(s.add(Post, { title: 'nested', body: 'b', author, tags: [tag, s.add(Tag, { name: 'new' }), fresh({ name: 'plain' })] } as never))
      t.equal(post.author, author, 'the given relationships are loaded at once')
      t.equal(post.userId, undefined, 'the key is unknown until the author is inserted')
      log.clear()
      await s.commit()
      const order = insertTables(log.statements)
      t.same([...order].sort(), ['post', 'post_tag', 'tag', 'user'], 'one INSERT per table')
      t.ok(order.indexOf('user') < order.indexOf('post'), 'the author before the post')
      t.equal(order.at(-1), 'post_tag', 'the links last')
      t.equal(post.userId, author.id, 'the key taken from the inserted author')
      t.same(await postOwners(app), { nested: 'grace' })
      t.same(await linkRows(app), [['nested', 'new'], ['nested', 'old'], ['nested', 'plain']])
      t.same(author.posts, [post], 'the author\'s new collection follows')
    })

    await t.test('nested create with a persistent author and a given key: the author wins', async (t) => {
      const k = await seed(app)
      const s = open(t)
      const alan = as<UserE>(await s.getOr404(User, k.alan))
      s.add(Post, { title: 'by alan', body: 'b', userId: k.ada, author: alan } as never)
      await s.commit()
      t.same(await postOwners(app), { p1: 'ada', 'by alan': 'alan' })
    })

    await t.test('assigning a belongsTo without loading it moves the child', async (t) => {
      const k = await seed(app)
      const s = open(t)
      const post = as<PostE>(await s.getOr404(Post, k.p1))
      const alan = as<UserE>(await s.getOr404(User, k.alan))
      post.author = alan
      log.clear()
      await s.commit()
      t.same(log.kinds, ['update'])
      t.equal(post.userId, k.alan)
      t.same(await postOwners(app), { p1: 'alan' })
    })

    await t.test('a hasOne and a belongsTo to a new parent: the parent is inserted first', async (t) => {
      await emptyTables(app)
      const s = open(t)
      const boss = as<EmployeeE>(s.add(Employee, { name: 'Boss' }))
      const report = as<EmployeeE>(s.add(Employee, { name: 'Report', manager: boss } as never))
      const user = as<UserE>(s.add(User, { username: 'new', email: 'new@example.com' }))
      const profile = as<ProfileE>(s.add(Profile, { bio: 'hi', user } as never))
      await s.commit()
      t.equal(report.managerId, boss.id)
      t.equal(profile.userId, user.id)
      t.equal(user.profile, profile, 'the inverse hasOne follows')
    })

    await t.test('assigning an unloaded many-to-many replaces its links', async (t) => {
      const k = await seed(app)
      const s = open(t)
      const post = as<PostE>(await s.getOr404(Post, k.p1))
      post.tags = [as<TagE>(await s.getOr404(Tag, k.y)), as<TagE>(await s.getOr404(Tag, k.z)), fresh({ name: 'w' })]
      await s.commit()
      t.same(await linkRows(app), [['p1', 'w'], ['p1', 'y'], ['p1', 'z']], 'x unlinked, y kept, z and the new w linked')
      t.equal(await countRows(app, 'tag'), 4)
    })

    await t.test('assigning an empty list to an unloaded many-to-many unlinks everything', async (t) => {
      const k = await seed(app)
      const s = open(t)
      const post = as<PostE>(await s.getOr404(Post, k.p1))
      post.tags = []
      await s.commit()
      t.same(await linkRows(app), [])
      t.equal(await countRows(app, 'tag'), 3, 'the tags stay')
    })

    await t.test('assigning an unloaded hasOne: the new child gets the key', async (t) => {
      const k = await seed(app)
      const s = open(t)
      const alan = as<UserE>(await s.getOr404(User, k.alan))
      alan.profile = as<ProfileE>(s.add(Profile, { bio: 'Turing', user: alan } as never))
      await s.commit()
      const rows = await raw(app).selectFrom('profile').select(['bio', 'user_id']).orderBy('bio').execute()
      t.same(rows.map((row) => [row.bio, Number(row.user_id)]), [['Countess', k.ada], ['Turing', k.alan]])
    })

    await t.test('assigning an unloaded one-to-many: children left out are orphans', async (t) => {
      const k = await seed(app)
      const s = open(t)
      const ada = as<UserE>(await s.getOr404(User, k.ada))
      ada.posts = [fresh({ title: 'p2', body: 'two' })]
      await s.commit()
      // User.posts deletes its orphans (deleteOrphan): p1 goes, p2 comes.
      t.same(await postOwners(app), { p2: 'ada' })
    })

    await t.test('pushing an added object and plain values into a loaded collection', async (t) => {
      const k = await seed(app)
      const s = open(t)
      const alan = as<UserE>(await s.load(await s.getOr404(User, k.alan), 'posts'))
      const post = as<PostE>(s.add(Post, { title: 'added', body: 'b', userId: k.ada }))
      alan.posts.push(post, fresh({ title: 'literal', body: 'b' }))
      await s.commit()
      t.same(await postOwners(app), { p1: 'ada', added: 'alan', literal: 'alan' }, 'the collection decides the key')
      t.equal(post.userId, k.alan)
    })

    await t.test('load() resolves to the object(s) it was given', async (t) => {
      const k = await seed(app)
      const s = open(t)
      const ada = await s.getOr404(User, k.ada)
      t.equal(await s.load(ada, 'posts'), ada)
      const posts = await s.query(Post).all()
      t.equal(await s.load(posts, ['author', 'tags']), posts)
      t.equal((posts[0] as PostE).author, ada)
      const none: object[] = []
      t.equal(await s.load(none, 'posts'), none)
    })
  })
})

t.test('new and read-back objects serialize alike', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app } = await seedApp(t, db)
    const open = sessionOpener(app)
    const UserJson = {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        username: { type: 'string' },
        posts: { type: 'array', items: { type: 'object', properties: { title: { type: 'string' } } } },
        profile: { type: 'object', nullable: true, properties: { bio: { type: 'string' } } }
      }
    }
    app.get('/users/:name', { schema: { response: { 200: UserJson } } }, async (request) => {
      return request.db.query(User).filterBy({ username: (request.params as { name: string }).name }).firstOr404()
    })
    app.post('/users', { schema: { response: { 201: UserJson } } }, async (request, reply) => {
      const { username, posts } = request.body as { username: string, posts?: string[] }
      const user = as<UserE>(request.db.add(User, { username, email: `${username}@example.com` }))
      for (const title of posts ?? []) user.posts.push(fresh({ title, body: 'b' }))
      await request.db.commit()
      return reply.code(201).send(user)
    })

    await t.test('a new object leaves out the relationships it started with, as the same object read back', async (t) => {
      await emptyTables(app)
      const s = open(t)
      const user = as<UserE>(s.add(User, { username: 'new', email: 'new@example.com' }))
      t.same(user.posts, [], 'still loaded and empty')
      t.equal(user.profile, null)
      const before = JSON.parse(JSON.stringify(user)) as Record<string, unknown>
      await s.commit()
      const after = JSON.parse(JSON.stringify(user)) as Record<string, unknown>
      t.notOk('posts' in before || 'profile' in before, 'not in the JSON of the new object')
      const other = open(t)
      const readBack = JSON.parse(JSON.stringify(await other.getOr404(User, user.id))) as Record<string, unknown>
      t.same(Object.keys(after).sort(), Object.keys(readBack).sort(), 'the same properties as read back')
      t.same(Object.keys(readBack).sort(), ['createdAt', 'email', 'id', 'passwordHash', 'username'])
    })

    await t.test('filled or assigned, they are in', async (t) => {
      await emptyTables(app)
      const s = open(t)
      const user = as<UserE>(s.add(User, { username: 'filled', email: 'filled@example.com' }))
      user.posts.push(fresh({ title: 'one', body: 'b' }))
      const other = as<UserE>(s.add(User, { username: 'assigned', email: 'assigned@example.com' }))
      other.posts = []
      other.profile = as<ProfileE>(s.add(Profile, { bio: 'hi', userId: 0 }))
      const tag = as<TagE>(s.add(Tag, { name: 't' }))
      t.match(JSON.parse(JSON.stringify(user)), { username: 'filled', posts: [{ title: 'one' }] })
      t.notOk('profile' in (JSON.parse(JSON.stringify(user)) as object))
      t.match(JSON.parse(JSON.stringify(other)), { posts: [], profile: { bio: 'hi' } }, 'assigned, even empty')
      t.same(Object.keys(JSON.parse(JSON.stringify(tag)) as object), ['name'], 'no posts: a new tag (not flushed, no id yet)')
      s.expunge(user)
      s.expunge(other)
      s.expunge(other.profile as ProfileE)
      s.expunge(tag)
    })

    await t.test('the response schema serializer agrees', async (t) => {
      await emptyTables(app)
      const created = await app.inject({ method: 'POST', url: '/users', body: { username: 'api' } })
      t.equal(created.statusCode, 201)
      const read = await app.inject({ method: 'GET', url: '/users/api' })
      t.equal(read.statusCode, 200)
      t.same(created.json(), read.json(), 'the created object and the same read back')
      t.same(Object.keys(created.json() as object).sort(), ['id', 'username'])
      const withPosts = await app.inject({ method: 'POST', url: '/users', body: { username: 'poster', posts: ['a', 'b'] } })
      t.match(withPosts.json(), { username: 'poster', posts: [{ title: 'a' }, { title: 'b' }] }, 'a filled collection is serialized')
    })
  })
})
