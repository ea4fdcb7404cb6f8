// The pure parts of introspection, without a database: canonical CHECK and default text
// (inputs are what each database really echoes back), type spelling, referential actions,
// the SQLite CREATE TABLE reader, and how expectedTable folds a model per database.
import t from 'tap'
import { c, defineModel } from '../../src/index.ts'
import { ModelRegistry } from '../../src/model/registry.ts'
import { parseSqliteConstraints } from '../../src/dialect/sqlite/sqlite-table-sql.ts'
import { normalizeCheckExpression } from '../../src/introspection/check-expression.ts'
import { expectedCheckExpression, expectedServerDefault, expectedTable } from '../../src/migration/autogenerate/expected-schema.ts'
import { normalizeSqlType, referentialAction, sortIntrospectedTable } from '../../src/introspection/introspected-schema.ts'
import { normalizeServerDefault } from '../../src/introspection/server-default.ts'
import { COLUMN_TYPES, DIALECTS, registered } from './support.ts'

t.test('CHECK expressions: each database\'s echo and the model\'s text meet', async (t) => {
  const same = (variants: string[], canonical: string, backslashEscapes = false): void => {
    for (const variant of variants) t.equal(normalizeCheckExpression(variant, { backslashEscapes }), canonical, variant)
  }
  same(['year >= 1888', '((year >= 1888))', '`year` >= 1888', '"year">=1888', 'YEAR >= 1888'], 'year >= 1888')
  same(['balance >= 0', '((balance >= (0)::numeric))', 'balance >= 0.00'], 'balance >= 0')
  same(['level >= -1', '((level >= \'-1\'::integer))', '`level` >= -1'], 'level >= -1')
  same([
    'first_name <> \'\' and (last_name <> \'\' or level > 0)',
    '((((first_name)::text <> \'\'::text) AND (((last_name)::text <> \'\'::text) OR (level > 0))))',
    '`first_name` <> \'\' and (`last_name` <> \'\' or `level` > 0)'
  ], 'first_name <> \'\' and (last_name <> \'\' or level > 0)')
  same([
    '(((role)::text = ANY ((ARRAY[\'admin\'::character varying, \'o\'\'hara\'::character varying])::text[])))',
    '"role" in (\'o\'\'hara\', \'admin\')'
  ], 'role in (\'admin\', \'o\'\'hara\')')
  same(['`role` in (\'admin\',\'o\\\'hara\')', '(`role` in (_utf8mb4\'o\'\'hara\',_utf8mb4\'admin\'))'], 'role in (\'admin\', \'o\'\'hara\')', true)
  same(['k in (\'a\')', '((k)::text = \'a\'::text)', '`k` = \'a\''], 'k = \'a\'')
  same(['m not in (2, 1)', '(m <> ALL (ARRAY[1, 2]))', '`m` not in (1,2)'], 'm not in (1, 2)')
  same(['m not in (1)', '(m <> 1)'], 'm <> 1')
  same(['a or b and c', '(a OR (b AND c))'], 'a or b and c')
  same(['(a or b) and c'], '(a or b) and c')
  same(['a * b + c', '((a * b) + c)'], 'a * b + c')
  same(['(a + b) * c'], '(a + b) * c')
  same(['char_length(name) > 0', '(CHAR_LENGTH((name)::text) > 0)'], 'char_length(name) > 0')
  same(['x is not null', '(`x` IS NOT NULL)'], 'x is not null')
  same(['(a, b) <> (1, 2)'], '(a, b) <> (1, 2)')
  t.equal(normalizeCheckExpression('[odd name] > 0', { bracketQuotes: true }), 'odd name > 0', 'SQLite\'s [quoted] identifiers')
  t.equal(normalizeCheckExpression('tags = ARRAY[1, 2]'), 'tags = array[1, 2]', 'an array literal is not an IN list')
})

t.test('server defaults: every spelling of one value is one text', async (t) => {
  const cases: Array<[string | null, string | undefined, { boolean?: boolean, backslashEscapes?: boolean }?]> = [
    [null, undefined],
    ['NULL', undefined], // MariaDB, for a nullable column without a default
    ['NULL::character varying', undefined],
    ['\'member\'::character varying', '\'member\''],
    ['\'it\'\'s\'::character varying', '\'it\'\'s\''],
    ['\'-1\'::integer', '-1'],
    ['0.00', '0'],
    ['\'2.50\'::numeric', '2.5'],
    ['CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP'],
    ['current_timestamp()', 'CURRENT_TIMESTAMP'],
    ['now()', 'CURRENT_TIMESTAMP'],
    ['current_timestamp(3)', 'CURRENT_TIMESTAMP(3)'],
    ['current_date', 'CURRENT_DATE'],
    ['1', 'true', { boolean: true }],
    ['0', 'false', { boolean: true }],
    ['1', '1'],
    ['true', 'true'],
    ['(datetime(\'now\'))', 'datetime(\'now\')'],
    ['\'{}\'::jsonb', '\'{}\''],
    ['\'a\\\\b\'', '\'a\\b\'', { backslashEscapes: true }]
  ]
  for (const [input, expected, options] of cases) t.equal(normalizeServerDefault(input, options), expected, String(input))
})

