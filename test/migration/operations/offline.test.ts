// `upgrade --sql`: the operations only record SQL. PostgreSQL and MySQL never read the
// database, and their script runs as it is; SQLite's rebuilds need the live table, so they
// refuse with an error that says to run the upgrade against the database.
import { sql } from 'kysely'
import t from 'tap'
import { c, defineModel, MigrationError, type MigrationContext } from '../../../src/index.ts'
import { expectedTable } from '../../../src/migration/autogenerate/expected-schema.ts'
import { eachDb } from '../../helpers/databases.ts'
import { openDb, tableNamed } from '../../introspection/support.ts'
import { contextDialect, offlineContext, tableOf } from './support.ts'

async function everyOperation ({ op, t: types }: MigrationContext): Promise<void> {
  await op.alterColumn('film', 'title', c.string(120).serverDefault('untitled'))
  await op.dropColumn('film', 'note')
  await op.dropIndex('film', 'ix_film_year')
  await op.addUnique('film', 'uq_film_code', ['code'])
  await op.dropUnique('film', 'uq_film_code')
  await op.addForeignKey('film', 'fk_film_studio_id_studio', ['studio_id'], 'studio', ['id'], { onDelete: 'cascade' })
  await op.dropForeignKey('film', 'fk_film_studio_id_studio')
  await op.addCheck('film', 'ck_film_rating_enum', types.enumCheck('rating', ['G', 'PG']))
  await op.dropCheck('film', 'ck_film_rating_enum')
  await op.alterPrimaryKey('film', { name: 'pk_film', columns: ['id'] }, { name: 'pk_film', columns: ['id', 'code'] })
  await op.setComment('film', null, 'Films')
}

t.test('PostgreSQL: every operation is recorded without reading the database', async (t) => {
  const { context, recorder } = offlineContext('postgres')
  await everyOperation(context)
  t.strictSame(recorder.statements, [
    // A generated column made ordinary keeps its values; an ordinary one is left as it is.
    'alter table "film" alter column "title" drop expression if exists',
    // An identity column would refuse DROP DEFAULT; without one this changes nothing.
    'alter table "film" alter column "title" drop identity if exists',
    'alter table "film" alter column "title" drop default, alter column "title" type varchar(120) using "title"::varchar, alter column "title" set not null, alter column "title" set default \'untitled\'',
    'comment on column "film"."title" is null',
    'alter table "film" drop column "note"',
    'drop index "ix_film_year"',
    'alter table "film" add constraint "uq_film_code" unique ("code")',
    'alter table "film" drop constraint "uq_film_code"',
    'alter table "film" add constraint "fk_film_studio_id_studio" foreign key ("studio_id") references "studio" ("id") on delete cascade',
    'alter table "film" drop constraint "fk_film_studio_id_studio"',
    'alter table "film" add constraint "ck_film_rating_enum" check ("rating" in (\'G\', \'PG\'))',
    'alter table "film" drop constraint "ck_film_rating_enum"',
    'alter table "film" drop constraint "pk_film", add constraint "pk_film" primary key ("id", "code")',
    'comment on table "film" is \'Films\''
  ])
})

t.test('MySQL: every operation is recorded without reading the database', async (t) => {
  const { context, recorder } = offlineContext('mysql')
  await everyOperation(context)
  t.strictSame(recorder.statements, [
    'alter table `film` modify column `title` varchar(120) default \'untitled\' not null',
    'alter table `film` drop column `note`',
    'drop index `ix_film_year` on `film`',
    'alter table `film` add constraint `uq_film_code` unique (`code`)',
    'drop index `uq_film_code` on `film`',
    'alter table `film` add constraint `fk_film_studio_id_studio` foreign key (`studio_id`) references `studio` (`id`) on delete cascade',
    'alter table `film` drop foreign key `fk_film_studio_id_studio`',
    'alter table `film` add constraint `ck_film_rating_enum` check (`rating` in (\'G\', \'PG\'))',
    'alter table `film` drop constraint `ck_film_rating_enum`',
    'alter table `film` drop primary key, add primary key (`id`, `code`)',
    'alter table `film` comment = \'Films\''
  ])
})

