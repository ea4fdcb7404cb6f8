// Model schemas as route schemas under Fastify's DEFAULT validator (Ajv with coerceTypes:
// 'array' and removeAdditional: true), with no validator compiler of the app's own. A body
// built from a model schema — the schema itself, Type.Omit of it, a spread of its properties,
// Type.Evaluate(Type.Intersect(…)) — is taken as sent: JSON null for a NOT NULL column, a
// string for a number, an array for a string, a scalar for an array and a property the schema
// does not declare (the primary key of an update among them) are a 400 in Fastify's own
// validation format, and nothing is stored. Path params and query strings still coerce.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Test } from 'tap'
import t from 'tap'
import { Type } from 'typebox'
import { Movie, User } from '../fixtures/seed-models.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'

const models = { Movie, User }
const IdParams = Type.Object({ id: Type.Integer() })

async function routesApp (t: Test, database: TestDatabase, exactBodies?: boolean): Promise<FastifyInstance> {
  const app = await buildApp(t, database, { models, createAll: true, ...(exactBodies === undefined ? {} : { exactBodies }) })
  const create = async (request: FastifyRequest, reply: FastifyReply) => {
    const movie = request.db.add(Movie, request.body as typeof Movie.$insert)
    await request.db.commit()
    return reply.code(201).send(movie)
  }
  app.post('/movies', { schema: { body: Movie.schemas.insert } }, create)
  app.post('/movies/omit', { schema: { body: Type.Omit(Movie.schemas.insert, ['id']) } }, create)
  app.post('/users/spread', { schema: { body: Type.Object({ ...User.schemas.insert.properties, password: Type.String() }) } }, async (request, reply) => {
    const { password, ...fields } = request.body as typeof User.$insert & { password: string }
    const user = request.db.add(User, { ...fields, passwordHash: `hash:${password}` })
    await request.db.commit()
    return reply.code(201).send(user)
  })
  const Signup = Type.Evaluate(Type.Intersect([Type.Pick(User.schemas.insert, ['username', 'email']), Type.Object({ password: Type.String() })]))
  const signUp = async (request: FastifyRequest, reply: FastifyReply) => {
    const { username, email, password } = request.body as { username: string, email: string, password: string }
    const user = request.db.add(User, { username, email, passwordHash: `hash:${password}` })
    await request.db.commit()
    return reply.code(201).send(user)
  }
  app.post('/users/evaluate', { schema: { body: Signup } }, signUp)
  // An allOf: each member declares part of the properties, so neither is closed on its own.
  app.post('/users/intersect', { schema: { body: Type.Intersect([Type.Pick(User.schemas.insert, ['username', 'email']), Type.Object({ password: Type.String() })]) } }, signUp)
  app.put('/users/:id', { schema: { params: IdParams, body: User.schemas.update } }, async (request) => {
    const { id } = request.params as { id: number }
    const user = await request.db.getOr404(User, id)
    Object.assign(user, request.body)
    await request.db.commit()
    return { ...user, idType: typeof id }
  })
  app.get('/movies', { schema: { querystring: Type.Object({ year: Movie.schemas.row.properties.year, page: Type.Optional(Type.String()), per_page: Type.Optional(Type.String()) }) } }, async (request) => {
    const { year } = request.query as { year: number }
    const page = await request.db.query(Movie).filterBy({ year }).orderBy('id').paginate(request)
    return { ...page.toJSON(), yearType: typeof year }
  })
  // No model schema in the body: Fastify's defaults, untouched.
  app.post('/plain', { schema: { body: Type.Object({ n: Type.Integer() }, { additionalProperties: false }) } }, async (request) => request.body)
  await app.ready()
  return app
}

const alien = { title: 'Alien', year: 1979, directors: ['Ridley Scott'], mpa: 'R' }
const ann = { username: 'ann', email: 'ann@example.com' }

async function count (app: FastifyInstance, model: typeof Movie | typeof User): Promise<number> {
  return (await app.db.kysely.selectFrom(model.tableName as never).selectAll().execute()).length
}

function assertValidationError (t: Test, response: { statusCode: number, json: () => { code?: string, error?: string, message?: string } }, message: RegExp, what: string): void {
  t.equal(response.statusCode, 400, `400 for ${what}`)
  const body = response.json()
  t.equal(body.code, 'FST_ERR_VALIDATION', `Fastify's validation code for ${what}`)
  t.equal(body.error, 'Bad Request')
  t.match(body.message, message, `the message names the field for ${what}`)
}

