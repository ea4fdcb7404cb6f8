// Operation objects: each knows its reverse, its one-line description and whether it can lose data.
import t from 'tap'
import { c } from '../../../src/index.ts'
import { describeOperation, isDestructive, reverseOperation, reverseOperations, type ColumnSpec, type Operation, type TableSpec } from '../../../src/migration/autogenerate/operations.ts'

const column = (name: string, sqlType: string, config = c.string(Number(/\d+/.exec(sqlType)?.[0] ?? 10)).config, extra: Partial<ColumnSpec> = {}): ColumnSpec =>
  ({ name, sqlType, nullable: false, serverDefault: undefined, autoincrement: false, config, ...extra })
const table: TableSpec = {
  name: 'legacy',
  columns: [column('id', 'integer', c.integer().autoincrement().config, { autoincrement: true }), column('code', 'varchar(10)')],
  primaryKey: { name: 'pk_legacy', columns: ['id'] },
  uniques: [{ name: 'uq_legacy_code', columns: ['code'] }],
  indexes: [],
  foreignKeys: [],
  checks: []
}
const fk = { name: 'fk_post_user_id_user', columns: ['user_id'], referencedTable: 'user', referencedColumns: ['id'], onDelete: 'cascade', onUpdate: 'restrict' } as const
const check = { name: 'ck_movie_year', expression: 'year >= 1888', definition: 'year >= 1888' }

// One of every kind, with the line each describes itself as.
const cases: Array<[Operation, string]> = [
  [{ kind: 'createTable', table }, '+ create table legacy'],
  [{ kind: 'dropTable', table }, '- drop table legacy (destructive)'],
  [{ kind: 'renameTable', from: 'film', to: 'movie' }, '~ rename table film -> movie'],
  [{ kind: 'addColumn', table: 'movie', column: column('mpa', 'varchar(10)') }, '+ add column movie.mpa'],
  [{ kind: 'dropColumn', table: 'movie', column: column('mpa', 'varchar(10)') }, '- drop column movie.mpa (destructive)'],
  [{ kind: 'alterColumn', table: 'movie', from: column('title', 'varchar(120)'), to: column('title', 'varchar(200)', undefined, { nullable: true, serverDefault: '\'x\'' }) },
    '~ alter column movie.title: type varchar(120) -> varchar(200), nullable false -> true, server default none -> \'x\''],
  [{ kind: 'renameColumn', table: 'movie', from: 'name', to: 'title' }, '~ rename column movie.name -> title'],
  [{ kind: 'createIndex', table: 'movie', index: { name: 'ix_movie_year', columns: ['year'], unique: false } }, '+ add index ix_movie_year on movie (year)'],
  [{ kind: 'dropIndex', table: 'movie', index: { name: 'uq_movie_a_b', columns: ['a', 'b'], unique: true } }, '- drop unique index uq_movie_a_b on movie (a, b)'],
  [{ kind: 'addUnique', table: 'movie', unique: { name: 'uq_movie_title', columns: ['title'] } }, '+ add unique constraint uq_movie_title on movie (title)'],
  [{ kind: 'dropUnique', table: 'movie', unique: { name: undefined, columns: ['title'] } }, '- drop unique constraint (unnamed) on movie (title)'],
  [{ kind: 'addForeignKey', table: 'post', foreignKey: fk }, '+ add foreign key fk_post_user_id_user on post (user_id) -> user (id) on delete cascade on update restrict'],
  [{ kind: 'dropForeignKey', table: 'post', foreignKey: { ...fk, onDelete: undefined, onUpdate: undefined } }, '- drop foreign key fk_post_user_id_user on post (user_id) -> user (id)'],
  [{ kind: 'addCheck', table: 'movie', check }, '+ add check ck_movie_year on movie: year >= 1888'],
  [{ kind: 'dropCheck', table: 'movie', check }, '- drop check ck_movie_year on movie: year >= 1888'],
  [{ kind: 'alterPrimaryKey', table: 'movie', from: { name: 'pk_movie', columns: ['id'] }, to: { name: 'pk_movie', columns: ['id', 'year'] } }, '~ alter primary key movie: (id) -> (id, year)'],
  [{ kind: 'alterPrimaryKey', table: 'movie', from: { name: 'pk_film', columns: ['id'] }, to: { name: 'pk_movie', columns: ['id'] } }, '~ alter primary key movie: pk_film (id) -> pk_movie (id)'],
  [{ kind: 'alterPrimaryKey', table: 'movie', from: { name: undefined, columns: ['id'] }, to: { name: 'pk_movie', columns: ['code'] } }, '~ alter primary key movie: (id) -> (code) (destructive)'],
  [{ kind: 'alterComment', table: 'movie', column: 'title', from: undefined, to: 'it\'s' }, '~ comment on column movie.title: none -> \'it\'\'s\''],
  [{ kind: 'alterComment', table: 'movie', column: undefined, from: 'Films', to: undefined }, '~ comment on table movie: \'Films\' -> none']
]

