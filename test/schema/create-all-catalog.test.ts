// createAll's DDL, read back from each database's own catalog: column types, NOT NULL,
// server defaults, generated keys, primary keys (composite too), unique constraints and
// indexes (single, composite, unique), foreign keys with their actions, CHECK constraints,
// and constraint names following pk_/uq_/ix_/fk_/ck_.
import t from 'tap'
import { c, CheckViolationError, defineModel, ForeignKeyViolationError, UniqueViolationError, type DialectName } from '../../src/index.ts'
import { constraintName } from '../../src/model/naming.ts'
import { seedModels } from '../fixtures/seed-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { catalogTableNames, readCatalog, type CatalogCheck, type CatalogColumn, type CatalogForeignKey, type CatalogIndex, type CatalogKey, type CatalogTable } from './catalog.ts'
import { buildReadyApp, mysqlFlavor, untyped } from './support.ts'

type Flavor = 'sqlite' | 'postgres' | 'mariadb' | 'mysql'

/** The native type names each catalog reports, written out by hand from the README's type table. */
function nativeTypes (flavor: Flavor) {
  switch (flavor) {
    case 'sqlite': return {
      int: 'integer', bigint: 'bigint', float: 'real', numeric: (p: number, s: number) => `numeric(${p}, ${s})`, bool: 'boolean',
      varchar: (n: number) => `varchar(${n})`, text: 'text', datetime: 'datetime', datetimeTz: 'datetime', date: 'date',
      json: 'json', binary: 'blob', uuid: 'uuid', array: (_element: string) => 'json'
    }
    case 'postgres': return {
      int: 'integer', bigint: 'bigint', float: 'double precision', numeric: (p: number, s: number) => `numeric(${p},${s})`, bool: 'boolean',
      varchar: (n: number) => `character varying(${n})`, text: 'text', datetime: 'timestamp without time zone', datetimeTz: 'timestamp with time zone',
      date: 'date', json: 'jsonb', binary: 'bytea', uuid: 'uuid', array: (element: string) => `${element}[]`
    }
    case 'mariadb':
    case 'mysql': {
      // MariaDB's JSON is an alias of longtext (plus a json_valid CHECK named after the column).
      const json = flavor === 'mariadb' ? 'longtext' : 'json'
      return {
        int: 'int', bigint: 'bigint', float: 'double', numeric: (p: number, s: number) => `decimal(${p},${s})`, bool: 'tinyint(1)',
        varchar: (n: number) => `varchar(${n})`, text: 'longtext', datetime: 'datetime(3)', datetimeTz: 'datetime(3)', date: 'date',
        json, binary: 'longblob', uuid: 'char(36)', array: (_element: string) => json
      }
    }
  }
}

const col = (type: string, options: { nullable?: boolean, default?: string, generated?: boolean } = {}): CatalogColumn =>
  ({ type, nullable: options.nullable ?? false, default: options.default ?? null, generated: options.generated ?? false })

/** What a catalog calls the referential action that was not specified. */
const unspecifiedAction = (flavor: Flavor): string => flavor === 'mariadb' ? 'RESTRICT' : 'NO ACTION'

function fk (flavor: Flavor, name: string, column: string, table: string, onDelete?: string, onUpdate?: string): CatalogForeignKey {
  return { name, columns: [column], referencedTable: table, referencedColumns: ['id'], onDelete: onDelete ?? unspecifiedAction(flavor), onUpdate: onUpdate ?? unspecifiedAction(flavor) }
}

interface Expected {
  columns: Record<string, CatalogColumn>
  primaryKey: CatalogKey
  uniques?: CatalogKey[]
  indexes?: CatalogIndex[]
  foreignKeys?: CatalogForeignKey[]
  checks?: CatalogCheck[]
}

const sorted = <T extends { name: string }>(list: T[] = []): T[] => [...list].sort((a, b) => a.name < b.name ? -1 : 1)

function table (expected: Expected): CatalogTable {
  return {
    columns: expected.columns,
    columnOrder: Object.keys(expected.columns),
    // MySQL names every primary key PRIMARY: the pk_ name cannot be kept there.
    primaryKey: expected.primaryKey,
    uniques: sorted(expected.uniques),
    indexes: sorted(expected.indexes),
    foreignKeys: sorted(expected.foreignKeys),
    checks: sorted(expected.checks)
  }
}

