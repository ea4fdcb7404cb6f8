// Create user and post: the benchmark's one revision, as plain JavaScript.
import { c } from 'fastify-orm'

export const revision = '0c1ba5e00001'
export const parent = null
export const message = 'Create user and post'
export const createdAt = '2026-12-07T00:00:00.000Z'

export async function up ({ db, t }) {
  await db.schema.createTable('user')
    .addColumn('id', ...t.column(c.integer().autoincrement()))
    .addColumn('username', ...t.column(c.string(80)))
    .addPrimaryKeyConstraint('pk_user', ['id'])
    .addUniqueConstraint('uq_user_username', ['username'])
    .execute()
  await db.schema.createTable('post')
    .addColumn('id', ...t.column(c.integer().autoincrement()))
    .addColumn('title', ...t.column(c.string(120)))
    .addColumn('user_id', ...t.column(c.integer()))
    .addPrimaryKeyConstraint('pk_post', ['id'])
    .addForeignKeyConstraint('fk_post_user_id_user', ['user_id'], 'user', ['id'], (fk) => fk.onDelete('cascade'))
    .execute()
  await db.schema.createIndex('ix_post_user_id').on('post').column('user_id').execute()
}

export async function down ({ db }) {
  await db.schema.dropTable('post').execute()
  await db.schema.dropTable('user').execute()
}
