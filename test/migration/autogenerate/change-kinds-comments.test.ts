// Comments on tables and columns, as in change-kinds-constraints.test.ts: createAll v1,
// autogenerate must report exactly the change against v2, and the revision it renders must
// take the database to v2 and back to v1. SQLite keeps no comments: nothing to report there.
import t from 'tap'
import { sql, type Kysely } from 'kysely'
import { c } from '../../../src/index.ts'
import { eachDb, type TapTest, type TestDatabase } from '../../helpers/databases.ts'
import { offlineContext } from '../operations/support.ts'
import { insertMovie, movie, Movie, movieTitles } from './change-kinds-models.ts'
import { openOrm, roundTrip, runRevision, writeRevision } from './support.ts'

const keepsRows = async (t: TapTest, db: Kysely<unknown>, state: 'up' | 'down'): Promise<void> => {
  t.strictSame(await movieTitles(db), ['Alien'], `the row is kept (${state})`)
}

/** The lines `expected`, or none on SQLite, which keeps no comments. */
const onCommentingDatabases = (database: TestDatabase, expected: string[]): string[] => database.dialect === 'sqlite' ? [] : expected

t.test('column comments: added, changed (with a quote), removed, and with a type change', async (t) => {
  const titled = (comment: string) => movie({ title: c.string(120).comment(comment) })
  await eachDb(t, async (t, database) => {
    await t.test('added', (t) => roundTrip(t, database, {
      v1: { Movie }, v2: { Movie: titled('The title') }, expected: onCommentingDatabases(database, ['~ comment on column movie.title: none -> \'The title\'']), seed: insertMovie, verify: keepsRows
    }))
    await t.test('changed', (t) => roundTrip(t, database, {
      v1: { Movie: titled('The title') }, v2: { Movie: titled('The film\'s title') },
      expected: onCommentingDatabases(database, ['~ comment on column movie.title: \'The title\' -> \'The film\'\'s title\'']), seed: insertMovie, verify: keepsRows
    }))
    await t.test('removed', (t) => roundTrip(t, database, {
      v1: { Movie: titled('The title') }, v2: { Movie }, expected: onCommentingDatabases(database, ['~ comment on column movie.title: \'The title\' -> none']), seed: insertMovie, verify: keepsRows
    }))
    await t.test('with a type change: the comment stays', (t) => roundTrip(t, database, {
      v1: { Movie: titled('The title') }, v2: { Movie: movie({ title: c.string(200).comment('The title') }) },
      expected: ['~ alter column movie.title: type varchar(120) -> varchar(200)'], seed: insertMovie, verify: keepsRows
    }))
  })
})

t.test('table comments: added, changed, removed', async (t) => {
  await eachDb(t, async (t, database) => {
    await t.test('added', (t) => roundTrip(t, database, {
      v1: { Movie }, v2: { Movie: movie({}, { comment: 'Films' }) }, expected: onCommentingDatabases(database, ['~ comment on table movie: none -> \'Films\'']), seed: insertMovie, verify: keepsRows
    }))
    await t.test('changed', (t) => roundTrip(t, database, {
      v1: { Movie: movie({}, { comment: 'Films' }) }, v2: { Movie: movie({}, { comment: 'Movies' }) },
      expected: onCommentingDatabases(database, ['~ comment on table movie: \'Films\' -> \'Movies\''])
    }))
    await t.test('removed', (t) => roundTrip(t, database, {
      v1: { Movie: movie({}, { comment: 'Films' }) }, v2: { Movie }, expected: onCommentingDatabases(database, ['~ comment on table movie: \'Films\' -> none'])
    }))
  })
})

t.test('a created table and an added column carry their comments', async (t) => {
  const Commented = movie({ title: c.string(120).comment('The title'), mpa: c.string(5).nullable().comment('Rating') }, { comment: 'Films' })
  await eachDb(t, async (t, database) => {
    await t.test('created table', (t) => roundTrip(t, database, {
      v1: {}, v2: { Movie: Commented }, expected: ['+ create table movie']
    }))
    await t.test('dropped table: down creates it with its comments', (t) => roundTrip(t, database, {
      v1: { Movie: Commented }, v2: {}, expected: ['- drop table movie (destructive)']
    }))
    await t.test('added column', (t) => roundTrip(t, database, {
      v1: { Movie }, v2: { Movie: movie({ mpa: c.string(5).nullable().comment('Rating') }) }, expected: ['+ add column movie.mpa'], seed: insertMovie, verify: keepsRows
    }))
  })
})

t.test('createAll writes the comments where the database keeps them', async (t) => {
  await eachDb(t, async (t, database) => {
    await roundTrip(t, database, {
      v1: { Movie: movie({ title: c.string(120).comment('it\'s a \\ title') }, { comment: 'Films' }) },
      v2: { Movie: movie({ title: c.string(120).comment('it\'s a \\ title') }, { comment: 'Films' }) },
      expected: [],
      seed: async (db) => {
        if (database.dialect === 'sqlite') return
        const query = database.dialect === 'postgres'
          ? sql<{ comment: string }>`select col_description('movie'::regclass, 2) as comment`
          : sql<{ comment: string }>`select column_comment as comment from information_schema.columns where table_schema = database() and table_name = 'movie' and column_name = 'title'`
        const { rows } = await query.execute(db)
        t.strictSame(rows, [{ comment: 'it\'s a \\ title' }], 'the comment is stored as written')
      }
    })
  })
})

t.test('a column comment change prints under --sql: MySQL rewrites the column with the model\'s declaration', async (t) => {
  const titled = movie({ title: c.string(120).comment('The title') })
  const OFFLINE = {
    postgres: { up: ['comment on column "movie"."title" is \'The title\''], down: ['comment on column "movie"."title" is null'] },
    mysql: {
      up: ['alter table `movie` modify column `title` varchar(120) not null comment \'The title\''],
      down: ['alter table `movie` modify column `title` varchar(120) not null']
    }
  }
  await eachDb(t, async (t, database) => {
    if (database.dialect === 'sqlite') return
    const operations = await roundTrip(t, database, {
      v1: { Movie }, v2: { Movie: titled }, expected: ['~ comment on column movie.title: none -> \'The title\''], seed: insertMovie, verify: keepsRows
    })
    const { module, source } = await writeRevision(t, operations)
    t.match(source, "await op.setComment('movie', 'title', 'The title', c.string(120))", 'the revision carries the column\'s declaration')
    t.match(source, "await op.setComment('movie', 'title', null, c.string(120))")
    const up = offlineContext(database.dialect)
    await module.up(up.context)
    const down = offlineContext(database.dialect)
    await module.down(down.context)
    t.strictSame({ up: up.recorder.statements, down: down.recorder.statements }, OFFLINE[database.dialect])
  }, ['postgres', 'mysql'])
})

t.test('MySQL: a hand-written op.setComment without a declaration still reads the live column when connected', async (t) => {
  await eachDb(t, async (t, database) => {
    const { app, db, dialect } = await openOrm(t, database, { Movie: movie({ title: c.string(120).serverDefault('untitled') }) })
    await app.db.createAll()
    await runRevision(db, dialect, ({ op }) => op.setComment('movie', 'title', 'The title'))
    const { rows } = await sql<{ comment: string, fallback: string }>`
      select column_comment as comment, column_default as fallback from information_schema.columns
      where table_schema = database() and table_name = 'movie' and column_name = 'title'`.execute(db)
    t.strictSame(rows, [{ comment: 'The title', fallback: '\'untitled\'' }], 'the comment is set and the rest of the column kept')
    await app.db.dropAll()
  }, ['mysql'])
})
