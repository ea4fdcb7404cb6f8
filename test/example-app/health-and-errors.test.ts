// The example app's GET /health and its error behaviour across routes, through HTTP, on
// every dialect: Fastify's error form for unknown routes and bad
// payloads, client-caused database errors that are never 500s, no connection leaked by
// failing requests, and no password or hash in any response or log line.
import t from 'tap'
import { User } from '../../example-app/models.ts'
import { eachDb } from '../helpers/databases.ts'
import { PASSWORD, assertNoSecrets, errorBody, startApp, withSession } from './support.ts'

t.test('health and errors', async (t) => {
  await eachDb(t, async (t, database) => {
    const http = await startApp(t, database)

    await t.test('GET /health → { ok: true, dialect }, without touching the database', async (t) => {
      const statements = await http.statementsDuring(async () => {
        const health = await http.get('/health')
        t.equal(health.statusCode, 200)
        t.strictSame(health.json, { ok: true, dialect: database.dialect })
        t.match(health.headers['content-type'], /^application\/json/)
      })
      t.strictSame(statements, [], 'no statement: request.db is never opened')
    })

    await t.test('unknown routes and methods: Fastify\'s 404', async (t) => {
      const route = await http.get('/nope')
      t.equal(route.statusCode, 404)
      t.strictSame(route.json, { message: 'Route GET:/nope not found', error: 'Not Found', statusCode: 404 })
      t.strictSame((await http.request('PUT', '/movies', {})).json, { message: 'Route PUT:/movies not found', error: 'Not Found', statusCode: 404 })
      t.strictSame((await http.request('DELETE', '/health')).json, { message: 'Route DELETE:/health not found', error: 'Not Found', statusCode: 404 })
    })

    await t.test('payloads that are not a JSON object → 400 or 415', async (t) => {
      const json = { 'content-type': 'application/json' }
      const malformed = await http.request('POST', '/movies', '{"title":', json)
      t.equal(malformed.statusCode, 400)
      t.strictSame(malformed.json, errorBody(400, 'FST_ERR_CTP_INVALID_JSON_BODY', "Body is not valid JSON but content-type is set to 'application/json'"))
      t.strictSame((await http.request('POST', '/users', '', json)).json,
        errorBody(400, 'FST_ERR_CTP_EMPTY_JSON_BODY', "Body cannot be empty when content-type is set to 'application/json'"))
      for (const payload of ['null', '"a string"', '42']) {
        t.strictSame((await http.request('POST', '/employees', payload, json)).json,
          errorBody(400, 'FST_ERR_VALIDATION', 'body must be object'), `${payload} → 400`)
      }
      const xml = await http.request('POST', '/movies', '<movie/>', { 'content-type': 'application/xml' })
      t.equal(xml.statusCode, 415)
      t.strictSame(xml.json, errorBody(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported Media Type'))
      t.equal(((await http.get('/movies')).json as { total: number }).total, 0, 'nothing stored')
    })

    // BUG (PostgreSQL): an :id (or managerId) beyond the 32-bit `integer` column passes the
    // route schema (integer ≥ 1), then PostgreSQL rejects the parameter ("value out of range
    // for type integer") and the app answers 500. The client caused it: such
    // a row cannot exist, so 404 — or a 400 from the route schema — never a 500. SQLite and
    // MySQL answer 404.
    await t.test('an id beyond the integer column\'s range is a client error, never a 500', async (t) => {
      const tooBig = 2_147_483_648
      const requests: Array<[string, () => ReturnType<typeof http.get>]> = [
        [`GET /movies/${tooBig}`, () => http.get(`/movies/${tooBig}`)],
        [`PATCH /movies/${tooBig}`, () => http.patch(`/movies/${tooBig}`, { mpa: 'R' })],
        [`DELETE /movies/${tooBig}`, () => http.delete(`/movies/${tooBig}`)],
        [`GET /users/${tooBig}`, () => http.get(`/users/${tooBig}`)],
        [`PUT /users/${tooBig}/profile`, () => http.put(`/users/${tooBig}/profile`, { bio: 'x' })],
        [`POST /users/${tooBig}/posts`, () => http.post(`/users/${tooBig}/posts`, { title: 'T', body: 'B', tags: [] })],
        [`GET /users/${tooBig}/posts`, () => http.get(`/users/${tooBig}/posts`)],
        [`DELETE /users/${tooBig}`, () => http.delete(`/users/${tooBig}`)],
        [`GET /employees/${tooBig}`, () => http.get(`/employees/${tooBig}`)],
        [`POST /employees managerId ${tooBig}`, () => http.post('/employees', { name: 'E', managerId: tooBig })]
      ]
      for (const [name, send] of requests) {
        const response = await send()
        t.ok(response.statusCode === 404 || response.statusCode === 400, `${name} → 404 or 400 (got ${response.statusCode} ${response.body})`)
        t.match(response.json, { statusCode: response.statusCode, error: /\w/, message: /\w/ }, 'in Fastify\'s error form')
      }
    })

    await t.test('failing requests give their connection back: the pool is never exhausted', async (t) => {
      t.equal((await http.post('/users', { username: 'first', email: 'first@example.com', password: PASSWORD })).statusCode, 201)
      // More failures than any pool has connections: 409s (unique), 400s (CHECK), 404s.
      for (let i = 0; i < 15; i++) {
        t.equal((await http.post('/users', { username: 'first', email: `dup${i}@example.com`, password: PASSWORD })).statusCode, 409)
        t.equal((await http.post('/movies', { title: 'Too old', year: 1800, directors: [] })).statusCode, 400)
        t.equal((await http.get('/users/999999')).statusCode, 404)
      }
      // Concurrent conflicting requests: exactly one wins, the others are 409s.
      const racing = await Promise.all(Array.from({ length: 8 }, (_, i) =>
        http.post('/users', { username: 'racer', email: `racer${i}@example.com`, password: PASSWORD })))
      t.strictSame(racing.map((response) => response.statusCode).sort(), [201, 409, 409, 409, 409, 409, 409, 409], 'one 201, seven 409s')
      for (const response of racing.filter((r) => r.statusCode === 409)) {
        t.match(response.json, { statusCode: 409, code: 'ORM_UNIQUE_VIOLATION', error: 'Conflict', message: /username/ })
      }
      const movie = await http.post('/movies', { title: 'Still working', year: 2024, directors: [] })
      t.equal(movie.statusCode, 201, 'the app still serves database routes')
      t.equal(await withSession(http.app, (db) => db.query(User).count()), 2, 'first and racer')
    })

    await t.test('database errors answer Fastify\'s error form without SQL', async (t) => {
      const check = await http.post('/movies', { title: 'Too old', year: 1800, directors: [] })
      t.strictSame(check.json, errorBody(400, 'ORM_CHECK_VIOLATION', 'Check constraint violated: constraint "ck_movie_year"'))
      const unique = await http.post('/users', { username: 'first', email: 'again@example.com', password: PASSWORD })
      t.equal(unique.statusCode, 409)
      for (const body of [check.body, unique.body]) {
        t.notMatch(body, /\b(insert|select|update|values)\b/i, 'no SQL in the message')
        t.notMatch(body, /again@example\.com|Too old/, 'no parameter values in the message')
      }
    })

    assertNoSecrets(t, http)
  })
})
