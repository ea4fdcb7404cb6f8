// A failed flush or commit rolls the transaction back and leaves the session usable; the
// objects it tracked are detached, new objects keep their values without generated keys
// (README, "Unit of work"). The same after rollback(), a failed savepoint, and close().
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { UniqueViolationError, UntrackedObjectError, type Session } from '../../src/index.ts'
import { Post, Tag, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { as, countRows, emptyTables, raw, seedApp, type PostE, type SqlLog, type UserRow, sessionOpener } from './support.ts'

async function seedUsers (app: FastifyInstance): Promise<{ ada: number, alan: number }> {
  await emptyTables(app)
  const s = app.db.session()
  const [ada, alan] = s.addAll(User, [{ username: 'ada', email: 'ada@example.com' }, { username: 'alan', email: 'alan@example.com' }]) as [UserRow, UserRow]
  s.add(Tag, { name: 'taken' })
  await s.commit()
  await s.close()
  return { ada: ada.id, alan: alan.id }
}

/** The object is no longer tracked: get() loads another one, delete/refresh refuse it, edits are not written. */
async function assertDetached (t: Test, s: Session, log: SqlLog, user: UserRow): Promise<void> {
  t.throws(() => s.delete(user), UntrackedObjectError, 'delete() refuses a detached object')
  await t.rejects(s.refresh(user), UntrackedObjectError, 'refresh() too')
  log.clear()
  const again = await s.get(User, user.id)
  t.same(log.kinds, ['select'], 'get() has to read the row again')
  t.not(again, user, 'and gives a new object')
  const before = again?.passwordHash
  user.passwordHash = 'edited while detached'
  log.clear()
  await s.commit()
  t.same(log.all, [], 'edits to a detached object are not written')
  t.equal(again?.passwordHash, before)
}

t.test('failed flush and commit', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    const open = sessionOpener(app)

    await t.test('a unique violation at commit: rolled back, detached, new objects without keys, session usable', async (t) => {
      const k = await seedUsers(app)
      const s = open(t)
      const ada = await s.get(User, k.ada) as UserRow
      const alan = await s.get(User, k.alan) as UserRow
      alan.passwordHash = 'changed in the failed transaction'
      const [dup, fine] = s.addAll(User, [{ username: 'ada', email: 'other@example.com' }, { username: 'fine', email: 'fine@example.com' }]) as [UserRow, UserRow]
      const createdAt = dup.createdAt
      log.clear()
      const error = await s.commit().then(() => undefined, (e: unknown) => e)
      t.type(error, UniqueViolationError)
      t.equal((error as UniqueViolationError).statusCode, 409)
      t.same(log.allKinds, ['begin', 'insert', 'rollback'], 'the INSERT failed and the transaction was rolled back')
      t.equal(log.of('insert')[0]?.failed, true)
      t.equal(s.inTransaction, false)
      t.equal(s.closed, false, 'the session is still open')
      t.equal(await countRows(app, 'user'), 2, 'nothing was written')
      t.equal((await raw(app).selectFrom('user').select('password_hash').where('id', '=', k.alan).executeTakeFirstOrThrow()).password_hash, null)
      // New objects: their values, no generated key.
      t.same({ ...dup }, { username: 'ada', email: 'other@example.com', createdAt }, 'the new object has exactly its own values')
      const started = dup as unknown as { posts: unknown, profile: unknown }
      t.same([started.posts, started.profile], [[], null], 'and the relationships it started with (not enumerable, as for an object read back)')
      t.equal(dup.id, undefined)
      t.equal(fine.id, undefined)
      t.equal(dup.createdAt, createdAt, 'client defaults stay (they were applied by add)')
      // Tracked objects: detached.
      await assertDetached(t, s, log, ada)
      t.equal(alan.passwordHash, 'changed in the failed transaction', 'a detached object keeps what it held')
      // Usable: the same values, corrected, go in.
      const again = s.add(User, { ...dup, username: 'ada2' })
      log.clear()
      await s.commit()
      t.same(log.allKinds, ['begin', 'insert', 'commit'])
      t.ok(Number.isInteger(again.id))
      t.equal(await countRows(app, 'user'), 3)
    })

    await t.test('a failure after earlier statements of the flush: all of it is undone', async (t) => {
      const k = await seedUsers(app)
      const s = open(t)
      const alan = await s.get(User, k.alan) as UserRow
      alan.email = 'alan@new.example.com'
      const author = s.add(User, { username: 'newcomer', email: 'newcomer@example.com' })
      const createdAt = author.createdAt
      const post = as<PostE>(s.add(Post, { title: 'T', body: 'B' } as typeof Post.$insert))
      post.author = as(author)
      post.tags.push(as(s.add(Tag, { name: 'taken' })))
      log.clear()
      await t.rejects(s.commit(), UniqueViolationError)
      t.same(log.allKinds, ['begin', 'insert', 'insert', 'insert', 'rollback'], 'user and post inserted, the tag refused')
      t.same([await countRows(app, 'user'), await countRows(app, 'post'), await countRows(app, 'tag')], [2, 0, 1], 'none of it stayed')
      t.equal(author.id, undefined, 'the user\'s key is gone with its row')
      t.equal(author.createdAt, createdAt, 'its values are the ones it had, not those its INSERT … RETURNING read back')
      t.equal(post.id, undefined)
      t.equal(post.userId, undefined, 'the foreign key taken from the new user too')
      t.equal(post.timestamp, undefined, 'and the server default')
      t.equal(post.author, author, 'relationships stay as they were set')
      t.equal((await raw(app).selectFrom('user').select('email').where('id', '=', k.alan).executeTakeFirstOrThrow()).email, 'alan@example.com', 'the UPDATE was rolled back')
      await assertDetached(t, s, log, alan)
    })

    await t.test('a failed UPDATE: the database keeps the old value; the object is detached with the new one', async (t) => {
      const k = await seedUsers(app)
      const s = open(t)
      const alan = await s.get(User, k.alan) as UserRow
      alan.username = 'ada'
      await t.rejects(s.flush(), UniqueViolationError)
      t.equal(s.inTransaction, false, 'flush() rolled back the transaction it opened')
      t.equal((await raw(app).selectFrom('user').select('username').where('id', '=', k.alan).executeTakeFirstOrThrow()).username, 'alan')
      t.equal(alan.username, 'ada')
      t.equal((await s.get(User, k.alan))?.username, 'alan', 'loading again gives the database\'s row')
    })

    await t.test('a failed autoflush (before a query) rolls back the same way', async (t) => {
      const k = await seedUsers(app)
      const s = open(t)
      const ada = await s.get(User, k.ada) as UserRow
      const dup = s.add(User, { username: 'alan', email: 'x@example.com' })
      await t.rejects(s.query(User).all(), UniqueViolationError)
      t.equal(dup.id, undefined)
      t.equal(s.inTransaction, false)
      await assertDetached(t, s, log, ada)
      t.equal((await s.query(User).all()).length, 2, 'and the next query works')
    })

    await t.test('objects inserted earlier in the transaction also lose their keys when a later flush fails', async (t) => {
      await seedUsers(app)
      const s = open(t)
      const first = s.add(User, { username: 'first', email: 'first@example.com' })
      await s.flush()
      t.ok(Number.isInteger(first.id), 'flushed: it has a key')
      s.add(User, { username: 'ada', email: 'dup@example.com' })
      await t.rejects(s.commit(), UniqueViolationError)
      t.equal(first.id, undefined, 'its row was rolled back with the transaction, and so was its key')
      t.equal(first.username, 'first')
      t.equal(await countRows(app, 'user'), 2)
    })

    await t.test('rollback() after a flush: nothing stays, objects detached, new ones without keys', async (t) => {
      const k = await seedUsers(app)
      const s = open(t)
      const ada = await s.get(User, k.ada) as UserRow
      ada.email = 'rolled@example.com'
      const user = s.add(User, { username: 'temp', email: 'temp@example.com' })
      await s.flush()
      const id = user.id
      t.ok(Number.isInteger(id))
      log.clear()
      await s.rollback()
      t.same(log.allKinds, ['rollback'])
      t.equal(user.id, undefined)
      t.equal(await s.get(User, id), undefined, 'the row is gone')
      t.equal(await countRows(app, 'user'), 2)
      await assertDetached(t, s, log, ada)
    })

    await t.test('a failing savepoint (nested transaction) undoes only its own work', async (t) => {
      await seedUsers(app)
      const s = open(t)
      let inner: UserRow | undefined
      let outer: UserRow | undefined
      await s.transaction(async () => {
        outer = s.add(User, { username: 'outer', email: 'outer@example.com' })
        await s.flush()
        await t.rejects(s.transaction(async () => {
          inner = s.add(User, { username: 'inner', email: 'inner@example.com' })
          s.add(User, { username: 'ada', email: 'dup@example.com' })
          await s.flush()
        }), UniqueViolationError)
        t.equal(s.inTransaction, true, 'the outer transaction goes on')
        s.add(User, { username: 'after', email: 'after@example.com' })
      })
      const names = (await raw(app).selectFrom('user').select('username').orderBy('username').execute()).map((row) => row.username)
      t.same(names, ['ada', 'after', 'alan', 'outer'], 'the outer work and what came after the savepoint are committed')
      t.ok(Number.isInteger(outer?.id), 'an object inserted before the savepoint keeps its key')
      t.equal(inner?.id, undefined, 'one of the failed savepoint has none')
    })

    await t.test('close() without commit: like a rollback', async (t) => {
      await seedUsers(app)
      const s = app.db.session()
      const user = s.add(User, { username: 'unsaved', email: 'unsaved@example.com' })
      await s.flush()
      await s.close()
      t.equal(user.id, undefined)
      t.equal(await countRows(app, 'user'), 2)
    })
  })
})
