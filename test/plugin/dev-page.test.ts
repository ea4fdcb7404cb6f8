// The dev page (devPage option) through app.inject on every database: what it shows, what
// it records, and that production does not serve it unless forced.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { ConfigurationError, c, defineModel, relations, type FastifyOrmOptions } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { createTestDatabase, eachDb, type TestDatabase } from '../helpers/databases.ts'

// The page's decision reads NODE_ENV: start from a development process, whatever the shell says.
const savedNodeEnv = process.env.NODE_ENV
delete process.env.NODE_ENV
t.teardown(() => {
  if (savedNodeEnv === undefined) delete process.env.NODE_ENV
  else process.env.NODE_ENV = savedNodeEnv
})

const Author = defineModel('Author', {
  id: c.integer().primaryKey(),
  name: c.string(100)
}, { tableName: 'dp_author' })
const Book = defineModel('Book', {
  id: c.integer().primaryKey(),
  title: c.string(200),
  authorId: c.integer().references('dp_author.id')
}, { tableName: 'dp_book', naming: 'snake_case' })
const authorRelations = relations(Author, ({ hasMany }) => ({
  books: hasMany(() => Book, 'authorId', { inverse: 'author' })
}))
const bookRelations = relations(Book, ({ belongsTo }) => ({
  author: belongsTo(() => Author, 'authorId', { inverse: 'books' })
}))
const models = { Author, Book, authorRelations, bookRelations }

interface CapturedJson {
  total: number
  capacity: number
  requests: Array<{
    seq: number
    method: string
    url: string
    statusCode: number
    durationMs: number
    stats: { count: number, totalMs: number }
    queries: Array<{ sql: string, params: number, durationMs: number, rows: number | undefined, database: string, failed: boolean }>
    warnings: Array<{ kind: string, message: string }>
  }>
}

/** The app with the two models, their tables made empty, and routes that use request.db. */
async function blogApp (t: Test, database: TestDatabase, options: Omit<FastifyOrmOptions, 'url'> = {}): Promise<FastifyInstance> {
  const app = await buildApp(t, database, { models, devPage: true, migrations: { dir: join(tmpdir(), 'fastify-orm-no-such-folder') }, ...options })
  app.get('/books/:id', async (request) => {
    const { id } = request.params as { id: string }
    return request.db.getOr404(Book, id)
  })
  app.post('/authors', async (request, reply) => {
    const author = request.db.add(Author, request.body as typeof Author.$insert)
    await request.db.commit()
    return reply.code(201).send(author)
  })
  app.get('/books', async (request) => request.db.query(Book).where('id', '<', 100).all())
  // Each book's author loaded on its own: an N+1 the session reports.
  app.get('/books/authors', async (request) => {
    const books = await request.db.query(Book).orderBy('id').all()
    for (const book of books) await request.db.load(book, 'author')
    return books.map((book) => (book as typeof book & { author: { name: string } }).author.name)
  })
  app.get('/plain', async () => ({ ok: true }))
  await app.ready()
  await app.db.dropAll() // the subtests of one database share it
  await app.db.createAll()
  return app
}

async function captured (app: FastifyInstance, prefix = '/_db'): Promise<CapturedJson> {
  const response = await app.inject({ method: 'GET', url: `${prefix}/requests.json` })
  if (response.statusCode !== 200) throw new Error(`${prefix}/requests.json replied ${response.statusCode}`)
  return response.json<CapturedJson>()
}

