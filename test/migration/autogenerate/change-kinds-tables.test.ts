// One test per kind of change autogenerate detects, on every database: createAll a v1 set of
// models, change them (v2), and autogenerate must report exactly that change; the revision
// it renders must then take the database to v2 (nothing left to detect) and back to v1.
// This file: tables and columns; change-kinds-constraints.test.ts: indexes, keys and checks.
import t from 'tap'
import { sql, type Kysely } from 'kysely'
import { c, defineModel } from '../../../src/index.ts'
import { eachDb, type TapTest as Tap } from '../../helpers/databases.ts'
import { insertMovie, movie, Movie, movieTitles } from './change-kinds-models.ts'
import { detect, openOrm, roundTrip } from './support.ts'

t.test('an added table, and a removed one (destructive)', async (t) => {
  const Review = defineModel('Review', {
    id: c.integer().primaryKey(),
    movieId: c.integer().references(() => Movie, { onDelete: 'cascade' }),
    stars: c.integer().serverDefault(3).check('stars >= 1 and stars <= 5'),
    text: c.text().nullable()
  }, { naming: 'snake_case', indexes: [{ columns: ['movieId', 'stars'] }] })
  await eachDb(t, async (t, database) => {
    await t.test('added', (t) => roundTrip(t, database, { v1: { Movie }, v2: { Movie, Review }, expected: ['+ create table review'] }))
    await t.test('removed', (t) => roundTrip(t, database, { v1: { Movie, Review }, v2: { Movie }, expected: ['- drop table review (destructive)'] }))
  })
})

t.test('tables no model declares are dropped, children first', async (t) => {
  const Review = defineModel('Review', { id: c.integer().primaryKey(), movieId: c.integer().references(() => Movie) }, { naming: 'snake_case' })
  await eachDb(t, async (t, database) => {
    await roundTrip(t, database, {
      v1: { Movie, Review },
      v2: {},
      expected: ['- drop table review (destructive)', '- drop table movie (destructive)']
    })
  })
})

t.test('new tables whose foreign keys form a cycle: the closing key is added after both exist', async (t) => {
  const Team = defineModel('Team', { id: c.integer().primaryKey(), captainId: c.integer().nullable().references('player.id') }, { naming: 'snake_case' })
  const Player = defineModel('Player', { id: c.integer().primaryKey(), teamId: c.integer().nullable().references(() => Team) }, { naming: 'snake_case' })
  await eachDb(t, async (t, database) => {
    await roundTrip(t, database, {
      v1: { Movie },
      v2: { Movie, Team, Player },
      expected: ['+ create table team', '+ create table player', '+ add foreign key fk_team_captain_id_player on team (captain_id) -> player (id)']
    })
  })
})

t.test('an added column, and a removed one (destructive); rows are kept', async (t) => {
  const WithMpa = movie({ mpa: c.string(10).nullable() })
  const verify = async (t: Tap, db: Kysely<unknown>): Promise<void> => { t.strictSame(await movieTitles(db), ['Alien'], 'the row is kept') }
  await eachDb(t, async (t, database) => {
    await t.test('added', (t) => roundTrip(t, database, { v1: { Movie }, v2: { Movie: WithMpa }, expected: ['+ add column movie.mpa'], seed: insertMovie, verify }))
    await t.test('removed', (t) => roundTrip(t, database, { v1: { Movie: WithMpa }, v2: { Movie }, expected: ['- drop column movie.mpa (destructive)'], seed: insertMovie, verify }))
  })
})

t.test('a type change: widening is safe, narrowing is destructive', async (t) => {
  const Longer = defineModel('Movie', { id: c.integer().primaryKey(), title: c.string(200), year: c.integer() })
  await eachDb(t, async (t, database) => {
    await roundTrip(t, database, { v1: { Movie }, v2: { Movie: Longer }, expected: ['~ alter column movie.title: type varchar(120) -> varchar(200)'], seed: insertMovie })
    const { app, db, dialect } = await openOrm(t, database, { Movie })
    await app.db.createAll()
    t.strictSame(await detect(db, dialect, { Movie: movie({ title: c.string(50) }) }),
      ['~ alter column movie.title: type varchar(120) -> varchar(50) (destructive)'], 'a shorter string may not hold every value')
  })
})

t.test('a nullability change', async (t) => {
  await eachDb(t, async (t, database) => {
    await roundTrip(t, database, {
      v1: { Movie },
      v2: { Movie: movie({ title: c.string(120).nullable() }) },
      expected: ['~ alter column movie.title: nullable false -> true'],
      seed: insertMovie
    })
  })
})

t.test('server default changes: added, changed, removed', async (t) => {
  await eachDb(t, async (t, database) => {
    const v1 = { Movie: movie({ rating: c.string(10).serverDefault('PG') }) }
    await t.test('added', (t) => roundTrip(t, database, {
      v1, v2: { Movie: movie({ rating: c.string(10).serverDefault('PG'), year: c.integer().serverDefault(2000) }) },
      expected: ['~ alter column movie.year: server default none -> 2000']
    }))
    await t.test('changed', (t) => roundTrip(t, database, {
      v1, v2: { Movie: movie({ rating: c.string(10).serverDefault('it\'s R') }) },
      expected: ['~ alter column movie.rating: server default \'PG\' -> \'it\'\'s R\'']
    }))
    await t.test('removed', (t) => roundTrip(t, database, {
      v1, v2: { Movie: movie({ rating: c.string(10) }) },
      expected: ['~ alter column movie.rating: server default \'PG\' -> none']
    }))
  })
})

t.test('renames are never guessed, and written as renames when declared', async (t) => {
  const Film = defineModel('Film', { id: c.integer().primaryKey(), name: c.string(120), year: c.integer().index() })
  const Renamed = defineModel('Movie', { id: c.integer().primaryKey(), title: c.string(120), year: c.integer().index() })
  const verify = async (t: Tap, db: Kysely<unknown>, state: 'up' | 'down'): Promise<void> => {
    const { rows } = await sql<{ name: string }>`select ${sql.ref(state === 'up' ? 'title' : 'name')} as name from ${sql.table(state === 'up' ? 'movie' : 'film')}`.execute(db)
    t.strictSame(rows, [{ name: 'Alien' }], `the row is kept (${state})`)
  }
  await eachDb(t, async (t, database) => {
    const { db, dialect } = await openOrm(t, database, {})
    await sql`create table film (id integer primary key, name varchar(120) not null)`.execute(db)
    t.strictSame(await detect(db, dialect, { Movie: Renamed }), ['- drop table film (destructive)', '+ create table movie'],
      'undeclared: a drop and a create')
    await sql`drop table film`.execute(db)

    await roundTrip(t, database, {
      v1: { Film },
      v2: { Movie: Renamed },
      renames: { tables: { film: 'movie' }, columns: { movie: { name: 'title' } } },
      // The index and the primary key keep their old names: the database renames the table,
      // not its constraints (MySQL names no primary key).
      expected: [
        '~ rename table film -> movie', '~ rename column movie.name -> title', '- drop index ix_film_year on movie (year)',
        ...database.dialect === 'mysql' ? [] : ['~ alter primary key movie: pk_film (id) -> pk_movie (id)'],
        '+ add index ix_movie_year on movie (year)'
      ],
      seed: async (db) => { await sql`insert into film (name, year) values (${'Alien'}, ${1979})`.execute(db) },
      verify
    })
  })
})
