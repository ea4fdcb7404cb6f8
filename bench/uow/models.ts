// Bench-only models for the unit-of-work scenarios (get-by-pk-session, paginated-list,
// user-posts-tags, create-row, flush-10000). Table names start with bench_ and differ from
// get-by-pk's bench_item, so every scenario can run in the same database.
import { c, defineModel, defineTable, relations } from 'fastify-orm'
import type { Generated } from 'kysely'

/** The same columns as get-by-pk's bench_item, in a table of its own. */
function itemModel<N extends string> (name: N, tableName: string) {
  return defineModel(name, {
    id: c.integer().primaryKey(),
    sku: c.string(20).unique(),
    name: c.string(100),
    description: c.text(),
    quantity: c.integer(),
    priceCents: c.integer()
  }, { tableName, naming: 'snake_case' })
}

/** Read by get-by-pk-session. */
export const Item = itemModel('Item', 'bench_uow_item')
/** Read by paginated-list (same rows as Item, its own table). */
export const PageItem = itemModel('PageItem', 'bench_page_item')

/** Written by create-row and flush-10000: an autoincrement key the database generates. */
export const NewItem = defineModel('NewItem', {
  id: c.integer().primaryKey(),
  title: c.string(100),
  body: c.text(),
  quantity: c.integer(),
  priceCents: c.integer()
}, { tableName: 'bench_new_item', naming: 'snake_case' })

// user → posts → tags (user-posts-tags).
export const User = defineModel('User', {
  id: c.integer().primaryKey(),
  username: c.string(64).unique(),
  email: c.string(120)
}, { tableName: 'bench_user', naming: 'snake_case' })

export const Post = defineModel('Post', {
  id: c.integer().primaryKey(),
  userId: c.integer().index().references('bench_user.id', { onDelete: 'cascade' }),
  title: c.string(100),
  body: c.text()
}, { tableName: 'bench_post', naming: 'snake_case' })

export const Tag = defineModel('Tag', {
  id: c.integer().primaryKey(),
  name: c.string(50).unique()
}, { tableName: 'bench_tag', naming: 'snake_case' })

export const postTag = defineTable('bench_post_tag', {
  postId: c.integer().references('bench_post.id', { onDelete: 'cascade' }),
  tagId: c.integer().index().references('bench_tag.id', { onDelete: 'cascade' })
}, { primaryKey: ['postId', 'tagId'], naming: 'snake_case' })

export const userRelations = relations(User, ({ hasMany }) => ({
  posts: hasMany(() => Post, 'userId', { inverse: 'author' })
}))

export const postRelations = relations(Post, ({ belongsTo, manyToMany }) => ({
  author: belongsTo(() => User, 'userId', { inverse: 'posts' }),
  tags: manyToMany(() => Tag, { through: () => postTag, sourceKey: 'postId', targetKey: 'tagId', inverse: 'posts' })
}))

export const tagRelations = relations(Tag, ({ manyToMany }) => ({
  posts: manyToMany(() => Post, { through: () => postTag, sourceKey: 'tagId', targetKey: 'postId', inverse: 'tags' })
}))

/** What each scenario registers with the plugin (only its own tables). */
export const itemModels = { Item }
export const pageItemModels = { PageItem }
export const newItemModels = { NewItem }
export const blogModels = { User, Post, Tag, postTag, userRelations, postRelations, tagRelations }

// The hand-written variants' Kysely table types (column names as stored).
export interface ItemTable { id: number, sku: string, name: string, description: string, quantity: number, price_cents: number }
export interface NewItemTable { id: Generated<number>, title: string, body: string, quantity: number, price_cents: number }
export interface UserTable { id: number, username: string, email: string }
export interface PostTable { id: number, user_id: number, title: string, body: string }
export interface TagTable { id: number, name: string }
export interface PostTagTable { post_id: number, tag_id: number }

export interface UowDatabase {
  bench_uow_item: ItemTable
  bench_page_item: ItemTable
  bench_new_item: NewItemTable
  bench_user: UserTable
  bench_post: PostTable
  bench_tag: TagTable
  bench_post_tag: PostTagTable
}

/** An item as every variant answers it (property names, as the ORM's entities have them). */
export interface ItemJson { id: number, sku: string, name: string, description: string, quantity: number, priceCents: number }
/** A new item as a client sends it. */
export interface NewItemInput { title: string, body: string, quantity: number, priceCents: number }
export interface NewItemJson extends NewItemInput { id: number }
