// Type tests: the models' schemas with Fastify 5, typebox 1.x and @fastify/type-provider-typebox
// 6.x. Compiled by `npm run typecheck`; a body typed `unknown` (the symptom of mismatched
// TypeBox packages) or a wrong field type fails the build. Never executed.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { expectTypeOf } from 'expect-type'
import Fastify from 'fastify'
import { Type } from 'typebox'
import { Movie, User } from '../fixtures/seed-models.ts'

const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()

app.post('/movies', { schema: { body: Movie.schemas.insert, response: { 201: Movie.schemas.row } } }, async (request, reply) => {
  expectTypeOf(request.body).toEqualTypeOf<typeof Movie.$insert>()
  const title: string = request.body.title
  const year: number = request.body.year
  const directors: string[] = request.body.directors
  const mpa: 'G' | 'PG' | 'PG-13' | 'R' | 'NC-17' | null | undefined = request.body.mpa
  // @ts-expect-error title is a string, not a number
  const wrong: number = request.body.title
  // @ts-expect-error no such column
  void request.body.rating
  void [title, year, directors, mpa, wrong]
  return reply.code(201).send({ id: 1, theatre: false, mpa: null, ...request.body })
})

app.patch('/movies/:id', { schema: { params: Type.Object({ id: Type.Integer() }), body: Movie.schemas.update, response: { 200: Movie.schemas.row } } }, async (request) => {
  expectTypeOf(request.params.id).toEqualTypeOf<number>()
  expectTypeOf(request.body).toEqualTypeOf<typeof Movie.$update>()
  const year: number | undefined = request.body.year
  // @ts-expect-error every field of an update may be absent
  const title: string = request.body.title
  void [year, title]
  return { id: 1, title: 'Alien', year: 1979, directors: [], theatre: false, mpa: null }
})

// The response schema types the reply: a row needs every column.
app.get('/movies/:id', { schema: { response: { 200: Movie.schemas.row } } },
  // @ts-expect-error a row without its title
  async () => ({ id: 1, year: 1979, directors: [], theatre: false, mpa: null }))

app.get('/users/:id', { schema: { response: { 200: User.schemas.row } } }, async () => {
  return { id: 1, username: 'ann', email: 'ann@example.com', passwordHash: null, createdAt: new Date() }
})

// Composed with typebox 1.x, the types follow.
const MovieBody = Type.Omit(Movie.schemas.insert, ['id'])
const Signup = Type.Evaluate(Type.Intersect([Type.Pick(User.schemas.insert, ['username', 'email']), Type.Object({ password: Type.String() })]))
const WithPassword = Type.Object({ ...User.schemas.insert.properties, password: Type.String() })

app.post('/movies/omit', { schema: { body: MovieBody } }, async (request) => {
  expectTypeOf(request.body).toEqualTypeOf<Omit<typeof Movie.$insert, 'id'>>()
  // @ts-expect-error id was omitted
  void request.body.id
})
app.post('/signup', { schema: { body: Signup } }, async (request) => {
  expectTypeOf(request.body).toEqualTypeOf<{ username: string, email: string, password: string }>()
})
app.post('/users', { schema: { body: WithPassword } }, async (request) => {
  expectTypeOf(request.body).toEqualTypeOf<{ username: string, email: string, id?: number, passwordHash?: string | null, createdAt?: Date | string, password: string }>()
  const passwordHash: string | null | undefined = request.body.passwordHash
  // @ts-expect-error username is a string
  const username: number = request.body.username
  void [passwordHash, username]
})
