// Many concurrent requests against a small pool: whether a request commits, throws after
// writing or is abandoned by its client, its session is closed, its connection goes back
// and only committed work stays.
import t from 'tap'
import { RequestAbortedError } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'
import { createItemTable, gate, httpRequest, itemIds, listen, trackEndedRequests, until, type Gate } from './support.ts'

const REQUESTS = 500
const POOL_MAX = 10
const COMMIT = 0
const THROW = 1
const ABORT = 2

t.test('500 concurrent requests: commit, throw after writing, client abort', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildApp(t, db, { pool: { max: POOL_MAX } })
    await createItemTable(app)
    const tracker = trackEndedRequests(app)
    const written = new Map<number, Gate>()
    // What an aborted request's commit did once the handler went on: 'refused' is right.
    const afterAbort = new Map<number, Gate<string>>()
    for (let id = 0; id < REQUESTS; id++) {
      if (id % 3 === ABORT) {
        written.set(id, gate())
        afterAbort.set(id, gate())
      }
    }

    app.get<{ Params: { id: string } }>('/work/:id', async (request) => {
      const id = Number(request.params.id)
      await request.db.begin()
      await request.db.kysely.insertInto('item').values({ id, tag: String(id % 3) }).execute()
      if (id % 3 === COMMIT) {
        await request.db.commit()
        return { id }
      }
      if (id % 3 === THROW) throw new Error('failed after writing')
      // ABORT: keep the transaction open until the client has gone, then try to commit.
      // The plugin's listener on the response's close was attached (when the session was
      // created) before this one, so by now the session is closed and the commit refused.
      // (not events.once: it would reject with the 'aborted' error the request emits)
      const closed = new Promise((resolve) => request.raw.once('close', resolve))
      written.get(id)!.open()
      await closed
      try {
        await request.db.commit()
        afterAbort.get(id)!.open('committed')
      } catch (error) {
        afterAbort.get(id)!.open(error instanceof RequestAbortedError ? 'refused' : String(error))
      }
      return { id }
    })
    const port = await listen(app)

    // The clients abandon their requests only once the pool is exhausted and callers are
    // queueing, so the test really runs under contention (the pool cannot have been
    // drained to 0 by one request at a time).
    const maxInUse = db.dialect === 'sqlite' ? 1 : POOL_MAX
    let contendedStatus = app.db.poolStatus()
    const contended = until(() => {
      contendedStatus = app.db.poolStatus()
      return contendedStatus.inUse === maxInUse && contendedStatus.waiting > 0
    })

    const results = await Promise.all(Array.from({ length: REQUESTS }, (_, id) => httpRequest(port, 'GET', `/work/${id}`,
      id % 3 === ABORT ? { abortWhen: Promise.all([written.get(id)!.promise, contended]) } : {})))
    await tracker.ended(REQUESTS)
    const outcomesAfterAbort = await Promise.all([...afterAbort.values()].map((g) => g.promise))

    t.equal(contendedStatus.inUse, maxInUse, 'every connection was checked out at once')
    t.ok(contendedStatus.waiting > 0, `requests queued for a connection (${contendedStatus.waiting} waiting)`)

    const byKind = (kind: number): unknown[] => results.filter((_, id) => id % 3 === kind)
      .map((result) => result === 'aborted' ? result : result.statusCode)
    const committedIds = Array.from({ length: REQUESTS }, (_, id) => id).filter((id) => id % 3 === COMMIT)
    const abortedIds = Array.from({ length: REQUESTS }, (_, id) => id).filter((id) => id % 3 === ABORT)
    t.same(new Set(byKind(COMMIT)), new Set([200]), 'committing requests got 200')
    t.same(new Set(byKind(THROW)), new Set([500]), 'throwing requests got 500')
    t.same(new Set(byKind(ABORT)), new Set(['aborted']), 'aborted requests got no reply')
    t.equal(outcomesAfterAbort.length, abortedIds.length)
    t.same(new Set(outcomesAfterAbort), new Set(['refused']), 'an aborted request\'s session was closed before its handler went on')

    const status = app.db.poolStatus()
    t.equal(status.inUse, 0, 'no connection is checked out')
    t.equal(status.waiting, 0, 'nobody waits for a connection')
    t.ok(status.open <= maxInUse, `the pool never grew past its max (${status.open} open)`)
    t.same(await itemIds(app), committedIds, 'exactly the committed rows exist')
  })
})
