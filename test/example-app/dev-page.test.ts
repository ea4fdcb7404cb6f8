// The example app's dev page through HTTP on every dialect: every table of the app in its
// diagram, the committed migrations at head, and the requests made to the app listed with
// their statements, never with a password, a hash or any other parameter value.
import t from 'tap'
import { models } from '../../example-app/models.ts'
import { eachDb } from '../helpers/databases.ts'
import { PASSWORD, assertNoSecrets, startApp } from './support.ts'

const TABLES = Object.values(models).flatMap((entry) => 'tableName' in entry ? [entry.tableName] : [])

// The page is not served in production: start from a development process, whatever the shell says.
const savedNodeEnv = process.env.NODE_ENV
delete process.env.NODE_ENV
t.teardown(() => { if (savedNodeEnv !== undefined) process.env.NODE_ENV = savedNodeEnv })

t.test('the example app\'s dev page', async (t) => {
  await eachDb(t, async (t, database) => {
    const http = await startApp(t, database, { devPage: true })
    // The page is HTML, which the client's JSON reader refuses: kept among its bodies all the same.
    const html = async (url: string): Promise<{ statusCode: number, body: string }> => {
      const response = await http.app.inject({ method: 'GET', url })
      http.bodies.push({ request: `GET ${url}`, body: response.body })
      return response
    }

    const empty = await html('/_db')
    t.equal(empty.statusCode, 200)
    const svg = /<svg[\s\S]*<\/svg>/.exec(empty.body)?.[0] ?? ''
    t.ok(TABLES.length >= 7)
    for (const table of TABLES) t.match(svg, new RegExp(`font-weight="bold" fill="[^"]*">${table}( \\(|<)`), `the diagram has a box for ${table}`)
    t.match(empty.body, /Current<\/th><td><code>362ab53134d2<\/code>[\s\S]*Head<\/th><td><code>362ab53134d2<\/code>[\s\S]*up to date/, 'at head, nothing pending')

    const user = await http.post('/users', { username: 'ada', email: 'ada@example.com', password: PASSWORD })
    t.equal(user.statusCode, 201)
    const { id } = user.json as { id: number }
    t.equal((await http.post(`/users/${id}/posts`, { title: 'Notes', body: 'On engines', tags: ['math', 'engines'] })).statusCode, 201)
    t.equal((await http.get(`/users/${id}/posts`)).statusCode, 200)
    t.equal((await http.get('/health')).statusCode, 200)

    const json = (await http.get('/_db/requests.json')).json as { requests: Array<{ method: string, url: string, statusCode: number, stats: { count: number }, queries: Array<{ sql: string }> }> }
    t.strictSame(json.requests.map((request) => `${request.method} ${request.url} ${request.statusCode}`),
      [`GET /users/${id}/posts 200`, `POST /users/${id}/posts 201`, 'POST /users 201'], 'the requests that used the database, newest first (not /health)')
    const [, posted, created] = json.requests
    t.ok(created?.queries.some((query) => /^insert into [`"]?user[`"]?/i.test(query.sql)), 'the user INSERT')
    t.ok(posted?.queries.some((query) => /^insert into [`"]?post_tag[`"]?/i.test(query.sql)), 'the post_tag INSERT')
    for (const request of json.requests) t.equal(request.queries.length, request.stats.count, `${request.url}: every statement kept`)

    const page = await html('/_db')
    t.match(page.body, /insert into[^<]*post_tag/i, 'the statements are on the page')
    t.notOk(page.body.includes('ada@example.com'), 'parameter values are never kept')
    assertNoSecrets(t, http)
  })
})
