// The model diagram: the graph of the seed models (every table, column and relationship, with
// cardinalities), the SVG drawn from it (well-formed, every name in it, escaped), the Mermaid
// text, and the CLI's `diagram` command run as the built bin.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { c, defineModel, defineTable, modelGraph, relations, renderMermaid, renderSvg, type GraphRelationship } from '../../src/index.ts'
import { Employee, Movie, Post, Profile, Tag, User, postTag } from '../fixtures/seed-models.ts'
import { employeeRelations, postRelations, profileRelations, seedModelsWithRelations, tagRelations, userRelations } from '../fixtures/seed-relations.ts'
import { cli } from '../migration/support.ts'
import { elements, parseXml } from './xml.ts'

const graph = modelGraph(seedModelsWithRelations)

/** A line of the graph in one string: `from fromCardinality—toCardinality to [relationships]`. */
function summary (edge: GraphRelationship): string {
  const names = edge.relationships.map((entry) => `${entry.model}.${entry.name}`).sort().join(', ')
  const via = edge.through === undefined ? '' : ` via ${edge.through}`
  return `${edge.from}.${edge.columns.join('+')} ${edge.fromCardinality}—${edge.toCardinality} ${edge.to}${via}${names === '' ? '' : ` [${names}]`}`
}

t.test('the graph holds every seed model and association table, with its columns', async (t) => {
  const models = [User, Profile, Post, Tag, postTag, Employee, Movie]
  t.strictSame(graph.tables.map((table) => table.id).sort(), models.map((model) => model.tableName).sort(), 'one table per model')
  for (const model of models) {
    const table = graph.tables.find((candidate) => candidate.id === model.tableName)
    t.strictSame(table?.columns.map((column) => column.name), model.table.columns.map((column) => column.name), `${model.name}: every column, in order`)
    t.equal(table?.modelName, model.name)
  }
  const column = (table: string, name: string) => graph.tables.find((candidate) => candidate.id === table)?.columns.find((candidate) => candidate.name === name)
  t.strictSame(column('profile', 'user_id'), { name: 'user_id', property: 'userId', type: 'integer', primaryKey: false, foreignKey: { table: 'user', column: 'id' }, nullable: false, unique: true })
  t.strictSame(column('user', 'id'), { name: 'id', property: 'id', type: 'integer', primaryKey: true, nullable: false, unique: true })
  t.strictSame(column('movie', 'mpa'), { name: 'mpa', property: 'mpa', type: 'enum', values: ['G', 'PG', 'PG-13', 'R', 'NC-17'], primaryKey: false, nullable: true, unique: false })
  t.equal(column('movie', 'directors')?.type, 'varchar(100)[]')
  t.equal(column('user', 'created_at')?.type, 'timestamp')
  t.equal(column('user', 'username')?.type, 'varchar(64)')
  t.strictSame([column('post_tag', 'post_id')?.primaryKey, column('post_tag', 'tag_id')?.primaryKey], [true, true], 'a composite key')
  t.equal(column('post_tag', 'post_id')?.unique, false, 'a column of a composite key is not unique alone')
  t.strictSame(Object.fromEntries(graph.tables.map((table) => [table.id, table.depth])),
    { user: 0, profile: 1, post: 1, tag: 0, post_tag: 2, employee: 0, movie: 0 }, 'foreign-key depths; a self-reference adds none')
  t.strictSame(JSON.parse(JSON.stringify(graph)), graph, 'plain data: JSON keeps all of it')
})

t.test('every foreign key and relationship is a line, with its cardinality at both ends', async (t) => {
  t.strictSame(graph.relationships.map(summary), [
    'profile.user_id 0..1—1 user [Profile.user, User.profile]',
    'post.user_id *—1 user [Post.author, User.posts]',
    'post_tag.post_id *—1 post',
    'post_tag.tag_id *—1 tag',
    'employee.manager_id *—0..1 employee [Employee.manager, Employee.reports]',
    'post.post_id+tag_id *—* tag via post_tag [Post.tags, Tag.posts]'
  ])
  const declared = [userRelations, profileRelations, postRelations, tagRelations, employeeRelations]
    .flatMap((entry) => Object.keys(entry.relations).map((name) => `${entry.model.name}.${name}`)).sort()
  const drawn = graph.relationships.flatMap((edge) => edge.relationships.map((entry) => `${entry.model}.${entry.name}`)).sort()
  t.strictSame(drawn, declared, 'each declared relationship is on exactly one line')
  const tags = graph.relationships.find((edge) => edge.kind === 'manyToMany')
  t.strictSame(tags?.referencedColumns, ['id', 'id'], 'a many-to-many line knows the keys its association table references')
})

