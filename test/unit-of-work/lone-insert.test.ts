// A lone new object is one INSERT … RETURNING in autocommit (atomic by itself) whether or
// not its model has relationships, as long as they hold nothing; once they hold related
// objects the flush is several statements and runs in a transaction.
import t from 'tap'
import { Post, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { emptyTables, seedApp, sessionOpener } from './support.ts'

t.test('a lone INSERT of a model with relationships', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)
    const open = sessionOpener(app)
    await emptyTables(app)
    const lone = ['insert']

    await t.test('relationships never set, or left empty: one INSERT', async (t) => {
      const s = open(t)
      const ada = s.add(User, { username: 'ada', email: 'ada@example.com' })
      log.clear()
      await s.commit()
      t.same(log.allKinds, lone)
      t.ok(Number.isInteger(ada.id))
      t.same((ada as unknown as { posts: unknown[] }).posts, [], 'the collection it started with')

      const s2 = open(t)
      const post = s2.add(Post, { title: 'alone', body: '…', userId: ada.id })
      log.clear()
      await s2.commit()
      t.same(log.allKinds, lone, 'a foreign key given as a value: still one INSERT')
      t.ok(Number.isInteger(post.id))
    })

    await t.test('related objects: a transaction around every INSERT', async (t) => {
      const s = open(t)
      const alan = s.add(User, { username: 'alan', email: 'alan@example.com', posts: [{ title: 'first', body: '…' }] } as never)
      log.clear()
      await s.commit()
      t.same(log.allKinds, ['begin', 'insert', 'insert', 'commit'])
      t.equal((alan as unknown as { posts: Array<{ userId: number }> }).posts[0]?.userId, (alan as unknown as { id: number }).id)
    })

    await t.test('a failed lone INSERT leaves nothing and the session usable', async (t) => {
      const s = open(t)
      const again = s.add(User, { username: 'ada', email: 'again@example.com' })
      await t.rejects(s.commit())
      t.equal((again as { id?: number }).id, undefined, 'no key from the refused INSERT')
      t.match(again, { username: 'ada', email: 'again@example.com' }, 'the values as added')
      const rows = await app.db.kysely.selectFrom('user' as never).select('email' as never).where('username' as never, '=', 'ada' as never).execute()
      t.same(rows, [{ email: 'ada@example.com' }], 'the first ada only')
    })
  })
})
