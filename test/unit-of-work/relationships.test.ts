// Relationships: the four kinds and the self-referential one, navigable from both sides;
// eager loading (no N+1: 50 users with posts and tags are 3 queries) and explicit lazy
// loading; unloaded relationships throw; changes to relationships become the right rows.
import t from 'tap'
import { RelationNotLoadedError } from '../../src/index.ts'
import { Employee, Post, Profile, Tag, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import {
  as, countRows, emptyTables, fresh, plain, raw, seedApp,
  type EmployeeE, type PostE, type ProfileE, type TagE, type UserE, seedEmployees, sessionOpener
} from './support.ts'
import type { FastifyInstance } from 'fastify'

/** Users ada and alan; ada has posts p1 (tags x, y) and p2 (tag y) and a profile; alan has p3; tag z is unused. */
async function seedBlog (app: FastifyInstance): Promise<{ ada: number, alan: number, p1: number, p2: number, p3: number, x: number, y: number, z: number, profile: number }> {
  await emptyTables(app)
  const s = app.db.session()
  const [ada, alan] = s.addAll(User, [{ username: 'ada', email: 'ada@example.com' }, { username: 'alan', email: 'alan@example.com' }]) as [UserE, UserE]
  const [x, y, z] = s.addAll(Tag, [{ name: 'x' }, { name: 'y' }, { name: 'z' }]) as [TagE, TagE, TagE]
  ada.posts.push(fresh({ title: 'p1', body: 'one', tags: [x, y] }), fresh({ title: 'p2', body: 'two', tags: [y] }))
  alan.posts.push(fresh({ title: 'p3', body: 'three' }))
  ada.profile = fresh({ bio: 'Countess' })
  await s.commit()
  await s.close()
  const [p1, p2] = ada.posts as [PostE, PostE]
  return { ada: ada.id, alan: alan.id, p1: p1.id, p2: p2.id, p3: (alan.posts[0] as PostE).id, x: x.id, y: y.id, z: z.id, profile: (ada.profile as ProfileE).id }
}

const ids = (entities: ReadonlyArray<{ id: number }>): number[] => entities.map((entity) => entity.id)

async function linkRows (app: FastifyInstance): Promise<Array<[number, number]>> {
  const rows = await raw(app).selectFrom('post_tag').select(['post_id', 'tag_id']).orderBy('post_id').orderBy('tag_id').execute()
  return rows.map((row) => [Number(row.post_id), Number(row.tag_id)])
}

async function postOwners (app: FastifyInstance): Promise<Record<string, number>> {
  const rows = await raw(app).selectFrom('post').select(['title', 'user_id']).execute()
  return Object.fromEntries(rows.map((row) => [String(row.title), Number(row.user_id)]))
}

t.test('relationships', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    const open = sessionOpener(app)

    await t.test('many-to-one: post.author, one query for all the posts\' authors', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      log.clear()
      const posts = as<PostE[]>(await s.query(Post).orderBy('id').with('author').all())
      t.same(log.kinds, ['select', 'select'])
      t.match(plain(log.statements[1]?.sql ?? ''), /^select \* from user where id in \(/)
      t.equal(log.statements[1]?.params, 2, 'each author once')
      t.same(posts.map((post) => post.author?.username), ['ada', 'ada', 'alan'])
      t.equal(posts[0]?.author, posts[1]?.author, 'one object per user')
      t.equal(await s.get(User, k.ada), posts[0]?.author, 'and it is the identity map\'s')
      t.equal(log.statements.length, 2)
    })

    await t.test('one-to-many: user.posts (empty when none), ordered by key', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      s.add(User, { username: 'nobody', email: 'nobody@example.com' })
      await s.commit()
      log.clear()
      const users = as<UserE[]>(await s.query(User).orderBy('id').with('posts').all())
      t.same(log.kinds, ['select', 'select'])
      t.same(users.map((user) => ids(user.posts)), [[k.p1, k.p2], [k.p3], []])
      t.equal(users[0]?.posts[0]?.author, users[0], 'the inverse (post.author) is set by the load')
    })

    await t.test('one-to-one: user.profile and profile.user', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      log.clear()
      const users = as<UserE[]>(await s.query(User).orderBy('id').with('profile').all())
      t.same(log.kinds, ['select', 'select'])
      t.equal(users[0]?.profile?.bio, 'Countess')
      t.equal(users[1]?.profile, null, 'no profile is null, not undefined')
      t.equal(users[0]?.profile?.user, users[0], 'navigable back')
      const profile = as<ProfileE>(await s.get(Profile, k.profile))
      t.equal(profile, users[0]?.profile)
      const other = open(t)
      const [loaded] = as<ProfileE[]>(await other.query(Profile).with('user').all())
      t.equal(loaded?.user?.username, 'ada')
      t.equal(loaded?.user?.profile, loaded, 'one-to-one from the owning side sets the other side too')
    })

    await t.test('many-to-many: post.tags and tag.posts, one query each through the association table', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      log.clear()
      const posts = as<PostE[]>(await s.query(Post).orderBy('id').with('tags').all())
      t.same(log.kinds, ['select', 'select'])
      t.match(plain(log.statements[1]?.sql ?? ''), /from tag inner join post_tag on post_tag\.tag_id = tag\.id where post_tag\.post_id in \(/)
      t.same(posts.map((post) => ids(post.tags)), [[k.x, k.y], [k.y], []])
      t.equal(posts[0]?.tags[1], posts[1]?.tags[0], 'a tag shared by two posts is one object')
      const tags = as<TagE[]>(await s.query(Tag).orderBy('id').with('posts').all())
      t.same(tags.map((tag) => ids(tag.posts)), [[k.p1], [k.p1, k.p2], []])
      t.equal(tags[1]?.posts[0], posts[0], 'the same post objects from the other side')
    })

    await t.test('self-referential: employee.manager and employee.reports, nested', async (t) => {
      await seedEmployees(app)
      const s = open(t)
      log.clear()
      const [top] = as<EmployeeE[]>(await s.query(Employee).filterBy({ managerId: null }).with({ reports: { reports: true } }).all())
      t.same(log.kinds, ['select', 'select', 'select'], 'one query per level')
      t.equal(top?.name, 'Boss')
      t.same(top?.reports.map((e) => e.name), ['Lead', 'Solo'])
      t.same(top?.reports.map((e) => e.reports.map((r) => r.name)), [['Dev1', 'Dev2'], []])
      t.equal(top?.reports[0]?.manager, top, 'reports know their manager')
      log.clear()
      const devs = as<EmployeeE[]>(await s.query(Employee).where('name', 'like', 'Dev%').with({ manager: { manager: true } }).all())
      t.same(log.kinds, ['select', 'select', 'select'])
      t.same(devs.map((dev) => dev.manager?.manager?.name), ['Boss', 'Boss'])
      t.equal(devs[0]?.manager, top?.reports[0], 'the same objects as before')
      t.equal(devs[0]?.manager?.manager?.managerId, null, 'the top has no manager')
    })

    await t.test('50 users with posts and tags: exactly 3 queries', async (t) => {
      await emptyTables(app)
      const setup = open(t)
      const tags = setup.addAll(Tag, Array.from({ length: 10 }, (_, i) => ({ name: `tag${i}` }))) as TagE[]
      const users = setup.addAll(User, Array.from({ length: 50 }, (_, i) => ({ username: `u${i}`, email: `u${i}@example.com` }))) as UserE[]
      users.forEach((user, i) => {
        for (let j = 0; j < 3; j++) user.posts.push(fresh({ title: `u${i}p${j}`, body: '…', tags: [tags[(i + j) % 10], tags[(i + 2 * j + 1) % 10]] }))
      })
      log.clear()
      await setup.commit()
      t.same(log.kinds, ['insert', 'insert', 'insert', 'insert'], 'tags, users, 150 posts, 300 links: one INSERT each')
      const s = open(t)
      log.clear()
      const loaded = as<UserE[]>(await s.query(User).orderBy('id').with({ posts: { tags: true } }).all())
      t.equal(log.statements.length, 3, '3 queries')
      t.same(log.kinds, ['select', 'select', 'select'])
      t.equal(log.statements[1]?.params, 50, 'the posts of the 50 users in one IN list')
      t.equal(log.statements[2]?.params, 150, 'the tags of the 150 posts in one IN list')
      t.equal(loaded.length, 50)
      t.ok(loaded.every((user) => user.posts.length === 3 && user.posts.every((post) => post.tags.length === 2)))
      t.same(loaded[7]?.posts.map((post) => post.tags.map((tag) => tag.name).sort()),
        [[7, 8], [8, 0], [9, 2]].map((pair) => pair.map((n) => `tag${n}`).sort()))
      t.equal(new Set(loaded.flatMap((user) => user.posts.flatMap((post) => post.tags))).size, 10, 'ten tag objects in all')
    })

    await t.test('session.load: explicit lazy loading, one query per relationship and level', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const ada = as<UserE>(await s.get(User, k.ada))
      t.throws(() => ada.posts, RelationNotLoadedError)
      log.clear()
      await s.load(ada, { posts: { tags: true }, profile: true })
      t.same(log.kinds, ['select', 'select', 'select'])
      t.same(ids(ada.posts), [k.p1, k.p2])
      t.same(ids(ada.posts[0]?.tags ?? []), [k.x, k.y])
      t.equal(ada.profile?.bio, 'Countess')
      const users = as<UserE[]>(await s.query(User).all())
      log.clear()
      await s.load(users, 'posts')
      t.same(log.kinds, ['select'], 'a list of objects: still one query')
      await s.load([], 'posts')
      t.equal(log.statements.length, 1, 'an empty list: none')
      await t.rejects(s.load(ada, 'nope'), /User has no relationship "nope" \(relationships: posts, profile\)/)
    })

    await t.test('load() flushes pending relationship changes first (they are not lost)', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const ada = as<UserE>(await s.get(User, k.ada))
      await s.load(ada, 'posts')
      ada.posts.push(fresh({ title: 'p4', body: 'four' }))
      log.clear()
      await s.load(ada, 'posts')
      t.same(log.kinds, ['insert', 'select'])
      t.same(ada.posts.map((post) => post.title), ['p1', 'p2', 'p4'])
      await s.commit()
      t.equal(await countRows(app, 'post'), 4)
    })

    await t.test('an unloaded relationship throws RelationNotLoadedError, never undefined', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const post = as<PostE>(await s.get(Post, k.p1))
      const error = (() => { try { return post.author } catch (e) { return e } })()
      t.type(error, RelationNotLoadedError)
      t.match(error, { statusCode: 500, message: /Post\.author is not loaded.*with\('author'\).*load\(entity, 'author'\)/ })
      t.throws(() => post.tags, RelationNotLoadedError)
      t.notOk(Object.keys(post).includes('author'), 'not an own property')
      t.same(Object.keys(JSON.parse(JSON.stringify(post)) as object).sort(), ['body', 'id', 'timestamp', 'title', 'userId'], 'unloaded relationships are left out of JSON')
      await s.load(post, 'author')
      t.equal(post.author?.username, 'ada')
      const json = JSON.parse(JSON.stringify(post)) as Record<string, unknown>
      t.match(json, { title: 'p1', author: { username: 'ada' } }, 'a loaded one is in the JSON')
      t.notOk('posts' in (json.author as object), 'the author\'s unloaded posts are not')
    })

    await t.test('JSON of objects that reference each other: the way back is left out', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const ada = as<UserE>(await s.query(User).filterBy({ id: k.ada }).with({ posts: { tags: true } }).one())
      t.equal(ada.posts[0]?.author, ada, 'both sides are loaded: a cycle')
      const json = JSON.parse(JSON.stringify(ada)) as { posts: Array<Record<string, unknown>> }
      t.same(json.posts.map((post) => post.title), ['p1', 'p2'])
      t.notOk('author' in (json.posts[0] as object), 'post.author (back to the user) is left out')
      t.same((json.posts[0]?.tags as Array<{ name: string }>).map((tag) => tag.name), ['x', 'y'], 'the rest is there')
      const post = JSON.parse(JSON.stringify(ada.posts[0])) as { author: Record<string, unknown>, tags: unknown[] }
      t.match(post, { title: 'p1', author: { username: 'ada' } }, 'from the post: its author')
      t.notOk('posts' in post.author, 'whose posts (holding the post) are left out')
      const plain = JSON.parse(JSON.stringify(await s.get(Tag, k.z))) as Record<string, unknown>
      t.same(Object.keys(plain).sort(), ['id', 'name'], 'an object without loaded relationships is its columns')
    })

    await t.test('new objects start with empty relationships', async (t) => {
      await emptyTables(app)
      const s = open(t)
      const user = as<UserE>(s.add(User, { username: 'new', email: 'new@example.com' }))
      t.same(user.posts, [])
      t.equal(user.profile, null)
      const tag = as<TagE>(s.add(Tag, { name: 'fresh' }))
      t.same(tag.posts, [])
      const orphan = as<PostE>(s.add(Post, { title: 't', body: 'b' } as typeof Post.$insert))
      t.equal(orphan.author, null, 'a belongsTo without a key is null')
      t.same(orphan.tags, [])
      const keyed = as<PostE>(s.add(Post, { title: 't', body: 'b', userId: 1 }))
      t.throws(() => keyed.author, RelationNotLoadedError, 'with a key it is not known without a query')
      const json = JSON.parse(JSON.stringify(user)) as Record<string, unknown>
      t.match(json, { username: 'new' })
      t.notOk('posts' in json || 'profile' in json, 'left out of JSON until assigned or filled, as from the object read back')
    })

    await t.test('pushing a new post into user.posts: userId and author set at flush', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const alan = as<UserE>(await s.query(User).filterBy({ id: k.alan }).with('posts').one())
      const post = fresh<PostE>({ title: 'p4', body: 'four' })
      alan.posts.push(post)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['insert'])
      t.equal(post.userId, k.alan)
      t.equal(post.author, alan, 'the inverse is set')
      t.ok(Number.isInteger(post.id))
      t.equal(await s.get(Post, post.id), post, 'and the object is tracked')
      t.equal((await postOwners(app)).p4, k.alan)
    })

    await t.test('post.author = otherUser moves the post, even with the old author\'s posts loaded', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const [ada, alan] = as<UserE[]>(await s.query(User).orderBy('id').with('posts').all())
      const post = ada?.posts[0] as PostE
      post.author = alan as UserE
      log.clear()
      await s.commit()
      t.same(log.kinds, ['update'], 'one UPDATE, nothing deleted (delete-orphan does not apply to a moved post)')
      t.match(plain(log.statements[0]?.sql ?? ''), /^update post set user_id = /)
      t.equal(post.userId, k.alan)
      t.same(ids(ada?.posts ?? []), [k.p2], 'the old author\'s loaded posts no longer hold it')
      t.same(ids(alan?.posts ?? []), [k.p3, k.p1], 'the new author\'s hold it')
      t.same(await postOwners(app), { p1: k.alan, p2: k.ada, p3: k.alan })
      log.clear()
      await s.commit()
      t.same(log.all, [], 'and nothing is left to write')
    })

    await t.test('post.author = otherUser without any collection loaded', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const post = as<PostE>(await s.get(Post, k.p3))
      post.author = as(await s.get(User, k.ada))
      log.clear()
      await s.commit()
      t.same(log.kinds, ['update'])
      t.equal((await postOwners(app)).p3, k.ada)
    })

    await t.test('moving a post from one user\'s posts to another\'s: an UPDATE, not an orphan DELETE', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const [ada, alan] = as<UserE[]>(await s.query(User).orderBy('id').with('posts').all()) as [UserE, UserE]
      const [post] = ada.posts.splice(0, 1) as [PostE]
      alan.posts.push(post)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['update'])
      t.equal(post.author, alan)
      t.same(await postOwners(app), { p1: k.alan, p2: k.ada, p3: k.alan })
      t.equal(await s.get(Post, k.p1), post, 'still tracked')
    })

    await t.test('setting the foreign key property directly moves the post too', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const [ada] = as<UserE[]>(await s.query(User).orderBy('id').with('posts').all()) as [UserE]
      const post = ada.posts[1] as PostE
      post.userId = k.alan
      log.clear()
      await s.commit()
      t.same(log.kinds, ['update'])
      t.same(await postOwners(app), { p1: k.ada, p2: k.alan, p3: k.alan })
      t.same(ids(ada.posts), [k.p1])
    })

    await t.test('post.tags = [...], push and splice write association rows', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const [p1, p2, p3] = as<PostE[]>(await s.query(Post).orderBy('id').with('tags').all()) as [PostE, PostE, PostE]
      const z = as<TagE>(await s.get(Tag, k.z))
      const y = p1.tags[1] as TagE
      p1.tags = [y, z] // x out, z in
      log.clear()
      await s.commit()
      t.same(log.kinds.sort(), ['delete', 'insert'], 'one INSERT, one DELETE')
      t.match(plain(log.of('insert')[0]?.sql ?? ''), /^insert into post_tag \(post_id, tag_id\) values \(/)
      t.same(await linkRows(app), [[k.p1, k.y], [k.p1, k.z], [k.p2, k.y]])
      p2.tags.push(z)
      p3.tags.push(z, y)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['insert'], 'links added to several posts: one INSERT')
      t.equal(log.statements[0]?.params, 6)
      t.same(await linkRows(app), [[k.p1, k.y], [k.p1, k.z], [k.p2, k.y], [k.p2, k.z], [k.p3, k.y], [k.p3, k.z]])
      p1.tags.splice(0, 2)
      p3.tags.splice(1, 1)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['delete'], 'links removed from several posts: one DELETE')
      t.same(await linkRows(app), [[k.p2, k.y], [k.p2, k.z], [k.p3, k.z]])
      t.equal(await countRows(app, 'tag'), 3, 'the tags themselves stay')
    })

    await t.test('many-to-many: the other side\'s loaded collection follows at flush', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const tags = as<TagE[]>(await s.query(Tag).orderBy('id').with('posts').all())
      const [x, , z] = tags as [TagE, TagE, TagE]
      const p3 = as<PostE>(await s.get(Post, k.p3))
      await s.load(p3, 'tags')
      p3.tags.push(z)
      const p1 = x.posts[0] as PostE
      await s.load(p1, 'tags')
      p1.tags.splice(0, 1) // x
      await s.commit()
      t.same(ids(z.posts), [k.p3], 'z.posts gained p3')
      t.same(ids(x.posts), [], 'x.posts lost p1')
      t.same(await linkRows(app), [[k.p1, k.y], [k.p2, k.y], [k.p3, k.z]])
      // Both sides edited the same way: one link row, not two.
      const p2 = as<PostE>(await s.get(Post, k.p2))
      await s.load(p2, 'tags')
      p2.tags.push(x)
      x.posts.push(p2)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['insert'])
      t.equal(log.statements[0]?.params, 2, 'one link')
      t.same(ids(x.posts), [k.p2])
    })

    await t.test('new posts with tags: posts, then links, in one INSERT each', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const [x, y] = as<TagE[]>(await s.query(Tag).orderBy('id').all())
      const posts = as<PostE[]>(s.addAll(Post, [{ title: 'n1', body: '.', userId: k.ada }, { title: 'n2', body: '.', userId: k.ada }]))
      posts[0]?.tags.push(x as TagE, y as TagE)
      posts[1]?.tags.push(fresh({ name: 'brand-new' }))
      log.clear()
      await s.commit()
      t.same(log.kinds, ['insert', 'insert', 'insert'])
      t.match(plain(log.statements[0]?.sql ?? ''), /^insert into post /)
      t.match(plain(log.statements[1]?.sql ?? ''), /^insert into tag /)
      t.match(plain(log.statements[2]?.sql ?? ''), /^insert into post_tag /)
      t.equal(log.statements[2]?.params, 6)
    })

    await t.test('one-to-one: giving a user a profile', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const alan = as<UserE>(await s.get(User, k.alan))
      await s.load(alan, 'profile')
      t.equal(alan.profile, null)
      alan.profile = fresh({ bio: 'Codebreaker' })
      log.clear()
      await s.commit()
      t.same(log.kinds, ['insert'])
      t.equal(alan.profile?.userId, k.alan)
      t.equal(alan.profile?.user, alan)
    })

    await t.test('self-referential changes: a new manager; a report removed from reports loses its manager', async (t) => {
      await emptyTables(app)
      const s = open(t)
      const [a, b] = as<EmployeeE[]>(s.addAll(Employee, [{ name: 'A' }, { name: 'B' }]))
      a?.reports.push(fresh({ name: 'r1' }), fresh({ name: 'r2' }))
      await s.commit()
      const [r1, r2] = a?.reports as [EmployeeE, EmployeeE]
      r1.manager = b as EmployeeE
      log.clear()
      await s.commit()
      t.same(log.kinds, ['update'])
      t.equal(r1.managerId, b?.id)
      t.same(a?.reports, [r2], 'A\'s loaded reports no longer hold r1')
      t.same(b?.reports, [r1], 'B\'s hold it')
      a?.reports.splice(0, 1)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['update'], 'removed without delete-orphan: the key is set to null (not deleted, not ignored)')
      t.match(plain(log.statements[0]?.sql ?? ''), /^update employee set manager_id = .* where id = /)
      t.equal(r2.managerId, null)
      t.equal(r2.manager, null)
      const rows = await raw(app).selectFrom('employee').select(['name', 'manager_id']).orderBy('id').execute()
      t.same(rows.map((row) => [row.name, row.manager_id === null ? null : Number(row.manager_id)]), [['A', null], ['B', null], ['r1', b?.id], ['r2', null]])
    })
  })
})
