// snakeCase and the constraint naming convention (pure functions).
import t from 'tap'
import { expectTypeOf } from 'expect-type'
import { c, defineModel } from '../../src/index.ts'
import { constraintName, snakeCase, type SnakeCase } from '../../src/model/naming.ts'

t.test('snakeCase', async (t) => {
  const cases: Array<[string, string]> = [
    ['passwordHash', 'password_hash'],
    ['userId', 'user_id'],
    ['BlogPost', 'blog_post'],
    ['createdAt', 'created_at'],
    ['id', 'id'],
    ['already_snake', 'already_snake'],
    ['address2Line', 'address2_line'],
    ['line2', 'line2'],
    ['HTTPLog', 'httplog'],
    ['userHTTPStatus', 'user_httpstatus'],
    ['A', 'a'],
    ['', '']
  ]
  for (const [input, expected] of cases) t.equal(snakeCase(input), expected, `${input} → ${expected}`)
  t.equal(snakeCase(snakeCase('someLongName')), 'some_long_name', 'idempotent')

  // The type-level version agrees with the run-time one.
  expectTypeOf<SnakeCase<'passwordHash'>>().toEqualTypeOf<'password_hash'>()
  expectTypeOf<SnakeCase<'BlogPost'>>().toEqualTypeOf<'blog_post'>()
  expectTypeOf<SnakeCase<'address2Line'>>().toEqualTypeOf<'address2_line'>()
  expectTypeOf<SnakeCase<'HTTPLog'>>().toEqualTypeOf<'httplog'>()
})

t.test('constraintName', async (t) => {
  t.equal(constraintName('pk', 'user', []), 'pk_user')
  t.equal(constraintName('uq', 'user', ['email']), 'uq_user_email')
  t.equal(constraintName('uq', 'stock', ['warehouse_id', 'sku']), 'uq_stock_warehouse_id_sku')
  t.equal(constraintName('ix', 'post', ['timestamp']), 'ix_post_timestamp')
  t.equal(constraintName('fk', 'post', ['user_id', 'user']), 'fk_post_user_id_user')
  t.equal(constraintName('ck', 'movie', ['year']), 'ck_movie_year')

  const exactly63 = constraintName('ix', 't', ['x'.repeat(58)])
  t.equal(exactly63, `ix_t_${'x'.repeat(58)}`, 'a name of exactly 63 characters is kept')
  t.equal(exactly63.length, 63)

  const long = constraintName('uq', 'a_rather_long_table_name_for_the_truncation_test', ['another_quite_long_column_name'])
  t.equal(long.length, 63, 'a longer name is cut to 63 characters (PostgreSQL\'s limit)')
  t.match(long, /^uq_a_rather_long_table_name_for_the_truncation_test_an_[0-9a-f]{8}$/, 'prefix kept, then _ and an 8-digit hash')
  t.equal(constraintName('uq', 'a_rather_long_table_name_for_the_truncation_test', ['another_quite_long_column_name']), long, 'deterministic')

  // Two names that share their first 54 characters still differ.
  const a = constraintName('ix', 'x'.repeat(60), ['first'])
  const b = constraintName('ix', 'x'.repeat(60), ['second'])
  t.equal(a.slice(0, 54), b.slice(0, 54))
  t.not(a, b, 'names that differ only past the cut get different hashes')
  t.equal(constraintName('ix', 'x'.repeat(61), []).length, 63, 'a 64-character name is shortened too')
})

t.test('the convention as models apply it', async (t) => {
  const Thing = defineModel('BlogPost', {
    id: c.integer().primaryKey(),
    authorId: c.integer().references('user.id').unique().index(),
    slug: c.string(50).unique('custom_slug_key'),
    year: c.integer().check('year > 0'),
    kind: c.enumeration(['a', 'b'])
  }, { naming: 'snake_case', unique: [['slug', 'year']], indexes: [{ columns: ['year', 'kind'] }, { columns: ['kind'], unique: true }], checks: { recent: 'year > 2000' } })
  const table = Thing.table
  t.equal(table.tableName, 'blog_post')
  t.same(table.columns.map((column) => column.name), ['id', 'author_id', 'slug', 'year', 'kind'])
  t.same(table.primaryKey, { name: 'pk_blog_post', columns: ['id'] })
  t.same(table.uniques, [
    { name: 'uq_blog_post_author_id', columns: ['author_id'] },
    { name: 'custom_slug_key', columns: ['slug'] },
    { name: 'uq_blog_post_slug_year', columns: ['slug', 'year'] }
  ])
  t.same(table.indexes, [
    { name: 'ix_blog_post_author_id', columns: ['author_id'], unique: false },
    { name: 'ix_blog_post_year_kind', columns: ['year', 'kind'], unique: false },
    { name: 'uq_blog_post_kind', columns: ['kind'], unique: true }
  ])
  t.same(table.checks.map((check) => check.name), ['ck_blog_post_year', 'ck_blog_post_kind_enum', 'ck_blog_post_recent'])
})
