// Session transactions: begin/commit/rollback, transaction(fn), savepoints, isolation,
// the guard on session.kysely.transaction(), closed sessions and a failing COMMIT.
import t from 'tap'
import { ForeignKeyViolationError, SessionStateError, UniqueViolationError, type Session } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'
import { createDeferredFkTables, createItemTable, itemIds, trackEndedRequests } from './support.ts'

type AnySession = Session<Record<string, Record<string, unknown>>>

const insertItem = (session: AnySession, id: number): Promise<unknown> =>
  session.kysely.insertInto('item').values({ id, tag: `t${id}` }).execute()

const visibleIds = async (session: AnySession): Promise<number[]> =>
  (await session.kysely.selectFrom('item').select('id').orderBy('id').execute()).map((row) => Number(row.id))

t.test('request.db: begin/commit, begin/rollback, transaction(fn)', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const tracker = trackEndedRequests(app)
    app.post('/begin-commit', async (request) => {
      await request.db.begin()
      await insertItem(request.db, 1)
      await request.db.commit()
      return { inTransaction: request.db.inTransaction }
    })
    app.post('/begin-rollback', async (request) => {
      await request.db.begin()
      await insertItem(request.db, 2)
      await request.db.rollback()
      // Outside a transaction each statement commits on its own.
      await insertItem(request.db, 3)
      return { inTransaction: request.db.inTransaction }
    })
    app.post('/transaction-commit', async (request) => {
      const value = await request.db.transaction(async (session) => {
        await insertItem(session, 4)
        return { inside: session.inTransaction, same: session === request.db }
      })
      return { ...value, after: request.db.inTransaction }
    })
    const failure = new Error('inside transaction(fn)')
    app.post('/transaction-throw', async (request) => {
      try {
        await request.db.transaction(async (session) => {
          await insertItem(session, 5)
          throw failure
        })
      } catch (error) {
        return { rethrown: error === failure, inTransaction: request.db.inTransaction }
      }
      return { rethrown: false }
    })

    t.same((await app.inject({ method: 'POST', url: '/begin-commit' })).json(), { inTransaction: false })
    t.same((await app.inject({ method: 'POST', url: '/begin-rollback' })).json(), { inTransaction: false })
    t.same((await app.inject({ method: 'POST', url: '/transaction-commit' })).json(), { inside: true, same: true, after: false })
    t.same((await app.inject({ method: 'POST', url: '/transaction-throw' })).json(), { rethrown: true, inTransaction: false },
      'transaction(fn) rethrows fn\'s own error')
    await tracker.ended(4)
    t.same(await itemIds(app), [1, 3, 4], 'committed rows exist; rolled-back ones (2, 5) do not')
    t.equal(app.db.poolStatus().inUse, 0)
  })
})

t.test('nested transaction(fn) is a savepoint', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const tracker = trackEndedRequests(app)
    app.post('/nested', async (request) => {
      await request.db.transaction(async (session) => {
        await insertItem(session, 10)
        await session.transaction(async () => {
          await insertItem(session, 11)
          await session.transaction(async () => {
            await insertItem(session, 12)
            throw new Error('innermost fails')
          }).catch(() => undefined)
          // The innermost savepoint was undone, its parent savepoint goes on.
          await insertItem(session, 13)
        })
        await session.transaction(async () => {
          await insertItem(session, 14)
          throw new Error('second inner fails')
        }).catch(() => undefined)
        t.ok(session.inTransaction, 'a failed savepoint leaves the outer transaction open')
        await insertItem(session, 15)
      })
      return { ok: true }
    })
    app.post('/savepoint-db-error', async (request) => {
      await request.db.transaction(async (session) => {
        await insertItem(session, 40)
        // A failed statement aborts a whole PostgreSQL transaction unless its savepoint is
        // rolled back: the outer work must survive it.
        await t.rejects(session.transaction(async () => {
          await insertItem(session, 41)
          await insertItem(session, 40)
        }), UniqueViolationError)
        await insertItem(session, 42)
      })
      return { ok: true }
    })
    app.post('/nested-in-begin', async (request) => {
      // begin() then transaction(fn): fn runs in a savepoint of the begun transaction,
      // so rolling the outer one back undoes fn's committed-looking work too.
      await request.db.begin()
      await request.db.transaction(async (session) => { await insertItem(session, 20) })
      t.ok(request.db.inTransaction, 'the savepoint did not end the outer transaction')
      await request.db.rollback()
      return { ok: true }
    })
    app.post('/savepoint-first', async (request) => {
      // A savepoint as the very first statement: BEGIN goes out with it.
      await request.db.begin()
      await request.db.transaction(async (session) => { await insertItem(session, 30) })
      await request.db.commit()
      return { ok: true }
    })
    t.equal((await app.inject({ method: 'POST', url: '/nested' })).statusCode, 200)
    t.equal((await app.inject({ method: 'POST', url: '/nested-in-begin' })).statusCode, 200)
    t.equal((await app.inject({ method: 'POST', url: '/savepoint-first' })).statusCode, 200)
    t.equal((await app.inject({ method: 'POST', url: '/savepoint-db-error' })).statusCode, 200)
    await tracker.ended(4)
    t.same(await itemIds(app), [10, 11, 13, 15, 30, 40, 42],
      'only the failed savepoints\' rows (12, 14, 41) and the rolled-back transaction\'s (20) are gone')
    t.equal(app.db.poolStatus().inUse, 0)
  })
})

