// createAll, then introspect: on every database, each table reads back exactly as its
// model implies (expectedTable), so autogenerate would find no difference. A few facts are
// also written out by hand, so that expectedTable and the introspectors cannot agree on a
// wrong answer.
import t from 'tap'
import type { DialectName } from '../../src/index.ts'
import { expectedTable } from '../../src/migration/autogenerate/expected-schema.ts'
import { VERSION_TABLE } from '../../src/introspection/introspected-schema.ts'
import { everyTypeModels as models } from '../fixtures/every-type-models.ts'
import { eachDb } from '../helpers/databases.ts'
import { execute, openDb, tableNamed } from './support.ts'

/** The native types createAll gives the account columns, written out per database. */
const ACCOUNT_TYPES: Record<DialectName, string[]> = {
  postgres: ['bigint', 'varchar(120)', 'varchar(40)', 'varchar(50)', 'varchar(50)', 'numeric(12, 2)', 'double precision', 'integer',
    'boolean', 'boolean', 'text', 'date', 'timestamp', 'timestamptz', 'jsonb', 'bytea', 'uuid', 'varchar(6)', 'varchar(20)', 'numeric(5, 1)',
    'integer[]', 'varchar(30)[]', 'boolean[]', 'bigint', 'bigint', 'varchar(10)', 'varchar(40)'],
  mysql: ['bigint', 'varchar(120)', 'varchar(40)', 'varchar(50)', 'varchar(50)', 'decimal(12, 2)', 'double', 'int',
    'tinyint(1)', 'tinyint(1)', 'longtext', 'date', 'datetime(3)', 'datetime(3)', 'json', 'longblob', 'char(36)', 'varchar(6)', 'varchar(20)', 'decimal(5, 1)',
    'json', 'json', 'json', 'bigint', 'bigint', 'varchar(10)', 'varchar(40)'],
  sqlite: ['integer', 'varchar(120)', 'varchar(40)', 'varchar(50)', 'varchar(50)', 'numeric(12, 2)', 'real', 'integer',
    'boolean', 'boolean', 'text', 'date', 'datetime', 'datetime', 'json', 'blob', 'uuid', 'varchar(6)', 'varchar(20)', 'numeric(5, 1)',
    'json', 'json', 'json', 'bigint', 'bigint', 'varchar(10)', 'varchar(40)']
}

t.test('createAll then introspect: every table equals what its model declares', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openDb(t, database, models)
    await app.db.createAll()
    const tables = await dialect.introspector.introspect(db)

    t.strictSame(tables.map((table) => table.name), app.db.tables.map((table) => table.tableName).sort(), 'exactly the registered tables, sorted by name')
    for (const registered of app.db.tables) {
      t.strictSame(tableNamed(tables, registered.tableName), expectedTable(registered, dialect), `${registered.tableName} round-trips`)
    }

    const account = tableNamed(tables, 'account')
    t.strictSame(account.columns.map((column) => column.sqlType), ACCOUNT_TYPES[database.dialect], 'native types, by hand')
    const defaults = Object.fromEntries(account.columns.filter((column) => column.serverDefault !== undefined).map((column) => [column.name, column.serverDefault]))
    t.strictSame(defaults, {
      balance: '0',
      level: '-1',
      active: 'true',
      locked: 'false',
      // MySQL needs the datetime(3) column's own precision (serverDefaultSql).
      created_at: database.dialect === 'mysql' ? 'CURRENT_TIMESTAMP(3)' : 'CURRENT_TIMESTAMP',
      role: '\'member\'',
      nick: '\'it\'\'s\'',
      score: '2.5' // '2.50' without its trailing zero
    }, 'server defaults, by hand')
    t.strictSame(account.columns.filter((column) => column.autoincrement).map((column) => column.name), ['id'], 'the bigint key autoincrements')
    t.strictSame(account.columns.filter((column) => column.nullable).map((column) => column.name),
      ['ratio', 'bio', 'born', 'seen_at', 'settings', 'avatar', 'labels', 'flags', 'team_id', 'mentor_id'], 'nullability, by hand')
    t.strictSame(account.checks, [
      { name: 'ck_account_balance_positive', expression: 'balance >= 0' },
      { name: 'ck_account_level', expression: 'level >= -1' },
      { name: 'ck_account_names', expression: 'first_name <> \'\' and (last_name <> \'\' or level > 0)' },
      { name: 'ck_account_role_enum', expression: 'role in (\'admin\', \'member\', \'o\'\'hara\')' }
    ], 'checks: hand-written ones canonical, the enumeration as a sorted IN list (no MariaDB json_valid)')
    t.strictSame(account.foreignKeys.map((fk) => [fk.name, fk.onDelete, fk.onUpdate]), [
      ['fk_account_team_id_team', 'set null', 'cascade'],
      // MySQL cannot tell RESTRICT from its default, NO ACTION.
      ['fk_mentor', database.dialect === 'mysql' ? undefined : 'restrict', undefined]
    ], 'referential actions, by hand')
    const uniqueToken = { name: 'uq_account_token', columns: ['token'] }
    t.same(database.dialect === 'mysql' ? account.uniques.filter((u) => u.name === 'uq_account_token') : account.indexes.filter((i) => i.name === 'uq_account_token'),
      [database.dialect === 'mysql' ? uniqueToken : { ...uniqueToken, unique: true }], 'a unique index: an index, but a unique key on MySQL')
    t.equal(account.indexes.some((index) => index.name.startsWith('fk_')), false, 'no index that only backs a foreign key')

    t.strictSame(tableNamed(tables, 'team').checks, [{ name: 'ck_team_tier_enum', expression: 'tier = \'basic\'' }], 'a one-value enumeration')

    const pair = tableNamed(tables, 'membership')
    t.strictSame(pair.primaryKey, { name: database.dialect === 'mysql' ? undefined : 'pk_membership', columns: ['account_id', 'team_id'] }, 'composite primary key')
    t.strictSame(pair.columns.map((column) => column.autoincrement), [false, false, false], 'a composite key does not autoincrement')
    t.equal(pair.columns[2]?.serverDefault, '\'2024-01-01\'', 'a date literal default')
  })
})

t.test('the migrations version table is never introspected', async (t) => {
  await eachDb(t, async (t, database) => {
    const { db, dialect } = await openDb(t, database)
    await execute(db, [`create table ${VERSION_TABLE} (version_num varchar(32) not null primary key)`, 'create table other (id integer primary key)'])
    t.strictSame((await dialect.introspector.introspect(db)).map((table) => table.name), ['other'])
  })
})
