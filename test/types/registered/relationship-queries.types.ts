// Type tests of relationship queries (join, has, hasNot, related) with the Register
// augmentation of relations.types.ts (same tsconfig). Never executed.
import { expectTypeOf } from 'expect-type'
import type { EntityOf, Loaded, Query, Session } from '../../../src/index.ts'
import { Employee, Post, Profile, Tag, User } from '../../fixtures/seed-models.ts'

declare const db: Session<import('../../../src/index.ts').RegisteredDatabase>

async function joins (): Promise<void> {
  // A joined relationship's properties are paths, with their column's value type.
  const posts = await db.query(Post).join('author').where('author.email', '=', 'ada@example.com').orderBy('author.username', 'desc').all()
  expectTypeOf(posts).toEqualTypeOf<Array<EntityOf<typeof Post>>>()
  db.query(Post).join('author').where('author.id', 'in', [1, 2]).filterBy({ 'author.username': 'ada', title: 'p1' })
  db.query(User).join('profile').where('profile.bio', 'is', null)
  db.query(Employee).join('manager').where('manager.name', '=', 'Boss').orderBy('manager.id')
  // The join survives every other method, eager loading included.
  const loaded = await db.query(Post).join('author').with('tags').limit(5).orderBy('author.username').firstOr404()
  expectTypeOf(loaded).toEqualTypeOf<Loaded<typeof Post, 'tags'>>()

  // @ts-expect-error author was not joined
  db.query(Post).where('author.email', '=', 'ada@example.com')
  // @ts-expect-error author was not joined
  db.query(Post).orderBy('author.username')
  // @ts-expect-error author was not joined
  db.query(Post).filterBy({ 'author.username': 'ada' })
  // @ts-expect-error email is a string
  db.query(Post).join('author').where('author.email', '=', 42)
  // @ts-expect-error User has no property title
  db.query(Post).join('author').where('author.title', '=', 'x')
  // @ts-expect-error an unknown relationship
  db.query(Post).join('writer')
  // @ts-expect-error a collection cannot be joined (use has())
  db.query(Post).join('tags')
  // @ts-expect-error a collection cannot be joined (use has())
  db.query(User).join('posts')
}

async function exists (): Promise<void> {
  // The condition is a query of the related model, typed on its properties.
  const tagged = await db.query(Post).has('tags', (q) => q.where('name', '=', 'x')).all()
  expectTypeOf(tagged).toEqualTypeOf<Array<EntityOf<typeof Post>>>()
  db.query(Post).has('author', (q) => q.filterBy({ username: 'ada' }))
  db.query(User).has('profile').hasNot('posts', (q) => q.join('author').where('author.username', '=', 'ada'))
  db.query(User).has('posts', (q) => q.has('tags', (tags) => tags.where('name', 'like', 'x%')))
  db.query(Employee).hasNot('reports')
  db.query(Post).has('tags', (q) => {
    expectTypeOf(q).toEqualTypeOf<Query<typeof Tag>>()
    return q
  })

  // @ts-expect-error an unknown relationship
  db.query(Post).has('comments')
  // @ts-expect-error Tag has no property title
  db.query(Post).has('tags', (q) => q.where('title', '=', 'x'))
  // @ts-expect-error name is a string
  db.query(Post).hasNot('tags', (q) => q.where('name', '=', 1))
  // @ts-expect-error the condition must return the related model's query
  db.query(Post).has('tags', () => db.query(User))
}

async function related (): Promise<void> {
  const user = await db.getOr404(User, 1)
  const posts = db.related(user, 'posts')
  expectTypeOf(posts).toEqualTypeOf<Query<typeof Post>>()
  const page = await posts.where('title', 'like', '%orm%').orderBy('id', 'desc').paginate({ page: 1 })
  expectTypeOf(page.items[0]!).toEqualTypeOf<EntityOf<typeof Post>>()
  const tag = await db.query(Tag).firstOr404()
  expectTypeOf(await db.related(tag, 'posts').all()).toEqualTypeOf<Array<EntityOf<typeof Post>>>()
  const boss = await db.query(Employee).with('reports').firstOr404()
  expectTypeOf(db.related(boss, 'reports')).toEqualTypeOf<Query<typeof Employee>>()

  // @ts-expect-error an unknown relationship
  db.related(user, 'comments')
  // @ts-expect-error profile is not a collection
  db.related(user, 'profile')
  // @ts-expect-error author is not a collection
  db.related(await db.query(Post).firstOr404(), 'author')
  const profile = await db.query(Profile).firstOr404()
  // @ts-expect-error Profile has no collection
  db.related(profile, 'user')
}
void joins
void exists
void related
