import { Type } from 'typebox'
import { Employee, Movie, Post, Profile, Tag, User } from './models.ts'

// Route schemas derived from the models: validation and serialization, nothing written twice.

// Ids are 32-bit integer columns: a larger id is a 400, never a database error.
const Id = Type.Integer({ minimum: 1, maximum: 2147483647 })
export const IdParams = Type.Object({ id: Id })
export const PageQuery = Type.Object({ page: Type.Optional(Type.String()), perPage: Type.Optional(Type.String()) })

// TypeBox's Omit keeps the properties, not the options: say again that nothing else is accepted.
export const MovieBody = Type.Omit(Movie.schemas.insert, ['id'], { additionalProperties: false })
export const MoviePatch = Movie.schemas.update // every column but the key, optional

/** A user as the API shows it: never the password or its hash. */
export const PublicUser = Type.Pick(User.schemas.row, ['id', 'username', 'email'])
export const NewUser = Type.Object({
  username: User.schemas.insert.properties.username,
  email: Type.String({ format: 'email', maxLength: 120 }),
  password: Type.String({ minLength: 8, maxLength: 200 })
}, { additionalProperties: false })
export const UserWithProfile = Type.Evaluate(Type.Intersect([PublicUser, Type.Object({ profile: Type.Union([Profile.schemas.row, Type.Null()]) })]))
export const ProfileBody = Type.Object({ bio: Profile.schemas.row.properties.bio }, { additionalProperties: false })

export const NewPost = Type.Object({
  title: Post.schemas.insert.properties.title,
  body: Post.schemas.insert.properties.body,
  tags: Type.Array(Tag.schemas.insert.properties.name, { uniqueItems: true })
}, { additionalProperties: false })
export const PostWithTags = Type.Evaluate(Type.Intersect([Post.schemas.row, Type.Object({ tags: Type.Array(Type.String()) })]))

export const NewEmployee = Type.Object({
  name: Employee.schemas.insert.properties.name,
  managerId: Type.Optional(Type.Union([Id, Type.Null()]))
}, { additionalProperties: false })
export const EmployeeWithTeam = Type.Evaluate(Type.Intersect([Employee.schemas.row, Type.Object({
  manager: Type.Union([Employee.schemas.row, Type.Null()]),
  reports: Type.Array(Employee.schemas.row)
})]))

/** The Pagination JSON of a list of `item`. */
export function pageOf<T extends ReturnType<typeof Type.Object>> (item: T) {
  return Type.Object({
    items: Type.Array(item),
    page: Type.Integer(),
    perPage: Type.Integer(),
    total: Type.Integer(),
    pages: Type.Integer(),
    hasPrev: Type.Boolean(),
    hasNext: Type.Boolean()
  })
}
