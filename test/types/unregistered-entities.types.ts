// Type tests without the Register augmentation: a session's objects are the models' rows,
// and load() resolves to what it was given. Never executed.
import { expectTypeOf } from 'expect-type'
import type { EntityOf, Session } from '../../src/index.ts'
import { Post, User } from '../fixtures/seed-models.ts'

declare const db: Session

async function unregistered (): Promise<void> {
  expectTypeOf<EntityOf<typeof User>>().toEqualTypeOf<typeof User.$row>()
  const user = await db.getOr404(User, 1)
  expectTypeOf(user).toEqualTypeOf<typeof User.$row>()
  // Relationships are unknown to the types: any spec, and the object comes back as it was.
  expectTypeOf(await db.load(user, 'posts')).toEqualTypeOf<typeof User.$row>()
  expectTypeOf(await db.load([user], { posts: { tags: true } })).toEqualTypeOf<Array<typeof User.$row>>()
  expectTypeOf(db.add(Post, { title: 't', body: 'b', userId: 1 })).toEqualTypeOf<typeof Post.$row>()
  // @ts-expect-error the insert type still applies: userId is required
  db.add(Post, { title: 't', body: 'b' })
  // @ts-expect-error an unknown property
  db.add(Post, { title: 't', body: 'b', userId: 1, author: user })
}
void unregistered
