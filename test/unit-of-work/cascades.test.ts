// Cascades: save-update (new objects reachable from tracked ones are inserted), delete
// (loaded children go with their parent), delete-orphan (a child taken out of its parent's
// collection is deleted), and the database's own ON DELETE CASCADE / SET NULL, which the
// session follows for the objects it holds.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { Employee, Post, Profile, Tag, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import {
  as, countRows, emptyTables, fresh, plain, raw, seedApp,
  type EmployeeE, type PostE, type ProfileE, type TagE, type UserE, sessionOpener
} from './support.ts'

/** ada: posts p1 (tags x, y) and p2 (tag y), a profile; alan: post p3 (tag x). */
async function seedBlog (app: FastifyInstance): Promise<{ ada: number, alan: number, p1: number, p2: number, p3: number, x: number, y: number, profile: number }> {
  await emptyTables(app)
  const s = app.db.session()
  const [ada, alan] = s.addAll(User, [{ username: 'ada', email: 'ada@example.com' }, { username: 'alan', email: 'alan@example.com' }]) as [UserE, UserE]
  const [x, y] = s.addAll(Tag, [{ name: 'x' }, { name: 'y' }]) as [TagE, TagE]
  ada.posts.push(fresh({ title: 'p1', body: '.', tags: [x, y] }), fresh({ title: 'p2', body: '.', tags: [y] }))
  alan.posts.push(fresh({ title: 'p3', body: '.', tags: [x] }))
  ada.profile = fresh({ bio: 'Countess' })
  await s.commit()
  await s.close()
  const [p1, p2] = ada.posts as [PostE, PostE]
  return { ada: ada.id, alan: alan.id, p1: p1.id, p2: p2.id, p3: (alan.posts[0] as PostE).id, x: x.id, y: y.id, profile: (ada.profile as ProfileE).id }
}

const titles = async (app: FastifyInstance): Promise<string[]> =>
  (await raw(app).selectFrom('post').select('title').orderBy('title').execute()).map((row) => String(row.title))