t.test('a transaction sees its own uncommitted writes', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const session = app.db.session()
    t.teardown(() => session.close())
    await session.begin()
    await insertItem(session, 1)
    t.same(await visibleIds(session), [1], 'session.kysely reads inside its transaction')
    await session.rollback()
    t.same(await visibleIds(session), [], 'and the write is gone after rollback')
  })
})

t.test('other sessions do not see uncommitted writes', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const writer = app.db.session()
    const reader = app.db.session()
    t.teardown(() => Promise.all([writer.close(), reader.close()]))
    await writer.begin()
    await insertItem(writer, 1)
    t.same(await visibleIds(writer), [1], 'the writer sees its row')
    t.same(await visibleIds(reader), [], 'another session does not')
    t.same(await itemIds(app), [], 'nor does app.db.kysely')
    await writer.commit()
    t.same(await visibleIds(reader), [1], 'after COMMIT everyone does')
  }, ['postgres', 'mysql']) // SQLite has one connection: another reader would wait for the writer
})

t.test('session.kysely.transaction() is refused while a session transaction is open', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const session = app.db.session()
    t.teardown(() => session.close())

    // Before any statement (BEGIN not sent yet) and after one.
    await session.begin()
    await t.rejects(session.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('item').values({ id: 99, tag: 'never' }).execute()
    }), SessionStateError, 'refused before the first statement')
    await insertItem(session, 1)
    await t.rejects(session.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('item').values({ id: 99, tag: 'never' }).execute()
    }), SessionStateError, 'refused after a statement')
    await t.rejects(session.kysely.startTransaction().execute(), SessionStateError, 'startTransaction() too')
    t.ok(session.inTransaction, 'the session\'s own transaction is still open')
    await insertItem(session, 2)
    await session.commit()
    t.same(await itemIds(app), [1, 2], 'and commits its work')
    t.equal(app.db.poolStatus().inUse, 0, 'no connection is left checked out')

    // Without a session transaction Kysely's own transaction() works on the session.
    await session.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('item').values({ id: 3, tag: 'kysely' }).execute()
    })
    t.same(await itemIds(app), [1, 2, 3])
  })
})

t.test('a closed session refuses every use', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createItemTable(app)
    const tracker = trackEndedRequests(app)

    const session = app.db.session()
    await session.begin()
    await insertItem(session, 1)
    await session.close()
    t.ok(session.closed)
    t.equal(app.db.poolStatus().inUse, 0, 'close() gave the connection back')
    t.same(await itemIds(app), [], 'close() rolled the open transaction back')
    await t.rejects(visibleIds(session), SessionStateError, 'queries')
    await t.rejects(session.begin(), SessionStateError, 'begin()')
    await t.rejects(session.commit(), SessionStateError, 'commit()')
    await t.rejects(session.rollback(), SessionStateError, 'rollback()')
    let ran = false
    await t.rejects(session.transaction(async () => { ran = true }), SessionStateError, 'transaction(fn)')
    t.notOk(ran, 'fn did not run')
    await t.resolves(session.close(), 'close() again is harmless')

    // A request's session kept past the end of the request.
    let kept: AnySession | undefined
    app.post('/keep', async (request) => {
      kept = request.db
      await request.db.begin()
      await insertItem(request.db, 2)
      return { ok: true } // never commits
    })
    t.equal((await app.inject({ method: 'POST', url: '/keep' })).statusCode, 200)
    await tracker.ended(1)
    t.ok(kept?.closed, 'the request\'s session was closed when the request ended')
    await t.rejects(visibleIds(kept!), SessionStateError, 'and refuses use afterwards')
    t.same(await itemIds(app), [], 'its uncommitted write was rolled back')
    t.equal(app.db.poolStatus().inUse, 0)
  })
})

t.test('a failed COMMIT rolls back and returns the connection', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db)
    await createDeferredFkTables(app)
    const session = app.db.session()
    t.teardown(() => session.close())
    const children = async (): Promise<number[]> =>
      (await app.db.kysely.selectFrom('child').select('id').orderBy('id').execute()).map((row) => Number(row.id))

    await session.begin()
    // The foreign key is deferred: the orphan is accepted now and rejected at COMMIT.
    await session.kysely.insertInto('child').values({ id: 1, parent_id: 404 }).execute()
    await t.rejects(session.commit(), ForeignKeyViolationError, 'COMMIT fails with the translated error')
    t.notOk(session.inTransaction, 'the session is out of the transaction')
    t.equal(app.db.poolStatus().inUse, 0, 'the connection went back to the pool')
    t.same(await children(), [], 'nothing was persisted')

    await t.rejects(session.transaction(async (s) => {
      await s.kysely.insertInto('child').values({ id: 2, parent_id: 404 }).execute()
    }), ForeignKeyViolationError, 'transaction(fn) reports the failed COMMIT')
    t.equal(app.db.poolStatus().inUse, 0)

    // The connection is clean: a new transaction on it (SQLite has only this one) works.
    await session.transaction(async (s) => {
      await s.kysely.insertInto('parent').values({ id: 1 }).execute()
      await s.kysely.insertInto('child').values({ id: 3, parent_id: 1 }).execute()
    })
    t.same(await children(), [3])
    t.equal(app.db.poolStatus().inUse, 0)
  }, ['sqlite', 'postgres']) // MySQL/MariaDB have no deferred constraints: its COMMIT does not fail this way
})
