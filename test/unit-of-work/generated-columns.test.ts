// A generated column is the database's to write: a flush never sends it, refuses an object
// that gives it, and reads it back after INSERT and UPDATE. An `always` identity alike.
import t from 'tap'
import { c, defineModel, InvalidValueError } from '../../src/index.ts'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp } from '../schema/support.ts'
import { buildApp } from '../helpers/app.ts'
import { SqlLog } from './support.ts'

const Line = defineModel('Line', {
  id: c.integer().primaryKey(),
  price: c.numeric(10, 2),
  qty: c.integer(),
  total: c.numeric(12, 2).generatedAs('price * qty')
})

t.test('generated columns in a session', async (t) => {
  await eachDb(t, async (t, database) => {
    const log = new SqlLog()
    const app = await buildApp(t, database, { models: { Line }, echo: true }, { server: { logger: { level: 'info', stream: log.stream } } })
    await app.db.createAll()

    const s = app.db.session()
    t.teardown(() => s.close())
    const line = s.add(Line, { price: '2.50', qty: 4 })
    await s.flush()
    t.equal(line.total, '10.00', 'read back after INSERT')

    line.qty = 6
    log.clear()
    await s.flush()
    t.equal(line.total, '15.00', 'read back after UPDATE')
    // PostgreSQL and SQLite in the UPDATE (RETURNING); MySQL/MariaDB have no UPDATE … RETURNING.
    t.strictSame(log.allKinds.filter((kind) => kind !== 'begin'), database.dialect === 'mysql' ? ['update', 'select'] : ['update'], 'statements of the UPDATE')

    line.total = '1.00'
    const error: unknown = await s.flush().catch((caught: unknown) => caught)
    t.ok(error instanceof InvalidValueError, 'assigning it fails the flush')
    t.match((error as Error).message, /Line\.total: it is a generated column, computed by the database; leave it out/, 'naming the column')
    await s.rollback()

    const other = app.db.session()
    t.teardown(() => other.close())
    other.add(Line, { price: '1.00', qty: 1, total: '5.00' } as never)
    await t.rejects(other.flush(), /Line\.total: it is a generated column/, 'a new object that gives it is refused')

    t.notOk('total' in Line.schemas.insert.properties, 'not in the insert schema')
    t.notOk('total' in Line.schemas.update.properties, 'not in the update schema')
    t.ok('total' in Line.schemas.row.properties, 'in the row schema')
  })
})

t.test('an always identity refuses explicit ids', async (t) => {
  const Ticket = defineModel('Ticket', { id: c.integer().primaryKey().identity('always'), code: c.string(20) })
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models: { Ticket } })
    await app.db.createAll()
    const s = app.db.session()
    t.teardown(() => s.close())
    const ticket = s.add(Ticket, { code: 'a' })
    await s.flush()
    t.type(ticket.id, 'number', 'the database sets the id')
    s.add(Ticket, { id: 5, code: 'b' } as never)
    await t.rejects(s.flush(), /Ticket\.id: it is a GENERATED ALWAYS identity, set by the database; leave it out/, 'an explicit id is refused')
    t.notOk('id' in Ticket.schemas.insert.properties, 'not in the insert schema')
  })
})
