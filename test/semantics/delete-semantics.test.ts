// Deleting a parent does to its children what SQLAlchemy does: with cascade delete they are
// deleted, otherwise their foreign key is set to null (loading them when needed), and a key
// that cannot be null fails the flush with a 409 naming the relationship. passiveDeletes,
// or an ON DELETE on the foreign key, leaves them to the database.
import t from 'tap'
import { c, defineModel, defineTable, DependentObjectsError, relations, type Session } from '../../src/index.ts'
import { buildApp } from '../helpers/app.ts'
import { eachDb } from '../helpers/databases.ts'
import { countRows, raw, SqlLog } from '../unit-of-work/support.ts'

const Author = defineModel('Author', { id: c.integer().primaryKey(), name: c.string(50) })
const Book = defineModel('Book', { id: c.integer().primaryKey(), title: c.string(50), authorId: c.integer().nullable().references('author.id') })
const Owner = defineModel('Owner', { id: c.integer().primaryKey(), name: c.string(50) })
const Pet = defineModel('Pet', { id: c.integer().primaryKey(), name: c.string(50), ownerId: c.integer().references('owner.id') })
const Folder = defineModel('Folder', { id: c.integer().primaryKey(), name: c.string(50) })
const File = defineModel('File', { id: c.integer().primaryKey(), name: c.string(50), folderId: c.integer().references('folder.id') })
const Note = defineModel('Note', { id: c.integer().primaryKey(), text: c.string(50), fileId: c.integer().references('file.id') })
const Team = defineModel('Team', { id: c.integer().primaryKey(), name: c.string(50) })
const Member = defineModel('Member', { id: c.integer().primaryKey(), name: c.string(50), teamId: c.integer().nullable().references('team.id', { onDelete: 'set null' }) })
const Node = defineModel('Node', { id: c.integer().primaryKey(), name: c.string(50), parentId: c.integer().nullable().references('node.id') })
const Person = defineModel('Person', { id: c.integer().primaryKey(), name: c.string(50) })
const Passport = defineModel('Passport', { id: c.integer().primaryKey(), number: c.string(20), personId: c.integer().nullable().unique().references('person.id') })
const Article = defineModel('Article', { id: c.integer().primaryKey(), title: c.string(50) })
const Label = defineModel('Label', { id: c.integer().primaryKey(), name: c.string(50) })
const articleLabel = defineTable('article_label', {
  articleId: c.integer().references('article.id'),
  labelId: c.integer().references('label.id')
}, { primaryKey: ['articleId', 'labelId'] })

const models = {
  Author, Book, Owner, Pet, Folder, File, Note, Team, Member, Node, Person, Passport, Article, Label, articleLabel,
  authorRelations: relations(Author, ({ hasMany }) => ({ books: hasMany(() => Book, 'authorId', { inverse: 'author' }) })),
  bookRelations: relations(Book, ({ belongsTo }) => ({ author: belongsTo(() => Author, 'authorId', { inverse: 'books' }) })),
  ownerRelations: relations(Owner, ({ hasMany }) => ({ pets: hasMany(() => Pet, 'ownerId') })),
  folderRelations: relations(Folder, ({ hasMany }) => ({ files: hasMany(() => File, 'folderId', { cascade: { delete: true, deleteOrphan: true } }) })),
  fileRelations: relations(File, ({ hasMany }) => ({ notes: hasMany(() => Note, 'fileId', { cascade: { delete: true } }) })),
  teamRelations: relations(Team, ({ hasMany }) => ({ members: hasMany(() => Member, 'teamId', { cascade: { delete: true }, passiveDeletes: true }) })),
  nodeRelations: relations(Node, ({ belongsTo, hasMany }) => ({
    parent: belongsTo(() => Node, 'parentId', { inverse: 'children' }),
    children: hasMany(() => Node, 'parentId', { inverse: 'parent' })
  })),
  personRelations: relations(Person, ({ hasOne }) => ({ passport: hasOne(() => Passport, 'personId') })),
  articleRelations: relations(Article, ({ manyToMany }) => ({ labels: manyToMany(() => Label, { through: () => articleLabel, sourceKey: 'articleId', targetKey: 'labelId' }) }))
}

type Row = Record<string, unknown>
const rows = async (app: Parameters<typeof raw>[0], table: string, columns: string[]): Promise<unknown[][]> =>
  (await raw(app).selectFrom(table).select(columns).orderBy('id').execute()).map((row) => columns.map((column) => row[column] === null ? null : String(row[column])))