t.test('cascades', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    const open = sessionOpener(app)

    await t.test('save-update: adding a user adds the new objects of its collections, to any depth', async (t) => {
      await emptyTables(app)
      const s = open(t)
      const user = as<UserE>(s.add(User, { username: 'grace', email: 'grace@example.com' }))
      const existing = s.add(Tag, { name: 'existing' })
      await s.commit()
      const other = as<UserE>(s.add(User, { username: 'ken', email: 'ken@example.com' }))
      user.profile = fresh({ bio: 'Admiral' })
      user.posts.push(
        fresh({ title: 'COBOL', body: '.', tags: [existing, fresh({ name: 'languages' })] }),
        fresh({ title: 'Bugs', body: '.', tags: [fresh({ name: 'moths' })] })
      )
      other.posts.push(fresh({ title: 'Unix', body: '.' }))
      log.clear()
      t.same(await s.flush(), { inserted: 7, updated: 0, deleted: 0 }, 'ken, a profile, three posts, two tags')
      t.same(log.kinds, ['insert', 'insert', 'insert', 'insert', 'insert'], 'one INSERT per table: user, profile, post, tag, post_tag')
      t.same(log.statements.map((statement) => plain(statement.sql).split(' ')[2]), ['user', 'profile', 'post', 'tag', 'post_tag'])
      await s.commit()
      t.same(await titles(app), ['Bugs', 'COBOL', 'Unix'])
      const posts = await raw(app).selectFrom('post').select(['title', 'user_id']).execute()
      t.same(Object.fromEntries(posts.map((row) => [row.title, Number(row.user_id)])), { COBOL: user.id, Bugs: user.id, Unix: other.id })
      t.equal(await countRows(app, 'post_tag'), 3)
      t.equal(user.profile?.userId, user.id)
      t.ok(user.posts.every((post) => post.author === user && Number.isInteger(post.id)), 'the new objects are complete, tracked entities')
    })

    await t.test('save-update through a belongsTo: a post\'s new author is inserted first', async (t) => {
      await emptyTables(app)
      const s = open(t)
      const post = as<PostE>(s.add(Post, { title: 'T', body: 'B' } as typeof Post.$insert))
      post.author = fresh({ username: 'newcomer', email: 'newcomer@example.com' })
      log.clear()
      await s.commit()
      t.same(log.statements.map((statement) => plain(statement.sql).split(' ')[2]), ['user', 'post'])
      t.equal(post.userId, post.author?.id)
      t.same(post.author?.posts, [post], 'the new author\'s collection holds the post')
    })

    await t.test('delete: the loaded posts (with their links) and profile go with their user', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const ada = as<UserE>(await s.query(User).filterBy({ id: k.ada }).with({ posts: { tags: true }, profile: true }).one())
      const tag = ada.posts[0]?.tags[0] as TagE
      await s.load(tag, 'posts')
      s.delete(ada)
      log.clear()
      t.same(await s.flush(), { inserted: 0, updated: 0, deleted: 4 }, 'the user, its two posts and its profile')
      t.same(log.kinds, ['delete', 'delete', 'delete', 'delete'], 'one DELETE per table')
      t.same(log.statements.map((statement) => plain(statement.sql).split(' ')[2]), ['post_tag', 'post', 'profile', 'user'], 'children first')
      await s.commit()
      t.same(await titles(app), ['p3'])
      t.equal(await countRows(app, 'profile'), 0)
      t.equal(await countRows(app, 'tag'), 2, 'tags are not owned by posts')
      t.same(tag.posts.map((post) => post.title), ['p3'], 'deleted posts leave the loaded collections of other objects')
      log.clear()
      t.equal(await s.get(Post, k.p1), undefined)
      t.equal(await s.get(User, k.ada), undefined)
      t.same(log.kinds, ['select', 'select'], 'deleted objects are out of the identity map')
    })

    await t.test('delete: a child moved to another parent first is not deleted with the old one', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const [ada, alan] = as<UserE[]>(await s.query(User).orderBy('id').with('posts').all()) as [UserE, UserE]
      const p2 = ada.posts[1] as PostE
      p2.author = alan
      s.delete(ada)
      await s.commit()
      t.same(await titles(app), ['p2', 'p3'])
      t.same((await raw(app).selectFrom('post').select('user_id').where('id', '=', k.p2).executeTakeFirstOrThrow()).user_id, k.alan)
    })

    await t.test('delete of many posts with tags: one DELETE for the links, one for the posts', async (t) => {
      await seedBlog(app)
      const s = open(t)
      const posts = await s.query(Post).all()
      for (const post of posts) s.delete(post)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['delete', 'delete'])
      t.match(plain(log.statements[0]?.sql ?? ''), /^delete from post_tag where post_id in \(/)
      t.match(plain(log.statements[1]?.sql ?? ''), /^delete from post where id in \(/)
      t.equal(await countRows(app, 'post_tag'), 0)
    })

    await t.test('delete-orphan: a post taken out of user.posts is deleted', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const ada = as<UserE>(await s.get(User, k.ada))
      await s.load(ada, 'posts')
      const [p1] = ada.posts.splice(0, 1) as [PostE]
      log.clear()
      await s.commit()
      t.same(log.kinds, ['delete', 'delete'], 'its links, then the post')
      t.same(await titles(app), ['p2', 'p3'])
      t.equal(await s.get(Post, p1.id), undefined)
      ada.posts = []
      await s.commit()
      t.same(await titles(app), ['p3'], 'replacing the collection orphans every former member')
      t.equal(await countRows(app, 'user'), 2, 'the user stays')
    })

    await t.test('without delete-orphan, a child taken out of its collection has its key set to null', async (t) => {
      await emptyTables(app)
      const s = open(t)
      const boss = as<EmployeeE>(s.add(Employee, { name: 'Boss' }))
      boss.reports.push(fresh({ name: 'r1' }))
      await s.commit()
      const [r1] = boss.reports.splice(0, 1) as [EmployeeE]
      log.clear()
      await s.commit()
      t.same(log.kinds, ['update'])
      t.equal(r1.managerId, null)
      t.equal(await countRows(app, 'employee'), 2, 'nobody deleted')
    })

    await t.test('ON DELETE CASCADE in the database: children that were never loaded disappear', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const ada = as<UserE>(await s.get(User, k.ada))
      s.delete(ada)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['delete'], 'one DELETE: the database removes the rest')
      t.same(await titles(app), ['p3'], 'posts gone')
      t.equal(await countRows(app, 'profile'), 0, 'profile gone')
      t.same((await raw(app).selectFrom('post_tag').select('post_id').execute()).map((row) => Number(row.post_id)), [k.p3], 'links gone')
    })

    await t.test('ON DELETE CASCADE: objects the session holds for those rows are forgotten too', async (t) => {
      const k = await seedBlog(app)
      const s = open(t)
      const posts = as<PostE[]>(await s.query(Post).orderBy('id').with('tags').all())
      const profile = as<ProfileE>(await s.get(Profile, k.profile))
      const x = as<TagE>(await s.get(Tag, k.x))
      await s.load(x, 'posts')
      s.delete(as(await s.get(User, k.ada)))
      await s.commit()
      t.same(x.posts.map((post) => post.id), [k.p3], 'they leave loaded collections')
      log.clear()
      t.equal(await s.get(Post, posts[0]?.id as number), undefined, 'get reads the database again: the row is gone')
      t.equal(await s.get(Profile, profile.id), undefined)
      t.same(log.kinds, ['select', 'select'])
      const ghost = posts[0] as PostE
      ghost.title = 'edited after its row was deleted'
      log.clear()
      await s.commit()
      t.same(log.all, [], 'and they are no longer written')
    })

    await t.test('ON DELETE SET NULL: reports of a deleted manager keep existing, their key now null', async (t) => {
      await emptyTables(app)
      const setup = open(t)
      const boss = as<EmployeeE>(setup.add(Employee, { name: 'Boss' }))
      boss.reports.push(fresh({ name: 'r1' }), fresh({ name: 'r2' }))
      await setup.commit()
      const s = open(t)
      const everyone = as<EmployeeE[]>(await s.query(Employee).orderBy('id').all())
      s.delete(everyone[0] as EmployeeE)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['delete'], 'the database sets the keys to null: no UPDATE')
      const rows = await raw(app).selectFrom('employee').select(['name', 'manager_id']).orderBy('id').execute()
      t.same(rows.map((row) => [row.name, row.manager_id]), [['r1', null], ['r2', null]])
      t.same(everyone.slice(1).map((e) => e.managerId), [null, null], 'the objects say so too')
      log.clear()
      await s.commit()
      t.same(log.all, [], 'with nothing left to write')
    })
  })
})
