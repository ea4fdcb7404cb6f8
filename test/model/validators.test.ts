// Validators: column validators (`c.string(120).validate(…)`) and model validators
// (`validate(entity)`) run at flush, before any statement, on new and changed objects,
// and refuse a value with InvalidValueError (a 400 in a route), on every database.
import type { Kysely } from 'kysely'
import t from 'tap'
import { c, defineModel, InvalidValueError, type DatabaseOf } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp } from '../schema/support.ts'

const calls: string[] = []

const Event = defineModel('Event', {
  id: c.integer().primaryKey(),
  title: c.string(100).validate((value) => value.trim().length > 0 || 'is blank'),
  email: c.string(120).nullable()
    .validate((value) => { calls.push(`email ${value}`); return value.includes('@') ? undefined : 'is not an email address' }),
  seats: c.integer().validate((value) => value >= 0).validate((value) => value <= 1000 || 'is more than 1000'),
  startsAt: c.dateTime(),
  endsAt: c.dateTime()
}, {
  naming: 'snake_case',
  validate: (event) => event.endsAt < event.startsAt ? { endsAt: 'is before startsAt' } : undefined
})

const models = { Event }
const kysely = (app: { db: { kysely: unknown } }): Kysely<DatabaseOf<typeof models>> => app.db.kysely as Kysely<DatabaseOf<typeof models>>
const start = new Date('2030-01-01T10:00:00Z')
const end = new Date('2030-01-01T12:00:00Z')

t.test('validators refuse new objects before any statement is sent', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models })
    await app.db.createAll()
    const session = app.db.session()
    t.teardown(() => session.close())

    session.add(Event, { title: '  ', seats: 3, startsAt: start, endsAt: end })
    await t.rejects(session.commit(), new InvalidValueError(undefined, { model: 'Event', property: 'title', problem: 'is blank' }))

    session.add(Event, { title: 'Launch', seats: -1, startsAt: start, endsAt: end })
    const error = await session.commit().catch((error: unknown) => error)
    t.ok(error instanceof InvalidValueError)
    t.match(error, { message: 'Invalid value for Event.seats: it is not valid', model: 'Event', property: 'seats', statusCode: 400, code: 'ORM_INVALID_VALUE' }, 'false: "is not valid"')

    session.add(Event, { title: 'Launch', seats: 2000, startsAt: start, endsAt: end })
    await t.rejects(session.commit(), { message: 'Invalid value for Event.seats: it is more than 1000' }, 'every validator of a column runs, in order')

    session.add(Event, { title: 'Launch', seats: 10, startsAt: end, endsAt: start })
    await t.rejects(session.commit(), { message: 'Invalid value for Event.endsAt: it is before startsAt', property: 'endsAt' }, 'the model validator names the field')

    session.add(Event, { title: 'Launch', seats: 10, startsAt: '2030-01-01T12:00:00Z', endsAt: '2030-01-01T10:00:00Z' })
    await t.rejects(session.commit(), { message: /^Invalid value for Event.endsAt: it is before startsAt$/, property: 'endsAt' }, 'ISO strings are compared as given to the model validator')

    const { count } = await kysely(app).selectFrom('event').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()
    t.equal(Number(count), 0, 'nothing was written')

    calls.length = 0
    const event = session.add(Event, { title: 'Launch', seats: 10, startsAt: start, endsAt: end })
    await session.commit()
    t.strictSame(calls, [], 'a null value is not validated')
    t.equal(event.id, 1)
  })
})

t.test('on a changed object, column validators run on the changed columns only', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models })
    await app.db.createAll()
    // A row the validators would refuse, written around them.
    await kysely(app).insertInto('event').values({ id: 1, title: 'Old', email: 'not-an-email', seats: 5, starts_at: start, ends_at: end }).execute()
    const session = app.db.session()
    t.teardown(() => session.close())
    const event = await session.getOr404(Event, 1)

    calls.length = 0
    event.seats = 6
    await session.commit()
    t.strictSame(calls, [], 'the unchanged email is not validated')

    event.email = 'still-not-one'
    await t.rejects(session.commit(), { message: 'Invalid value for Event.email: it is not an email address' })
    const reloaded = await session.getOr404(Event, 1)
    t.equal(reloaded.email, 'not-an-email', 'the refused change was not written')

    reloaded.endsAt = new Date('2029-01-01T00:00:00Z')
    await t.rejects(session.commit(), { message: /^Invalid value for Event.endsAt: it is before startsAt$/, property: 'endsAt' }, 'the model validator runs on a change')
  })
})

t.test('in a route, a refused value is a 400 naming the model and field', async (t) => {
  const app = await buildApp(t, { url: 'sqlite://:memory:' }, { models })
  app.post('/events', async (request, reply) => {
    const body = request.body as { title: string, seats: number }
    const event = request.db.add(Event, { ...body, startsAt: start, endsAt: end })
    await request.db.commit()
    return reply.code(201).send(event)
  })
  await app.ready()
  await app.db.createAll()
  const refused = await app.inject({ method: 'POST', url: '/events', payload: { title: '', seats: 1 } })
  t.equal(refused.statusCode, 400)
  t.match(refused.json(), { code: 'ORM_INVALID_VALUE', message: 'Invalid value for Event.title: it is blank' })
  const created = await app.inject({ method: 'POST', url: '/events', payload: { title: 'Launch', seats: 1 } })
  t.equal(created.statusCode, 201)
})

t.test('what a before-hook sets is validated', async (t) => {
  const Page = defineModel('Page', {
    id: c.integer().primaryKey(),
    title: c.string(100),
    slug: c.string(100).default('').validate((value) => /^[a-z-]+$/.test(value) || 'may hold a-z and - only')
  }, {
    hooks: { beforeInsert (page) { page.slug = page.title.toLowerCase().replaceAll(' ', '-') } }
  })
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models: { Page } })
    await app.db.createAll()
    const session = app.db.session()
    t.teardown(() => session.close())
    session.add(Page, { title: 'Chapter 2' })
    await t.rejects(session.commit(), { message: 'Invalid value for Page.slug: it may hold a-z and - only' })
    const page = session.add(Page, { title: 'Hello World' })
    await session.commit()
    t.equal(page.slug, 'hello-world')
  })
})
