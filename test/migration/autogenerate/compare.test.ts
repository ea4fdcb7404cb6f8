// The compare stage without a database: the live schema is written as introspection reports
// it (what `expectedTable` gives for a model is exactly that, see test/introspection).
import t from 'tap'
import { c, defineModel, type DialectName } from '../../../src/index.ts'
import type { RegisteredTable } from '../../../src/model/registry.ts'
import type { ColumnTypes } from '../../../src/dialect/orm-dialect.ts'
import { mysqlColumnTypes } from '../../../src/dialect/mysql/mysql-column-types.ts'
import { postgresColumnTypes } from '../../../src/dialect/postgres/postgres-column-types.ts'
import { sqliteColumnTypes } from '../../../src/dialect/sqlite/sqlite-column-types.ts'
import { compareSchema } from '../../../src/migration/autogenerate/compare.ts'
import { describeOperation, reverseOperations, type Operation } from '../../../src/migration/autogenerate/operations.ts'
import { portableColumnConfig } from '../../../src/migration/autogenerate/table-spec.ts'
import { expectedServerDefault, expectedTable } from '../../../src/migration/autogenerate/expected-schema.ts'
import type { IntrospectedTable } from '../../../src/introspection/introspected-schema.ts'
import { everyTypeModels } from '../../fixtures/every-type-models.ts'
import { tablesOf } from './support.ts'

const COLUMN_TYPES: Record<DialectName, ColumnTypes> = { sqlite: sqliteColumnTypes, postgres: postgresColumnTypes, mysql: mysqlColumnTypes }

/** The live schema a set of registered tables gives once created. */
const liveOf = (tables: readonly RegisteredTable[], columnTypes: ColumnTypes): IntrospectedTable[] => tables.map((table) => expectedTable(table, columnTypes))
const lines = (operations: readonly Operation[]): string[] => operations.map(describeOperation)

t.test('a database in sync with the models gives no operation, on every dialect', async (t) => {
  const tables = tablesOf(everyTypeModels)
  for (const [name, columnTypes] of Object.entries(COLUMN_TYPES)) {
    t.strictSame(compareSchema(tables, liveOf(tables, columnTypes), { columnTypes }), [], name)
  }
})

const Author = defineModel('Author', { id: c.integer().primaryKey(), name: c.string(80) })
const Book = defineModel('Book', { id: c.integer().primaryKey(), authorId: c.integer().references(() => Author) }, { naming: 'snake_case' })
const Chapter = defineModel('Chapter', { id: c.integer().primaryKey(), bookId: c.integer().references(() => Book) }, { naming: 'snake_case' })
// Two tables referencing each other.
const Ship = defineModel('Ship', { id: c.integer().primaryKey(), captainId: c.integer().nullable().references('sailor.id') }, { naming: 'snake_case' })
const Sailor = defineModel('Sailor', { id: c.integer().primaryKey(), shipId: c.integer().nullable().references(() => Ship) }, { naming: 'snake_case' })

t.test('tables are created parents first and dropped children first, whatever order they come in', async (t) => {
  const columnTypes = sqliteColumnTypes
  const created = compareSchema([...tablesOf({ Author, Book, Chapter })].reverse(), [], { columnTypes })
  t.strictSame(lines(created), ['+ create table author', '+ create table book', '+ create table chapter'])
  const dropped = compareSchema([], liveOf(tablesOf({ Author, Book, Chapter }), columnTypes).sort((a, b) => a.name < b.name ? -1 : 1), { columnTypes })
  t.strictSame(lines(dropped), ['- drop table chapter (destructive)', '- drop table book (destructive)', '- drop table author (destructive)'])
})

t.test('a foreign-key cycle: created without the closing key, which is added last; dropped symmetrically', async (t) => {
  const columnTypes = postgresColumnTypes
  const tables = tablesOf({ Ship, Sailor })
  const up = compareSchema(tables, [], { columnTypes })
  t.strictSame(lines(up), ['+ create table ship', '+ create table sailor', '+ add foreign key fk_ship_captain_id_sailor on ship (captain_id) -> sailor (id)'])
  t.strictSame(up[0]?.kind === 'createTable' && up[0].table.foreignKeys, [], 'ship is created without its key to sailor')

  const down = compareSchema([], liveOf(tables, columnTypes), { columnTypes })
  t.strictSame(lines(down), [
    '- drop foreign key fk_ship_captain_id_sailor on ship (captain_id) -> sailor (id)',
    '- drop table sailor (destructive)',
    '- drop table ship (destructive)'
  ], 'the key that would block a drop goes first')
  t.strictSame(lines(reverseOperations(down)), lines(up), 'and the reverse creates them back the same way')
})

