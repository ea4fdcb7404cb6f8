import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import Fastify, { type FastifyServerOptions } from 'fastify'
import fastifyOrm, { NotFoundError, type FastifyOrmOptions } from 'fastify-orm'
import { Employee, Movie, Post, Profile, Tag, User, models } from './models.ts'
import {
  EmployeeWithTeam, IdParams, MovieBody, MoviePatch, NewEmployee, NewPost, NewUser, PageQuery,
  PostWithTags, ProfileBody, PublicUser, UserWithProfile, pageOf
} from './schemas.ts'

export { models }

/**
 * The database the example uses when DATABASE_URL is not set: a file next to this module.
 * The CLI reads this export too (`fastify-orm --app example-app/app.ts …`).
 */
export const databaseUrl = `sqlite:///${new URL('./app.db', import.meta.url).pathname}`

/** The example's committed revisions; the CLI reads this export as its default `--dir`. */
export const migrationsDir = new URL('./migrations', import.meta.url).pathname

/** A post as the API shows it: its tags by name. */
function postJson (post: typeof Post.$row & { tags: Array<typeof Tag.$row> }) {
  return { ...post, tags: post.tags.map((tag) => tag.name) }
}

/**
 * Builds the example app — the three tutorials' routes — importing fastify-orm by its
 * public name only, as a user would.
 */
export async function buildApp (options: FastifyServerOptions & { databaseUrl?: string, devPage?: FastifyOrmOptions['devPage'] } = {}) {
  const { databaseUrl: _url, devPage, ...fastifyOptions } = options
  const app = Fastify(fastifyOptions).withTypeProvider<TypeBoxTypeProvider>()
  // Bodies built from model schemas are taken as sent (no null → "" coercion): fastify-orm
  // checks their types before Fastify's validator, which still coerces path and query strings.
  // The committed migrations bring the database to head when the app starts.
  await app.register(fastifyOrm, {
    url: options.databaseUrl ?? process.env.DATABASE_URL ?? databaseUrl,
    models,
    migrations: { dir: migrationsDir, upgrade: true },
    // The dev page (/_db) when asked for: server.ts asks; in production it stays off.
    devPage
  })

  app.get('/health', async () => ({ ok: true, dialect: app.db.dialect }))

  // Movies
  app.post('/movies', { schema: { body: MovieBody, response: { 201: Movie.schemas.row } } }, async (request, reply) => {
    const movie = request.db.add(Movie, request.body)
    await request.db.commit()
    return reply.code(201).send(movie)
  })
  app.get('/movies', { schema: { querystring: PageQuery, response: { 200: pageOf(Movie.schemas.row) } } }, async (request) => {
    return (await request.db.query(Movie).orderBy('id', 'desc').paginate(request)).toJSON()
  })
  app.get('/movies/:id', { schema: { params: IdParams, response: { 200: Movie.schemas.row } } }, async (request) => {
    return request.db.getOr404(Movie, request.params.id)
  })
  app.patch('/movies/:id', { schema: { params: IdParams, body: MoviePatch, response: { 200: Movie.schemas.row } } }, async (request) => {
    const movie = await request.db.getOr404(Movie, request.params.id)
    Object.assign(movie, request.body)
    await request.db.commit()
    return movie
  })
  app.delete('/movies/:id', { schema: { params: IdParams } }, async (request, reply) => {
    request.db.delete(await request.db.getOr404(Movie, request.params.id))
    await request.db.commit()
    return reply.code(204).send()
  })

  // Users and profiles
  app.post('/users', { schema: { body: NewUser, response: { 201: PublicUser } } }, async (request, reply) => {
    const { username, email, password } = request.body
    const user = request.db.add(User, { username, email })
    await user.setPassword(password)
    await request.db.commit() // a duplicate username or email is a 409
    return reply.code(201).send(user)
  })
  app.get('/users/:id', { schema: { params: IdParams, response: { 200: UserWithProfile } } }, async (request) => {
    return request.db.query(User).filterBy({ id: request.params.id }).with('profile').firstOr404(`User ${request.params.id} not found`)
  })
  app.put('/users/:id/profile', { schema: { params: IdParams, body: ProfileBody, response: { 200: Profile.schemas.row } } }, async (request) => {
    const user = await request.db.query(User).filterBy({ id: request.params.id }).with('profile').firstOr404(`User ${request.params.id} not found`)
    const profile = user.profile ?? request.db.add(Profile, { user })
    profile.bio = request.body.bio
    await request.db.commit()
    return profile
  })
  app.delete('/users/:id', { schema: { params: IdParams } }, async (request, reply) => {
    request.db.delete(await request.db.getOr404(User, request.params.id))
    await request.db.commit() // posts and profile go too (ON DELETE CASCADE)
    return reply.code(204).send()
  })

  // Posts and tags
  app.post('/users/:id/posts', { schema: { params: IdParams, body: NewPost, response: { 201: PostWithTags } } }, async (request, reply) => {
    const user = await request.db.getOr404(User, request.params.id)
    const { tags: names, ...fields } = request.body
    const existing = names.length === 0 ? [] : await request.db.query(Tag).where('name', 'in', names).all()
    const tags = names.map((name) => existing.find((tag) => tag.name === name) ?? request.db.add(Tag, { name }))
    const post = request.db.add(Post, { ...fields, author: user, tags })
    await request.db.commit()
    return reply.code(201).send(postJson(post))
  })
  app.get('/users/:id/posts', { schema: { params: IdParams, querystring: PageQuery, response: { 200: pageOf(PostWithTags) } } }, async (request) => {
    await request.db.getOr404(User, request.params.id)
    const page = await request.db.query(Post).filterBy({ userId: request.params.id })
      .orderBy('timestamp', 'desc').orderBy('id', 'desc').with('tags').paginate(request)
    return { ...page.toJSON(), items: page.items.map(postJson) }
  })
  app.get('/tags/:name/posts', { schema: { params: Type.Object({ name: Type.String() }), response: { 200: Type.Array(PostWithTags) } } }, async (request) => {
    const tag = await request.db.query(Tag).filterBy({ name: request.params.name }).with({ posts: { tags: true } })
      .firstOr404(`Tag "${request.params.name}" not found`)
    return tag.posts.sort((a, b) => b.id - a.id).map(postJson)
  })

  // Employees (self-referential)
  app.post('/employees', { schema: { body: NewEmployee, response: { 201: Employee.schemas.row } } }, async (request, reply) => {
    const { name, managerId } = request.body
    if (managerId !== undefined && managerId !== null && !await request.db.get(Employee, managerId)) {
      throw new NotFoundError(`Manager ${managerId} not found`)
    }
    const employee = request.db.add(Employee, { name, managerId: managerId ?? null })
    await request.db.commit()
    return reply.code(201).send(employee)
  })
  app.get('/employees/:id', { schema: { params: IdParams, response: { 200: EmployeeWithTeam } } }, async (request) => {
    return request.db.query(Employee).filterBy({ id: request.params.id }).with(['manager', 'reports'])
      .firstOr404(`Employee ${request.params.id} not found`)
  })

  return app
}
