// with(spec, { strategy: 'joined' }): the query and its relationships in ONE statement.
// Every case compares the loaded tree with what the default select-in strategy loads (in
// another session), so both strategies must agree on members, order, nulls and types.
import t from 'tap'
import type { Session } from '../../src/index.ts'
import { Employee, Post, Profile, Tag, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { as, raw, seedApp, seedBlog, seedEmployees, sessionOpener, type EmployeeE, type PostE, type UserE } from './support.ts'

/** A loaded tree as plain data: columns and the loaded relationships named in `shape`. */
function tree (entity: unknown, shape: Record<string, unknown>): unknown {
  if (entity === null || entity === undefined) return entity
  if (Array.isArray(entity)) return entity.map((member) => tree(member, shape))
  const record = entity as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) {
    if (key in shape) continue
    out[key] = value instanceof Date ? `Date(${value.toISOString()})` : value
  }
  for (const [name, nested] of Object.entries(shape)) out[name] = tree(record[name], nested === true ? {} : nested as Record<string, unknown>)
  return out
}

t.test('joined loading', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    const open = sessionOpener(app)

    await t.test('user → posts → tags: one statement, the same tree as select-in', async (t) => {
      await seedBlog(app)
      const spec = { posts: { tags: true } } as const
      const expected = await open(t).query(User).orderBy('id').with(spec).all()
      const s = open(t)
      log.clear()
      const users = as<UserE[]>(await s.query(User).orderBy('id').with(spec, { strategy: 'joined' }).all())
      t.same(log.kinds, ['select'], 'one statement')
      t.same(tree(users, spec), tree(expected, spec))
      t.same(users.map((user) => user.posts.length), [2, 1, 0], 'a user without posts has an empty list')
      t.type(users[0]?.createdAt, Date, 'root columns keep their types')
      t.type(users[0]?.posts[0]?.timestamp, Date, 'joined columns too')
      t.equal(users[0]?.posts[0]?.tags[1], users[0]?.posts[1]?.tags[0], 'a tag in two posts is one object')
      t.equal(users[0]?.posts[0]?.author, users[0], 'the inverse is set')
      t.equal(await s.get(User, users[0]?.id as number), users[0], 'the objects are the identity map\'s')
    })

    await t.test('first(), one(), order, limit and offset count root rows, not joined rows', async (t) => {
      await seedBlog(app)
      const s = open(t)
      log.clear()
      const ada = as<UserE>(await s.query(User).filterBy({ username: 'ada' }).with({ posts: { tags: true } }, { strategy: 'joined' }).first())
      t.same(log.kinds, ['select'])
      t.same(ada.posts.map((post) => post.title), ['p1', 'p2'], 'every post although the user came with LIMIT 1')
      t.same(ada.posts.map((post) => post.tags.map((tag) => tag.name)), [['x', 'y'], ['y']])
      const newestFirst = as<UserE[]>(await open(t).query(User).orderBy('username', 'desc').with('posts', { strategy: 'joined' }).offset(1).limit(2).all())
      t.same(newestFirst.map((user) => user.username), ['alan', 'ada'], 'the root order and page')
      t.same(newestFirst.map((user) => user.posts.length), [1, 2])
      const one = as<UserE>(await open(t).query(User).filterBy({ username: 'alan' }).with('posts', { strategy: 'joined' }).one())
      t.same(one.posts.map((post) => post.title), ['p3'])
      t.equal(await open(t).query(User).filterBy({ username: 'nobody' }).with('posts', { strategy: 'joined' }).first(), undefined)
      const page = await open(t).query(User).orderBy('id').with('posts', { strategy: 'joined' }).paginate({ page: 2, perPage: 2 })
      t.same(page.items.map((user) => as<UserE>(user).username), ['bob'])
      t.equal(page.total, 3)
    })

    await t.test('many-to-one, one-to-one and many-to-many from either side agree with select-in', async (t) => {
      await seedBlog(app)
      const cases: Array<[string, (s: Session, joined: boolean) => Promise<unknown[]>, Record<string, unknown>]> = [
        ['post.author', (s, joined) => s.query(Post).orderBy('id').with('author', joined ? { strategy: 'joined' } : {}).all(), { author: true }],
        ['user.profile', (s, joined) => s.query(User).orderBy('id').with('profile', joined ? { strategy: 'joined' } : {}).all(), { profile: true }],
        ['profile.user', (s, joined) => s.query(Profile).orderBy('id').with('user', joined ? { strategy: 'joined' } : {}).all(), { user: true }],
        ['tag.posts.author', (s, joined) => s.query(Tag).orderBy('id').with({ posts: { author: true } }, joined ? { strategy: 'joined' } : {}).all(), { posts: { author: true } }],
        ['user.posts + user.profile', (s, joined) => s.query(User).orderBy('id').with(['posts', 'profile'], joined ? { strategy: 'joined' } : {}).all(), { posts: true, profile: true }]
      ]
      for (const [name, load, shape] of cases) {
        const expected = tree(await load(open(t), false), shape)
        log.clear()
        const loaded = await load(open(t), true)
        t.same(log.kinds, ['select'], `${name}: one statement`)
        t.same(tree(loaded, shape), expected, `${name}: the same as select-in`)
      }
      const s = open(t)
      const [profile] = as<Array<{ user: UserE }>>(await s.query(Profile).with('user', { strategy: 'joined' }).all())
      t.equal(profile?.user.profile, profile, 'a one-to-one is navigable back')
    })

    await t.test('self-referential, nested: employee.reports.reports', async (t) => {
      await seedEmployees(app)
      const s = open(t)
      log.clear()
      const [top] = as<EmployeeE[]>(await s.query(Employee).filterBy({ managerId: null }).with({ reports: { reports: true } }, { strategy: 'joined' }).all())
      t.same(log.kinds, ['select'])
      t.same(top?.reports.map((e) => e.name), ['Lead', 'Solo'])
      t.same(top?.reports.map((e) => e.reports.map((r) => r.name)), [['Dev1', 'Dev2'], []])
      t.equal(top?.reports[0]?.manager, top, 'reports know their manager')
    })

    await t.test('joined-loaded collections are tracked: removing a member unlinks it at commit', async (t) => {
      await seedBlog(app)
      const s = open(t)
      const [p1] = as<PostE[]>(await s.query(Post).filterBy({ title: 'p1' }).with('tags', { strategy: 'joined' }).all())
      p1?.tags.splice(0, 1)
      await s.commit()
      const links = await raw(app).selectFrom('post_tag').select('tag_id').where('post_id', '=', p1?.id as number).execute()
      t.equal(links.length, 1, 'the link to the removed tag is gone')
    })

    await t.test('joined and select-in in one query: the joined part first, the rest after', async (t) => {
      await seedBlog(app)
      const s = open(t)
      log.clear()
      const users = as<UserE[]>(await s.query(User).orderBy('id').with('profile', { strategy: 'joined' }).with({ posts: { tags: true } }).all())
      t.same(log.kinds, ['select', 'select', 'select'], 'the joined statement, then posts and tags')
      t.equal(users[0]?.profile?.bio, 'Countess')
      t.same(users[0]?.posts[0]?.tags.map((tag) => tag.name), ['x', 'y'])
    })

    await t.test('an unknown relationship is an error naming the known ones', async (t) => {
      await t.rejects(open(t).query(User).with('nope' as never, { strategy: 'joined' }).all(), /User has no relationship "nope" \(relationships: /)
    })
  })
})
