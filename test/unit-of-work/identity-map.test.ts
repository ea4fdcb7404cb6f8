// The identity map: one object per row within a session, found again without a query;
// get/getOr404 (composite keys too), objects loaded by queries and by track() joining the
// map, reads never overwriting what the session holds, refresh and expunge.
import t from 'tap'
import { InvalidArgumentError, NotFoundError, SessionStateError, UntrackedObjectError } from '../../src/index.ts'
import { Post, Tag, User, postTag } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { as, emptyTables, plain, raw, seedApp, type PostTagRow, type UserRow } from './support.ts'

t.test('identity map', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)

    const seed = async (): Promise<number[]> => {
      await emptyTables(app)
      const s = app.db.session()
      const users = s.addAll(User, [
        { username: 'ada', email: 'ada@example.com' },
        { username: 'alan', email: 'alan@example.com' },
        { username: 'grace', email: 'grace@example.com' }
      ])
      await s.commit()
      await s.close()
      return users.map((user) => user.id)
    }

    await t.test('get twice for the same key: one SELECT, the same object', async (t) => {
      const [id] = await seed() as [number]
      const s = app.db.session()
      t.teardown(() => s.close())
      log.clear()
      const first = await s.get(User, id)
      t.same(log.kinds, ['select'], 'the first get reads the row')
      t.match(plain(log.statements[0]?.sql ?? ''), /^select .* from user where id = /)
      const second = await s.get(User, id)
      const third = await s.get(User, String(id))
      t.equal(log.statements.length, 1, 'the second and third get (even with the key as a string, as from a URL) send nothing')
      t.equal(second, first, 'same object')
      t.equal(third, first, 'a numeric string finds the same object')
      t.equal(first?.username, 'ada')
    })

    await t.test('an added object is in the map after its flush: get sends nothing', async (t) => {
      await seed()
      const s = app.db.session()
      t.teardown(() => s.close())
      const user = s.add(User, { username: 'linus', email: 'linus@example.com' })
      await s.commit()
      log.clear()
      t.equal(await s.get(User, user.id), user)
      t.same(log.all, [], 'no statement')
    })

    await t.test('a missing row: get gives undefined, getOr404 a NotFoundError (404)', async (t) => {
      await seed()
      const s = app.db.session()
      t.teardown(() => s.close())
      log.clear()
      t.equal(await s.get(User, 999_999), undefined)
      t.same(log.kinds, ['select'])
      const error = await s.getOr404(User, 999_999).then(() => undefined, (e: unknown) => e)
      t.type(error, NotFoundError)
      t.equal((error as NotFoundError).statusCode, 404)
      t.match((error as NotFoundError).message, /User 999999 not found/)
      await t.rejects(s.getOr404(User, 999_999, 'No such user'), { message: 'No such user', statusCode: 404 })
      const [id] = await s.query(User).orderBy('id').limit(1).all().then((users) => users.map((user) => user.id))
      t.equal((await s.getOr404(User, id as number)).id, id, 'getOr404 returns the object when it exists')
    })

    await t.test('composite key: [postId, tagId] and { postId, tagId } find the same row', async (t) => {
      const [userId] = await seed() as [number]
      const s = app.db.session()
      t.teardown(() => s.close())
      const post = s.add(Post, { title: 'On keys', body: '…', userId })
      const tag = s.add(Tag, { name: 'keys' })
      await s.commit()
      await raw(app).insertInto('post_tag').values({ post_id: post.id, tag_id: tag.id }).execute()
      log.clear()
      const byArray = await s.get(postTag, [post.id, tag.id])
      t.same(log.kinds, ['select'])
      t.match(plain(log.statements[0]?.sql ?? ''), /where post_id = .* and tag_id = /)
      t.same({ ...as<PostTagRow>(byArray) }, { postId: post.id, tagId: tag.id })
      const byObject = await s.get(postTag, { postId: post.id, tagId: tag.id })
      t.equal(byObject, byArray, 'the object form finds the same object')
      t.equal(log.statements.length, 1, 'without a second query')
      t.equal(await s.get(postTag, [post.id, tag.id + 1000]), undefined, 'another pair is not there')
      await t.rejects(s.get(postTag, post.id as never), InvalidArgumentError, 'a single value for a composite key is refused')
      await t.rejects(s.get(postTag, [post.id]), InvalidArgumentError, 'so is a value short')
      await t.rejects(s.get(postTag, { postId: post.id }), InvalidArgumentError, 'or a property missing')
    })

    await t.test('objects loaded by queries join the map', async (t) => {
      const ids = await seed()
      const s = app.db.session()
      t.teardown(() => s.close())
      log.clear()
      const users = await s.query(User).orderBy('id').all()
      t.equal(log.statements.length, 1)
      for (const [i, id] of ids.entries()) t.equal(await s.get(User, id), users[i], `get(User, ${id}) is the queried object`)
      t.equal(log.statements.length, 1, 'get sent nothing')
      const again = await s.query(User).orderBy('id').all()
      t.equal(again.length, users.length)
      t.ok(again.every((user, i) => user === users[i]), 'a second query returns the same objects')
      const one = await s.query(User).filterBy({ username: 'alan' }).one()
      t.equal(one, users[1])
    })

    await t.test('a query never overwrites what the session holds', async (t) => {
      const [id] = await seed() as [number]
      const s = app.db.session()
      t.teardown(() => s.close())
      const user = await s.get(User, id) as UserRow
      // Another session changes the row behind this one's back.
      const other = app.db.session()
      const theirs = await other.get(User, id) as UserRow
      theirs.email = 'changed@example.com'
      await other.commit()
      await other.close()
      const [queried] = await s.query(User).filterBy({ id }).all()
      t.equal(queried, user)
      t.equal(user.email, 'ada@example.com', 'the loaded values stay (the session is its own snapshot)')
      log.clear()
      await s.refresh(user)
      t.same(log.kinds, ['select'], 'refresh reads the row')
      t.equal(user.email, 'changed@example.com', 'and takes the database\'s values')
    })

    await t.test('a pending edit survives a later query: autoflush writes it first', async (t) => {
      const [id] = await seed() as [number]
      const s = app.db.session()
      t.teardown(() => s.close())
      const user = await s.get(User, id) as UserRow
      user.username = 'ada2'
      log.clear()
      const [queried] = await s.query(User).filterBy({ id }).all()
      t.same(log.kinds, ['update', 'select'], 'the edit was flushed before the query')
      t.equal(queried, user)
      t.equal(user.username, 'ada2')
      await s.commit()
      t.equal((await raw(app).selectFrom('user').select('username').where('id', '=', id).executeTakeFirstOrThrow()).username, 'ada2')
    })

    await t.test('track(Model, rows): kysely rows become tracked objects', async (t) => {
      const [id, id2] = await seed() as [number, number]
      const s = app.db.session()
      t.teardown(() => s.close())
      const loaded = await s.get(User, id) as UserRow
      loaded.email = 'pending@example.com'
      const rows = await s.kysely.selectFrom('user' as never).selectAll().orderBy('id' as never).execute()
      log.clear()
      const users = s.track(User, rows as Array<Record<string, unknown>>)
      t.same(log.all, [], 'track itself sends nothing')
      t.equal(users[0], loaded, 'a row already in the map gives the object the session holds')
      t.equal(loaded.email, 'pending@example.com', 'with its pending edit intact')
      t.equal(users[1]?.username, 'alan', 'column names become properties')
      t.type(users[1]?.createdAt, Date)
      t.equal(users[1]?.passwordHash, null, 'snake_case columns map to their properties')
      t.equal(await s.get(User, id2), users[1], 'tracked objects are in the map')
      t.equal(log.all.length, 0)
      const alan = users[1] as UserRow
      alan.passwordHash = 'x'
      await s.commit()
      t.same(log.kinds, ['update', 'update'], 'both edits are written at commit')
      t.ok(log.of('update').every((statement) => statement.params === 2), 'each UPDATE sets one column')
    })

    await t.test('expunge: the object is forgotten', async (t) => {
      const [id] = await seed() as [number]
      const s = app.db.session()
      t.teardown(() => s.close())
      const user = await s.get(User, id) as UserRow
      s.expunge(user)
      user.username = 'forgotten'
      log.clear()
      await s.commit()
      t.same(log.all, [], 'its edits are not written')
      const again = await s.get(User, id)
      t.not(again, user, 'get loads a new object')
      t.equal(again?.username, 'ada')
      t.throws(() => s.delete(user), UntrackedObjectError, 'an untracked object cannot be deleted')
    })

    await t.test('refresh discards unflushed changes', async (t) => {
      const [id] = await seed() as [number]
      const s = app.db.session()
      t.teardown(() => s.close())
      const user = await s.get(User, id) as UserRow
      user.username = 'unsaved'
      await s.refresh(user)
      t.equal(user.username, 'ada')
      log.clear()
      await s.commit()
      t.same(log.all, [], 'nothing left to write')
    })

    await t.test('a closed session refuses every operation', async (t) => {
      const s = app.db.session()
      await s.close()
      t.throws(() => s.query(User), SessionStateError)
      t.throws(() => s.add(User, { username: 'late', email: 'late@example.com' }), SessionStateError)
      await t.rejects(s.get(User, 1), SessionStateError)
      await t.rejects(s.flush(), SessionStateError)
    })
  })
})
