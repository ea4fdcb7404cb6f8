// Every column type written through app.db.kysely and read back through selectFrom().selectAll()
// on every dialect: the JS value read is the one written (bigint, Date, Buffer, booleans,
// decimals as strings, arrays), also when the column is read through a join or an alias.
// What does not round-trip through raw Kysely (JSON strings and arrays on some dialects)
// is asserted as it is, so that a change of behaviour shows up here.
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import t, { type Test } from 'tap'
import { c, CheckViolationError, defineModel, type DatabaseOf, type DialectName } from '../../src/index.ts'
import { eachDb } from '../helpers/databases.ts'
import { buildReadyApp } from '../schema/support.ts'

const Sample = defineModel('Sample', {
  id: c.integer().primaryKey(),
  int: c.integer().nullable(),
  big: c.bigInteger().nullable(),
  real: c.float().nullable(),
  money: c.numeric(12, 2).nullable(),
  flag: c.boolean().nullable(),
  short: c.string(20).nullable(),
  long: c.text().nullable(),
  at: c.dateTime().nullable(),
  atTz: c.dateTime({ withTimezone: true }).nullable(),
  day: c.date().nullable(),
  doc: c.json().nullable(),
  bytes: c.binary().nullable(),
  uid: c.uuid().nullable(),
  rating: c.enumeration(['G', 'PG', 'PG-13', 'R']).nullable(),
  names: c.array(c.string(20)).nullable(),
  counts: c.array(c.integer()).nullable(),
  flags: c.array(c.boolean()).nullable()
}, { naming: 'snake_case' })

type DB = DatabaseOf<{ Sample: typeof Sample }>
type Row = typeof Sample.$row
type Column = Exclude<keyof DB['sample'], 'id'>

/** Writes one value into a new row and reads the row back. */
function roundTripper (db: Kysely<DB>) {
  let nextId = 0
  return {
    async write (column: Column, value: unknown): Promise<number> {
      const id = ++nextId
      await db.insertInto('sample').values({ id, [column]: value }).execute()
      return id
    },
    async read (id: number): Promise<Row> {
      const row = await db.selectFrom('sample').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
      // the Kysely row is keyed by column names; the model's row type by properties
      return { ...row, atTz: row.at_tz } as unknown as Row
    },
    async roundTrip (column: Column, value: unknown): Promise<unknown> {
      const row = await this.read(await this.write(column, value)) as Record<string, unknown>
      return row[column === 'at_tz' ? 'atTz' : column]
    }
  }
}

type Tripper = ReturnType<typeof roundTripper>

/** Each value must come back strictly equal (tap compares Dates, Buffers and bigints by value) and of the same JS type. */
async function expectSame (t: Test, trip: Tripper, column: Column, values: readonly unknown[]): Promise<void> {
  for (const value of values) {
    const read = await trip.roundTrip(column, value)
    t.strictSame(read, value, `${column}: ${describe(value)}`)
    t.equal(kindOf(read), kindOf(value), `${column}: ${describe(value)} reads back as ${kindOf(value)}`)
  }
  t.equal(await trip.roundTrip(column, null), null, `${column}: NULL stays null`)
}

function kindOf (value: unknown): string {
  if (value === null) return 'null'
  if (Buffer.isBuffer(value)) return 'Buffer'
  if (value instanceof Date) return 'Date'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

function describe (value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof Date) return value.toISOString()
  if (Buffer.isBuffer(value)) return `Buffer<${value.toString('hex')}>`
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? `${text.slice(0, 37)}…` : text
}

