// Type tests of relationships on tracked objects (loaded or not, assigned, nested create),
// compiled with the Register augmentation of relations.types.ts. Never executed.
import { expectTypeOf } from 'expect-type'
import type { Collection, EntityOf, Loaded, NotLoaded, Session } from '../../../src/index.ts'
import { Employee, Post, Profile, Tag, User } from '../../fixtures/seed-models.ts'

declare const db: Session<import('../../../src/index.ts').RegisteredDatabase>

async function unloaded (): Promise<void> {
  const user = await db.getOr404(User, 1)
  // Columns as before; every relationship is NotLoaded until loaded or assigned.
  expectTypeOf(user.username).toEqualTypeOf<string>()
  expectTypeOf(user.posts).toEqualTypeOf<Collection<EntityOf<typeof Post>, { title: string, body: string, id?: number, timestamp?: Date | string, userId?: number }> | NotLoaded>()
  expectTypeOf(user.profile).toEqualTypeOf<EntityOf<typeof Profile> | null | NotLoaded>()
  // @ts-expect-error reading an unloaded collection: it throws RelationNotLoadedError
  user.posts.push(db.add(Post, { title: 't', body: 'b', author: user }))
  // @ts-expect-error reading an unloaded hasOne
  void user.profile?.bio
  const maybe = await db.get(Post, 1)
  // @ts-expect-error reading an unloaded belongsTo
  void maybe?.author?.username
  // @ts-expect-error not a relationship of User
  void user.tags

  // load() resolves to the same object with the relationships loaded.
  const withPosts = await db.load(user, 'posts')
  expectTypeOf(withPosts.posts[0]!.title).toEqualTypeOf<string>()
  withPosts.posts.push(db.add(Post, { title: 't', body: 'b', author: user }))
  // @ts-expect-error profile was not part of this load
  void withPosts.profile?.bio
  const nested = await db.load(user, { posts: { tags: true }, profile: true })
  expectTypeOf(nested.posts[0]!.tags[0]!.name).toEqualTypeOf<string>()
  expectTypeOf(nested.profile).toEqualTypeOf<EntityOf<typeof Profile> | null>()
  // @ts-expect-error the posts' author was not loaded
  void nested.posts[0]!.author?.username
  const nestedByName = await db.load(user, { posts: 'author' })
  expectTypeOf(nestedByName.posts[0]!.author).toEqualTypeOf<EntityOf<typeof User> | null>()
  // Loading again keeps what an earlier load or with() loaded.
  const both = await db.load(await db.query(User).with('profile').firstOr404(), 'posts')
  expectTypeOf(both.profile).toEqualTypeOf<EntityOf<typeof Profile> | null>()
  expectTypeOf(both.posts.length).toEqualTypeOf<number>()
  // A list: one query per relationship for all of them.
  const posts = await db.load(await db.query(Post).all(), ['author', 'tags'])
  expectTypeOf(posts[0]!.author).toEqualTypeOf<EntityOf<typeof User> | null>()
  expectTypeOf(posts[0]!.tags[0]!).toEqualTypeOf<EntityOf<typeof Tag>>()
  // As a statement it still loads; the object keeps its declared type.
  await db.load(user, 'posts')

  // @ts-expect-error unknown relationship name
  await db.load(user, 'postz')
  // @ts-expect-error unknown relationship name in a list
  await db.load(user, ['posts', 'postz'])
  // @ts-expect-error unknown relationship name in the object form
  await db.load(user, { postz: true })
  // @ts-expect-error unknown nested relationship name: a post has no comments
  await db.load(user, { posts: { comments: true } })
  // @ts-expect-error unknown nested relationship name: a post has no comments
  db.query(User).with({ posts: 'comments' })
  expectTypeOf(withPosts).toEqualTypeOf<Loaded<typeof User, 'posts'>>()
}
void unloaded

