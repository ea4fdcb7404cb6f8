// Flush: what the unit of work writes, counted in the statements the database was given.
// Nothing when nothing changed; one UPDATE of the changed columns only; one multi-row
// INSERT … RETURNING per table; one DELETE for many rows; parents before children.
import { sql } from 'kysely'
import t from 'tap'
import { Employee, Movie, Post, User } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { as, emptyTables, fresh, plain, raw, seedApp, type EmployeeE, type MovieRow, type PostE, type UserRow } from './support.ts'

t.test('flush', async (t) => {
  await eachDb(t, async (t, db) => {
    const { app, log } = await seedApp(t, db)

    const seedUsers = async (count: number): Promise<number[]> => {
      await emptyTables(app)
      const s = app.db.session()
      const users = s.addAll(User, Array.from({ length: count }, (_, i) => ({ username: `user${i}`, email: `user${i}@example.com` })))
      await s.commit()
      await s.close()
      return users.map((user) => user.id)
    }

    await t.test('nothing changed: no statement at all (not even BEGIN/COMMIT)', async (t) => {
      const [id] = await seedUsers(2) as [number]
      const s = app.db.session()
      t.teardown(() => s.close())
      const user = await s.get(User, id) as UserRow
      await s.query(User).all()
      log.clear()
      t.same(await s.flush(), { inserted: 0, updated: 0, deleted: 0 })
      await s.commit()
      t.same(log.all, [], 'flush and commit sent nothing')
      user.username = `${user.username}` // the same value (another string instance)
      user.createdAt = new Date(user.createdAt.getTime()) // an equal date, another object
      await s.commit()
      t.same(log.all, [], 'assigning equal values is not a change')
    })

    await t.test('changing one column: one UPDATE setting only that column', async (t) => {
      const [id] = await seedUsers(2) as [number]
      const s = app.db.session()
      t.teardown(() => s.close())
      const user = await s.get(User, id) as UserRow
      user.email = 'new@example.com'
      log.clear()
      t.same(await s.commit(), undefined)
      t.same(log.allKinds, ['begin', 'update', 'commit'], 'one short transaction around one UPDATE')
      const update = log.of('update')[0]
      t.match(plain(update?.sql ?? ''), /^update user set email = (\?|\$1) where id = (\?|\$2)$/, 'only the changed column is set')
      t.equal(update?.params, 2)
      t.equal((await raw(app).selectFrom('user').select('email').where('id', '=', id).executeTakeFirstOrThrow()).email, 'new@example.com')
      log.clear()
      await s.commit()
      t.same(log.all, [], 'once written, the object is clean again')
    })

    await t.test('several columns of one object: one UPDATE of those columns; two objects: two UPDATEs', async (t) => {
      const [id1, id2] = await seedUsers(3) as [number, number]
      const s = app.db.session()
      t.teardown(() => s.close())
      const a = await s.get(User, id1) as UserRow
      const b = await s.get(User, id2) as UserRow
      a.email = 'a@example.com'
      a.passwordHash = 'hash'
      b.username = 'renamed'
      log.clear()
      t.same(await s.flush(), { inserted: 0, updated: 2, deleted: 0 })
      t.same(log.kinds, ['update', 'update'])
      t.match(plain(log.statements[0]?.sql ?? ''), /^update user set email = .*, password_hash = .* where id = /)
      t.equal(log.statements[0]?.params, 3)
      t.match(plain(log.statements[1]?.sql ?? ''), /^update user set username = .* where id = /)
      t.equal(s.inTransaction, true, 'flush leaves the transaction open')
      await s.commit()
      t.equal(log.allKinds.at(-1), 'commit')
    })

    await t.test('INSERT … RETURNING is used where the server has it', async (t) => {
      if (db.dialect !== 'mysql') return t.equal(app.db.capabilities.supportsReturning, true)
      const { rows } = await sql<{ version: string }>`select version() as version`.execute(app.db.kysely)
      t.equal(app.db.capabilities.supportsReturning, /mariadb/i.test(String(rows[0]?.version)), `MariaDB has it, MySQL not: ${String(rows[0]?.version)}`)
    })

    await t.test('addAll of 50 rows: one multi-row INSERT … RETURNING', async (t) => {
      await emptyTables(app)
      const s = app.db.session()
      t.teardown(() => s.close())
      const users = s.addAll(User, Array.from({ length: 50 }, (_, i) => ({ username: `bulk${i}`, email: `bulk${i}@example.com` })))
      t.ok(users.every((user) => user.createdAt instanceof Date), 'client defaults are applied by add')
      t.ok(users.every((user) => user.id === undefined), 'keys come from the database')
      log.clear()
      t.same(await s.flush(), { inserted: 50, updated: 0, deleted: 0 })
      if (app.db.capabilities.supportsReturning) {
        t.same(log.kinds, ['insert'], 'one INSERT for 50 rows')
        // RETURNING what the database decides: the key, the column left out (password_hash)
        // and the timestamp it may store with less precision; not the strings given.
        t.match(plain(log.statements[0]?.sql ?? ''), /^insert into user \(username, email, created_at\) values (\([^)]*\), ){49}\([^)]*\) returning id, password_hash, created_at$/)
        t.equal(log.statements[0]?.params, 150)
      } else {
        // MySQL (not MariaDB) has no RETURNING: one INSERT and one SELECT per row.
        t.same(log.kinds, Array.from({ length: 50 }, () => ['insert', 'select']).flat())
      }
      const ids = users.map((user) => user.id)
      t.ok(ids.every((id) => Number.isInteger(id)), 'every object got its key')
      t.equal(new Set(ids).size, 50, 'distinct keys')
      t.same(ids, [...ids].sort((x, y) => x - y), 'in the order of the objects')
      await s.commit()
      const rows = await raw(app).selectFrom('user').select(['id', 'username']).orderBy('id').execute()
      t.same(rows.map((row) => [Number(row.id), row.username]), users.map((user) => [user.id, user.username]), 'each object has its own row\'s key')
    })

    const rowByRow = app.db.capabilities.supportsReturning ? false : 'MySQL without RETURNING inserts row by row (tested above)'
    await t.test('addAll of 12,001 rows: split by rows per statement (SQLite) or the parameter limit, keys in order', { skip: rowByRow }, async (t) => {
      await emptyTables(app)
      const s = app.db.session()
      t.teardown(() => s.close())
      const count = 12_001
      const users = s.addAll(User, Array.from({ length: count }, (_, i) => ({ username: `many${i}`, email: `many${i}@example.com` })))
      log.clear()
      t.same(await s.flush(), { inserted: count, updated: 0, deleted: 0 })
      // 3 parameters per row: 10,000 rows per statement under the 30,000-parameter cap, or
      // the dialect's own rows per statement (SQLite: 500).
      const perStatement = app.db.capabilities.rowsPerInsert ?? 10_000
      const statements = Math.ceil(count / perStatement)
      t.same(log.kinds, Array.from({ length: statements }, () => 'insert'), `${statements} INSERTs`)
      t.same(log.statements.map((statement) => statement.params), [
        ...Array.from({ length: statements - 1 }, () => perStatement * 3),
        (count - (statements - 1) * perStatement) * 3
      ], 'full statements, then the rest')
      const ids = users.map((user) => user.id)
      t.equal(new Set(ids).size, count, 'every object got its own key')
      t.ok(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number)), 'in the order of the objects')
      await s.commit()
      const rows = await raw(app).selectFrom('user').select(['id', 'username']).orderBy('id').execute()
      t.same(rows.map((row) => [Number(row.id), row.username]), users.map((user) => [user.id, user.username]), 'each object has its own row\'s key')
    })

    await t.test('RETURNING brings back server defaults', async (t) => {
      const [userId] = await seedUsers(1) as [number]
      const s = app.db.session()
      t.teardown(() => s.close())
      const post = s.add(Post, { title: 'Hello', body: 'World', userId })
      t.equal(post.timestamp, undefined)
      await s.commit()
      t.type(post.timestamp, Date, 'the CURRENT_TIMESTAMP default is on the object after the flush')
    })

    await t.test('rows with different columns go in separate INSERTs', async (t) => {
      await emptyTables(app)
      const s = app.db.session()
      t.teardown(() => s.close())
      s.addAll(User, [
        { username: 'u1', email: 'u1@example.com' },
        { username: 'u2', email: 'u2@example.com', passwordHash: 'h' },
        { username: 'u3', email: 'u3@example.com' }
      ])
      log.clear()
      await s.commit()
      t.same(log.kinds, ['insert', 'insert'], 'one per column set')
      t.equal(log.statements[0]?.params, 6)
      t.equal(log.statements[1]?.params, 4)
    })

    await t.test('deleting 20 rows: one DELETE', async (t) => {
      await seedUsers(25)
      const s = app.db.session()
      t.teardown(() => s.close())
      const users = await s.query(User).orderBy('id').limit(20).all()
      for (const user of users) s.delete(user)
      log.clear()
      t.same(await s.flush(), { inserted: 0, updated: 0, deleted: 20 })
      t.same(log.kinds, ['delete'])
      t.match(plain(log.statements[0]?.sql ?? ''), /^delete from user where id in \(/)
      t.equal(log.statements[0]?.params, 20)
      await s.commit()
      t.equal((await raw(app).selectFrom('user').select('id').execute()).length, 5)
      t.equal(await s.get(User, users[0]?.id as number), undefined, 'a deleted object leaves the identity map')
    })

    await t.test('deleting a new object just forgets it', async (t) => {
      await seedUsers(0)
      const s = app.db.session()
      t.teardown(() => s.close())
      const user = s.add(User, { username: 'never', email: 'never@example.com' })
      s.delete(user)
      log.clear()
      await s.commit()
      t.same(log.all, [])
      t.equal((await raw(app).selectFrom('user').select('id').execute()).length, 0)
    })

    await t.test('inserts, updates and deletes of one flush: parents first, children-first deletes', async (t) => {
      const [keepId, dropId] = await seedUsers(2) as [number, number]
      const s = app.db.session()
      t.teardown(() => s.close())
      const keep = await s.get(User, keepId) as UserRow
      const drop = await s.get(User, dropId) as UserRow
      keep.passwordHash = 'changed'
      s.delete(drop)
      const author = s.add(User, { username: 'new-author', email: 'new@example.com' })
      // A post whose author is new: its key comes from the user's INSERT.
      const post = as<PostE>(s.add(Post, { title: 'T', body: 'B' } as typeof Post.$insert))
      post.author = as(author)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['insert', 'insert', 'update', 'delete'])
      t.match(plain(log.statements[0]?.sql ?? ''), /^insert into user /)
      t.match(plain(log.statements[1]?.sql ?? ''), /^insert into post /)
      t.equal(post.userId, author.id, 'the post\'s foreign key was taken from its new author')
    })

    await t.test('array and boolean columns (movies): defaults, in-place edits', async (t) => {
      await emptyTables(app)
      const s = app.db.session()
      t.teardown(() => s.close())
      const movie = s.add(Movie, { title: 'The Matrix', year: 1999, directors: ['Lana Wachowski', 'Lilly Wachowski'] }) as MovieRow
      t.equal(movie.theatre, false, 'the client default is applied by add')
      await s.commit()
      log.clear()
      await s.commit()
      t.same(log.all, [], 'an array read back is not a change')
      movie.directors.push('Someone Else')
      await s.commit()
      t.same(log.kinds, ['update'], 'an in-place push is seen')
      t.match(plain(log.statements[0]?.sql ?? ''), /^update movie set directors = .* where id = /)
      const again = app.db.session()
      t.same((await again.get(Movie, movie.id))?.directors, ['Lana Wachowski', 'Lilly Wachowski', 'Someone Else'])
      await again.close()
      movie.mpa = 'R'
      movie.theatre = true
      log.clear()
      await s.commit()
      t.same(log.kinds, ['update'])
      t.equal(log.statements[0]?.params, 3)
    })

    await t.test('self-referential new rows: a manager is inserted before the reports', async (t) => {
      await emptyTables(app)
      const s = app.db.session()
      t.teardown(() => s.close())
      const boss = as<EmployeeE>(s.add(Employee, { name: 'Boss' }))
      const deputy = as<EmployeeE>(s.add(Employee, { name: 'Ann' }))
      boss.reports.push(deputy, fresh({ name: 'Bob' }))
      deputy.reports.push(fresh({ name: 'Cid' }))
      log.clear()
      t.same(await s.flush(), { inserted: 4, updated: 0, deleted: 0 })
      t.same(log.kinds, ['insert', 'insert', 'insert'], 'one INSERT per level of the hierarchy')
      t.same(log.statements.map((statement) => statement.params), [2, 4, 2], 'name and manager_id per row')
      await s.commit()
      const rows = await raw(app).selectFrom('employee').select(['name', 'manager_id']).orderBy('id').execute()
      t.same(rows.map((row) => [row.name, row.manager_id === null ? null : Number(row.manager_id)]),
        [['Boss', null], ['Ann', boss.id], ['Bob', boss.id], ['Cid', deputy.id]])
    })
  })
})