t.test('on every database', async (t) => {
  await eachDb(t, async (t, database) => {
    await t.test('the page renders every model, self-contained', async (t) => {
      const app = await blogApp(t, database)
      const response = await app.inject({ method: 'GET', url: '/_db' })
      t.equal(response.statusCode, 200)
      t.match(response.headers['content-type'], /^text\/html; charset=utf-8/)
      t.match(response.headers['content-security-policy'], /default-src 'none'/)
      const html = response.body
      for (const name of ['Author', 'Book', 'dp_author', 'dp_book', 'books', 'author']) t.ok(html.includes(name), `the page names ${name}`)
      t.notMatch(html, /<script/i, 'no script')
      t.notMatch(html, /(src|href)="(https?:)?\/\//i, 'nothing loaded from another origin')
      t.match(html, /No migrations: the folder <code>[^<]*fastify-orm-no-such-folder<\/code> does not exist/, 'no migrations folder is said plainly')
      t.match(html, /None yet: make a request/)
    })

    await t.test('a request that used the database appears with its statements', async (t) => {
      const app = await blogApp(t, database)
      const created = await app.inject({ method: 'POST', url: '/authors', payload: { name: 'Ursula' } })
      t.equal(created.statusCode, 201)
      const { id } = created.json<{ id: number }>()
      t.equal((await app.inject({ method: 'GET', url: `/books/${id}` })).statusCode, 404)
      t.equal((await app.inject({ method: 'GET', url: '/books?a=1&b=2' })).statusCode, 200)
      t.equal((await app.inject({ method: 'GET', url: '/plain' })).statusCode, 200)
      await app.inject({ method: 'GET', url: '/_db' })

      const json = await captured(app)
      t.equal(json.total, 3, 'the three requests that used request.db; not /plain, not the page itself')
      const [list, read, write] = json.requests
      t.match(list, { method: 'GET', url: '/books?a=1&b=2', statusCode: 200, stats: { count: 1 } })
      t.match(list?.queries, [{ sql: /select .*dp_book.* < /i, params: 1, failed: false }])
      t.match(read, { method: 'GET', url: `/books/${id}`, statusCode: 404, stats: { count: 1 } })
      t.match(read?.queries, [{ sql: /select .*dp_book/i, params: 1, failed: false }])
      t.match(write, { method: 'POST', url: '/authors', statusCode: 201 })
      t.ok(write?.queries.some((query) => /insert into .*dp_author/i.test(query.sql)), 'the INSERT is recorded')
      t.ok(write?.queries.every((query) => !query.sql.includes('Ursula')), 'SQL has placeholders, not values')
      for (const query of [...(read?.queries ?? []), ...(write?.queries ?? [])]) {
        t.ok(query.durationMs >= 0)
        t.ok(query.database.length > 0, 'which database ran it')
      }

      const html = (await app.inject({ method: 'GET', url: '/_db' })).body
      t.ok(html.includes('/books?a=1&amp;b=2'), 'the URL is escaped')
      t.notOk(html.includes('a=1&b=2'), 'never raw')
      t.match(html, /select[^<]*dp_book[^<]* &lt; /i, 'SQL is escaped')
      t.match(html, /select[^<]*dp_book/i, 'the statement is on the page')
      t.match(html, /insert into[^<]*dp_author/i)
    })

    await t.test('an N+1 warning is shown with its request', async (t) => {
      const app = await blogApp(t, database, { nPlusOneThreshold: 2 })
      await app.db.kysely.insertInto('dp_author' as never).values([{ id: 1, name: 'A' }, { id: 2, name: 'B' }, { id: 3, name: 'C' }] as never).execute()
      await app.db.kysely.insertInto('dp_book' as never).values([1, 2, 3].map((id) => ({ id, title: `T${id}`, author_id: id })) as never).execute()
      t.strictSame((await app.inject({ method: 'GET', url: '/books/authors' })).json(), ['A', 'B', 'C'])
      const [entry] = (await captured(app)).requests
      t.equal(entry?.stats.count, 4, 'one query for the books, one per author')
      t.match(entry?.warnings, [{ kind: 'n+1', message: /Book\.author/ }])
      const html = (await app.inject({ method: 'GET', url: '/_db' })).body
      t.match(html, /<span class="tag pending">n\+1<\/span>/, 'flagged in the request\'s line')
      t.match(html, /class="warning"><strong>n\+1<\/strong> N\+1 queries: Book\.author was loaded one Book at a time/, 'explained in its details')
    })

    await t.test('a slow statement is shown with its request', async (t) => {
      // slowQueryMs: 0 makes every statement slow: no timing is assumed.
      const app = await blogApp(t, database, { slowQueryMs: 0 })
      t.equal((await app.inject({ method: 'GET', url: '/books/1' })).statusCode, 404)
      const [entry] = (await captured(app)).requests
      t.match(entry?.warnings, [{ kind: 'slow', message: /slow statement/ }])
      const html = (await app.inject({ method: 'GET', url: '/_db' })).body
      t.match(html, /<span class="tag pending">slow<\/span>/)
      t.match(html, /class="warning"><strong>slow<\/strong> fastify-orm: slow statement/)
    })

    await t.test('production: no page, one warning saying how to force it; force serves it', async (t) => {
      process.env.NODE_ENV = 'production'
      t.teardown(() => { delete process.env.NODE_ENV })
      const lines: string[] = []
      const app = await buildApp(t, database, { models, devPage: true }, { server: { logger: { level: 'info', stream: { write: (line: string) => { lines.push(line) } } } } })
      app.get('/books', async (request) => request.db.query(Book).all())
      await app.ready()
      t.equal((await app.inject({ method: 'GET', url: '/_db' })).statusCode, 404)
      t.equal((await app.inject({ method: 'GET', url: '/_db/requests.json' })).statusCode, 404)
      const warnings = lines.filter((line) => line.includes('dev page'))
      t.equal(warnings.length, 1)
      t.match(JSON.parse(warnings[0] ?? '{}'), { level: 40, msg: /NODE_ENV is production.*devPage: \{ force: true \}/ })

      const forced = await buildApp(t, database, { models, devPage: { force: true } })
      forced.get('/books', async (request) => request.db.query(Book).all())
      await forced.ready()
      await forced.db.createAll()
      t.equal((await forced.inject({ method: 'GET', url: '/books' })).statusCode, 200)
      const page = await forced.inject({ method: 'GET', url: '/_db' })
      t.equal(page.statusCode, 200)
      t.match(page.body, /Statements are not recorded: the plugin's <code>recordQueries<\/code> option is off/, 'production records no statements, and the page says so')
      t.match((await captured(forced)).requests, [{ url: '/books', stats: { count: 0 }, queries: [] }], 'the request is listed without them')
    })

    await t.test('prefix and a bounded number of requests', async (t) => {
      const app = await blogApp(t, database, { devPage: { prefix: '/internal/db/', requests: 2 } })
      t.equal((await app.inject({ method: 'GET', url: '/_db' })).statusCode, 404)
      for (const id of [1, 2, 3]) await app.inject({ method: 'GET', url: `/books/${id}` })
      const json = await captured(app, '/internal/db')
      t.equal(json.capacity, 2)
      t.equal(json.total, 3)
      t.strictSame(json.requests.map((request) => request.url), ['/books/3', '/books/2'], 'the newest two, newest first')
      t.equal((await app.inject({ method: 'GET', url: '/internal/db' })).statusCode, 200)
    })

    await t.test('migration status: current, head and pending', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'orm-devpage-migrations-'))
      t.teardown(() => rmSync(dir, { recursive: true, force: true }))
      const revision = (id: string, parent: string | null, message: string): void => {
        writeFileSync(join(dir, `${id}_${message.toLowerCase().replace(/\W+/g, '_')}.mjs`),
          `export const revision = '${id}'\nexport const parent = ${parent === null ? 'null' : `'${parent}'`}\nexport const message = ${JSON.stringify(message)}\n` +
          'export async function up () {}\nexport async function down () {}\n')
      }
      revision('aaaaaaaaaaa1', null, 'First <one>')
      revision('bbbbbbbbbbb2', 'aaaaaaaaaaa1', 'Second')
      const app = await blogApp(t, database, { migrations: { dir } })
      let html = (await app.inject({ method: 'GET', url: '/_db' })).body
      t.match(html, /Current<\/th><td><code>base<\/code>/)
      t.match(html, /Head<\/th><td><code>bbbbbbbbbbb2<\/code>/)
      t.match(html, /2 pending<\/span> <code>aaaaaaaaaaa1<\/code>, <code>bbbbbbbbbbb2<\/code>/)
      t.ok(html.includes('First &lt;one&gt;'), 'messages are escaped')

      await app.db.migrations().upgrade('+1')
      html = (await app.inject({ method: 'GET', url: '/_db' })).body
      t.match(html, /Current<\/th><td><code>aaaaaaaaaaa1<\/code>/)
      t.match(html, /1 pending<\/span> <code>bbbbbbbbbbb2<\/code>/)

      await app.db.migrations().upgrade()
      html = (await app.inject({ method: 'GET', url: '/_db' })).body
      t.match(html, /Current<\/th><td><code>bbbbbbbbbbb2<\/code>/)
      t.match(html, /up to date/)

      // A second head (a branch off the first revision): both are heads, the branch is pending.
      revision('ccccccccccc3', 'aaaaaaaaaaa1', 'Branch')
      const response = await app.inject({ method: 'GET', url: '/_db' })
      t.equal(response.statusCode, 200)
      t.match(response.body, /Head<\/th><td><code>(bbbbbbbbbbb2, ccccccccccc3|ccccccccccc3, bbbbbbbbbbb2)<\/code>/, 'both heads are named')
      t.match(response.body, /1 pending<\/span> <code>ccccccccccc3<\/code>/, 'the branch is pending')
    })
  })
})

