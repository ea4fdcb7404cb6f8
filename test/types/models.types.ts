// Type tests: compiled by `npm run typecheck` (part of `npm test`); a regression in
// inference fails the build. Never executed.
import type { Static } from 'typebox'
import type { Kysely } from 'kysely'
import { expectTypeOf } from 'expect-type'
import { c, defineModel, type DatabaseOf, type InsertOf, type RowOf } from '../../src/index.ts'
import { Employee, Movie, Post, Profile, Tag, User, postTag, seedModels } from '../fixtures/seed-models.ts'

// Row types: every column; nullable ones `| null`.
expectTypeOf(User.$row).toEqualTypeOf<{
  id: number
  username: string
  email: string
  passwordHash: string | null
  createdAt: Date
}>()
expectTypeOf(Movie.$row).toEqualTypeOf<{
  id: number
  title: string
  year: number
  directors: string[]
  theatre: boolean
  mpa: 'G' | 'PG' | 'PG-13' | 'R' | 'NC-17' | null
}>()
expectTypeOf(Employee.$row.managerId).toEqualTypeOf<number | null>()
expectTypeOf(Profile.$row.bio).toEqualTypeOf<string | null>()

// Insert types: autoincrement keys, defaults and nullable columns are optional.
expectTypeOf(User.$insert).toEqualTypeOf<{
  username: string
  email: string
  id?: number
  passwordHash?: string | null
  createdAt?: Date | string
}>()
expectTypeOf(Post.$insert).toEqualTypeOf<{
  title: string
  body: string
  userId: number
  id?: number
  timestamp?: Date | string
}>()
expectTypeOf<InsertOf<typeof Movie.columns>>().toEqualTypeOf(Movie.$insert)
// An association table's key columns are foreign keys: required.
expectTypeOf(postTag.$insert).toEqualTypeOf<{ postId: number, tagId: number }>()

// Update types: everything optional but the primary key, which an update cannot change,
// whether declared on the column or as a composite key.
expectTypeOf(Tag.$update).toEqualTypeOf<{ name?: string }>()
expectTypeOf<keyof typeof postTag.$update>().toEqualTypeOf<never>()
expectTypeOf<Static<typeof Tag.schemas.update>>().toEqualTypeOf<{ name?: string }>()
// The key is still part of the insert and row types.
expectTypeOf(Tag.$row).toEqualTypeOf<{ id: number, name: string }>()

// Table names: explicit, or the model name in snake_case.
expectTypeOf(User.tableName).toEqualTypeOf<'user'>()
expectTypeOf(postTag.tableName).toEqualTypeOf<'post_tag'>()
const BlogPost = defineModel('BlogPost', { id: c.integer().primaryKey() })
expectTypeOf(BlogPost.tableName).toEqualTypeOf<'blog_post'>()

// Column types.
const Everything = defineModel('Everything', {
  id: c.bigInteger().primaryKey(),
  f: c.float(),
  n: c.numeric(10, 2),
  b: c.boolean(),
  d: c.date(),
  j: c.json(),
  bin: c.binary().nullable(),
  u: c.uuid().default(() => crypto.randomUUID()),
  nums: c.array(c.integer())
})
expectTypeOf(Everything.$row).toEqualTypeOf<{
  id: bigint
  f: number
  n: string
  b: boolean
  d: string
  j: unknown
  bin: Buffer | null
  u: string
  nums: number[]
}>()
expectTypeOf(Everything.$insert.id).toEqualTypeOf<bigint | number | undefined>()

// The Kysely database: table → database column names (snake_case where asked).
type DB = DatabaseOf<typeof seedModels>
expectTypeOf<keyof DB>().toEqualTypeOf<'user' | 'profile' | 'post' | 'tag' | 'post_tag' | 'employee' | 'movie'>()
expectTypeOf<keyof DB['user']>().toEqualTypeOf<'id' | 'username' | 'email' | 'password_hash' | 'created_at'>()

declare const db: Kysely<DB>
async function kyselyQueries (): Promise<void> {
  const user = await db.selectFrom('user').select(['id', 'password_hash']).executeTakeFirstOrThrow()
  expectTypeOf(user).toEqualTypeOf<{ id: number, password_hash: string | null }>()
  const movies = await db.selectFrom('movie').selectAll().execute()
  expectTypeOf(movies[0]!.directors).toEqualTypeOf<string[]>()
  // Inserts need the required columns only.
  await db.insertInto('user').values({ username: 'a', email: 'a@b' }).execute()
  // @ts-expect-error email is required
  await db.insertInto('user').values({ username: 'a' }).execute()
  // @ts-expect-error wrong value type
  await db.insertInto('movie').values({ title: 'x', year: '1979', directors: [] }).execute()
  // @ts-expect-error unknown column (the property name is not the column name)
  await db.selectFrom('user').select('passwordHash').execute()
  // @ts-expect-error unknown table
  await db.selectFrom('users').selectAll().execute()
  // @ts-expect-error enum value outside the list
  await db.updateTable('movie').set({ mpa: 'X' }).execute()
}
void kyselyQueries

// TypeBox schemas: Static<> of each schema is the row / insert / update type.
expectTypeOf<Static<typeof User.schemas.row>>().toEqualTypeOf<RowOf<typeof User.columns>>()
expectTypeOf<Static<typeof User.schemas.insert>>().toEqualTypeOf(User.$insert)
expectTypeOf<Static<typeof Movie.schemas.update>>().toEqualTypeOf(Movie.$update)

// Negative cases of the declaration API.
// @ts-expect-error a column option naming a property that does not exist
defineModel('Bad', { id: c.integer().primaryKey() }, { unique: [['nope']] })
// @ts-expect-error default of the wrong type
c.integer().default('zero')

// Read-only columns: a generated column and an `always` identity are read, never written.
const Line = defineModel('Line', {
  id: c.integer().primaryKey().identity('always'),
  price: c.numeric(10, 2),
  total: c.numeric(12, 2).generatedAs('price * 2')
})
expectTypeOf(Line.$row).toEqualTypeOf<{ id: number, price: string, total: string }>()
expectTypeOf(Line.$insert).toEqualTypeOf<{ price: string }>()
expectTypeOf(Line.$update).toEqualTypeOf<{ price?: string }>()
expectTypeOf<Static<typeof Line.schemas.insert>>().toEqualTypeOf<{ price: string }>()
expectTypeOf<keyof Static<typeof Line.schemas.update>>().toEqualTypeOf<'price'>()
const ByDefault = defineModel('ByDefault', { id: c.integer().primaryKey().identity('byDefault') })
expectTypeOf(ByDefault.$insert).toEqualTypeOf<{ id?: number }>()
type LineDb = DatabaseOf<{ Line: typeof Line }>
declare const lineDb: Kysely<LineDb>
// @ts-expect-error a generated column cannot be inserted through Kysely either
void lineDb.insertInto('line').values({ price: 1, total: 2 })
