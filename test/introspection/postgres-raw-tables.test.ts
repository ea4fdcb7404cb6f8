// PostgreSQL tables written by hand, in the spellings people use (serial, int4, bool,
// character varying, timestamp … without time zone, now(), unnamed constraints): the
// introspector reports them in the vocabulary of sqlType() with canonical defaults.
import t from 'tap'
import { expectedTable } from '../../src/migration/autogenerate/expected-schema.ts'
import { eachDb } from '../helpers/databases.ts'
import { column, execute, openDb, Rating, registered, tableNamed } from './support.ts'

t.test('usual PostgreSQL spellings are normalised', async (t) => {
  await eachDb(t, async (t, database) => {
    const { db, dialect } = await openDb(t, database)
    await execute(db, [
      'create table owner (id bigserial primary key, name text)',
      `create table gadget (
        id serial primary key,
        code character varying(20) default 'x' not null,
        price numeric(10,2) default 0,
        qty int4 default -1,
        flag bool default true,
        made timestamp(3) without time zone default now(),
        seen timestamp with time zone,
        tags text[] default '{}',
        ident int generated always as identity,
        owner_id bigint references owner on delete cascade,
        label char(3) default 'abc'::bpchar,
        unique (code),
        constraint gadget_price_check check (price >= 0),
        check (qty in (3, 1, 2)),
        check (qty between 0 and 10)
      )`,
      'create unique index gadget_lower_code on gadget (lower(code))',
      'create index gadget_made on gadget (made desc, qty)'
    ])
    const tables = await dialect.introspector.introspect(db)
    t.strictSame(tables.map((table) => table.name), ['gadget', 'owner'])
    t.strictSame(tableNamed(tables, 'gadget'), {
      name: 'gadget',
      columns: [
        column('id', 'integer', { autoincrement: true, identity: 'serial' }), // serial: its nextval() default is no default
        column('code', 'varchar(20)', { serverDefault: '\'x\'' }),
        column('price', 'numeric(10, 2)', { nullable: true, serverDefault: '0' }),
        column('qty', 'integer', { nullable: true, serverDefault: '-1' }),
        column('flag', 'boolean', { nullable: true, serverDefault: 'true' }),
        column('made', 'timestamp(3)', { nullable: true, serverDefault: 'CURRENT_TIMESTAMP' }),
        column('seen', 'timestamptz', { nullable: true }),
        column('tags', 'text[]', { nullable: true, serverDefault: '\'{}\'' }),
        column('ident', 'integer', { autoincrement: true, identity: 'always' }),
        column('owner_id', 'bigint', { nullable: true }),
        column('label', 'char(3)', { nullable: true, serverDefault: '\'abc\'' })
      ],
      primaryKey: { name: 'gadget_pkey', columns: ['id'] },
      uniques: [{ name: 'gadget_code_key', columns: ['code'] }],
      indexes: [
        // An expression index reports the expression as PostgreSQL prints it.
        { name: 'gadget_lower_code', columns: ['lower(code::text)'], unique: true },
        { name: 'gadget_made', columns: ['made', 'qty'], unique: false }
      ],
      foreignKeys: [
        { name: 'gadget_owner_id_fkey', columns: ['owner_id'], referencedTable: 'owner', referencedColumns: ['id'], onDelete: 'cascade', onUpdate: undefined }
      ],
      checks: [
        { name: 'gadget_price_check', expression: 'price >= 0' },
        { name: 'gadget_qty_check', expression: 'qty in (1, 2, 3)' }, // stored as = ANY (ARRAY[…])
        // PostgreSQL rewrites BETWEEN; that rewrite is reported, not undone.
        { name: 'gadget_qty_check1', expression: 'qty >= 0 and qty <= 10' }
      ]
    })
    t.strictSame(tableNamed(tables, 'owner').columns[0], column('id', 'bigint', { autoincrement: true, identity: 'serial' }), 'bigserial')
  }, ['postgres'])
})

t.test('a hand-written table equal to a model compares equal', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openDb(t, database, { Rating })
    await execute(db, [`CREATE TABLE rating (
      id serial CONSTRAINT pk_rating PRIMARY KEY,
      kind character varying(1) NOT NULL,
      score numeric(5,1) NOT NULL DEFAULT 2.50,
      label character varying(20) NOT NULL DEFAULT 'x'::character varying,
      "open" boolean NOT NULL DEFAULT TRUE,
      at timestamp without time zone NOT NULL DEFAULT now(),
      parent_id int4 NULL,
      CONSTRAINT uq_rating_label UNIQUE (label),
      CONSTRAINT fk_rating_parent_id_rating FOREIGN KEY (parent_id) REFERENCES rating (id) ON DELETE CASCADE ON UPDATE NO ACTION,
      CONSTRAINT ck_rating_kind_enum CHECK (kind = ANY (ARRAY['b', 'a'])),
      CONSTRAINT ck_rating_positive CHECK ((score > (0)::numeric))
    )`])
    const [rating] = await dialect.introspector.introspect(db)
    const expected = expectedTable(registered(app.db.tables, 'rating'), dialect)
    // A serial reports its kind; a model that declares none is in sync with any (compare takes the live one).
    t.strictSame(rating, { ...expected, columns: expected.columns.map((column) => column.name === 'id' ? { ...column, identity: 'serial' } : column) })
  }, ['postgres'])
})