t.test('a body built from a model schema is refused when a value has the wrong JSON type', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await routesApp(t, database)
    const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object })

    const nulls = await post('/movies', { title: null, year: null, directors: null, theatre: null })
    assertValidationError(t, nulls, /^body\/title must be string$/, 'null for every NOT NULL column')
    const wrong: Array<[string, string, object, RegExp]> = [
      ['/movies', 'null for a NOT NULL integer', { ...alien, year: null }, /^body\/year must be integer$/],
      ['/movies', 'null for a NOT NULL array', { ...alien, directors: null }, /^body\/directors must be array$/],
      ['/movies', 'null for a NOT NULL boolean with a default', { ...alien, theatre: null }, /^body\/theatre must be boolean$/],
      ['/movies', '"7" for an integer', { ...alien, year: '1979' }, /^body\/year must be integer$/],
      ['/movies', 'a number for a string', { ...alien, title: 7 }, /^body\/title must be string$/],
      ['/movies', 'an array for a string', { ...alien, title: ['Alien'] }, /^body\/title must be string$/],
      ['/movies', 'a scalar for an array', { ...alien, directors: 'Ridley Scott' }, /^body\/directors must be array$/],
      ['/movies', 'a number in an array of strings', { ...alien, directors: [7] }, /^body\/directors\/0 must be string$/],
      ['/movies', 'a string for a boolean', { ...alien, theatre: 'true' }, /^body\/theatre must be boolean$/],
      ['/movies', 'a number for a nullable enumeration', { ...alien, mpa: 1 }, /^body\/mpa must be string,null$/],
      ['/movies/omit', 'null through Type.Omit', { ...alien, title: null }, /^body\/title must be string$/],
      ['/movies/omit', '"7" through Type.Omit', { ...alien, year: '7' }, /^body\/year must be integer$/],
      ['/users/spread', 'null for a column, through a spread of properties', { ...ann, username: null, password: 'secret' }, /^body\/username must be string$/],
      ['/users/spread', 'null for the route\'s own field beside model columns', { ...ann, password: null }, /^body\/password must be string$/],
      ['/users/evaluate', 'null through Type.Evaluate(Type.Intersect(…))', { ...ann, email: null, password: 'secret' }, /^body\/email must be string$/],
      ['/users/evaluate', 'null for the route\'s own field there', { ...ann, password: null }, /^body\/password must be string$/],
      ['/users/intersect', 'null through Type.Intersect(…)', { ...ann, username: null, password: 'secret' }, /^body\/username must be string$/],
      ['/users/intersect', 'an array for a string there', { ...ann, password: ['secret'] }, /^body\/password must be string$/]
    ]
    for (const [url, what, payload, message] of wrong) assertValidationError(t, await post(url, payload), message, `${what} (${url})`)
    t.equal(await count(app, Movie), 0, 'no movie was stored')
    t.equal(await count(app, User), 0, 'no user was stored')

    const stored = await post('/movies', alien)
    t.equal(stored.statusCode, 201, 'a valid body is stored')
    t.same(stored.json(), { ...alien, id: 1, theatre: false })
    t.equal((await post('/movies/omit', { ...alien, mpa: null, theatre: true })).statusCode, 201, 'null where the column allows it')
    t.equal((await post('/users/spread', { ...ann, password: 'secret' })).json().passwordHash, 'hash:secret')
    t.equal((await post('/users/evaluate', { username: 'bob', email: 'bob@example.com', password: 'secret' })).statusCode, 201)
    t.equal((await post('/users/intersect', { username: 'cy', email: 'cy@example.com', password: 'secret' })).statusCode, 201, 'an allOf admits the properties of all its members')
    t.equal(await count(app, Movie), 2)
  })
})

t.test('a property the body schema does not declare is a 400 naming it, never dropped or stored', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await routesApp(t, database)
    const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload })
    assertValidationError(t, await post('/movies', { ...alien, rating: 5 }), /^body must NOT have additional property 'rating'$/, 'an unknown property')
    // TypeBox's Omit drops additionalProperties: false; a model's columns still admit nothing else.
    assertValidationError(t, await post('/movies/omit', { ...alien, id: 7 }), /'id'/, 'the key a Type.Omit left out')
    assertValidationError(t, await post('/users/spread', { ...ann, password: 'secret', admin: true }), /'admin'/, 'an unknown property beside a spread')
    t.equal(await count(app, Movie), 0)
    t.equal(await count(app, User), 0)
  })
})

