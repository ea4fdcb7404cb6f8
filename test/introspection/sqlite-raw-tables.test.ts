// SQLite tables written by hand, in the spellings people use: the introspector recovers
// constraint names and CHECKs from the CREATE TABLE text, maps automatic indexes to the
// UNIQUE constraints they implement, and treats an INTEGER primary key as the rowid.
import t from 'tap'
import { expectedTable } from '../../src/migration/autogenerate/expected-schema.ts'
import { eachDb } from '../helpers/databases.ts'
import { column, execute, openDb, Rating, registered, tableNamed } from './support.ts'

t.test('usual SQLite spellings are normalised', async (t) => {
  await eachDb(t, async (t, database) => {
    const { db, dialect } = await openDb(t, database)
    await execute(db, [
      'create table owner (id INTEGER PRIMARY KEY AUTOINCREMENT, name text)',
      `create table gadget (
        id integer primary key,
        code VARCHAR (20) not null default 'x' unique,
        price NUMERIC(10,2) DEFAULT 0.00,
        qty INT default (-1) check (qty >= -1),
        flag BOOLEAN default 1,
        made DATETIME DEFAULT (datetime('now')),
        stamp datetime default current_timestamp,
        owner_id integer references owner on delete cascade,
        other_id integer constraint fk_other references owner(id) on update set null,
        [odd name] text constraint uq_odd unique,
        constraint "uq_gadget_pair" unique (price, "qty"),
        constraint price_ok check ("price" >= 0),
        foreign key (qty) references owner (id) on delete restrict
      )`,
      'create index gadget_made on gadget (made)',
      'create unique index gadget_stamp on gadget (stamp desc)',
      'create table kv (k text primary key, v text) without rowid',
      'create table pairs (a integer not null, b integer not null, primary key (a, b))',
      'create table big (id bigint primary key)'
    ])
    const tables = await dialect.introspector.introspect(db)
    t.strictSame(tables.map((table) => table.name), ['big', 'gadget', 'kv', 'owner', 'pairs'], 'sqlite_sequence is not a table of the app')
    t.strictSame(tableNamed(tables, 'gadget'), {
      name: 'gadget',
      columns: [
        column('id', 'integer', { autoincrement: true }), // the rowid: never NULL
        column('code', 'varchar(20)', { serverDefault: '\'x\'' }),
        column('price', 'numeric(10, 2)', { nullable: true, serverDefault: '0' }),
        column('qty', 'int', { nullable: true, serverDefault: '-1' }),
        column('flag', 'boolean', { nullable: true, serverDefault: 'true' }),
        column('made', 'datetime', { nullable: true, serverDefault: 'datetime(\'now\')' }),
        column('stamp', 'datetime', { nullable: true, serverDefault: 'CURRENT_TIMESTAMP' }),
        column('owner_id', 'integer', { nullable: true }),
        column('other_id', 'integer', { nullable: true }),
        column('odd name', 'text', { nullable: true })
      ],
      primaryKey: { name: undefined, columns: ['id'] },
      uniques: [
        { name: 'uq_gadget_pair', columns: ['price', 'qty'] },
        { name: 'uq_odd', columns: ['odd name'] },
        { name: undefined, columns: ['code'] }
      ],
      indexes: [
        { name: 'gadget_made', columns: ['made'], unique: false },
        { name: 'gadget_stamp', columns: ['stamp'], unique: true }
      ],
      foreignKeys: [
        { name: 'fk_other', columns: ['other_id'], referencedTable: 'owner', referencedColumns: ['id'], onDelete: undefined, onUpdate: 'set null' },
        // REFERENCES owner without columns: the owner's primary key.
        { name: undefined, columns: ['owner_id'], referencedTable: 'owner', referencedColumns: ['id'], onDelete: 'cascade', onUpdate: undefined },
        { name: undefined, columns: ['qty'], referencedTable: 'owner', referencedColumns: ['id'], onDelete: 'restrict', onUpdate: undefined }
      ],
      checks: [
        { name: 'price_ok', expression: 'price >= 0' },
        { name: undefined, expression: 'qty >= -1' }
      ]
    })
    t.strictSame(tableNamed(tables, 'owner').columns[0], column('id', 'integer', { autoincrement: true }), 'INTEGER PRIMARY KEY AUTOINCREMENT')
    t.strictSame(tableNamed(tables, 'kv').columns[0], column('k', 'text'), 'WITHOUT ROWID: a text key does not autoincrement')
    t.strictSame(tableNamed(tables, 'pairs').primaryKey, { name: undefined, columns: ['a', 'b'] })
    t.strictSame(tableNamed(tables, 'pairs').columns.map((c) => c.autoincrement), [false, false], 'a composite integer key is not the rowid')
    // Only "integer" makes the rowid; other key columns may even hold NULL in SQLite.
    t.strictSame(tableNamed(tables, 'big').columns[0], column('id', 'bigint', { nullable: true }), 'a bigint key is not the rowid')
  }, ['sqlite'])
})

t.test('a hand-written table equal to a model compares equal', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openDb(t, database, { Rating })
    await execute(db, [`CREATE TABLE rating (
      id INTEGER NOT NULL CONSTRAINT pk_rating PRIMARY KEY,
      kind varchar(1) NOT NULL CONSTRAINT ck_rating_kind_enum CHECK (kind IN ('b','a')),
      score NUMERIC(5, 1) NOT NULL DEFAULT '2.50',
      label VARCHAR(20) NOT NULL DEFAULT 'x' CONSTRAINT uq_rating_label UNIQUE,
      open BOOLEAN NOT NULL DEFAULT TRUE,
      at DATETIME NOT NULL DEFAULT (CURRENT_TIMESTAMP),
      parent_id INTEGER CONSTRAINT fk_rating_parent_id_rating REFERENCES rating ON DELETE CASCADE ON UPDATE NO ACTION,
      CONSTRAINT ck_rating_positive CHECK ((score > 0))
    )`])
    const [rating] = await dialect.introspector.introspect(db)
    t.strictSame(rating, expectedTable(registered(app.db.tables, 'rating'), dialect))
  }, ['sqlite'])
})