t.test('deleting a parent', async (t) => {
  await eachDb(t, async (t, db) => {
    const log = new SqlLog()
    const app = await buildApp(t, db, { models, echo: true }, { server: { logger: { level: 'info', stream: log.stream } }, ready: true })
    await app.db.createAll()
    const open = (t: { teardown: (fn: () => unknown) => void }): Session => {
      const s = app.db.session() as Session
      t.teardown(() => s.close())
      return s
    }
    /** Adds objects in a session of its own and commits; returns the key of the object `fn` returns. */
    const seed = async (fn: (s: Session) => Row | undefined): Promise<number> => {
      const s = app.db.session() as Session
      const main = fn(s)
      await s.commit()
      await s.close()
      return main?.id as number
    }

    await t.test('nullable key, children not loaded: loaded in the flush, set to null before the DELETE', async (t) => {
      const id = await seed((s) => {
        const ada = s.add(Author, { name: 'ada' }) as Row
        const alan = s.add(Author, { name: 'alan' }) as Row
        ;(ada.books as Row[]).push({ title: 'a1' }, { title: 'a2' })
        ;(alan.books as Row[]).push({ title: 'b1' })
        return ada
      })
      const s = open(t)
      s.delete(await s.get(Author, id) as object)
      log.clear()
      t.same(await s.flush(), { inserted: 0, updated: 2, deleted: 1 })
      t.same(log.kinds, ['select', 'update', 'update', 'delete'], 'the children are read, nullified, then the parent deleted')
      await s.commit()
      t.same(await rows(app, 'book', ['title', 'authorId']), [['a1', null], ['a2', null], ['b1', String((await raw(app).selectFrom('author').select('id').executeTakeFirstOrThrow()).id)]])
    })

    await t.test('nullable key, children loaded: no SELECT, the objects and their belongsTo follow', async (t) => {
      await raw(app).deleteFrom('book').execute()
      await raw(app).deleteFrom('author').execute()
      const id = await seed((s) => {
        const ada = s.add(Author, { name: 'ada' }) as Row
        ;(ada.books as Row[]).push({ title: 'a1' })
        s.add(Author, { name: 'other' })
        return ada
      })
      const s = open(t)
      const ada = await s.query(Author).filterBy({ id }).with({ books: true }).first() as Row
      const [book] = ada.books as Row[]
      const moved = s.add(Book, { title: 'moved', authorId: id }) as Row
      await s.flush()
      moved.authorId = null
      s.delete(ada)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['update', 'update', 'delete'])
      t.equal(book?.authorId, null)
      t.equal(book?.author, null)
      t.same(await rows(app, 'book', ['title', 'authorId']), [['a1', null], ['moved', null]])
    })

    await t.test('a key that cannot be null: the flush fails with a 409 naming the relationship, nothing written', async (t) => {
      const id = await seed((s) => {
        const owner = s.add(Owner, { name: 'o' }) as Row
        s.add(Owner, { name: 'no pets' })
        return owner
      })
      await seed((s) => { s.add(Pet, { name: 'rex', ownerId: id }); return undefined })
      const s = open(t)
      s.delete(await s.get(Owner, id) as object)
      const error = await s.commit().then(() => undefined, (error: unknown) => error)
      t.ok(error instanceof DependentObjectsError)
      t.equal((error as DependentObjectsError).statusCode, 409)
      t.match((error as Error).message, /Cannot delete Owner: its relationship "pets" still holds Pet objects whose ownerId cannot be null\. Add cascade: \{ delete: true \}/)
      t.equal(await countRows(app, 'owner'), 2)
      t.equal(await countRows(app, 'pet'), 1)
      const lonely = await raw(app).selectFrom('owner').select('id').where('name', '=', 'no pets').executeTakeFirstOrThrow()
      const s2 = open(t)
      s2.delete(await s2.get(Owner, lonely.id as number) as object)
      await s2.commit()
      t.equal(await countRows(app, 'owner'), 1, 'an owner without pets is deleted')
    })

    await t.test('the same over HTTP: request.db.delete(owner) replies 409 with the fix', async (t) => {
      const app2 = await buildApp(t, db, { models })
      app2.delete('/owners/:id', async (request) => {
        request.db.delete(await request.db.getOr404(Owner, (request.params as { id: string }).id))
        await request.db.commit()
        return { deleted: true }
      })
      const owner = await raw(app).selectFrom('pet').select('ownerId').executeTakeFirstOrThrow()
      const reply = await app2.inject({ method: 'DELETE', url: `/owners/${String(owner.ownerId)}` })
      t.equal(reply.statusCode, 409)
      t.match(reply.json(), { code: 'ORM_DEPENDENT_OBJECTS', message: /relationship "pets"/ })
    })

    await t.test('cascade delete, children not loaded: loaded and deleted, to any depth', async (t) => {
      const id = await seed((s) => {
        const folder = s.add(Folder, { name: 'f' }) as Row
        const keep = s.add(Folder, { name: 'keep' }) as Row
        ;(folder.files as Row[]).push({ name: 'x', notes: [{ text: 'n1' }, { text: 'n2' }] }, { name: 'y' })
        ;(keep.files as Row[]).push({ name: 'z', notes: [{ text: 'n3' }] })
        return folder
      })
      const s = open(t)
      s.delete(await s.get(Folder, id) as object)
      log.clear()
      t.same(await s.flush(), { inserted: 0, updated: 0, deleted: 5 })
      t.same(log.kinds, ['select', 'select', 'delete', 'delete', 'delete'], 'one SELECT per relationship and level, then one DELETE per table, children first')
      await s.commit()
      t.same(await rows(app, 'file', ['name']), [['z']])
      t.same(await rows(app, 'note', ['text']), [['n3']])
    })

    await t.test('passiveDeletes: nothing loaded, the database\'s ON DELETE SET NULL does it', async (t) => {
      const id = await seed((s) => {
        const team = s.add(Team, { name: 't' }) as Row
        s.addAll(Member, [{ name: 'm1' }, { name: 'm2' }])
        return team
      })
      await raw(app).updateTable('member').set({ teamId: id }).execute()
      const s = open(t)
      const members = await s.query(Member).orderBy('id').all() as Row[]
      s.delete(await s.get(Team, id) as object)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['delete'], 'one DELETE, no SELECT of the members (the delete cascade would otherwise load them)')
      t.same(await rows(app, 'member', ['name', 'teamId']), [['m1', null], ['m2', null]])
      t.same(members.map((member) => member.teamId), [null, null], 'the session follows the database')
    })

    await t.test('self-referential: the reports of a deleted manager get a null manager', async (t) => {
      const id = await seed((s) => {
        const boss = s.add(Node, { name: 'boss' }) as Row
        ;(boss.children as Row[]).push({ name: 'r1', children: [{ name: 'r1a' }] }, { name: 'r2' })
        return boss
      })
      const s = open(t)
      s.delete(await s.get(Node, id) as object)
      await s.commit()
      const left = await rows(app, 'node', ['name', 'parentId'])
      t.same(left.map(([name, parent]) => [name, parent === null ? null : 'set']).sort((a, b) => String(a[0]).localeCompare(String(b[0]))), [['r1', null], ['r1a', 'set'], ['r2', null]], 'only the direct reports lose their manager')
    })

    await t.test('hasOne: a nullable key is set to null', async (t) => {
      const id = await seed((s) => {
        const person = s.add(Person, { name: 'p' }) as Row
        person.passport = { number: 'X1' }
        return person
      })
      const s = open(t)
      s.delete(await s.get(Person, id) as object)
      await s.commit()
      t.same(await rows(app, 'passport', ['number', 'personId']), [['X1', null]])
      t.equal(await countRows(app, 'person'), 0)
    })

    await t.test('manyToMany: the association rows of a deleted object go, loaded or not', async (t) => {
      const id = await seed((s) => {
        const article = s.add(Article, { title: 'a' }) as Row
        const other = s.add(Article, { title: 'b' }) as Row
        const [x, y] = s.addAll(Label, [{ name: 'x' }, { name: 'y' }]) as unknown as [Row, Row]
        article.labels = [x, y]
        other.labels = [x]
        return article
      })
      const s = open(t)
      s.delete(await s.get(Article, id) as object)
      log.clear()
      await s.commit()
      t.same(log.kinds, ['delete', 'delete'], 'the links, then the article')
      t.equal(await countRows(app, 'article_label'), 1)
      t.equal(await countRows(app, 'label'), 2, 'the labels stay')
    })
  })
})
