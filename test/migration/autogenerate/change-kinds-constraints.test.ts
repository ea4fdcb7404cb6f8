// One test per kind of change autogenerate detects, on every database: createAll a v1 set of
// models, change them (v2), and autogenerate must report exactly that change; the revision
// it renders must then take the database to v2 (nothing left to detect) and back to v1.
// This file: indexes, unique constraints, foreign keys and checks; change-kinds-tables.test.ts: the rest.
import t from 'tap'
import { c } from '../../../src/index.ts'
import { eachDb } from '../../helpers/databases.ts'
import { Director, insertMovie, movie, Movie } from './change-kinds-models.ts'
import { roundTrip } from './support.ts'

t.test('indexes: added, removed, and unique ones', async (t) => {
  await eachDb(t, async (t, database) => {
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
  await eachDb(t, async (t, database) => {
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
  await eachDb(t, async (t, database) => {
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
  await eachDb(t, async (t, database) => {
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
