// MySQL/MariaDB tables written by hand, in the spellings people use (int(11), bool,
// current_timestamp(), json, unnamed foreign keys): display widths dropped, MariaDB's JSON
// recognised, indexes MySQL adds for foreign keys left out, unique indexes reported as
// unique keys (MySQL makes no difference).
import { sql } from 'kysely'
import t from 'tap'
import { expectedTable } from '../../src/migration/autogenerate/expected-schema.ts'
import { eachDb } from '../helpers/databases.ts'
import { column, execute, openDb, Rating, registered, tableNamed } from './support.ts'

t.test('usual MySQL spellings are normalised', async (t) => {
  await eachDb(t, async (t, database) => {
    const { db, dialect } = await openDb(t, database)
    await execute(db, [
      'create table owner (id int(11) not null auto_increment primary key, name text)',
      `create table gadget (
        id int(11) not null auto_increment,
        code varchar(20) not null default 'x',
        price decimal(10,2) default 0.00,
        qty integer default -1,
        flag bool default true,
        made datetime default current_timestamp(),
        stamp datetime(3) default current_timestamp(3),
        doc json,
        note varchar(10) default 'a\\\\b',
        owner_id int,
        other_id int,
        primary key (id),
        unique key code_unique (code),
        key other_idx (other_id, qty),
        foreign key (owner_id) references owner(id) on delete set null,
        constraint fk_other foreign key (other_id) references owner(id) on update no action,
        constraint qty_range check (qty >= -1),
        constraint qty_set check (qty in (3,1,2))
      )`,
      'create unique index made_unique on gadget (made)',
      'create index price_idx on gadget (price)'
    ])
    const tables = await dialect.introspector.introspect(db)
    t.strictSame(tables.map((table) => table.name), ['gadget', 'owner'])
    t.strictSame(tableNamed(tables, 'gadget'), {
      name: 'gadget',
      columns: [
        column('id', 'int', { autoincrement: true }),
        column('code', 'varchar(20)', { serverDefault: '\'x\'' }),
        column('price', 'decimal(10, 2)', { nullable: true, serverDefault: '0' }),
        column('qty', 'int', { nullable: true, serverDefault: '-1' }),
        column('flag', 'tinyint(1)', { nullable: true, serverDefault: 'true' }),
        column('made', 'datetime', { nullable: true, serverDefault: 'CURRENT_TIMESTAMP' }),
        column('stamp', 'datetime(3)', { nullable: true, serverDefault: 'CURRENT_TIMESTAMP(3)' }),
        column('doc', 'json', { nullable: true }),
        column('note', 'varchar(10)', { nullable: true, serverDefault: '\'a\\b\'' }),
        column('owner_id', 'int', { nullable: true }),
        column('other_id', 'int', { nullable: true })
      ],
      primaryKey: { name: undefined, columns: ['id'] },
      uniques: [{ name: 'code_unique', columns: ['code'] }, { name: 'made_unique', columns: ['made'] }],
      indexes: [
        { name: 'other_idx', columns: ['other_id', 'qty'], unique: false },
        { name: 'price_idx', columns: ['price'], unique: false }
      ],
      foreignKeys: [
        { name: 'fk_other', columns: ['other_id'], referencedTable: 'owner', referencedColumns: ['id'], onDelete: undefined, onUpdate: undefined },
        { name: 'gadget_ibfk_1', columns: ['owner_id'], referencedTable: 'owner', referencedColumns: ['id'], onDelete: 'set null', onUpdate: undefined }
      ],
      checks: [
        { name: 'qty_range', expression: 'qty >= -1' },
        { name: 'qty_set', expression: 'qty in (1, 2, 3)' }
      ]
    })
    // The unnamed foreign key got an index named after its column, which is not reported.
    const { rows } = await sql<{ name: string }>`select distinct index_name as name from information_schema.statistics
      where table_schema = database() and table_name = 'gadget' order by index_name`.execute(db)
    t.ok(rows.some((row) => row.name === 'owner_id'), 'MySQL did add an index for the unnamed foreign key')
  }, ['mysql'])
})

t.test('a hand-written table equal to a model compares equal', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openDb(t, database, { Rating })
    await execute(db, [`CREATE TABLE rating (
      id int(11) NOT NULL AUTO_INCREMENT,
      kind varchar(1) NOT NULL,
      score decimal(5,1) NOT NULL DEFAULT 2.5,
      label varchar(20) NOT NULL DEFAULT 'x',
      \`open\` bool NOT NULL DEFAULT TRUE,
      at datetime(3) NOT NULL DEFAULT current_timestamp(3),
      parent_id int(11) DEFAULT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_rating_label (label),
      CONSTRAINT fk_rating_parent_id_rating FOREIGN KEY (parent_id) REFERENCES rating (id) ON DELETE CASCADE ON UPDATE RESTRICT,
      CONSTRAINT ck_rating_kind_enum CHECK (kind in ('b','a')),
      CONSTRAINT ck_rating_positive CHECK (score > 0)
    )`])
    const [rating] = await dialect.introspector.introspect(db)
    t.strictSame(rating, expectedTable(registered(app.db.tables, 'rating'), dialect))
  }, ['mysql'])
})