t.test('cardinality rules: nullable keys, unique keys, hasOne, composite uniques; other binds', async (t) => {
  const Parent = defineModel('Parent', { id: c.integer().primaryKey() })
  const Child = defineModel('Child', { id: c.integer().primaryKey(), parentId: c.integer().references(() => Parent) })
  const Optional = defineModel('Optional', { id: c.integer().primaryKey(), parentId: c.integer().nullable().references(() => Parent) })
  const Single = defineModel('Single', { id: c.integer().primaryKey(), parentId: c.integer().unique().references(() => Parent) })
  const Declared = defineModel('Declared', { id: c.integer().primaryKey(), parentId: c.integer().references(() => Parent) })
  const Shared = defineModel('Shared', {
    id: c.integer().primaryKey(), parentId: c.integer().references(() => Parent), slot: c.integer()
  }, { unique: [['parentId', 'slot']] })
  const Keyed = defineModel('Keyed', { parentId: c.integer().primaryKey().references(() => Parent) })
  const Note = defineModel('Note', { id: c.integer().primaryKey(), body: c.text() }, { bind: 'archive' })
  const parentRelations = relations(Parent, ({ hasOne }) => ({ declared: hasOne(() => Declared, 'parentId') }))
  const small = modelGraph({ Parent, Child, Optional, Single, Declared, Shared, Keyed, Note, parentRelations })
  t.strictSame(small.relationships.map(summary), [
    'child.parentId *—1 parent',
    'optional.parentId *—0..1 parent',
    'single.parentId 0..1—1 parent',
    'declared.parentId 0..1—1 parent [Parent.declared]',
    'shared.parentId *—1 parent',
    'keyed.parentId 0..1—1 parent'
  ])
  t.ok(small.tables.some((table) => table.id === 'archive.note' && table.bind === 'archive' && table.tableName === 'note'), 'another bind\'s table is prefixed with the bind')
  t.throws(() => modelGraph({ Child }), { name: 'ModelDefinitionError' }, 'models are validated as the plugin validates them')
})

/** The text of every `<text>` of an SVG document, parsed. */
function svgTexts (svg: string): string[] {
  return elements(parseXml(svg)).filter((element) => element.name === 'text').map((element) => element.text)
}