const pk = (flavor: Flavor, name: string, columns: string[]): CatalogKey => ({ name: flavor === 'mariadb' || flavor === 'mysql' ? 'PRIMARY' : name, columns })

/** The CHECK text each catalog stores for an expression written as `expression`. */
function checkText (flavor: Flavor, sqlite: string, postgres: string, mysql: string): string {
  return flavor === 'sqlite' ? sqlite : flavor === 'postgres' ? postgres : mysql
}

function seedExpectations (flavor: Flavor): Record<string, CatalogTable> {
  const ty = nativeTypes(flavor)
  const id = col(ty.int, { generated: true })
  const now = { sqlite: 'CURRENT_TIMESTAMP', postgres: 'CURRENT_TIMESTAMP', mariadb: 'current_timestamp(3)', mysql: 'CURRENT_TIMESTAMP(3)' }[flavor]
  const enumCheck = checkText(flavor,
    '"mpa" in (\'G\', \'PG\', \'PG-13\', \'R\', \'NC-17\')',
    'CHECK (((mpa)::text = ANY ((ARRAY[\'G\'::character varying, \'PG\'::character varying, \'PG-13\'::character varying, \'R\'::character varying, \'NC-17\'::character varying])::text[])))',
    '`mpa` in (\'G\',\'PG\',\'PG-13\',\'R\',\'NC-17\')')
  const movieChecks: CatalogCheck[] = [
    { name: 'ck_movie_year', expression: checkText(flavor, 'year >= 1888', 'CHECK ((year >= 1888))', '`year` >= 1888') },
    { name: 'ck_movie_mpa_enum', expression: enumCheck }
  ]
  if (flavor === 'mariadb') movieChecks.push({ name: 'directors', expression: 'json_valid(`directors`)' })
  return {
    user: table({
      columns: {
        id,
        username: col(ty.varchar(64)),
        email: col(ty.varchar(120)),
        password_hash: col(ty.varchar(128), { nullable: true }),
        // a client default (.default(() => new Date())) is not in the DDL
        created_at: col(ty.datetime)
      },
      primaryKey: pk(flavor, 'pk_user', ['id']),
      uniques: [{ name: 'uq_user_username', columns: ['username'] }, { name: 'uq_user_email', columns: ['email'] }],
      indexes: [{ name: 'ix_user_username', columns: ['username'], unique: false }, { name: 'ix_user_email', columns: ['email'], unique: false }]
    }),
    profile: table({
      columns: { id, user_id: col(ty.int), bio: col(ty.text, { nullable: true }) },
      primaryKey: pk(flavor, 'pk_profile', ['id']),
      uniques: [{ name: 'uq_profile_user_id', columns: ['user_id'] }],
      foreignKeys: [fk(flavor, 'fk_profile_user_id_user', 'user_id', 'user', 'CASCADE')]
    }),
    post: table({
      columns: {
        id,
        title: col(ty.varchar(100)),
        body: col(ty.text),
        timestamp: col(ty.datetime, { default: now }),
        user_id: col(ty.int)
      },
      primaryKey: pk(flavor, 'pk_post', ['id']),
      indexes: [{ name: 'ix_post_timestamp', columns: ['timestamp'], unique: false }],
      foreignKeys: [fk(flavor, 'fk_post_user_id_user', 'user_id', 'user', 'CASCADE')]
    }),
    tag: table({
      columns: { id, name: col(ty.varchar(50)) },
      primaryKey: pk(flavor, 'pk_tag', ['id']),
      uniques: [{ name: 'uq_tag_name', columns: ['name'] }]
    }),
    post_tag: table({
      // foreign-key columns of a composite key are never generated
      columns: { post_id: col(ty.int), tag_id: col(ty.int) },
      primaryKey: pk(flavor, 'pk_post_tag', ['post_id', 'tag_id']),
      foreignKeys: [
        fk(flavor, 'fk_post_tag_post_id_post', 'post_id', 'post', 'CASCADE'),
        fk(flavor, 'fk_post_tag_tag_id_tag', 'tag_id', 'tag', 'CASCADE')
      ]
    }),
    employee: table({
      columns: { id, name: col(ty.varchar(100)), manager_id: col(ty.int, { nullable: true }) },
      primaryKey: pk(flavor, 'pk_employee', ['id']),
      foreignKeys: [fk(flavor, 'fk_employee_manager_id_employee', 'manager_id', 'employee', 'SET NULL')]
    }),
    movie: table({
      columns: {
        id,
        title: col(ty.varchar(200)),
        year: col(ty.int),
        directors: col(ty.array(ty.varchar(100))),
        theatre: col(ty.bool), // .default(false) is a client default
        mpa: col(ty.varchar(5), { nullable: true }) // the longest value, 'NC-17'
      },
      primaryKey: pk(flavor, 'pk_movie', ['id']),
      checks: movieChecks
    })
  }
}