t.test('binds: each database\'s migration status, under its name', async (t) => {
  await eachDb(t, async (t, database) => {
    const analytics = await createTestDatabase(database.dialect)
    if (typeof analytics === 'string') throw new Error(analytics)
    t.teardown(analytics.drop)
    const dir = mkdtempSync(join(tmpdir(), 'orm-devpage-binds-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const revision = (folder: string, id: string, parent: string | null, message: string): void => {
      mkdirSync(folder, { recursive: true })
      writeFileSync(join(folder, `${id}_${message.toLowerCase().replace(/\W+/g, '_')}.mjs`),
        `export const revision = '${id}'\nexport const parent = ${parent === null ? 'null' : `'${parent}'`}\nexport const message = ${JSON.stringify(message)}\n` +
        'export async function up () {}\nexport async function down () {}\n')
    }
    revision(dir, 'aaaaaaaaaaa1', null, 'Main first')
    revision(join(dir, 'analytics'), 'eeeeeeeeeee1', null, 'Events first')
    revision(join(dir, 'analytics'), 'eeeeeeeeeee2', 'eeeeeeeeeee1', 'Events second')
    const app = await blogApp(t, database, { binds: { analytics: analytics.url, archive: analytics.url }, migrations: { dir } })
    await app.db.migrations().upgrade()
    /** The part of the page about one database. */
    const part = async (name: string): Promise<string> => {
      const html = (await app.inject({ method: 'GET', url: '/_db' })).body
      const match = new RegExp(`<div class="database" id="migrations-${name}">([^]*?)</div>`).exec(html)
      t.ok(match, `the page has a part for ${name}`)
      return match?.[1] ?? ''
    }
    t.match((await app.inject({ method: 'GET', url: '/_db' })).body, /<h2>Migrations \(3 databases\)<\/h2>/)
    let main = await part('default')
    t.match(main, /Database <code>default<\/code>/)
    t.match(main, /Current<\/th><td><code>aaaaaaaaaaa1<\/code>/)
    t.match(main, /up to date/)
    t.notMatch(main, /eeeeeeeeeee/, 'the default database shows its own chain only')
    let events = await part('analytics')
    t.match(events, /Database <code>analytics<\/code>/)
    t.match(events, /Current<\/th><td><code>base<\/code>/)
    t.match(events, /Head<\/th><td><code>eeeeeeeeeee2<\/code>/)
    t.match(events, /2 pending<\/span> <code>eeeeeeeeeee1<\/code>, <code>eeeeeeeeeee2<\/code>/)
    t.ok(events.includes(join(dir, 'analytics')), 'the bind\'s folder is named')
    t.match(await part('archive'), /No migrations: the folder <code>[^<]*archive<\/code> does not exist. Create it with <code>fastify-orm init --multidb<\/code>/,
      'a bind without a folder says how to make one')

    await app.db.bind('analytics').migrations().upgrade('+1')
    events = await part('analytics')
    t.match(events, /Current<\/th><td><code>eeeeeeeeeee1<\/code>/)
    t.match(events, /1 pending<\/span> <code>eeeeeeeeeee2<\/code>/)
    main = await part('default')
    t.match(main, /Current<\/th><td><code>aaaaaaaaaaa1<\/code>/, 'the default database is unchanged')
  })
})

t.test('a request keeps its first 500 statements and counts the others', async (t) => {
  const app = await buildApp(t, { url: 'sqlite://' }, { devPage: true })
  app.get('/many', async (request) => {
    for (let i = 0; i < 503; i++) await sql`select ${i} as n`.execute(request.db.kysely)
    return { ok: true }
  })
  await app.ready()
  t.equal((await app.inject({ method: 'GET', url: '/many' })).statusCode, 200)
  const [entry] = (await captured(app)).requests as Array<CapturedJson['requests'][number] & { omittedQueries: number }>
  t.equal(entry?.stats.count, 503)
  t.equal(entry?.queries.length, 500)
  t.equal(entry?.omittedQueries, 3)
  t.match((await app.inject({ method: 'GET', url: '/_db' })).body, /… and 3 more statements, not kept\./)
})

t.test('invalid devPage options fail registration with what to write', async (t) => {
  for (const devPage of [{ prefix: 'db' }, { prefix: '/' }, { prefix: '/a b' }, { requests: -1 }, { requests: 1.5 }, 'yes']) {
    const app = (await import('fastify')).default()
    const error = await app.register((await import('../../src/index.ts')).default, { url: 'sqlite://', devPage: devPage as FastifyOrmOptions['devPage'] })
      .ready().then(() => undefined, (caught: unknown) => caught)
    await app.close()
    t.type(error, ConfigurationError, JSON.stringify(devPage))
    t.match((error as Error).message, /devPage/)
  }
})

t.test('no devPage option: no route, no hook', async (t) => {
  const app = await buildApp(t, { url: 'sqlite://' }, {}, { ready: true })
  t.equal((await app.inject({ method: 'GET', url: '/_db' })).statusCode, 404)
  t.equal(app.hasRoute({ method: 'GET', url: '/_db' }), false)
})
