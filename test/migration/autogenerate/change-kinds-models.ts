// The models the change-kind tests start from (not a test file itself).
import { sql, type Kysely } from 'kysely'
import { c, defineModel } from '../../../src/index.ts'

/** A Movie model: id, title varchar(120), year, plus `columns` (which may replace those). */
export const movie = (columns: Parameters<typeof defineModel>[1] = {}, options: Parameters<typeof defineModel>[2] = {}) => defineModel('Movie', {
  id: c.integer().primaryKey(),
  title: c.string(120),
  year: c.integer(),
  ...columns
}, options)

export const Movie = movie()
export const Director = defineModel('Director', { id: c.integer().primaryKey(), name: c.string(80) })

export async function insertMovie (db: Kysely<unknown>): Promise<void> {
  await sql`insert into movie (title, year) values (${'Alien'}, ${1979})`.execute(db)
}

export async function movieTitles (db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ title: string }>`select title from movie order by id`.execute(db)
  return rows.map((row) => row.title)
}