async function flavorOf (dialect: DialectName, app: Parameters<typeof untyped>[0]): Promise<Flavor> {
  return dialect === 'mysql' ? mysqlFlavor(untyped(app)) : dialect
}

t.test('createAll creates every seed table exactly as declared', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildReadyApp(t, db, { models: seedModels })
    const created = await app.db.createAll()
    t.same([...created].sort(), Object.values(seedModels).map((model) => model.tableName).sort(), 'returns every created table')
    for (const model of Object.values(seedModels)) {
      for (const foreignKey of app.db.tables.find((table) => table.tableName === model.tableName)?.foreignKeys ?? []) {
        if (foreignKey.referencedTable === model.tableName) continue
        t.ok(created.indexOf(foreignKey.referencedTable) < created.indexOf(model.tableName), `${foreignKey.referencedTable} is created before ${model.tableName}`)
      }
    }
    t.same(await catalogTableNames(untyped(app), db.dialect), Object.values(seedModels).map((model) => model.tableName).sort(), 'no other table exists')

    const flavor = await flavorOf(db.dialect, app)
    for (const [name, expected] of Object.entries(seedExpectations(flavor))) {
      t.strictSame(await readCatalog(untyped(app), db.dialect, name), expected, `${name} on ${flavor}`)
    }
  })
})

// What the seed models do not use: composite unique constraints (both spellings, named),
// composite and unique indexes, explicit names, ON UPDATE, literal server defaults, a
// table CHECK, every other column type, a bigint identity key, a name shortened with a hash.
const Warehouse = defineModel('Warehouse', {
  id: c.bigInteger().primaryKey(),
  code: c.string(20),
  region: c.string(30),
  name: c.string(80).unique('warehouse_name_key').index('warehouse_name_idx')
}, { naming: 'snake_case', unique: [['code', 'region']], indexes: [{ columns: ['region', 'name'] }] })

const StockItem = defineModel('StockItem', {
  id: c.integer().primaryKey(),
  warehouseId: c.bigInteger().references(() => Warehouse, { onDelete: 'restrict', onUpdate: 'cascade' }),
  sku: c.string(40),
  status: c.string(10).serverDefault('draft'),
  quantity: c.integer().serverDefault(0).check('quantity >= 0'),
  active: c.boolean().serverDefault(true),
  weight: c.float().serverDefault(1.5),
  price: c.numeric(10, 3).nullable(),
  createdAt: c.dateTime().serverDefault({ sql: 'CURRENT_TIMESTAMP' }),
  updatedAt: c.dateTime({ withTimezone: true }).nullable(),
  receivedOn: c.date().nullable(),
  meta: c.json().nullable(),
  photo: c.binary().nullable(),
  token: c.uuid(),
  sizes: c.array(c.integer()).nullable()
}, {
  naming: 'snake_case',
  unique: [{ columns: ['warehouseId', 'sku'], name: 'uq_stock_sku_per_warehouse' }],
  indexes: [{ columns: ['sku'], unique: true }, { columns: ['status', 'createdAt'] }],
  checks: { positive_weight: 'weight > 0' }
})

const LONG_TABLE = 'a_rather_long_table_name_for_the_truncation_test'
const LongNames = defineModel('LongNames', {
  id: c.integer().primaryKey(),
  anotherQuiteLongColumnName: c.string(10).unique().index()
}, { tableName: LONG_TABLE, naming: 'snake_case' })