t.test('the SVG is well-formed and names every table and column', async (t) => {
  const svg = renderSvg(graph)
  const root = parseXml(svg)
  t.equal(root.name, 'svg')
  t.equal(root.attributes.xmlns, 'http://www.w3.org/2000/svg', 'a standalone document')
  t.notMatch(svg, /<link|@import|url\(|href=/, 'no external stylesheet, font or image')
  const texts = svgTexts(svg)
  for (const table of graph.tables) {
    t.ok(texts.some((text) => text === table.tableName || text.startsWith(`${table.tableName} (`)), `table ${table.tableName}`)
    for (const column of table.columns) t.ok(texts.includes(column.name), `${table.tableName}.${column.name}`)
  }
  const all = elements(root)
  t.equal(all.filter((element) => element.name === 'g' && element.attributes['data-table'] !== undefined).length, graph.tables.length, 'a box per table')
  t.equal(all.filter((element) => element.name === 'path').length, graph.relationships.length, 'a line per relationship')
  t.equal(all.filter((element) => element.name === 'path' && element.attributes['stroke-dasharray'] !== undefined).length, 1, 'the many-to-many line is dashed')
  t.ok(texts.includes('0..1 profile') && texts.includes('1 user'), 'the cardinality and name at each end: a user has 0..1 profile, a profile 1 user')
  t.ok(texts.includes('* posts') && texts.includes('1 author'), 'a user has many posts; a post has one author')
  t.ok(texts.includes('PK FK'), 'markers')
  t.equal(renderSvg(modelGraph(seedModelsWithRelations)), svg, 'the same models give the same bytes')
  t.equal(parseXml(renderSvg({ tables: [], relationships: [] })).name, 'svg', 'no models: still a document')
})

t.test('the XML check itself rejects what is not well-formed', async (t) => {
  for (const bad of ['<a>&</a>', '<a><b></a></b>', '<a>x < y</a>', '<a b="1" b="2"/>', '<a/><b/>', '<a b="x<y"/>', '<a>']) {
    t.throws(() => parseXml(bad), /not well-formed/, bad)
  }
  t.equal(parseXml('<a b="&amp;&lt;">x &amp; &#60;y&gt;<c/></a>').text, 'x & <y>')
})

t.test('names with < & " \' are escaped in the SVG and quoted in Mermaid', async (t) => {
  const Odd = defineModel('Odd', { id: c.integer().primaryKey(), 'a<b&c': c.string(5), 'it\'s "q"': c.text().nullable() }, { tableName: 'x<y&z' })
  const Other = defineTable('other & co', { id: c.integer().primaryKey(), oddId: c.integer().references(() => Odd) })
  const oddRelations = relations(Odd, ({ hasMany }) => ({ 'many<&>': hasMany(() => Other, 'oddId') }))
  const odd = modelGraph({ Odd, Other, oddRelations })
  const svg = renderSvg(odd)
  const texts = svgTexts(svg)
  t.ok(texts.includes('x<y&z (Odd)'), 'the table name, read back')
  t.ok(texts.includes('a<b&c') && texts.includes('it\'s "q"'), 'column names, read back')
  t.ok(texts.includes('* many<&>'), 'the relationship name, read back')
  t.match(svg, 'x&lt;y&amp;z')
  t.notMatch(svg, 'x<y', 'no raw <')
  t.notMatch(svg, /&(?!(amp|lt|gt|quot|apos);)/, 'no bare &')
  t.equal(renderMermaid(odd), [
    'erDiagram',
    '  "x<y&z" {',
    '    integer id PK',
    '    varchar(5) a_b_c',
    '    text it_s__q_ "nullable"',
    '  }',
    '  "other & co" {',
    '    integer id PK',
    '    integer oddId FK',
    '  }',
    '  "x<y&z" ||--o{ "other & co" : "many<&>"',
    ''
  ].join('\n'))
})

/** A small library: authors, books, genres through book_genre. */
function library () {
  const Author = defineModel('Author', { id: c.integer().primaryKey(), name: c.string(80).unique() })
  const Book = defineModel('Book', {
    id: c.integer().primaryKey(),
    title: c.string(200),
    price: c.numeric(8, 2).nullable(),
    format: c.enumeration(['paper', 'ebook']),
    authorId: c.integer().references(() => Author)
  }, { naming: 'snake_case' })
  const Genre = defineModel('Genre', { id: c.integer().primaryKey(), name: c.string(40) })
  const bookGenre = defineTable('book_genre', {
    bookId: c.integer().references('book.id'),
    genreId: c.integer().references('genre.id')
  }, { primaryKey: ['bookId', 'genreId'], naming: 'snake_case' })
  const authorRelations = relations(Author, ({ hasMany }) => ({ books: hasMany(() => Book, 'authorId', { inverse: 'author' }) }))
  const bookRelations = relations(Book, ({ belongsTo, manyToMany }) => ({
    author: belongsTo(() => Author, 'authorId', { inverse: 'books' }),
    genres: manyToMany(() => Genre, { through: () => bookGenre, sourceKey: 'bookId', targetKey: 'genreId' })
  }))
  return { Author, Book, Genre, bookGenre, authorRelations, bookRelations }
}

const LIBRARY_MERMAID = `erDiagram
  author {
    integer id PK
    varchar(80) name UK
  }
  book {
    integer id PK
    varchar(200) title
    numeric(8_2) price "nullable"
    enum format "one of paper, ebook"
    integer author_id FK
  }
  genre {
    integer id PK
    varchar(40) name
  }
  book_genre {
    integer book_id PK, FK
    integer genre_id PK, FK
  }
  author ||--o{ book : "books / author"
  book ||--o{ book_genre : "book_id"
  genre ||--o{ book_genre : "genre_id"
  book }o..o{ genre : "genres (book_genre)"
`

t.test('Mermaid: the erDiagram of a small model set, exactly', async (t) => {
  const text = renderMermaid(modelGraph(library()))
  t.equal(text, LIBRARY_MERMAID)
})

const LIBRARY_MODULE = `import { c, defineModel, defineTable, relations } from 'fastify-orm'
export const Author = defineModel('Author', { id: c.integer().primaryKey(), name: c.string(80).unique() })
export const Book = defineModel('Book', {
  id: c.integer().primaryKey(),
  title: c.string(200),
  price: c.numeric(8, 2).nullable(),
  format: c.enumeration(['paper', 'ebook']),
  authorId: c.integer().references(() => Author)
}, { naming: 'snake_case' })
export const Genre = defineModel('Genre', { id: c.integer().primaryKey(), name: c.string(40) })
export const bookGenre = defineTable('book_genre', {
  bookId: c.integer().references('book.id'),
  genreId: c.integer().references('genre.id')
}, { primaryKey: ['bookId', 'genreId'], naming: 'snake_case' })
export const authorRelations = relations(Author, ({ hasMany }) => ({ books: hasMany(() => Book, 'authorId', { inverse: 'author' }) }))
export const bookRelations = relations(Book, ({ belongsTo, manyToMany }) => ({
  author: belongsTo(() => Author, 'authorId', { inverse: 'books' }),
  genres: manyToMany(() => Genre, { through: () => bookGenre, sourceKey: 'bookId', targetKey: 'genreId' })
}))
export const models = { Author, Book, Genre, bookGenre, authorRelations, bookRelations }
`

t.test('the CLI prints the diagram of the --app module, SVG by default, without a database', async (t) => {
  const dir = t.testdir({ 'library.ts': LIBRARY_MODULE })
  const app = join(dir, 'library.ts')
  const database = join(dir, 'library.db')
  // A file URL that would be created on connection, and a server nothing listens on: neither is opened.
  const svg = await cli(['diagram', '--app', app, '--url', `sqlite:///${database}`])
  t.equal(svg.code, 0, svg.stderr)
  t.equal(svg.stdout, renderSvg(modelGraph(library())), 'the SVG of the module\'s models')
  t.ok(svgTexts(svg.stdout).includes('book_genre'))
  t.notOk(existsSync(database), 'no database was opened')
  const mermaid = await cli(['diagram', '--format', 'mermaid', '--app', app, '--url', 'postgresql://nobody@127.0.0.1:1/none'])
  t.equal(mermaid.code, 0, mermaid.stderr)
  t.equal(mermaid.stdout, LIBRARY_MERMAID)
  t.equal(mermaid.stderr, '')
  const explicit = await cli(['diagram', '--format', 'svg', '--app', app])
  t.equal(explicit.stdout, svg.stdout, '--format svg is the default')
})

t.test('the CLI: an unknown --format is a usage error (exit 2); --help shows the formats', async (t) => {
  const png = await cli(['diagram', '--format', 'png', '--app', 'example-app/app.ts'])
  t.equal(png.code, 2)
  t.equal(png.stdout, '')
  t.match(png.stderr, /^fastify-orm: usage error: --format takes svg or mermaid, got "png"/)
  const help = await cli(['diagram', '--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, 'Usage: fastify-orm diagram [--format svg|mermaid]')
  const overview = await cli(['--help'])
  t.match(overview.stdout, /\n {2}diagram {5}print the models' diagram/)
  const missing = await cli(['diagram', '--app', 'no/such/app.ts'])
  t.equal(missing.code, 2)
  t.match(missing.stderr, 'The app module no/such/app.ts does not exist')
})

