// Which type changes are labelled destructive, on every database: only those that can lose
// data or fail on stored rows. Widening an enumeration (its varchar grows to the longest
// value, its CHECK accepts more) is as safe as widening a string; removing a value is not.
import t from 'tap'
import { c } from '../../../src/index.ts'
import { eachDb } from '../../helpers/databases.ts'
import { movie } from './change-kinds-models.ts'
import { autogenerate } from '../../../src/migration/autogenerate/autogenerate.ts'
import { detect, openOrm, roundTrip, tablesOf, writeRevision } from './support.ts'

const check = (values: string[]): string => values.length === 1 ? `mpa = '${values[0]}'` : `mpa in (${values.map((value) => `'${value}'`).join(', ')})`

t.test('an enumeration that gains a longer value widens its varchar: not destructive, and the revision keeps rows', async (t) => {
  await eachDb(t, async (t, database) => {
    const v1 = { Movie: movie({ mpa: c.enumeration(['a', 'b']).nullable() }) }
    const v2 = { Movie: movie({ mpa: c.enumeration(['a', 'b', 'ccc']).nullable() }) }
    const operations = await roundTrip(t, database, {
      v1,
      v2,
      expected: [
        `- drop check ck_movie_mpa_enum on movie: ${check(['a', 'b'])}`,
        '~ alter column movie.mpa: type varchar(1) -> varchar(3)',
        `+ add check ck_movie_mpa_enum on movie: ${check(['a', 'b', 'ccc'])}`
      ]
    })
    const { source } = await writeRevision(t, operations)
    t.match(source, '// ~ alter column movie.mpa: type varchar(3) -> varchar(1) (destructive)', 'down narrows back: destructive')
    t.match(source, `// + add check ck_movie_mpa_enum on movie: ${check(['a', 'b'])} (destructive)`, 'down removes a value: destructive')
    t.notMatch(source, '// ~ alter column movie.mpa: type varchar(1) -> varchar(3) (destructive)', 'up is not')
  })
})

t.test('an enumeration that loses a value is destructive, even when its varchar keeps its length', async (t) => {
  await eachDb(t, async (t, database) => {
    await roundTrip(t, database, {
      v1: { Movie: movie({ mpa: c.enumeration(['G', 'PG', 'R']).nullable() }) },
      v2: { Movie: movie({ mpa: c.enumeration(['G', 'PG']).nullable() }) },
      expected: [
        `- drop check ck_movie_mpa_enum on movie: ${check(['G', 'PG', 'R'])}`,
        `+ add check ck_movie_mpa_enum on movie: ${check(['G', 'PG'])} (destructive)`
      ]
    })
    const { app, db, dialect } = await openOrm(t, database, { Movie: movie({ mpa: c.enumeration(['a', 'ccc']).nullable() }) })
    await app.db.createAll()
    t.strictSame(await detect(db, dialect, { Movie: movie({ mpa: c.enumeration(['a']).nullable() }) }), [
      `- drop check ck_movie_mpa_enum on movie: ${check(['a', 'ccc'])}`,
      '~ alter column movie.mpa: type varchar(3) -> varchar(1) (destructive)',
      `+ add check ck_movie_mpa_enum on movie: ${check(['a'])} (destructive)`
    ], 'a shorter enumeration narrows its varchar and its values')
    const result = await autogenerate(db, dialect, tablesOf({ Movie: movie({ mpa: c.enumeration(['a']).nullable() }) }))
    t.strictSame(result.changes.map((change) => change.destructive), [false, true, true], 'the flag agrees with the label')
    await app.db.dropAll()
  })
})

t.test('numbers: integer to bigint and more digits widen; the reverse narrows', async (t) => {
  await eachDb(t, async (t, database) => {
    const narrow = { Movie: movie({ year: c.integer(), price: c.numeric(10, 2) }) }
    const wide = { Movie: movie({ year: c.bigInteger(), price: c.numeric(12, 3) }) }
    const { app, db, dialect } = await openOrm(t, database, narrow)
    await app.db.createAll()
    const widened = await detect(db, dialect, wide)
    t.equal(widened.length, 2, 'both columns change')
    t.notOk(widened.some((line) => line.endsWith('(destructive)')), `widening: ${widened.join('; ')}`)
    await app.db.dropAll()

    const other = await openOrm(t, database, wide)
    await other.app.db.createAll()
    const narrowed = await detect(other.db, other.dialect, narrow)
    t.equal(narrowed.length, 2, 'both columns change')
    t.ok(narrowed.every((line) => line.endsWith('(destructive)')), `narrowing: ${narrowed.join('; ')}`)
    await other.app.db.dropAll()
  })
})
