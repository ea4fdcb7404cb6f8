import type { FastifyInstance } from 'fastify'
import { openPgPool, openSqlite, type Target } from '../lib/databases.ts'
import { benchFastify, type Scenario } from '../lib/scenario.ts'
import { blogModels, User, type PostTable, type TagTable, type UserTable } from '../uow/models.ts'
import { insertGenerated, kyselyBenchApp, NOT_FOUND, ormBenchApp, recreateTables } from '../uow/support.ts'

const USERS = 1_000
const POSTS_PER_USER = 10
const TAGS = 50
/** Each post has 3 distinct tags: offsets 0, 17 and 34 modulo 50. */
const TAG_OFFSETS = [0, 17, 34]

interface UserRoute {
  Params: { id: string }
}

/** The body every variant answers: the user, its posts by id, each post's tags by id. */
interface TagJson { id: number, name: string }
interface PostJson { id: number, userId: number, title: string, body: string, tags: TagJson[] }
interface UserJson { id: number, username: string, email: string, posts: PostJson[] }

/**
 * (a) fastify-orm, joined loading: user ⟕ posts ⟕ tags in one statement, the tree rebuilt
 * as model objects (identity map, tracked collections), serialised by their toJSON.
 */
async function ormApp (target: Target): Promise<FastifyInstance> {
  const app = await ormBenchApp(target, blogModels)
  app.get<UserRoute>('/users/:id', async (request, reply) => {
    const user = await request.db.query(User).filterBy({ id: Number(request.params.id) }).with({ posts: { tags: true } }, { strategy: 'joined' }).first()
    return user ?? reply.code(404).send(NOT_FOUND)
  })
  return app
}

/** (a') fastify-orm, the default select-in loading: one query per level (user, posts, tags). */
async function ormSelectinApp (target: Target): Promise<FastifyInstance> {
  const app = await ormBenchApp(target, blogModels)
  app.get<UserRoute>('/users/:id', async (request, reply) => {
    const user = await request.db.query(User).filterBy({ id: Number(request.params.id) }).with({ posts: { tags: true } }).first()
    return user ?? reply.code(404).send(NOT_FOUND)
  })
  return app
}

/** (b) Hand-written Kysely: the same three queries, assembled by hand. */
async function kyselyApp (target: Target): Promise<FastifyInstance> {
  const { app, db } = kyselyBenchApp(target)
  app.get<UserRoute>('/users/:id', async (request, reply) => {
    const id = Number(request.params.id)
    const user = await db.selectFrom('bench_user').select(['id', 'username', 'email']).where('id', '=', id).executeTakeFirst()
    if (!user) return reply.code(404).send(NOT_FOUND)
    const posts = await db.selectFrom('bench_post').select(['id', 'user_id as userId', 'title', 'body'])
      .where('user_id', '=', id).orderBy('id').execute()
    const tags = posts.length === 0
      ? []
      : await db.selectFrom('bench_tag')
        .innerJoin('bench_post_tag', 'bench_post_tag.tag_id', 'bench_tag.id')
        .select(['bench_post_tag.post_id as postId', 'bench_tag.id', 'bench_tag.name'])
        .where('bench_post_tag.post_id', 'in', posts.map((post) => post.id))
        .orderBy('bench_tag.id')
        .execute()
    const byPost = new Map<number, TagJson[]>()
    for (const { postId, id: tagId, name } of tags) {
      const list = byPost.get(postId)
      if (list) list.push({ id: tagId, name })
      else byPost.set(postId, [{ id: tagId, name }])
    }
    const body: UserJson = { ...user, posts: posts.map((post) => ({ ...post, tags: byPost.get(post.id) ?? [] })) }
    return body
  })
  return app
}

interface JoinedRow {
  id: number
  username: string
  email: string
  post_id: number | null
  title: string | null
  body: string | null
  tag_id: number | null
  tag_name: string | null
}

/** One statement: user ⟕ posts ⟕ post_tag ⟕ tags, 30 rows for a user with 10 posts of 3 tags. */
const JOINED = `select u."id", u."username", u."email", p."id" as "post_id", p."title", p."body", t."id" as "tag_id", t."name" as "tag_name"
  from "bench_user" u
  left join "bench_post" p on p."user_id" = u."id"
  left join "bench_post_tag" pt on pt."post_id" = p."id"
  left join "bench_tag" t on t."id" = pt."tag_id"
  where u."id" = $1
  order by p."id", t."id"`

function assemble (rows: readonly JoinedRow[]): UserJson | undefined {
  const first = rows[0]
  if (!first) return undefined
  const user: UserJson = { id: first.id, username: first.username, email: first.email, posts: [] }
  let post: PostJson | undefined
  for (const row of rows) {
    if (row.post_id === null) continue
    if (post?.id !== row.post_id) {
      post = { id: row.post_id, userId: first.id, title: row.title as string, body: row.body as string, tags: [] }
      user.posts.push(post)
    }
    if (row.tag_id !== null) post.tags.push({ id: row.tag_id, name: row.tag_name as string })
  }
  return user
}

/** (c) The driver alone, one hand-written statement (joins), the tree assembled in JS. */
async function rawApp (target: Target): Promise<FastifyInstance> {
  const app = benchFastify()
  let query: (id: number) => Promise<JoinedRow[]>
  if (target.dialect === 'postgres') {
    const pool = openPgPool(target.url)
    app.addHook('onClose', () => pool.end())
    query = async (id) => (await pool.query<JoinedRow>(JOINED, [id])).rows
  } else {
    const database = openSqlite(target.filename)
    const statement = database.prepare<[number], JoinedRow>(JOINED.replace('$1', '?'))
    app.addHook('onClose', async () => { database.close() })
    query = async (id) => statement.all(id)
  }
  app.get<UserRoute>('/users/:id', async (request, reply) => assemble(await query(Number(request.params.id))) ?? reply.code(404).send(NOT_FOUND))
  return app
}