async function assignments (): Promise<void> {
  const post = await db.getOr404(Post, 1)
  const user = await db.getOr404(User, 1)
  const tag = await db.getOr404(Tag, 1)
  // Assigning a relationship needs no loading, and makes it readable.
  post.author = user
  expectTypeOf(post.author.username).toEqualTypeOf<string>()
  post.tags = [tag]
  post.tags.push(db.add(Tag, { name: 'new' }))
  // A collection's push also takes plain insert values of the related model.
  post.tags.push({ name: 'plain' })
  const loadedUser = await db.load(user, ['posts', 'profile'])
  loadedUser.posts.push({ title: 'plain', body: 'the key is set from the user' })
  loadedUser.profile = db.add(Profile, { bio: 'hi', user })
  // A loaded object of the target model is an object of that model.
  post.author = await db.query(User).with('posts').firstOr404()
  post.author = null

  // @ts-expect-error a tag is not a user
  post.author = tag
  // @ts-expect-error a post is not a tag
  post.tags = [await db.getOr404(Post, 2)]
  // @ts-expect-error plain values with a wrong property
  loadedUser.posts.push({ title: 'plain', body: 'b', nope: 1 })
  // @ts-expect-error plain values missing a required column
  loadedUser.posts.push({ title: 'no body' })
  // @ts-expect-error a belongsTo takes an object, not plain values
  post.author = { username: 'u', email: 'e' }
  // @ts-expect-error a collection holds objects of its model, not keys
  post.tags = [1]
}
void assignments

async function nestedCreate (): Promise<void> {
  const user = await db.getOr404(User, 1)
  const tag = await db.getOr404(Tag, 1)
  // The foreign key, or the related object in its place.
  const keyed = db.add(Post, { title: 't', body: 'b', userId: 1 })
  // @ts-expect-error the author of a post added with a key alone is not loaded
  void keyed.author?.username
  const post = db.add(Post, { title: 't', body: 'b', author: user, tags: [tag, db.add(Tag, { name: 'n' }), { name: 'plain' }] })
  expectTypeOf(post.author).toEqualTypeOf<EntityOf<typeof User> | null>()
  expectTypeOf(post.tags[0]!).toEqualTypeOf<EntityOf<typeof Tag>>()
  db.add(Post, { title: 't', body: 'b', userId: 1, author: user })
  // A new object's collections are empty arrays and its hasOne null: loaded.
  const fresh = db.add(User, { username: 'u', email: 'e', posts: [{ title: 'first', body: 'b' }] })
  expectTypeOf(fresh.posts[0]!.title).toEqualTypeOf<string>()
  expectTypeOf(fresh.profile).toEqualTypeOf<EntityOf<typeof Profile> | null>()
  fresh.posts.push(post)
  const profile = db.add(Profile, { user: fresh })
  expectTypeOf(profile.user).toEqualTypeOf<EntityOf<typeof User> | null>()
  // A nullable foreign key may be left out, or given as null with its relationship.
  const boss = db.add(Employee, { name: 'Ada' })
  db.add(Employee, { name: 'Grace', manager: boss })
  db.add(Employee, { name: 'Alan', managerId: null, manager: null })
  db.addAll(Post, [{ title: 'a', body: 'b', author: user }, { title: 'c', body: 'd', userId: 1 }])

  // @ts-expect-error neither the foreign key nor the author
  db.add(Post, { title: 't', body: 'b' })
  // @ts-expect-error the author cannot be null when the key is required
  db.add(Post, { title: 't', body: 'b', userId: 1, author: null })
  // @ts-expect-error the author of a post is a user
  db.add(Post, { title: 't', body: 'b', author: tag })
  // @ts-expect-error an unknown property
  db.add(Post, { title: 't', body: 'b', userId: 1, nope: 1 })
  // @ts-expect-error an unknown relationship
  db.add(Post, { title: 't', body: 'b', userId: 1, comments: [] })
  // @ts-expect-error tags are tags
  db.add(Post, { title: 't', body: 'b', userId: 1, tags: [user] })
  // @ts-expect-error neither the foreign key nor the author, in a list
  db.addAll(Post, [{ title: 'a', body: 'b' }])
}
void nestedCreate
