// The app module of the CLI start-up benchmark, in TypeScript (loaded by type stripping or tsx).
import { join } from 'node:path'
import { c, defineModel, relations } from 'fastify-orm'

export const User = defineModel('User', {
  id: c.integer().primaryKey(),
  username: c.string(80).unique()
})

export const Post = defineModel('Post', {
  id: c.integer().primaryKey(),
  title: c.string(120),
  userId: c.integer().index().references('user.id', { onDelete: 'cascade' })
}, { naming: 'snake_case' })

export const userRelations = relations(User, ({ hasMany }) => ({
  posts: hasMany(() => Post, 'userId', { inverse: 'author' })
}))
export const postRelations = relations(Post, ({ belongsTo }) => ({
  author: belongsTo(() => User, 'userId', { inverse: 'posts' })
}))

export const migrationsDir = join(import.meta.dirname, 'migrations')

export const models = { User, Post, userRelations, postRelations }