t.test('schemas.update leaves out the primary key: sending it is a 400, the row keeps its key', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await routesApp(t, database)
    t.notOk('id' in User.schemas.update.properties, 'no id in User.schemas.update')
    t.equal((await app.inject({ method: 'POST', url: '/users/spread', payload: { ...ann, password: 'secret' } })).statusCode, 201)
    const put = (payload: object) => app.inject({ method: 'PUT', url: '/users/1', payload })
    assertValidationError(t, await put({ id: 55 }), /^body must NOT have additional property 'id'$/, 'the primary key')
    assertValidationError(t, await put({ id: 55, username: 'ann2' }), /'id'/, 'the primary key beside a change')
    assertValidationError(t, await put({ username: null }), /^body\/username must be string$/, 'null for a NOT NULL column')
    assertValidationError(t, await put({ passwordHash: ['x'] }), /^body\/passwordHash must be string,null$/, 'an array for a nullable string')
    const rows = await app.db.kysely.selectFrom('user' as never).selectAll().execute() as Array<Record<string, unknown>>
    t.same(rows.map((row) => [row.id, row.username]), [[1, 'ann']], 'the row is unchanged, its key still 1')

    const changed = await put({ username: 'ann2', passwordHash: null })
    t.equal(changed.statusCode, 200, 'a valid update')
    t.match(changed.json(), { id: 1, username: 'ann2', passwordHash: null, idType: 'number' }, 'the path param "1" was coerced to 1')
  })
})

t.test('path params and query strings still coerce; routes without model schemas keep Fastify\'s defaults', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await routesApp(t, database)
    for (let n = 0; n < 3; n++) await app.inject({ method: 'POST', url: '/movies', payload: { ...alien, title: `Alien ${n}` } })
    const list = await app.inject('/movies?year=1979&page=2&per_page=2')
    t.equal(list.statusCode, 200)
    t.match(list.json(), { yearType: 'number', page: 2, perPage: 2, total: 3, items: [{ title: 'Alien 2' }] }, 'query "1979" → 1979, per_page read as perPage')
    const both = await app.inject('/movies?year=1979&perPage=2&per_page=2')
    t.equal(both.statusCode, 404, 'perPage and per_page together: invalid, like any bad page parameter')
    t.match(both.json().message, /perPage or per_page, not both/)

    const plain = await app.inject({ method: 'POST', url: '/plain', payload: { n: '7', extra: true } })
    t.same(plain.json(), { n: 7 }, 'a body schema without model parts is left to Fastify: coerced, extras removed')
  })
})

t.test('the error reaches the app\'s error handler as Fastify\'s own validation error; exactBodies: false opts out', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildApp(t, database, { models, createAll: true })
    app.setErrorHandler((error: Error & { validation?: unknown, validationContext?: string, statusCode?: number }, _request, reply) => {
      return reply.code(422).send({ context: error.validationContext, validation: error.validation })
    })
    app.post('/movies', { schema: { body: Movie.schemas.insert } }, async () => ({ reached: true }))
    app.post('/attached', { schema: { body: Movie.schemas.insert }, attachValidation: true }, async (request) => ({ attached: request.validationError?.message }))
    const response = await app.inject({ method: 'POST', url: '/movies', payload: { ...alien, year: '1979' } })
    t.equal(response.statusCode, 422)
    t.same(response.json(), { context: 'body', validation: [{ keyword: 'type', instancePath: '/year', schemaPath: '#/properties/year', params: { type: 'integer' }, message: 'must be integer' }] })
    const attached = await app.inject({ method: 'POST', url: '/attached', payload: { ...alien, year: '1979' } })
    t.same(attached.json(), { attached: 'body/year must be integer' }, 'attachValidation gets the error instead')

    const lenient = await routesApp(t, database, false)
    const coerced = await lenient.inject({ method: 'POST', url: '/movies', payload: { title: null, year: '1979', directors: null } })
    t.equal(coerced.statusCode, 201, 'exactBodies: false leaves the body to Fastify\'s coercion')
    t.match(coerced.json(), { title: '', year: 1979, directors: [''] })
  }, ['sqlite'])
})
