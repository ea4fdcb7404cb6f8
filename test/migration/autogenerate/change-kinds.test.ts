// One test per kind of change autogenerate detects, on every database: createAll a v1 set of
// models, change them (v2), and autogenerate must report exactly that change; the revision
// it renders must then take the database to v2 (nothing left to detect) and back to v1.
import t from 'tap'
import { sql, type Kysely } from 'kysely'
import { c, defineModel } from '../../../src/index.ts'
import { eachDatabase, type TapTest as Tap } from '../../helpers/databases.ts'
import { detect, openOrm, roundTrip } from './support.ts'

const movie = (columns: Parameters<typeof defineModel>[1] = {}, options: Parameters<typeof defineModel>[2] = {}) => defineModel('Movie', {
  id: c.integer().primaryKey(),
  title: c.string(120),
  year: c.integer(),
  ...columns
}, options)

const Movie = movie()
const Director = defineModel('Director', { id: c.integer().primaryKey(), name: c.string(80) })

async function insertMovie (db: Kysely<unknown>): Promise<void> {
  await sql`insert into movie (title, year) values (${'Alien'}, ${1979})`.execute(db)
}

async function movieTitles (db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ title: string }>`select title from movie order by id`.execute(db)
  return rows.map((row) => row.title)
}

t.test('an added table, and a removed one (destructive)', async (t) => {
  const Review = defineModel('Review', {
    id: c.integer().primaryKey(),
    movieId: c.integer().references(() => Movie, { onDelete: 'cascade' }),
    stars: c.integer().serverDefault(3).check('stars >= 1 and stars <= 5'),
    text: c.text().nullable()
  }, { naming: 'snake_case', indexes: [{ columns: ['movieId', 'stars'] }] })
  await eachDatabase(t, async (t, database) => {
    await t.test('added', (t) => roundTrip(t, database, { v1: { Movie }, v2: { Movie, Review }, expected: ['+ create table review'] }))
    await t.test('removed', (t) => roundTrip(t, database, { v1: { Movie, Review }, v2: { Movie }, expected: ['- drop table review (destructive)'] }))
  })
})