t.test('round trips', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await buildReadyApp(t, database, { models: { Sample } })
    await app.db.createAll()
    const db = app.db.kysely as unknown as Kysely<DB>
    const trip = roundTripper(db)
    const dialect = database.dialect

    await t.test('integer', (t) => expectSame(t, trip, 'int', [0, 1, -1, 2147483647, -2147483648]))

    await t.test('bigInteger: read as bigint, exact beyond 2^53', async (t) => {
      await expectSame(t, trip, 'big', [9007199254740993n, -9007199254740993n, 9223372036854775807n, -9223372036854775808n, 0n])
      t.equal(await trip.roundTrip('big', 42), 42n, 'a number written reads back as a bigint')
    })

    await t.test('float', (t) => expectSame(t, trip, 'real', [0, 3.141592653589793, -0.5, 1e300, 2.5e-300]))

    await t.test('numeric(12, 2): exact, read as a string with its scale', async (t) => {
      await expectSame(t, trip, 'money', ['1234.50', '0.00', '-0.01', '9999999999.99', '-9999999999.99'])
      t.equal(await trip.roundTrip('money', '7'), '7.00', 'the scale is filled in')
      t.equal(await trip.roundTrip('money', 12.5), '12.50', 'a number written reads back as a string')
    })

    await t.test('boolean: true/false, not 1/0', (t) => expectSame(t, trip, 'flag', [true, false]))

    await t.test('string(n)', (t) => expectSame(t, trip, 'short', ['', 'plain', 'héllo wörld ✓ 日本', '12345678901234567890', ' padded  ', 'O\'Rei "q" \\ b']))

    await t.test('string(n): a longer string', async (t) => {
      const long = 'x'.repeat(21)
      if (dialect === 'sqlite') {
        // SQLite does not enforce a declared length (the TypeBox schemas do, at the route).
        t.equal(await trip.roundTrip('short', long), long, 'SQLite stores it whole')
      } else {
        await t.rejects(trip.write('short', long), `${dialect} refuses it`)
      }
    })

    await t.test('text', (t) => expectSame(t, trip, 'long', ['', 'line 1\nline 2\ttab', '🙂 emoji and 𝄞', 'x'.repeat(100_000)]))

    await t.test('dateTime: the same instant, milliseconds kept', async (t) => {
      await expectSame(t, trip, 'at', [new Date('2024-02-29T13:45:56.789Z'), new Date('1999-12-31T23:59:59.999Z'), new Date('2038-01-19T03:14:08.001Z'), new Date(0)])
      const written = new Date('2024-02-29T13:45:56.789Z')
      if (dialect === 'mysql') {
        // MySQL/MariaDB parse no ISO 8601 'T…Z' text into a datetime: pass a Date through raw Kysely.
        await t.rejects(trip.write('at', written.toISOString()), 'MySQL: an ISO string written as it is is refused')
      } else {
        t.strictSame(await trip.roundTrip('at', written.toISOString()), written, 'an ISO string (UTC) written reads back as the Date')
      }
    })

    await t.test('dateTime withTimezone', (t) => expectSame(t, trip, 'at_tz', [new Date('2024-02-29T13:45:56.789Z'), new Date('2024-07-01T00:00:00.000Z')]))

    await t.test('date: stays the YYYY-MM-DD text', (t) => expectSame(t, trip, 'day', ['2024-02-29', '1999-12-31', '2038-01-19', '1000-01-01']))

    await t.test('binary: the same bytes in a Buffer', (t) =>
      expectSame(t, trip, 'bytes', [Buffer.from([0, 1, 2, 127, 128, 254, 255, 0]), Buffer.from('héllo'), Buffer.alloc(70_000, 7), Buffer.alloc(0)]))

    await t.test('uuid', (t) => expectSame(t, trip, 'uid', [randomUUID(), '00000000-0000-0000-0000-000000000000']))

    await t.test('enumeration', async (t) => {
      await expectSame(t, trip, 'rating', ['G', 'PG', 'PG-13', 'R'])
      await t.rejects(trip.write('rating', 'X'), CheckViolationError, 'a value outside the enumeration is refused by the CHECK')
    })

    await t.test('array of string', (t) => expectSame(t, trip, 'names', [['a', 'b'], [], ['with, comma', 'with "quotes"', 'with {braces}', 'NULL', ''], ['ünïcödé']]))
    await t.test('array of integer', (t) => expectSame(t, trip, 'counts', [[1, 2, 3], [], [-2147483648, 0, 2147483647]]))
    await t.test('array of boolean', (t) => expectSame(t, trip, 'flags', [[true, false, true], [], [false]]))

    await t.test('json', (t) => jsonRoundTrips(t, trip, dialect))

    await t.test('conversions apply through a join and aliases', async (t) => {
      const values = {
        id: 1000,
        big: 9007199254740993n,
        money: '1234.50',
        flag: true,
        at: new Date('2024-02-29T13:45:56.789Z'),
        day: '2024-02-29',
        doc: { a: [1, { b: null }] },
        bytes: Buffer.from([9, 8, 7]),
        names: ['x', 'y'],
        flags: [false, true]
      }
      await db.insertInto('sample').values(values).execute()
      await db.insertInto('sample').values({ id: 1001, flag: false, int: 1000 }).execute()
      const row = await db.selectFrom('sample as s')
        .innerJoin('sample as other', 'other.int', 's.id')
        .select([
          's.big as b', 's.money as m', 's.flag as f', 'other.flag as otherFlag', 's.at as when',
          's.day as d', 's.doc as j', 's.bytes as raw', 's.names as n', 's.flags as fs'
        ])
        .where('s.id', '=', 1000)
        .executeTakeFirstOrThrow()
      t.strictSame(row, {
        b: values.big,
        m: values.money,
        f: true,
        otherFlag: false,
        when: values.at,
        d: values.day,
        j: values.doc,
        raw: values.bytes,
        n: values.names,
        fs: values.flags
      })
    })
  })
})

