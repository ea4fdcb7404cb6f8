import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type BinaryLike } from 'node:crypto'
import { promisify } from 'node:util'
import { c, defineModel, defineTable, relations } from 'fastify-orm'

const scrypt = promisify(scryptCallback) as (password: BinaryLike, salt: BinaryLike, length: number) => Promise<Buffer>

// The movies tutorial.
export const Movie = defineModel('Movie', {
  id: c.integer().primaryKey(),
  title: c.string(200),
  year: c.integer().check('year >= 1888'),
  directors: c.array(c.string(100)),
  theatre: c.boolean().default(false),
  mpa: c.string(10).nullable()
})

// The database-integration tutorials: users, profiles, posts, tags, employees.
export const User = defineModel('User', {
  id: c.integer().primaryKey(),
  username: c.string(64).unique().index(),
  email: c.string(120).unique().index(),
  // Set by setPassword; empty for a user who cannot log in.
  passwordHash: c.string(200).default(''),
  createdAt: c.dateTime().default(() => new Date())
}, {
  naming: 'snake_case',
  methods: {
    /** Stores a salted scrypt hash of the password (`scrypt$salt$key`), never the password. */
    async setPassword (password: string) {
      const salt = randomBytes(16)
      this.passwordHash = `scrypt$${salt.toString('hex')}$${(await scrypt(password, salt, 32)).toString('hex')}`
    },
    async checkPassword (password: string): Promise<boolean> {
      const [scheme, salt, key] = this.passwordHash.split('$')
      if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false
      const expected = Buffer.from(key, 'hex')
      return timingSafeEqual(await scrypt(password, Buffer.from(salt, 'hex'), expected.length), expected)
    }
  }
  // Printed as <User 1 john>: the default picks the username.
})

export const Profile = defineModel('Profile', {
  id: c.integer().primaryKey(),
  userId: c.integer().unique().references('user.id', { onDelete: 'cascade' }),
  bio: c.text().nullable()
}, { naming: 'snake_case' })

export const Post = defineModel('Post', {
  id: c.integer().primaryKey(),
  title: c.string(100),
  body: c.text(),
  timestamp: c.dateTime().index().default(() => new Date()),
  userId: c.integer().index().references('user.id', { onDelete: 'cascade' })
}, { naming: 'snake_case' })

export const Tag = defineModel('Tag', {
  id: c.integer().primaryKey(),
  name: c.string(50).unique()
})

export const postTag = defineTable('post_tag', {
  postId: c.integer().references('post.id', { onDelete: 'cascade' }),
  tagId: c.integer().references('tag.id', { onDelete: 'cascade' })
}, { primaryKey: ['postId', 'tagId'], naming: 'snake_case' })

export const Employee = defineModel('Employee', {
  id: c.integer().primaryKey(),
  name: c.string(100),
  managerId: c.integer().nullable().references('employee.id', { onDelete: 'set null' })
}, { naming: 'snake_case' })

export const userRelations = relations(User, ({ hasMany, hasOne }) => ({
  posts: hasMany(() => Post, 'userId', { inverse: 'author', cascade: { delete: true } }),
  profile: hasOne(() => Profile, 'userId', { inverse: 'user', cascade: { delete: true } })
}))
export const profileRelations = relations(Profile, ({ belongsTo }) => ({
  user: belongsTo(() => User, 'userId', { inverse: 'profile' })
}))
export const postRelations = relations(Post, ({ belongsTo, manyToMany }) => ({
  author: belongsTo(() => User, 'userId', { inverse: 'posts' }),
  tags: manyToMany(() => Tag, { through: () => postTag, sourceKey: 'postId', targetKey: 'tagId' })
}))
export const tagRelations = relations(Tag, ({ manyToMany }) => ({
  posts: manyToMany(() => Post, { through: () => postTag, sourceKey: 'tagId', targetKey: 'postId' })
}))
export const employeeRelations = relations(Employee, ({ belongsTo, hasMany }) => ({
  manager: belongsTo(() => Employee, 'managerId', { inverse: 'reports' }),
  reports: hasMany(() => Employee, 'managerId', { inverse: 'manager' })
}))

/** Everything the plugin registers: models, association table, relationships. */
export const models = {
  Movie, User, Profile, Post, Tag, postTag, Employee,
  userRelations, profileRelations, postRelations, tagRelations, employeeRelations
}

declare module 'fastify-orm' {
  interface Register { models: typeof models }
}
