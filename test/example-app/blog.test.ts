// The database-integration tutorials' routes of the example app, through
// HTTP, on every dialect: users (201 without the password, 409 on duplicates), profiles
// (one-to-one), posts with tags (many-to-many, created on first use), the paginated
// posts of a user without N+1 queries, the posts of a tag, and the cascading delete of a
// user. No response body and no log line ever carries the password or its hash.
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { Post, Profile, Tag, User } from '../../example-app/models.ts'
import { eachDb } from '../helpers/databases.ts'
import {
  EMPTY_PAGE, ISO_DATE_TIME, PASSWORD, assertNoSecrets, notFound, startApp, validation, withSession,
  type App, type Client
} from './support.ts'

interface UserJson { id: number, username: string, email: string }
interface ProfileJson { id: number, userId: number, bio: string | null }
interface PostJson { id: number, title: string, body: string, timestamp: string, userId: number, tags: string[] }
interface PageJson<T> { items: T[], page: number, perPage: number, total: number, pages: number, hasPrev: boolean, hasNext: boolean }

async function createUser (t: Test, http: Client, username: string): Promise<UserJson> {
  const response = await http.post('/users', { username, email: `${username}@example.com`, password: PASSWORD })
  t.equal(response.statusCode, 201, `POST /users ${username} → 201`)
  return response.json as UserJson
}

async function createPost (t: Test, http: Client, user: UserJson, title: string, tags: string[]): Promise<PostJson> {
  const response = await http.post(`/users/${user.id}/posts`, { title, body: `The body of ${title}`, tags })
  t.equal(response.statusCode, 201, `POST /users/${user.id}/posts ${title} → 201`)
  return response.json as PostJson
}

/** The tag names, sorted: the API does not promise an order for a post's tags. */
function sortedTags<T extends { tags: string[] }> (posts: readonly T[]): T[] {
  return posts.map((post) => ({ ...post, tags: [...post.tags].sort() }))
}

async function countAll (app: App, table: string, where?: { column: string, in: readonly number[] }): Promise<number> {
  const filter = where === undefined
    ? sql``
    : where.in.length === 0 ? sql` where 1 = 0` : sql` where ${sql.ref(where.column)} in (${sql.join(where.in)})`
  const { rows } = await sql<{ n: number | string | bigint }>`select count(*) as n from ${sql.table(table)}${filter}`.execute(app.db.kysely)
  return Number(rows[0]?.n)
}