t.test('SQLite: a rebuild cannot be printed; what ALTER TABLE can do is', async (t) => {
  const { context, recorder } = offlineContext('sqlite')
  const { op, t: types } = context
  const refusal = (operation: string): MigrationError => new MigrationError(
    `--sql cannot render op.${operation} on SQLite table "film": SQLite needs a table rebuild for it, which reads the live table. ` +
    'Run the upgrade (or downgrade) against the database instead, without --sql.')
  await t.rejects(op.alterColumn('film', 'title', c.string(120)), refusal('alterColumn'))
  await t.rejects(op.addUnique('film', 'uq_film_code', ['code']), refusal('addUnique'))
  await t.rejects(op.dropUnique('film', 'uq_film_code'), refusal('dropUnique'))
  await t.rejects(op.addForeignKey('film', 'fk', ['studio_id'], 'studio', ['id']), refusal('addForeignKey'))
  await t.rejects(op.dropForeignKey('film', 'fk'), refusal('dropForeignKey'))
  await t.rejects(op.addCheck('film', 'ck', types.enumCheck('rating', ['G'])), refusal('addCheck'))
  await t.rejects(op.dropCheck('film', 'ck'), refusal('dropCheck'))
  await op.dropColumn('film', 'note')
  await op.dropIndex('film', 'ix_film_year')
  t.strictSame(recorder.statements, ['alter table "film" drop column "note"', 'drop index "ix_film_year"'], 'nothing read, nothing else written')
})

const Studio = defineModel('Studio', { id: c.integer().primaryKey(), name: c.string(50) })
const Film = defineModel('Film', {
  id: c.integer().primaryKey(),
  title: c.string(50),
  rating: c.string(2).nullable(),
  studioId: c.integer().nullable()
}, { naming: 'snake_case' })
const Changed = defineModel('Film', {
  id: c.integer().primaryKey(),
  title: c.string(120).serverDefault('untitled'),
  rating: c.enumeration(['G', 'PG']).nullable().unique(),
  studioId: c.integer().nullable().references(() => Studio, { onDelete: 'cascade' })
}, { naming: 'snake_case' })

t.test('the printed script runs on the database and makes the same schema', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db } = await openDb(t, database, { Studio, Film })
    await app.db.createAll()
    const { context, recorder } = offlineContext(database.dialect)
    await context.op.alterColumn('film', 'title', c.string(120).serverDefault('untitled'))
    await context.op.addUnique('film', 'uq_film_rating', ['rating'])
    await context.op.addForeignKey('film', 'fk_film_studio_id_studio', ['studio_id'], 'studio', ['id'], { onDelete: 'cascade' })
    await context.op.addCheck('film', 'ck_film_rating_enum', context.t.enumCheck('rating', ['G', 'PG']))
    for (const statement of recorder.statements) await sql.raw(statement).execute(db)
    const dialect = contextDialect(database.dialect)
    t.strictSame(tableNamed(await dialect.introspector.introspect(db), 'film'), expectedTable(tableOf(Changed, { Studio }), dialect))
  }, ['postgres', 'mysql'])
})

t.test('a column comment with the column\'s declaration: MySQL rewrites the column offline; PostgreSQL and SQLite ignore the declaration', async (t) => {
  const declaration = c.string(120).serverDefault('untitled').comment('ignored: the third argument is the comment')
  const recorded = async (name: 'sqlite' | 'postgres' | 'mysql', withDeclaration: boolean): Promise<string[]> => {
    const { context, recorder } = offlineContext(name)
    await context.op.setComment('film', 'title', 'The title', withDeclaration ? declaration : undefined)
    await context.op.setComment('film', 'title', null, withDeclaration ? declaration : undefined)
    return recorder.statements
  }
  t.strictSame(await recorded('mysql', true), [
    'alter table `film` modify column `title` varchar(120) default \'untitled\' not null comment \'The title\'',
    'alter table `film` modify column `title` varchar(120) default \'untitled\' not null'
  ], 'MySQL: MODIFY COLUMN with the declaration and the comment (none when removed)')
  t.strictSame(await recorded('postgres', true), await recorded('postgres', false), 'PostgreSQL: the same COMMENT ON either way')
  t.strictSame(await recorded('postgres', true), ['comment on column "film"."title" is \'The title\'', 'comment on column "film"."title" is null'])
  t.strictSame(await recorded('sqlite', true), [], 'SQLite: nothing, either way')
  t.strictSame(await recorded('sqlite', false), [])
  await t.rejects(recorded('mysql', false), new MigrationError(
    '--sql cannot render op.setComment on MySQL column `film`.`title` without the column\'s declaration: MySQL changes a column\'s comment ' +
    'with its whole definition, which only the live table holds. Pass the column as it stands as the fourth argument, ' +
    'op.setComment(\'film\', \'title\', …, c.string(120)) (its type, nullability and server default), ' +
    'or run the upgrade (or downgrade) against the database instead.'), 'MySQL without a declaration: says what to pass')
})
