import type { Static, TSchema } from 'typebox'
import { Column, type ColumnConfig } from './column.ts'

const base = { nullable: false, primaryKey: false } as const

function column<T> (config: Omit<ColumnConfig, 'nullable' | 'primaryKey'>): Column<T> {
  return new Column<T>({ ...base, ...config })
}

/** Element types an array column may hold (stored natively on PostgreSQL, as JSON elsewhere). */
export type ArrayElement = Column<number> | Column<string> | Column<boolean>

/**
 * The column types. Each returns a NOT NULL column; chain `.nullable()`, `.default()`, … on it.
 *
 * | builder | JS value | PostgreSQL | MySQL/MariaDB | SQLite |
 * |---|---|---|---|---|
 * | `integer()` | number | integer | int | INTEGER |
 * | `bigInteger()` | bigint | bigint | bigint | BIGINT (read as bigint) |
 * | `float()` | number | double precision | double | REAL |
 * | `numeric(p, s)` | string (exact) | numeric(p,s) | decimal(p,s) | NUMERIC |
 * | `boolean()` | boolean | boolean | tinyint(1) | BOOLEAN (0/1) |
 * | `string(n)` | string | varchar(n) | varchar(n) | VARCHAR(n) |
 * | `text()` | string | text | longtext | TEXT |
 * | `dateTime()` | Date | timestamp / timestamptz | datetime(3) | DATETIME (ISO text) |
 * | `date()` | string `YYYY-MM-DD` | date | date | DATE |
 * | `json(schema?)` | parsed value | jsonb | json | JSON (text) |
 * | `binary()` | Buffer | bytea | longblob | BLOB |
 * | `uuid()` | string | uuid | char(36) | TEXT |
 * | `enumeration([...])` | union of the values | varchar + CHECK | varchar + CHECK | VARCHAR + CHECK |
 * | `array(element)` | element[] | element[] | json | JSON (text) |
 *
 * @example
 * ```ts
 * import { c, defineModel } from 'fastify-orm'
 * export const Movie = defineModel('Movie', {
 *   id: c.integer().primaryKey(),
 *   title: c.string(200),
 *   year: c.integer().check('year >= 1888'),
 *   directors: c.array(c.string(100)),
 *   mpa: c.enumeration(['G', 'PG', 'PG-13', 'R']).nullable()
 * })
 * ```
 */
export const c = withUnknownTypeHint({
  /** A 32-bit integer. */
  integer: (): Column<number> => column({ kind: 'integer' }),
  /** A 64-bit integer, read as `bigint` so that no precision is lost. */
  bigInteger: (): Column<bigint> => column({ kind: 'bigInteger' }),
  /** A double-precision float. */
  float: (): Column<number> => column({ kind: 'float' }),
  /** An exact decimal, read as a string (JS numbers cannot hold it exactly). */
  numeric: (precision = 12, scale = 2): Column<string> => column({ kind: 'numeric', precision, scale }),
  boolean: (): Column<boolean> => column({ kind: 'boolean' }),
  /** A variable-length string of at most `length` characters (validated by the TypeBox schemas too). */
  string: (length = 255): Column<string> => column({ kind: 'string', length }),
  /** Unbounded text. */
  text: (): Column<string> => column({ kind: 'text' }),
  /** A point in time. `withTimezone` selects PostgreSQL's `timestamptz`. */
  dateTime: (options: { withTimezone?: boolean } = {}): Column<Date> =>
    column({ kind: 'dateTime', withTimezone: options.withTimezone ?? false }),
  /** A calendar date, exchanged as `'YYYY-MM-DD'` (no time zone to get wrong). */
  date: (): Column<string> => column({ kind: 'date' }),
  /** A JSON document; pass a TypeBox schema to type and validate it. */
  json: <S extends TSchema = TSchema>(schema?: S): Column<TSchema extends S ? unknown : Static<S>> =>
    column({ kind: 'json', jsonSchema: schema }),
  /** Bytes, read as a `Buffer`. */
  binary: (): Column<Buffer> => column({ kind: 'binary' }),
  /** A UUID string; `.default(() => crypto.randomUUID())` generates one per object. */
  uuid: (): Column<string> => column({ kind: 'uuid' }),
  /** One of a fixed list of strings (a CHECK constraint in the database). */
  enumeration: <const V extends readonly [string, ...string[]]>(values: V): Column<V[number]> =>
    column({ kind: 'enum', values, length: Math.max(...values.map((value) => value.length)) }),
  /** A list of integers, floats, booleans, strings or UUIDs. */
  array: <E extends ArrayElement>(element: E): Column<Array<E['_type']>> =>
    column({ kind: 'array', element: element.config })
})

/**
 * `c` with a clear error for a misspelt type in JavaScript (`c.strng(…)` would be "c.strng is
 * not a function"). Only model definitions read `c`, so the proxy costs nothing afterwards.
 */
function withUnknownTypeHint<T extends object> (types: T): T {
  const names = Object.keys(types).join(', ')
  return new Proxy(types, {
    get (target, property, receiver) {
      // Not thenable, and symbols (inspection, coercion) are left as they are.
      if (typeof property !== 'string' || property in target || property === 'then') return Reflect.get(target, property, receiver)
      return () => { throw new TypeError(`Unknown column type "${property}"; the column types are ${names}`) }
    }
  })
}