t.test('tables no model declares are dropped, children first', async (t) => {
  const Review = defineModel('Review', { id: c.integer().primaryKey(), movieId: c.integer().references(() => Movie) }, { naming: 'snake_case' })
  await eachDatabase(t, async (t, database) => {
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
  await eachDatabase(t, async (t, database) => {
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
  await eachDatabase(t, async (t, database) => {
    await t.test('added', (t) => roundTrip(t, database, { v1: { Movie }, v2: { Movie: WithMpa }, expected: ['+ add column movie.mpa'], seed: insertMovie, verify }))
    await t.test('removed', (t) => roundTrip(t, database, { v1: { Movie: WithMpa }, v2: { Movie }, expected: ['- drop column movie.mpa (destructive)'], seed: insertMovie, verify }))
  })
})

t.test('a type change: widening is safe, narrowing is destructive', async (t) => {
  const Longer = defineModel('Movie', { id: c.integer().primaryKey(), title: c.string(200), year: c.integer() })
  await eachDatabase(t, async (t, database) => {
    await roundTrip(t, database, { v1: { Movie }, v2: { Movie: Longer }, expected: ['~ alter column movie.title: type varchar(120) -> varchar(200)'], seed: insertMovie })
    const { app, db, dialect } = await openOrm(t, database, { Movie })
    await app.db.createAll()
    t.strictSame(await detect(db, dialect, { Movie: movie({ title: c.string(50) }) }),
      ['~ alter column movie.title: type varchar(120) -> varchar(50) (destructive)'], 'a shorter string may not hold every value')
  })
})

t.test('a nullability change', async (t) => {
  await eachDatabase(t, async (t, database) => {
    await roundTrip(t, database, {
      v1: { Movie },
      v2: { Movie: movie({ title: c.string(120).nullable() }) },
      expected: ['~ alter column movie.title: nullable false -> true'],
      seed: insertMovie
    })
  })
})

t.test('server default changes: added, changed, removed', async (t) => {
  await eachDatabase(t, async (t, database) => {
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

t.test('indexes: added, removed, and unique ones', async (t) => {
  await eachDatabase(t, async (t, database) => {
    await t.test('added', (t) => roundTrip(t, database, {
      v1: { Movie }, v2: { Movie: movie({ year: c.integer().index() }) }, expected: ['+ add index ix_movie_year on movie (year)']
    }))
    await t.test('removed', (t) => roundTrip(t, database, {
      v1: { Movie: movie({ year: c.integer().index() }) }, v2: { Movie }, expected: ['- drop index ix_movie_year on movie (year)']
    }))
    await t.test('a unique index', (t) => roundTrip(t, database, {
      v1: { Movie },
      v2: { Movie: movie({}, { indexes: [{ columns: ['title', 'year'], unique: true }] }) },
      expected: ['+ add unique index uq_movie_title_year on movie (title, year)']
    }))
  })
})

t.test('unique constraints: added and removed', async (t) => {
  await eachDatabase(t, async (t, database) => {
    await t.test('added', (t) => roundTrip(t, database, {
      v1: { Movie }, v2: { Movie: movie({ title: c.string(120).unique() }) }, expected: ['+ add unique constraint uq_movie_title on movie (title)'], seed: insertMovie
    }))
    await t.test('removed', (t) => roundTrip(t, database, {
      v1: { Movie: movie({}, { unique: [['title', 'year']] }) }, v2: { Movie }, expected: ['- drop unique constraint uq_movie_title_year on movie (title, year)'], seed: insertMovie
    }))
  })
})

t.test('foreign keys: added, removed, and changed actions', async (t) => {
  const plain = movie({ directorId: c.integer().nullable() }, { naming: 'snake_case' })
  const linked = movie({ directorId: c.integer().nullable().references(() => Director, { onDelete: 'set null' }) }, { naming: 'snake_case' })
  const cascading = movie({ directorId: c.integer().nullable().references(() => Director, { onDelete: 'cascade' }) }, { naming: 'snake_case' })
  const fk = 'fk_movie_director_id_director on movie (director_id) -> director (id)'
  await eachDatabase(t, async (t, database) => {
    await t.test('added', (t) => roundTrip(t, database, {
      v1: { Director, Movie: plain }, v2: { Director, Movie: linked }, expected: [`+ add foreign key ${fk} on delete set null`], seed: insertMovie
    }))
    await t.test('removed', (t) => roundTrip(t, database, {
      v1: { Director, Movie: linked }, v2: { Director, Movie: plain }, expected: [`- drop foreign key ${fk} on delete set null`], seed: insertMovie
    }))
    await t.test('changed: a drop and an add', (t) => roundTrip(t, database, {
      v1: { Director, Movie: linked }, v2: { Director, Movie: cascading }, expected: [`- drop foreign key ${fk} on delete set null`, `+ add foreign key ${fk} on delete cascade`]
    }))
  })
})

t.test('checks: added, removed, and an enumeration\'s values changed', async (t) => {
  await eachDatabase(t, async (t, database) => {
    await t.test('added', (t) => roundTrip(t, database, {
      v1: { Movie }, v2: { Movie: movie({ year: c.integer().check('year >= 1888') }) }, expected: ['+ add check ck_movie_year on movie: year >= 1888'], seed: insertMovie
    }))
    await t.test('removed', (t) => roundTrip(t, database, {
      v1: { Movie: movie({}, { checks: { recent: 'year > 1900' } }) }, v2: { Movie }, expected: ['- drop check ck_movie_recent on movie: year > 1900']
    }))
    await t.test('enumeration values', (t) => roundTrip(t, database, {
      v1: { Movie: movie({ mpa: c.enumeration(['G', 'PG']).nullable() }) },
      v2: { Movie: movie({ mpa: c.enumeration(['G', 'PG', 'R']).nullable() }) },
      expected: ['- drop check ck_movie_mpa_enum on movie: mpa in (\'G\', \'PG\')', '+ add check ck_movie_mpa_enum on movie: mpa in (\'G\', \'PG\', \'R\')']
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
  await eachDatabase(t, async (t, database) => {
    const { db, dialect } = await openOrm(t, database, {})
    await sql`create table film (id integer primary key, name varchar(120) not null)`.execute(db)
    t.strictSame(await detect(db, dialect, { Movie: Renamed }), ['- drop table film (destructive)', '+ create table movie'],
      'undeclared: a drop and a create')
    await sql`drop table film`.execute(db)

    await roundTrip(t, database, {
      v1: { Film },
      v2: { Movie: Renamed },
      renames: { tables: { film: 'movie' }, columns: { movie: { name: 'title' } } },
      // The index keeps its old name: the database renames the table, not its indexes.
      expected: ['~ rename table film -> movie', '~ rename column movie.name -> title', '- drop index ix_film_year on movie (year)', '+ add index ix_movie_year on movie (year)'],
      seed: async (db) => { await sql`insert into film (name, year) values (${'Alien'}, ${1979})`.execute(db) },
      verify
    })
  })
})
