// Type tests with the Register augmentation, compiled on their own (test/types/registered/tsconfig.json)
// so that the registration does not leak into the other tests. Never executed.
import { expectTypeOf } from 'expect-type'
import type { Kysely } from 'kysely'
import type { EntityOf, Session } from '../../../src/index.ts'
import { Employee, Post, Profile, Tag, User } from '../../fixtures/seed-models.ts'
import type { seedModelsWithRelations } from '../../fixtures/seed-relations.ts'

declare module '../../../src/index.ts' {
  interface Register { models: typeof seedModelsWithRelations }
}

declare const db: Session<import('../../../src/index.ts').RegisteredDatabase>

async function queries (): Promise<void> {
  // request.db.kysely is typed from the registered models.
  expectTypeOf(db.kysely).toEqualTypeOf<Kysely<import('../../../src/index.ts').DatabaseOf<typeof seedModelsWithRelations>>>()
  const row = await db.kysely.selectFrom('post_tag').selectAll().executeTakeFirstOrThrow()
  expectTypeOf(row).toEqualTypeOf<{ post_id: number, tag_id: number }>()

  // Plain queries return objects whose relationships are not loaded.
  const users = await db.query(User).all()
  expectTypeOf(users).toEqualTypeOf<Array<EntityOf<typeof User>>>()
  // @ts-expect-error posts is not loaded: reading it needs loading first
  void users[0]!.posts.length

  // Eager loading adds the loaded relationships, nested ones included.
  const loaded = await db.query(User).with({ posts: { tags: true } }).with('profile').firstOr404()
  expectTypeOf(loaded.posts[0]!.title).toEqualTypeOf<string>()
  expectTypeOf(loaded.posts[0]!.tags[0]!.name).toEqualTypeOf<string>()
  expectTypeOf(loaded.profile).toEqualTypeOf<EntityOf<typeof Profile> | null>()
  // @ts-expect-error author was not loaded for these posts
  void loaded.posts[0]!.author.username

  // Joined loading has the same result type.
  const joined = await db.query(User).with({ posts: { tags: true } }, { strategy: 'joined' }).firstOr404()
  expectTypeOf(joined.posts[0]!.tags[0]!.name).toEqualTypeOf<string>()
  // @ts-expect-error an unknown strategy
  db.query(User).with('posts', { strategy: 'lazy' })

  const employees = await db.query(Employee).with(['manager', 'reports']).all()
  expectTypeOf(employees[0]!.manager).toEqualTypeOf<EntityOf<typeof Employee> | null>()
  expectTypeOf(employees[0]!.reports[0]!).toEqualTypeOf<EntityOf<typeof Employee>>()

  const page = await db.query(Post).with('tags').orderBy('id', 'desc').paginate({ page: 1 })
  expectTypeOf(page.items[0]!.tags[0]!).toEqualTypeOf<EntityOf<typeof Tag>>()

  // @ts-expect-error unknown relationship name
  db.query(User).with('comments')
  // @ts-expect-error filter on an unknown property
  db.query(User).filterBy({ nope: 1 })
  // @ts-expect-error value of the wrong type
  db.query(User).where('username', '=', 42)
  // Inserts are checked against the model.
  db.add(User, { username: 'a', email: 'b' })
  // @ts-expect-error email is required
  db.add(User, { username: 'a' })
}
void queries