function extraExpectations (flavor: Flavor): Record<string, CatalogTable> {
  const ty = nativeTypes(flavor)
  const mysql = flavor === 'mariadb' || flavor === 'mysql'
  const skuIndex = { name: 'uq_stock_item_sku', columns: ['sku'] }
  // How each catalog spells the literal defaults 'draft', 0, true, 1.5 and CURRENT_TIMESTAMP.
  const defaults = {
    sqlite: { draft: '\'draft\'', zero: '0', yes: 'true', weight: '1.5', now: 'CURRENT_TIMESTAMP' },
    postgres: { draft: '\'draft\'::character varying', zero: '0', yes: 'true', weight: '1.5', now: 'CURRENT_TIMESTAMP' },
    mariadb: { draft: '\'draft\'', zero: '0', yes: '1', weight: '1.5', now: 'current_timestamp(3)' },
    mysql: { draft: 'draft', zero: '0', yes: '1', weight: '1.5', now: 'CURRENT_TIMESTAMP(3)' }
  }[flavor]
  const stockChecks: CatalogCheck[] = [
    { name: 'ck_stock_item_quantity', expression: checkText(flavor, 'quantity >= 0', 'CHECK ((quantity >= 0))', '`quantity` >= 0') },
    { name: 'ck_stock_item_positive_weight', expression: checkText(flavor, 'weight > 0', 'CHECK ((weight > (0)::double precision))', '`weight` > 0') }
  ]
  if (flavor === 'mariadb') stockChecks.push({ name: 'meta', expression: 'json_valid(`meta`)' }, { name: 'sizes', expression: 'json_valid(`sizes`)' })
  const longUnique = constraintName('uq', LONG_TABLE, ['another_quite_long_column_name'])
  const longIndex = constraintName('ix', LONG_TABLE, ['another_quite_long_column_name'])
  return {
    warehouse: table({
      columns: {
        // SQLite: a generated key must be declared exactly "integer" to be the rowid
        id: col(flavor === 'sqlite' ? 'integer' : ty.bigint, { generated: true }),
        code: col(ty.varchar(20)),
        region: col(ty.varchar(30)),
        name: col(ty.varchar(80))
      },
      primaryKey: pk(flavor, 'pk_warehouse', ['id']),
      uniques: [{ name: 'warehouse_name_key', columns: ['name'] }, { name: 'uq_warehouse_code_region', columns: ['code', 'region'] }],
      indexes: [
        { name: 'warehouse_name_idx', columns: ['name'], unique: false },
        { name: 'ix_warehouse_region_name', columns: ['region', 'name'], unique: false }
      ]
    }),
    stock_item: table({
      columns: {
        id: col(ty.int, { generated: true }),
        warehouse_id: col(ty.bigint),
        sku: col(ty.varchar(40)),
        status: col(ty.varchar(10), { default: defaults.draft }),
        quantity: col(ty.int, { default: defaults.zero }),
        active: col(ty.bool, { default: defaults.yes }),
        weight: col(ty.float, { default: defaults.weight }),
        price: col(ty.numeric(10, 3), { nullable: true }),
        created_at: col(ty.datetime, { default: defaults.now }),
        updated_at: col(ty.datetimeTz, { nullable: true }),
        received_on: col(ty.date, { nullable: true }),
        meta: col(ty.json, { nullable: true }),
        photo: col(ty.binary, { nullable: true }),
        token: col(ty.uuid),
        sizes: col(ty.array(ty.int), { nullable: true })
      },
      primaryKey: pk(flavor, 'pk_stock_item', ['id']),
      // MySQL keeps no difference between a unique index and a UNIQUE constraint: its
      // catalog lists the unique index among the constraints.
      uniques: [{ name: 'uq_stock_sku_per_warehouse', columns: ['warehouse_id', 'sku'] }, ...(mysql ? [skuIndex] : [])],
      indexes: [
        ...(mysql ? [] : [{ ...skuIndex, unique: true }]),
        { name: 'ix_stock_item_status_created_at', columns: ['status', 'created_at'], unique: false }
      ],
      foreignKeys: [fk(flavor, 'fk_stock_item_warehouse_id_warehouse', 'warehouse_id', 'warehouse', 'RESTRICT', 'CASCADE')],
      checks: stockChecks
    }),
    [LONG_TABLE]: table({
      columns: { id: col(ty.int, { generated: true }), another_quite_long_column_name: col(ty.varchar(10)) },
      primaryKey: pk(flavor, constraintName('pk', LONG_TABLE, []), ['id']),
      uniques: [{ name: longUnique, columns: ['another_quite_long_column_name'] }],
      indexes: [{ name: longIndex, columns: ['another_quite_long_column_name'], unique: false }]
    })
  }
}