t.test('type spelling and referential actions', async (t) => {
  t.equal(normalizeSqlType('NUMERIC (12,2)'), 'numeric(12, 2)')
  t.equal(normalizeSqlType('  VARCHAR( 20 ) '), 'varchar(20)')
  const pg = DIALECTS.postgres.introspector.limits
  const mysql = DIALECTS.mysql.introspector.limits
  t.equal(referentialAction('NO ACTION', pg), undefined)
  t.equal(referentialAction(undefined, pg), undefined)
  t.equal(referentialAction('RESTRICT', pg), 'restrict')
  t.equal(referentialAction('RESTRICT', mysql), undefined, 'MySQL: RESTRICT is NO ACTION')
  t.equal(referentialAction('SET  NULL', mysql), 'set null')
})

t.test('SQLite: constraint names and CHECKs from CREATE TABLE', async (t) => {
  t.strictSame(parseSqliteConstraints(`CREATE TABLE "t" ("id" integer not null, "a" text default 'unique, check' check (a <> 'x)'),
    b int constraint "uq_b" unique references p (id), [c d] text, constraint "pk_t" primary key ("id"),
    constraint fk_t foreign key ("a", b) references "p" ("x", "y") on delete cascade, constraint "ck_t" check ((b > 0)), unique (b, [c d]))`), [
    { kind: 'check', name: undefined, columns: [], expression: 'a <> \'x)\'' },
    { kind: 'unique', name: 'uq_b', columns: ['b'] },
    { kind: 'foreign key', name: undefined, columns: ['b'], referencedTable: 'p' },
    { kind: 'primary key', name: 'pk_t', columns: ['id'] },
    { kind: 'foreign key', name: 'fk_t', columns: ['a', 'b'], referencedTable: 'p' },
    { kind: 'check', name: 'ck_t', columns: [], expression: '(b > 0)' },
    { kind: 'unique', name: undefined, columns: ['b', 'c d'] }
  ])
  t.strictSame(parseSqliteConstraints('create table t as select 1'), [], 'CREATE TABLE … AS SELECT has none')
})

t.test('expectedTable folds a model the way each database reports it', async (t) => {
  const Shop = defineModel('Shop', {
    id: c.integer().primaryKey(),
    code: c.string(10).unique(),
    open: c.boolean().serverDefault(1), // 1 on a boolean means true
    size: c.enumeration(['S', 'M']).serverDefault('M'),
    ownerId: c.integer().nullable().references('shop.id', { onDelete: 'restrict', onUpdate: 'no action' })
  }, { naming: 'snake_case', indexes: [{ columns: ['code', 'size'], unique: true }] })
  const shop = registered(new ModelRegistry({ Shop }).tablesOf('default'), 'shop')

  const pg = expectedTable(shop, DIALECTS.postgres)
  t.equal(pg.primaryKey.name, 'pk_shop')
  t.strictSame(pg.uniques, [{ name: 'uq_shop_code', columns: ['code'] }])
  t.strictSame(pg.indexes, [{ name: 'uq_shop_code_size', columns: ['code', 'size'], unique: true }])
  t.strictSame(pg.foreignKeys.map((fk) => [fk.onDelete, fk.onUpdate]), [['restrict', undefined]], 'NO ACTION is the default')
  t.strictSame(pg.checks, [{ name: 'ck_shop_size_enum', expression: 'size in (\'M\', \'S\')' }])
  t.strictSame(pg.columns.map((column) => column.serverDefault), [undefined, undefined, 'true', '\'M\'', undefined])

  const mysql = expectedTable(shop, DIALECTS.mysql)
  t.equal(mysql.primaryKey.name, undefined, 'MySQL: every primary key is PRIMARY')
  t.strictSame(mysql.uniques, [{ name: 'uq_shop_code', columns: ['code'] }, { name: 'uq_shop_code_size', columns: ['code', 'size'] }], 'MySQL: a unique index is a unique key')
  t.strictSame(mysql.indexes, [])
  t.strictSame(mysql.foreignKeys.map((fk) => [fk.onDelete, fk.onUpdate]), [[undefined, undefined]], 'MySQL: RESTRICT is the default')

  t.equal(expectedServerDefault(c.dateTime().serverDefault({ sql: 'now()' }).config, COLUMN_TYPES.mysql), 'CURRENT_TIMESTAMP(3)', 'as createAll writes it for MySQL')
  t.equal(expectedServerDefault(c.dateTime().serverDefault({ sql: 'now()' }).config, COLUMN_TYPES.postgres), 'CURRENT_TIMESTAMP')
  t.equal(expectedCheckExpression({ name: 'ck', column: 'Size', values: ['b', 'a'] }), 'size in (\'a\', \'b\')')
  t.strictSame(sortIntrospectedTable(pg), pg, 'already in canonical order')
})