t.test('blog', async (t) => {
  await eachDb(t, async (t, database) => {
    const http = await startApp(t, database)
    const { app } = http
    const storedHashes: string[] = []

    await t.test('POST /users → 201 { id, username, email }, the password stored hashed', async (t) => {
      const response = await http.post('/users', { username: 'john', email: 'john@example.com', password: PASSWORD })
      t.equal(response.statusCode, 201)
      const john = response.json as UserJson
      t.ok(Number.isSafeInteger(john.id) && john.id > 0)
      t.strictSame(john, { id: john.id, username: 'john', email: 'john@example.com' }, 'exactly id, username and email')

      const stored = await withSession(app, (db) => db.get(User, john.id))
      t.ok(stored, 'the row exists')
      const hash = stored?.passwordHash ?? ''
      storedHashes.push(hash)
      t.match(hash, /^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$/, 'scrypt$salt$key')
      t.notOk(hash.includes(PASSWORD), 'the hash does not contain the password')
      t.ok(stored?.createdAt instanceof Date, 'createdAt defaulted')
      t.equal(await stored?.checkPassword(PASSWORD), true, 'the model method checks the password against the hash')
      t.equal(await stored?.checkPassword(`${PASSWORD}x`), false)
      t.equal(String(stored), `<User ${john.id} john>`, 'a user prints as model, key and username')

      // A passwordHash sent by the client is refused by name, never stored nor silently dropped.
      const sneaky = await http.post('/users', { username: 'mallory', email: 'mallory@example.com', password: PASSWORD, passwordHash: 'plain' })
      t.equal(sneaky.statusCode, 400)
      t.match(sneaky.json, { code: 'FST_ERR_VALIDATION', message: /passwordHash/ })
      t.equal(await withSession(app, (db) => db.query(User).filterBy({ username: 'mallory' }).count()), 0, 'nothing stored')
      const honest = await http.post('/users', { username: 'mallory', email: 'mallory@example.com', password: PASSWORD })
      t.equal(honest.statusCode, 201)
      const mallory = honest.json as UserJson
      t.strictSame(mallory, { id: mallory.id, username: 'mallory', email: 'mallory@example.com' })
      const malloryHash = (await withSession(app, (db) => db.get(User, mallory.id)))?.passwordHash ?? ''
      storedHashes.push(malloryHash)
      t.match(malloryHash, /^scrypt\$/)
      t.not(malloryHash, hash, 'a fresh salt per user')
    })

    await t.test('POST /users: duplicate username or email → 409 in Fastify\'s error form, nothing stored', async (t) => {
      const before = await countAll(app, 'user')
      const username = await http.post('/users', { username: 'john', email: 'other@example.com', password: PASSWORD })
      t.equal(username.statusCode, 409)
      t.strictSame(Object.keys(username.json as object).sort(), ['code', 'error', 'message', 'statusCode'])
      t.match(username.json, { statusCode: 409, code: 'ORM_UNIQUE_VIOLATION', error: 'Conflict', message: /^Unique constraint violated: .*username/ })

      const email = await http.post('/users', { username: 'johnny', email: 'john@example.com', password: PASSWORD })
      t.equal(email.statusCode, 409)
      t.strictSame(Object.keys(email.json as object).sort(), ['code', 'error', 'message', 'statusCode'])
      t.match(email.json, { statusCode: 409, code: 'ORM_UNIQUE_VIOLATION', error: 'Conflict', message: /^Unique constraint violated: .*email/ })

      t.equal(await countAll(app, 'user'), before, 'no row added')
      // The failed request's session was rolled back and released: the app still works.
      const johnny = await createUser(t, http, 'johnny')
      t.equal(johnny.username, 'johnny')
      t.equal(await countAll(app, 'user'), before + 1)
    })

    await t.test('POST /users with an invalid body → 400', async (t) => {
      const before = await countAll(app, 'user')
      const valid = { username: 'newbie', email: 'newbie@example.com', password: PASSWORD }
      const cases: Array<[string, unknown, Record<string, unknown>]> = [
        ['missing username', { email: valid.email, password: PASSWORD }, validation("body must have required property 'username'")],
        ['missing email', { username: valid.username, password: PASSWORD }, validation("body must have required property 'email'")],
        ['missing password', { username: valid.username, email: valid.email }, validation("body must have required property 'password'")],
        ['not an email', { ...valid, email: 'newbie' }, validation('body/email must match format "email"')],
        ['password too short', { ...valid, password: 'short' }, validation('body/password must NOT have fewer than 8 characters')],
        ['password too long', { ...valid, password: PASSWORD.repeat(10) }, validation('body/password must NOT have more than 200 characters')],
        ['password an object', { ...valid, password: { value: PASSWORD } }, validation('body/password must be string')],
        ['username too long', { ...valid, username: 'u'.repeat(65) }, validation('body/username must NOT have more than 64 characters')]
      ]
      for (const [name, body, expected] of cases) {
        const response = await http.post('/users', body)
        t.equal(response.statusCode, 400, `${name} → 400`)
        t.strictSame(response.json, expected, name)
      }
      t.equal(await countAll(app, 'user'), before)
    })

    await t.test('GET /users/:id with its profile; PUT /users/:id/profile', async (t) => {
      const mary = await createUser(t, http, 'mary')
      const url = `/users/${mary.id}`
      const bare = await http.get(url)
      t.equal(bare.statusCode, 200)
      t.strictSame(bare.json, { ...mary, profile: null }, 'no profile yet: null')

      const created = await http.put(`${url}/profile`, { bio: 'Writes about databases.' })
      t.equal(created.statusCode, 200)
      const profile = created.json as ProfileJson
      t.strictSame(profile, { id: profile.id, userId: mary.id, bio: 'Writes about databases.' })
      t.strictSame((await http.get(url)).json, { ...mary, profile })

      const updated = await http.put(`${url}/profile`, { bio: 'Writes about Fastify.' })
      t.equal(updated.statusCode, 200)
      t.strictSame(updated.json, { ...profile, bio: 'Writes about Fastify.' }, 'the same profile, updated (one-to-one)')
      t.strictSame((await http.get(url)).json, { ...mary, profile: { ...profile, bio: 'Writes about Fastify.' } })
      t.equal(await withSession(app, (db) => db.query(Profile).filterBy({ userId: mary.id }).count()), 1, 'one profile row')

      const invalid = await http.put(`${url}/profile`, {})
      t.equal(invalid.statusCode, 400)
      t.strictSame(invalid.json, validation("body must have required property 'bio'"))
      const object = await http.put(`${url}/profile`, { bio: { text: 'a' } })
      t.equal(object.statusCode, 400)
      t.match(object.json, { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: /^body\/bio must be / })
      t.strictSame((await http.get(url)).json, { ...mary, profile: { ...profile, bio: 'Writes about Fastify.' } }, 'unchanged')

      const missing = await http.put('/users/999999/profile', { bio: 'x' })
      t.equal(missing.statusCode, 404)
      t.strictSame(missing.json, notFound('User 999999 not found'))
      t.equal(await countAll(app, 'profile', { column: 'user_id', in: [999_999] }), 0, 'no orphan profile')

      const absent = await http.get('/users/999999')
      t.equal(absent.statusCode, 404)
      t.strictSame(absent.json, notFound('User 999999 not found'))
      t.strictSame((await http.get('/users/abc')).json, validation('params/id must be integer'))
    })

    // BUG (example-app/schemas.ts): ProfileBody's bio is a hand-written Type.Union (anyOf) and
    // Fastify's ajv coerces types, so the string branch turns null into "" before the null
    // branch is tried. The route allows `{ bio: null }` (the column is nullable).
    await t.test('PUT /users/:id/profile { bio: null } clears the bio', async (t) => {
      const user = await createUser(t, http, 'clearing')
      const url = `/users/${user.id}`
      const profile = (await http.put(`${url}/profile`, { bio: 'Soon gone' })).json as ProfileJson
      const cleared = await http.put(`${url}/profile`, { bio: null })
      t.equal(cleared.statusCode, 200)
      t.strictSame(cleared.json, { ...profile, bio: null }, `bio is null (got ${cleared.body})`)
      t.strictSame((await http.get(url)).json, { ...user, profile: { ...profile, bio: null } }, 'and stored as null')
      const stored = await withSession(app, (db) => db.query(Profile).filterBy({ userId: user.id }).first())
      t.equal(stored?.bio, null, 'the column holds NULL, not an empty string')
    })

    await t.test('POST /users/:id/posts → 201 with tag names; tags are created on first use and reused', async (t) => {
      const author = await createUser(t, http, 'author')
      const tagsBefore = await countAll(app, 'tag')
      const first = await createPost(t, http, author, 'Flask and SQLAlchemy', ['python', 'flask'])
      t.match(first.timestamp, ISO_DATE_TIME)
      t.strictSame(first, { id: first.id, title: 'Flask and SQLAlchemy', body: 'The body of Flask and SQLAlchemy', timestamp: first.timestamp, userId: author.id, tags: ['python', 'flask'] })
      t.equal(await countAll(app, 'tag'), tagsBefore + 2, 'two new tags')

      const second = await createPost(t, http, author, 'Fastify and Kysely', ['flask', 'typescript', 'hello world'])
      t.strictSame(second.tags, ['flask', 'typescript', 'hello world'])
      t.equal(await countAll(app, 'tag'), tagsBefore + 4, 'flask reused, two more created')
      const flask = await withSession(app, (db) => db.query(Tag).filterBy({ name: 'flask' }).all())
      t.equal(flask.length, 1, 'one flask tag')

      const untagged = await createPost(t, http, author, 'No tags', [])
      t.strictSame(untagged.tags, [])
      t.equal(await countAll(app, 'post_tag', { column: 'post_id', in: [untagged.id] }), 0)
      t.equal(await countAll(app, 'post_tag', { column: 'post_id', in: [first.id, second.id] }), 5, 'one association row per tag')

      const invalid: Array<[string, unknown, Record<string, unknown>]> = [
        ['missing tags', { title: 'T', body: 'B' }, validation("body must have required property 'tags'")],
        ['missing title', { body: 'B', tags: [] }, validation("body must have required property 'title'")],
        ['missing body', { title: 'T', tags: [] }, validation("body must have required property 'body'")],
        ['duplicate tags', { title: 'T', body: 'B', tags: ['a', 'a'] }, validation('body/tags must NOT have duplicate items (items ## 1 and 0 are identical)')],
        ['a tag too long', { title: 'T', body: 'B', tags: ['t'.repeat(51)] }, validation('body/tags/0 must NOT have more than 50 characters')],
        ['a tag not a string', { title: 'T', body: 'B', tags: [{ name: 'a' }] }, validation('body/tags/0 must be string')],
        ['title too long', { title: 't'.repeat(101), body: 'B', tags: [] }, validation('body/title must NOT have more than 100 characters')]
      ]
      const postsBefore = await countAll(app, 'post')
      for (const [name, body, expected] of invalid) {
        const response = await http.post(`/users/${author.id}/posts`, body)
        t.equal(response.statusCode, 400, `${name} → 400`)
        t.strictSame(response.json, expected, name)
      }
      const noUser = await http.post('/users/999999/posts', { title: 'T', body: 'B', tags: ['orphan'] })
      t.equal(noUser.statusCode, 404)
      t.strictSame(noUser.json, notFound('User 999999 not found'))
      t.equal(await countAll(app, 'post'), postsBefore, 'no post stored')
      t.equal(await withSession(app, (db) => db.query(Tag).filterBy({ name: 'orphan' }).count()), 0, 'no tag created for a rejected post')
    })

    await t.test('GET /users/:id/posts: paginated, newest first, with tag names', async (t) => {
      const writer = await createUser(t, http, 'writer')
      const url = `/users/${writer.id}/posts`
      const empty = await http.get(url)
      t.equal(empty.statusCode, 200, 'a user without posts has an empty page 1')
      t.strictSame(empty.json, EMPTY_PAGE)
      t.strictSame((await http.get(`${url}?page=2`)).json, notFound('Page 2 not found: there are no items (20 per page)'))

      const posts: PostJson[] = []
      for (let i = 1; i <= 5; i++) posts.push(await createPost(t, http, writer, `Post ${i}`, i % 2 === 0 ? ['even', `n${i}`] : [`n${i}`]))
      // Somebody else's post never shows up in writer's list.
      await createPost(t, http, await createUser(t, http, 'bystander'), 'Not by writer', ['even'])
      const newestFirst = [...posts].reverse()

      const all = await http.get(url)
      t.equal(all.statusCode, 200)
      t.strictSame(Object.keys(all.json as object).sort(), ['hasNext', 'hasPrev', 'items', 'page', 'pages', 'perPage', 'total'])
      const page = all.json as PageJson<PostJson>
      t.strictSame({ ...page, items: sortedTags(page.items) }, { ...EMPTY_PAGE, items: sortedTags(newestFirst), total: 5, pages: 1 },
        'each post with its tag names; the timestamps as POST returned them')

      const second = (await http.get(`${url}?page=2&perPage=2`)).json as PageJson<PostJson>
      t.strictSame({ ...second, items: sortedTags(second.items) },
        { items: sortedTags(newestFirst.slice(2, 4)), page: 2, perPage: 2, total: 5, pages: 3, hasPrev: true, hasNext: true })
      const last = (await http.get(`${url}?page=3&perPage=2`)).json as PageJson<PostJson>
      t.strictSame(last.items.map((post) => post.id), [posts[0]?.id], 'the last page holds the oldest post')
      t.strictSame((await http.get(`${url}?page=4&perPage=2`)).json, notFound('Page 4 not found: the last page is 3 (2 per page)'))
      t.strictSame((await http.get(`${url}?perPage=0`)).json, notFound('Invalid perPage: expected a positive integer such as 1, 2 or 3'))
      t.strictSame((await http.get(`${url}?perPage=500`)).json, (await http.get(`${url}?perPage=100`)).json, 'perPage clamped to 100')

      // Newest means the latest timestamp, not the highest id: a post dated in the past goes last.
      const backdated = await withSession(app, async (db) => {
        const post = db.add(Post, { title: 'Backdated', body: 'Written long ago', userId: writer.id, timestamp: new Date('2001-02-03T04:05:06.789Z') })
        await db.commit()
        return post.id
      })
      const withOld = (await http.get(url)).json as PageJson<PostJson>
      t.strictSame(withOld.items.map((post) => post.id), [...newestFirst.map((post) => post.id), backdated])
      t.strictSame(withOld.items.at(-1), { id: backdated, title: 'Backdated', body: 'Written long ago', timestamp: '2001-02-03T04:05:06.789Z', userId: writer.id, tags: [] })

      const missing = await http.get('/users/999999/posts')
      t.equal(missing.statusCode, 404)
      t.strictSame(missing.json, notFound('User 999999 not found'))
    })

    await t.test('GET /users/:id/posts loads the tags without N+1 queries', async (t) => {
      const prolific = await createUser(t, http, 'prolific')
      const url = `/users/${prolific.id}/posts`
      await createPost(t, http, prolific, 'One', ['a1', 'b1'])
      const few = await http.statementsDuring(() => http.get(url))
      for (let i = 2; i <= 12; i++) await createPost(t, http, prolific, `Post ${i}`, [`a${i}`, `b${i}`, 'shared'])
      const many = await http.statementsDuring(() => http.get(url))
      t.equal(((await http.get(url)).json as PageJson<PostJson>).items.length, 12)
      t.strictSame(many.map((s) => s.kind), few.map((s) => s.kind), `the same statements for 1 and 12 posts (${few.length})`)
      t.ok(few.length <= 4, `user, count, posts and tags: at most 4 statements (got ${few.length}: ${few.map((s) => s.kind).join(', ')})`)

      const tagFew = await http.statementsDuring(() => http.get('/tags/a1/posts'))
      const tagMany = await http.statementsDuring(() => http.get('/tags/shared/posts'))
      t.equal(((await http.get('/tags/shared/posts')).json as PostJson[]).length, 11)
      t.strictSame(tagMany.map((s) => s.kind), tagFew.map((s) => s.kind), `GET /tags/:name/posts: the same statements for 1 and 11 posts (${tagFew.length})`)
    })

    await t.test('GET /tags/:name/posts → the posts carrying the tag, with their tag names', async (t) => {
      const alice = await createUser(t, http, 'alice')
      const bob = await createUser(t, http, 'bob')
      const a1 = await createPost(t, http, alice, 'Alice on ORMs', ['orm', 'sql'])
      const b1 = await createPost(t, http, bob, 'Bob on ORMs', ['orm'])
      await createPost(t, http, alice, 'Alice on cooking', ['food'])
      const a2 = await createPost(t, http, alice, 'Alice on SQL', ['sql', 'orm', 'café'])

      const orm = await http.get('/tags/orm/posts')
      t.equal(orm.statusCode, 200)
      t.strictSame(sortedTags(orm.json as PostJson[]), sortedTags([a2, b1, a1]), 'every author\'s posts, newest first')
      t.strictSame(sortedTags((await http.get(`/tags/${encodeURIComponent('café')}/posts`)).json as PostJson[]), sortedTags([a2]), 'a non-ASCII tag name')
      t.strictSame(sortedTags((await http.get(`/tags/${encodeURIComponent('hello world')}/posts`)).json as PostJson[]).map((post) => post.title),
        ['Fastify and Kysely'], 'a tag name with a space')

      const missing = await http.get('/tags/nonexistent/posts')
      t.equal(missing.statusCode, 404)
      t.strictSame(missing.json, notFound('Tag "nonexistent" not found'))
    })

    await t.test('DELETE /users/:id → 204; its posts and profile go too, the tags stay', async (t) => {
      const leaving = await createUser(t, http, 'leaving')
      const staying = await createUser(t, http, 'staying')
      t.equal((await http.put(`/users/${leaving.id}/profile`, { bio: 'Bye' })).statusCode, 200)
      t.equal((await http.put(`/users/${staying.id}/profile`, { bio: 'Still here' })).statusCode, 200)
      const gone = [
        await createPost(t, http, leaving, 'Leaving 1', ['farewell', 'shared-tag']),
        await createPost(t, http, leaving, 'Leaving 2', ['farewell'])
      ]
      const kept = await createPost(t, http, staying, 'Staying', ['shared-tag'])
      const goneIds = gone.map((post) => post.id)
      const tags = await countAll(app, 'tag')

      const deleted = await http.delete(`/users/${leaving.id}`)
      t.equal(deleted.statusCode, 204)
      t.equal(deleted.body, '')

      t.strictSame((await http.get(`/users/${leaving.id}`)).json, notFound(`User ${leaving.id} not found`))
      t.strictSame((await http.get(`/users/${leaving.id}/posts`)).json, notFound(`User ${leaving.id} not found`))
      t.equal(await countAll(app, 'post', { column: 'id', in: goneIds }), 0, 'the posts are deleted')
      t.equal(await countAll(app, 'post_tag', { column: 'post_id', in: goneIds }), 0, 'their tag associations too')
      t.equal(await countAll(app, 'profile', { column: 'user_id', in: [leaving.id] }), 0, 'the profile is deleted')
      t.equal(await countAll(app, 'tag'), tags, 'no tag is deleted')
      t.strictSame((await http.get('/tags/farewell/posts')).json, [], 'a tag left without posts still exists')
      t.strictSame(sortedTags((await http.get('/tags/shared-tag/posts')).json as PostJson[]), sortedTags([kept]))

      const other = await http.get(`/users/${staying.id}`)
      t.match(other.json, { ...staying, profile: { userId: staying.id, bio: 'Still here' } }, 'another user keeps the profile')
      t.equal(((await http.get(`/users/${staying.id}/posts`)).json as PageJson<PostJson>).total, 1, 'and the posts')
      t.equal(await withSession(app, (db) => db.query(Post).filterBy({ userId: staying.id }).count()), 1)

      const again = await http.delete(`/users/${leaving.id}`)
      t.equal(again.statusCode, 404)
      t.strictSame(again.json, notFound(`User ${leaving.id} not found`))

      // A user with no posts and no profile is deleted just the same.
      const lonely = await createUser(t, http, 'lonely')
      t.equal((await http.delete(`/users/${lonely.id}`)).statusCode, 204)
      t.equal((await http.get(`/users/${lonely.id}`)).statusCode, 404)
    })

    await t.test('no response body or log line carries the password or its hash', async (t) => {
      // Every user route once more, with the password in every request that takes one.
      const user = await createUser(t, http, 'secretive')
      await http.post('/users', { username: 'secretive', email: 'x@example.com', password: PASSWORD })
      await http.post('/users', { username: 'secretive2', email: 'secretive@example.com', password: PASSWORD })
      await http.post('/users', { username: 'secretive3', email: 'not-an-email', password: PASSWORD })
      await http.get(`/users/${user.id}`)
      await http.put(`/users/${user.id}/profile`, { bio: 'Has a password' })
      await http.get(`/users/${user.id}`)
      await createPost(t, http, user, 'Secrets', ['secrets'])
      await http.get(`/users/${user.id}/posts`)
      await http.get('/tags/secrets/posts')
      const hashes = await withSession(app, async (db) => (await db.query(User).all()).map((row) => row.passwordHash))
      t.ok(hashes.length >= 10 && hashes.every((hash) => hash.startsWith('scrypt$')))
      assertNoSecrets(t, http, [...storedHashes, ...hashes.map((hash) => hash.split('$')[2] ?? hash)])
    })
  })
})