/** PostgreSQL: one statement whose result is the JSON tree (json_agg). */
const PG_JSON = `select json_build_object('id', u."id", 'username', u."username", 'email', u."email", 'posts', coalesce((
    select json_agg(json_build_object('id', p."id", 'userId', p."user_id", 'title', p."title", 'body', p."body", 'tags', coalesce((
      select json_agg(json_build_object('id', t."id", 'name', t."name") order by t."id")
      from "bench_post_tag" pt join "bench_tag" t on t."id" = pt."tag_id" where pt."post_id" = p."id"), '[]'::json)) order by p."id")
    from "bench_post" p where p."user_id" = u."id"), '[]'::json)) as "doc"
  from "bench_user" u where u."id" = $1`

/** SQLite: the same with json_object/json_group_array (ordered through subqueries). */
const SQLITE_JSON = `select json_object('id', u."id", 'username', u."username", 'email', u."email", 'posts', json(coalesce((
    select json_group_array(json(p."doc")) from (
      select json_object('id', p."id", 'userId', p."user_id", 'title', p."title", 'body', p."body", 'tags', json(coalesce((
        select json_group_array(json_object('id', t."id", 'name', t."name")) from (
          select t."id", t."name" from "bench_post_tag" pt join "bench_tag" t on t."id" = pt."tag_id" where pt."post_id" = p."id" order by t."id") t), '[]'))) as "doc"
      from "bench_post" p where p."user_id" = u."id" order by p."id") p), '[]'))) as "doc"
  from "bench_user" u where u."id" = ?`

/** (d) The driver alone, one statement building the JSON document in the database (parsed, then re-serialised by Fastify). */
async function rawJsonApp (target: Target): Promise<FastifyInstance> {
  const app = benchFastify()
  let query: (id: number) => Promise<UserJson | undefined>
  if (target.dialect === 'postgres') {
    const pool = openPgPool(target.url)
    app.addHook('onClose', () => pool.end())
    query = async (id) => (await pool.query<{ doc: UserJson }>(PG_JSON, [id])).rows[0]?.doc
  } else {
    const database = openSqlite(target.filename)
    const statement = database.prepare<[number], string>(SQLITE_JSON).pluck()
    app.addHook('onClose', async () => { database.close() })
    query = async (id) => {
      const doc = statement.get(id)
      return doc === undefined ? undefined : JSON.parse(doc) as UserJson
    }
  }
  app.get<UserRoute>('/users/:id', async (request, reply) => (await query(Number(request.params.id))) ?? reply.code(404).send(NOT_FOUND))
  return app
}

const apps: Record<string, (target: Target) => Promise<FastifyInstance>> = { orm: ormApp, 'orm-selectin': ormSelectinApp, kysely: kyselyApp, raw: rawApp, 'raw-json': rawJsonApp }

function tagsOf (postId: number): number[] {
  return TAG_OFFSETS.map((offset) => ((postId + offset) % TAGS) + 1)
}

async function seed (target: Target): Promise<void> {
  await recreateTables(target, blogModels, async (db) => {
    await insertGenerated(db, 'bench_tag', TAGS, (id): TagTable => ({ id, name: `tag-${String(id).padStart(2, '0')}` }))
    await insertGenerated(db, 'bench_user', USERS, (id): UserTable => ({ id, username: `user${id}`, email: `user${id}@example.com` }))
    await insertGenerated(db, 'bench_post', USERS * POSTS_PER_USER, (id): PostTable => ({
      id,
      user_id: Math.ceil(id / POSTS_PER_USER),
      title: `Post ${id}: notes on unit-of-work benchmarks`,
      body: `The body of post ${id}. A few sentences, long enough to look like a real post: relationships, eager loading, no N+1 queries.`
    }))
    const links = Array.from({ length: USERS * POSTS_PER_USER }, (_, index) => tagsOf(index + 1).map((tagId) => ({ post_id: index + 1, tag_id: tagId }))).flat()
    for (let start = 0; start < links.length; start += 1_000) {
      await db.insertInto('bench_post_tag').values(links.slice(start, start + 1_000)).execute()
    }
  })
}

/** GET a user with its posts and their tags: one statement (orm, raw, raw-json) or three (orm-selectin, kysely). */
export const userPostsTags: Scenario = {
  name: 'user-posts-tags',
  description: `GET /users/:id — a user of ${USERS} with ${POSTS_PER_USER} posts × ${TAG_OFFSETS.length} tags (of ${TAGS}), as model objects`,
  variants: ['orm', 'orm-selectin', 'kysely', 'raw', 'raw-json'],
  seed,
  createApp (variant, target) {
    const create = apps[variant]
    if (!create) throw new Error(`user-posts-tags has no variant "${variant}"`)
    return create(target)
  },
  nextRequest: () => ({ path: `/users/${1 + Math.floor(Math.random() * USERS)}` }),
  targets: [{ baseline: 'raw', dialect: 'postgres', min: 0.7, source: 'issue 4' }],
  probes: [{ path: '/users/123' }, { path: '/users/1' }, { path: `/users/${USERS}` }, { path: `/users/${USERS + 1}` }]
}