/**
 * JSON through raw Kysely. What a JS value becomes depends on the driver, which does not
 * know the column is JSON:
 * - objects: written as JSON everywhere;
 * - arrays: MySQL and SQLite write JSON; pg writes a PostgreSQL array literal, which a
 *   jsonb column refuses — pass JSON.stringify(array) on PostgreSQL;
 * - strings: bound as text, which PostgreSQL and MySQL parse as JSON (so 'hello' is refused),
 *   and SQLite stores as it is (read back as it is unless it happens to be JSON text) —
 *   pass JSON.stringify(string);
 * - JSON.stringify(value) works for every value on every dialect;
 * - SQL NULL reads back as null; the JSON document `null` (written 'null') also reads as null.
 * The session (which knows the column types) is where values get encoded for the user.
 */
async function jsonRoundTrips (t: Test, trip: Tripper, dialect: DialectName): Promise<void> {
  const values: unknown[] = [
    { a: 1, b: 'two', c: [true, null, { d: 1.5 }] },
    [1, 'two', { three: 3 }],
    { deeply: { nested: { list: [[1, 2], [3, [4, { five: 5 }]]] } } },
    'hello',
    '',
    42,
    -1.25,
    true,
    false,
    [],
    {}
  ]
  for (const value of values) {
    t.strictSame(await trip.roundTrip('doc', JSON.stringify(value)), value, `JSON.stringify(${describe(value)}) reads back as the value`)
  }
  t.equal(await trip.roundTrip('doc', 'null'), null, 'the JSON document null reads back as null')
  t.equal(await trip.roundTrip('doc', null), null, 'SQL NULL reads back as null')

  const object = { a: 1, nested: { list: [1, 'two', null] } }
  t.strictSame(await trip.roundTrip('doc', object), object, 'an object written as it is reads back equal')

  const array = [1, 'two', { three: 3 }]
  if (dialect === 'postgres') {
    // Known limitation: pg sends a JS array as a PostgreSQL array literal ('{…}').
    await t.rejects(trip.write('doc', array), 'PostgreSQL: a JS array written as it is into jsonb is refused')
  } else {
    t.strictSame(await trip.roundTrip('doc', array), array, 'an array written as it is reads back equal')
  }

  const numbers = [42, -1.25]
  for (const number of numbers) {
    t.strictSame(await trip.roundTrip('doc', number), number, `the number ${number} written as it is reads back equal`)
  }

  if (dialect === 'sqlite') {
    // SQLite stores the text as it is; text that is not JSON is read back as it is.
    t.equal(await trip.roundTrip('doc', 'hello'), 'hello', 'SQLite: a plain string written as it is reads back as it is')
    t.equal(await trip.roundTrip('doc', '42'), 42, 'SQLite: … but a string that is JSON text reads back parsed')
    t.strictSame(await trip.roundTrip('doc', true), 1, 'SQLite: true written as it is is stored as 1 and reads back as 1')
  } else {
    await t.rejects(trip.write('doc', 'hello'), `${dialect}: a plain string written as it is is not JSON, and is refused`)
  }
}