t.test('renames: never guessed; declared, they carry the foreign keys and checks that name them', async (t) => {
  const columnTypes = sqliteColumnTypes
  const Film = defineModel('Film', { id: c.integer().primaryKey(), name: c.string(120) }, { checks: { named: 'name <> \'\'' } })
  const Review = defineModel('Review', { id: c.integer().primaryKey(), filmId: c.integer().references('film.id', { name: 'fk_review_film' }) }, { naming: 'snake_case' })
  const Movie = defineModel('Movie', { id: c.integer().primaryKey(), title: c.string(120) }, { tableName: 'film', checks: { named: 'title <> \'\'' } })
  const MovieReview = defineModel('Review', { id: c.integer().primaryKey(), filmId: c.integer().references('film.id', { name: 'fk_review_film' }) }, { naming: 'snake_case' })
  const live = liveOf(tablesOf({ Film, Review }), columnTypes)
  const models = tablesOf({ Movie, MovieReview })

  t.strictSame(lines(compareSchema(models, live, { columnTypes })), [
    '- drop check ck_film_named on film: name <> \'\'',
    '+ add column film.title',
    '- drop column film.name (destructive)',
    '+ add check ck_film_named on film: title <> \'\''
  ], 'undeclared: a drop and an add')
  t.strictSame(lines(compareSchema(models, live, { columnTypes, renames: { columns: { film: { name: 'title' } } } })), ['~ rename column film.name -> title'],
    'declared: only the rename (the check follows the column, as the database rewrites it)')

  const Renamed = defineModel('Movie', { id: c.integer().primaryKey(), name: c.string(120) }, { checks: { named: 'name <> \'\'' } })
  const RenamedReview = defineModel('Review', { id: c.integer().primaryKey(), filmId: c.integer().references('movie.id', { name: 'fk_review_film' }) }, { naming: 'snake_case' })
  t.strictSame(lines(compareSchema(tablesOf({ Renamed, RenamedReview }), live, { columnTypes, renames: { tables: { film: 'movie' } } })), [
    '~ rename table film -> movie',
    '- drop check ck_film_named on movie: name <> \'\'',
    '+ add check ck_movie_named on movie: name <> \'\''
  ], 'a renamed table: references to it follow; only constraints named after the old table differ')
})

t.test('a declared rename that does not fit the schemas is an error, never a guess', async (t) => {
  const columnTypes = sqliteColumnTypes
  const live = liveOf(tablesOf({ Author }), columnTypes)
  const models = tablesOf({ Author })
  t.throws(() => compareSchema(models, live, { columnTypes, renames: { tables: { writer: 'author' } } }), /Cannot rename table "writer" to "author": the database has no table "writer"/)
  t.throws(() => compareSchema(models, live, { columnTypes, renames: { tables: { author: 'writer' } } }), /no model declares a table "writer"/)
  t.throws(() => compareSchema(models, live, { columnTypes, renames: { columns: { author: { title: 'name' } } } }), /the database has no column "author.title"/)
  t.throws(() => compareSchema(models, live, { columnTypes, renames: { columns: { author: { id: 'name' } } } }), /already has a column "author.name"/)
  t.throws(() => compareSchema(models, live, { columnTypes, renames: { columns: { book: { a: 'b' } } } }), /Cannot rename columns of table "book": the database has no such table/)
})

t.test('what the catalog folds away is written from the model (MySQL)', async (t) => {
  const columnTypes = mysqlColumnTypes
  const Plain = defineModel('Author', { id: c.integer().primaryKey(), name: c.string(80), mentorId: c.integer().nullable() }, { naming: 'snake_case' })
  const Keyed = defineModel('Author', {
    id: c.integer().primaryKey(),
    name: c.string(80),
    mentorId: c.integer().nullable().references('author.id', { onDelete: 'restrict' })
  }, { naming: 'snake_case', indexes: [{ columns: ['name'], unique: true }] })
  const operations = compareSchema(tablesOf({ Keyed }), liveOf(tablesOf({ Plain }), columnTypes), { columnTypes })
  t.strictSame(operations.map((op) => op.kind), ['createIndex', 'addForeignKey'], 'a unique index stays an index, not a unique constraint')
  t.match(operations[1], { foreignKey: { onDelete: 'restrict' } }, 'RESTRICT is kept, though MySQL reports it as the default')
})

t.test('every column type is recovered from the database as the c.* declaration that stores it the same way', async (t) => {
  for (const [name, columnTypes] of Object.entries(COLUMN_TYPES)) {
    for (const table of liveOf(tablesOf(everyTypeModels), columnTypes)) {
      for (const column of table.columns) {
        const config = portableColumnConfig(column, columnTypes)
        const where = `${name}: ${table.name}.${column.name} ${column.sqlType}`
        if (config === undefined) { t.fail(`${where}: no declaration`); continue }
        t.equal(columnTypes.sqlType(config, config.autoincrement === true), column.sqlType, `${where}: type`)
        t.equal(expectedServerDefault(config, columnTypes), column.serverDefault, `${where}: default`)
        t.equal(config.nullable, column.nullable, `${where}: nullable`)
      }
    }
  }
  const recover = (sqlType: string, columnTypes: ColumnTypes, serverDefault?: string) =>
    portableColumnConfig({ name: 'x', sqlType, nullable: false, serverDefault, autoincrement: false }, columnTypes)
  t.match(recover('tinyint(1)', mysqlColumnTypes), { kind: 'boolean' })
  t.match(recover('varchar(30)[]', postgresColumnTypes), { kind: 'array', element: { kind: 'string', length: 30 } })
  t.match(recover('numeric(12, 2)', postgresColumnTypes, '0'), { kind: 'numeric', precision: 12, scale: 2, serverDefault: 0 })
  t.match(recover('datetime(3)', mysqlColumnTypes, 'CURRENT_TIMESTAMP(3)'), { kind: 'dateTime', serverDefault: { sql: 'CURRENT_TIMESTAMP' } })
  t.match(recover('varchar(10)', sqliteColumnTypes, '\'it\'\'s\''), { kind: 'string', serverDefault: 'it\'s' })
  t.equal(recover('mediumtext', mysqlColumnTypes), undefined, 'a type no c.* makes')
  t.equal(recover('text', mysqlColumnTypes), undefined, 'MySQL\'s text (c.text() is longtext there)')
})
