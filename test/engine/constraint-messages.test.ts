// The same constraint violation reads the same on every database: what a database leaves
// out of its report (MariaDB: a unique key's table and columns; MySQL: a NOT NULL column's
// table; SQLite: which foreign key) is completed from the registered models.
import Fastify from 'fastify'
import t from 'tap'
import fastifyOrm, { c, defineModel, type OrmError } from '../../src/index.ts'
import { eachDb } from '../helpers/databases.ts'

const Author = defineModel('Author', {
  id: c.integer().primaryKey(),
  name: c.string(50).unique()
})

const Book = defineModel('Book', {
  id: c.integer().primaryKey(),
  title: c.string(100),
  authorId: c.integer().references(() => Author, { onDelete: 'restrict' })
}, { naming: 'snake_case' })

const messages = new Map<string, Map<string, string>>()

function record (dialect: string, fault: string, error: unknown): void {
  const { statusCode, code, message } = error as OrmError
  let byDialect = messages.get(fault)
  if (byDialect === undefined) messages.set(fault, byDialect = new Map())
  byDialect.set(dialect, `${statusCode} ${code} ${message}`)
}

t.test('constraint violations on every database', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = Fastify()
    await app.register(fastifyOrm, { url: database.url, models: { Author, Book }, createAll: true })
    t.teardown(() => app.close())
    await app.ready()
    const session = app.db.session()
    t.teardown(() => session.close())
    const author = session.add(Author, { name: 'Le Guin' })
    session.add(Book, { title: 'The Dispossessed', authorId: 0 })
    await t.rejects(session.commit(), { code: 'ORM_FOREIGN_KEY_VIOLATION' }).then(() => undefined)
    session.add(Author, { name: 'Le Guin' })
    await session.commit()
    t.type(author.id, 'undefined', 'the failed commit kept nothing')

    const duplicate = app.db.session()
    duplicate.add(Author, { name: 'Le Guin' })
    record(database.dialect, 'unique', await duplicate.commit().catch((error: unknown) => error))
    await duplicate.close()

    const orphan = app.db.session()
    orphan.add(Book, { title: 'Orphan', authorId: 424242 })
    record(database.dialect, 'foreign key on insert', await orphan.commit().catch((error: unknown) => error))
    await orphan.close()

    const [leGuin] = await app.db.kysely.selectFrom('author').select('id').execute()
    await app.db.kysely.insertInto('book').values({ title: 'Lathe', author_id: leGuin?.id }).execute()
    record(database.dialect, 'foreign key on delete', await app.db.kysely.deleteFrom('author').execute().catch((error: unknown) => error))
    record(database.dialect, 'not null', await app.db.kysely.insertInto('book').values({ title: null, author_id: leGuin?.id }).execute().catch((error: unknown) => error))
  })

  t.test('the same text on each', async (t) => {
    const expected: Record<string, string> = {
      unique: '409 ORM_UNIQUE_VIOLATION Unique constraint violated: author.name already has this value',
      'foreign key on insert': '409 ORM_FOREIGN_KEY_VIOLATION Foreign key constraint violated (book.author_id): the referenced row does not exist, or the row is still referenced',
      'foreign key on delete': '409 ORM_FOREIGN_KEY_VIOLATION Foreign key constraint violated (book.author_id): the referenced row does not exist, or the row is still referenced',
      'not null': '400 ORM_NOT_NULL_VIOLATION Not-null constraint violated: book.title must have a value'
    }
    for (const [fault, byDialect] of messages) {
      for (const [dialect, text] of byDialect) t.equal(text, expected[fault], `${fault} on ${dialect}: ${text}`)
    }
  })
})