t.test('every kind describes itself in one line', async (t) => {
  for (const [op, line] of cases) t.equal(describeOperation(op), line, op.kind)
})

t.test('reversing twice gives the operation back, for every kind', async (t) => {
  for (const [op] of cases) {
    t.strictSame(reverseOperation(reverseOperation(op)), op, op.kind)
    t.not(reverseOperation(op).kind === op.kind && !op.kind.startsWith('alter') && !op.kind.startsWith('rename'), true, `${op.kind} reverses to another kind`)
  }
  t.strictSame(reverseOperation(cases[0]![0]), cases[1]![0], 'create table ↔ drop table')
  t.strictSame(reverseOperation({ kind: 'renameColumn', table: 'movie', from: 'name', to: 'title' }), { kind: 'renameColumn', table: 'movie', from: 'title', to: 'name' })
})

t.test('a primary key is destructive unless it keeps every column of the old one', async (t) => {
  const change = (from: string[], to: string[]): Operation => ({ kind: 'alterPrimaryKey', table: 'x', from: { name: undefined, columns: from }, to: { name: 'pk_x', columns: to } })
  t.equal(isDestructive(change(['a'], ['a', 'b'])), false, 'a superset: rows stay unique')
  t.equal(isDestructive(change(['a', 'b'], ['a'])), true, 'a subset: rows may repeat')
  t.equal(isDestructive(change([], ['a'])), true, 'a first key: rows may repeat')
  t.equal(isDestructive(change(['a'], [])), false, 'no key any more')
})

t.test('down is up reversed, last operation first', async (t) => {
  const up: Operation[] = [cases[2]![0], cases[3]![0]]
  t.strictSame(reverseOperations(up).map((op) => describeOperation(op)), ['- drop column movie.mpa (destructive)', '~ rename table movie -> film'])
})

t.test('destructive: drops, and type changes that may not keep every value', async (t) => {
  const alter = (from: ColumnSpec, to: ColumnSpec): Operation => ({ kind: 'alterColumn', table: 'x', from, to })
  const destructive = (from: ColumnSpec, to: ColumnSpec): boolean => isDestructive(alter(from, to))
  t.equal(destructive(column('a', 'varchar(10)'), column('a', 'varchar(20)')), false, 'a longer string')
  t.equal(destructive(column('a', 'varchar(20)'), column('a', 'varchar(10)')), true, 'a shorter string')
  t.equal(destructive(column('a', 'varchar(20)'), column('a', 'text', c.text().config)), false, 'a string to text')
  t.equal(destructive(column('a', 'varchar(1)'), column('a', 'varchar(3)', c.enumeration(['a', 'b', 'ccc']).config)), false, 'an enumeration with a longer value')
  t.equal(destructive(column('a', 'varchar(3)'), column('a', 'varchar(1)', c.enumeration(['a', 'b']).config)), true, 'an enumeration without its longest value')
  t.equal(destructive(column('a', 'integer', c.integer().config), column('a', 'numeric(12, 2)', c.numeric(12, 2).config)), false, 'integer to a decimal with 10 integer digits')
  t.equal(destructive(column('a', 'integer', c.integer().config), column('a', 'numeric(10, 2)', c.numeric(10, 2).config)), true, 'integer to a decimal with 8 integer digits')
  t.equal(destructive(column('a', 'text', c.text().config), column('a', 'varchar(20)')), true, 'text to a string')
  t.equal(destructive(column('a', 'integer', c.integer().config), column('a', 'bigint', c.bigInteger().config)), false, 'integer to bigint')
  t.equal(destructive(column('a', 'bigint', c.bigInteger().config), column('a', 'integer', c.integer().config)), true, 'bigint to integer')
  t.equal(destructive(column('a', 'numeric(10, 2)', c.numeric(10, 2).config), column('a', 'numeric(12, 3)', c.numeric(12, 3).config)), false, 'a wider decimal')
  t.equal(destructive(column('a', 'numeric(10, 2)', c.numeric(10, 2).config), column('a', 'numeric(10, 3)', c.numeric(10, 3).config)), true, 'fewer integer digits')
  t.equal(destructive({ ...column('a', 'mediumtext'), config: undefined }, column('a', 'text', c.text().config)), true, 'unknown: assumed to lose data')
  t.equal(destructive(column('a', 'varchar(10)'), column('a', 'varchar(10)', undefined, { nullable: true })), false, 'nullability only')
  t.equal(isDestructive(cases[9]![0]), false, 'adding a constraint')
})