t.test('createAll: composite and unique indexes, named constraints, ON UPDATE, literal defaults, every column type', async (t) => {
  const longUnique = constraintName('uq', LONG_TABLE, ['another_quite_long_column_name'])
  t.ok(longUnique.length <= 63 && longUnique.startsWith('uq_a_rather_long_table_name'), `the long name is shortened: ${longUnique}`)
  await eachDb(t, async (t, db) => {
    const app = await buildReadyApp(t, db, { models: { Warehouse, StockItem, LongNames } })
    t.same(await app.db.createAll(), ['warehouse', 'stock_item', LONG_TABLE], 'parents first')
    const flavor = await flavorOf(db.dialect, app)
    for (const [name, expected] of Object.entries(extraExpectations(flavor))) {
      t.strictSame(await readCatalog(untyped(app), db.dialect, name), expected, `${name} on ${flavor}`)
    }
  })
})

t.test('the created constraints act: CHECK, enum CHECK, UNIQUE, composite key, ON DELETE CASCADE / SET NULL', async (t) => {
  await eachDb(t, async (t, db) => {
    const app = await buildReadyApp(t, db, { models: seedModels })
    await app.db.createAll()
    const k = app.db.kysely
    await k.insertInto('movie').values({ id: 1, title: 'Alien', year: 1979, directors: ['Ridley Scott'], theatre: true, mpa: 'R' }).execute()
    await t.rejects(k.insertInto('movie').values({ title: 'Too old', year: 1800, directors: [], theatre: false }).execute(),
      CheckViolationError, 'ck_movie_year rejects year 1800')
    await t.rejects(k.insertInto('movie').values({ title: 'Bad rating', year: 2000, directors: [], theatre: false, mpa: 'X' as 'R' }).execute(),
      CheckViolationError, 'ck_movie_mpa_enum rejects a value outside the enumeration')

    await k.insertInto('user').values([{ id: 1, username: 'ann', email: 'ann@example.com', created_at: new Date() },
      { id: 2, username: 'bob', email: 'bob@example.com', created_at: new Date() }]).execute()
    await t.rejects(k.insertInto('user').values({ username: 'ann', email: 'other@example.com', created_at: new Date() }).execute(),
      UniqueViolationError, 'uq_user_username')
    await k.insertInto('post').values({ id: 10, title: 'Hi', body: '…', user_id: 1 }).execute()
    await k.insertInto('tag').values({ id: 20, name: 'news' }).execute()
    await k.insertInto('post_tag').values({ post_id: 10, tag_id: 20 }).execute()
    await t.rejects(k.insertInto('post_tag').values({ post_id: 10, tag_id: 20 }).execute(), UniqueViolationError, 'the composite primary key of post_tag')
    await t.rejects(k.insertInto('post').values({ title: 'orphan', body: '', user_id: 99 }).execute(), ForeignKeyViolationError, 'fk_post_user_id_user')

    await k.deleteFrom('user').where('id', '=', 1).execute()
    t.same(await k.selectFrom('post').select('id').execute(), [], 'deleting the user cascaded to its posts')
    t.same(await k.selectFrom('post_tag').selectAll().execute(), [], '… and from the posts to post_tag')

    await k.insertInto('employee').values([{ id: 1, name: 'boss' }, { id: 2, name: 'worker', manager_id: 1 }]).execute()
    await k.deleteFrom('employee').where('id', '=', 1).execute()
    t.same(await k.selectFrom('employee').select(['id', 'manager_id']).execute(), [{ id: 2, manager_id: null }], 'ON DELETE SET NULL on the self-reference')
  })
})
