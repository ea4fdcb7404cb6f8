// The hostile inputs of fuzz.test.ts (not a test file itself: only *.test.ts files run) and
// what each one must give. Cases are generated from tables — fields × values — and every
// expectation is derived, never written case by case:
// - a body the route schema rejects is predicted by compiling that schema with the same
//   Ajv setup the example app ends up with (bodies built from model schemas taken as sent:
//   no type coercion, no property silently removed; coercion for params), so the
//   prediction follows the app instead of restating it;
// - a body the schema accepts is then checked against what the column can hold: a NUL byte
//   (PostgreSQL cannot store one in text), an integer outside the 32-bit range of
//   c.integer(), a string longer than c.string(n). Such input must be refused with a 400
//   naming the column, before any SQL is sent, the same way on every dialect;
// - anything else must be stored and read back exactly as sent.
import AjvCompiler from '@fastify/ajv-compiler'
import type { TSchema } from 'typebox'
import { IdParams, MovieBody, MoviePatch, NewEmployee, NewPost, NewUser, ProfileBody } from '../../example-app/schemas.ts'

/** Fastify's default bodyLimit: a larger body is a legitimate 413. */
export const BODY_LIMIT = 1024 * 1024
const INT_MIN = -2147483648
const INT_MAX = 2147483647

/** The codes a refused value may carry: the library's own check, or the route schema's. */
export const REFUSED_CODES = ['ORM_INVALID_VALUE', 'FST_ERR_VALIDATION'] as const

/** What a request must answer. Every answer must also be < 500, in Fastify's error form when ≥ 400, and equal on every dialect. */
export type Expectation =
  /** 2xx, and every column sent reads back exactly as sent. */
  | { readonly kind: 'stored' }
  /** Either stored verbatim, or refused like `rejected` with REFUSED_CODES (a lone surrogate has no UTF-8 form). */
  | { readonly kind: 'storedOrRejected', readonly names: readonly string[] }
  /** 400 with one of `codes`, the message naming one of `names` (a property or a column). */
  | { readonly kind: 'rejected', readonly names: readonly string[], readonly codes: readonly string[] }
  /** Exactly this status (and code, and a message naming one of `names`, when given). */
  | { readonly kind: 'status', readonly status: number, readonly code?: string, readonly names?: readonly string[] }
  /** A lookup by a value the column could never hold: 404, or refused like `rejected` with REFUSED_CODES. */
  | { readonly kind: 'notFoundOrRejected', readonly names: readonly string[] }
  /** Nothing beyond the general rules (and the same answer on every dialect). */
  | { readonly kind: 'any' }

/** How a 2xx is verified by reading the row back. */
export type ReadBack = 'movie-create' | 'movie-patch' | 'user-create' | 'profile' | 'post-create' | 'employee-create' | 'none'

/** One request of the fuzz run. */
export interface FuzzCase {
  /** Unique, deterministic, the same on every dialect: how results are compared. */
  readonly key: string
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  readonly url: string
  /** The JSON text sent, as written (so that -0, 1e400 and 9007199254740993 arrive unrounded). */
  readonly body?: string
  readonly expect: Expectation
  readonly readBack: ReadBack
  /** The body after the route schema ran, when it passed: what must be stored. */
  readonly effective?: Record<string, unknown>
  /** The columns of the route's table that the body writes, for reading back. */
  readonly columns: readonly Column[]
}

/** A body property that ends up in a column. */
export interface Column {
  readonly prop: string
  /** What an error about it may call it: property name, column name, the body field. */
  readonly names: readonly string[]
  readonly kind: 'string' | 'integer' | 'boolean' | 'stringArray'
  /** c.string(n); undefined for c.text(). For stringArray: of each element. */
  readonly maxLength?: number
  /** A CHECK (column >= min). */
  readonly checkMin?: number
}

/** A hostile value as JSON text; `json` undefined means the property is left out. */
export interface FuzzValue {
  readonly name: string
  readonly json?: string
}

const text = (name: string, value: string): FuzzValue => ({ name, json: JSON.stringify(value) })
const raw = (name: string, json: string): FuzzValue => ({ name, json })
const MISSING: FuzzValue = { name: 'missing' }

/** Strings that are hostile whatever the column: NUL, control, unicode, SQL, prototype names. */
export const HOSTILE_STRINGS: ReadonlyArray<readonly [string, string]> = [
  ['plain', 'Plain value'],
  ['empty', ''],
  ['whitespace', ' \t\r\n '],
  ['nul', 'a\u0000b'],
  ['nul only', '\u0000'],
  ['nul trailing', 'abc\u0000'],
  ['control chars', '\u0001\u0007\u001b[31mred\u007f'],
  ['emoji', '🎬🍿 👩‍👩‍👧‍👦 🇫🇷'],
  ['rtl', 'שלום مرحبا \u202egnp.exe'],
  ['combining marks', 'Z\u0351\u036b\u0343a\u0301\u0308\u030ao\u0489'],
  ['nfd', 'Cafe\u0301'],
  ['zero width', '\ufeffa\u200bb\u200dc\u2028\u2029'],
  ['noncharacters', '\ufdd0\ufffe\uffff'],
  ['lone high surrogate', 'a\ud800b'],
  ['lone low surrogate', '\udfff'],
  ['sql or', "' or 1=1 --"],
  ['sql drop', '"; drop table movie; --'],
  ['sql drop quoted', "'); drop table \"user\"; --"],
  ['sql backslash', "\\'; select 1; -- \\"],
  ['sql like', '%_\\%'],
  ['sql comment', '/* x */ # -- '],
  ['json text', '{"$gt": ""}'],
  ['html', '<script>alert(1)</script>'],
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['toString', 'toString']
]

/** Length edges of a c.string(n) (or of c.text() when n is undefined), 1 MB strings and a body over Fastify's limit. */
function lengthValues (maxLength: number | undefined): FuzzValue[] {
  const values: FuzzValue[] = []
  if (maxLength !== undefined) {
    values.push(
      text(`${maxLength} chars (the limit)`, 'x'.repeat(maxLength)),
      text(`${maxLength + 1} chars`, 'x'.repeat(maxLength + 1)),
      text(`${maxLength} emoji (the limit in code points)`, '😀'.repeat(maxLength)),
      text(`${maxLength + 1} accented letters`, 'é'.repeat(maxLength + 1)),
      text(`${maxLength} chars ending in nul`, `${'x'.repeat(maxLength - 1)}\u0000`)
    )
  }
  values.push(
    text('1 MB', 'x'.repeat(1_000_000)),
    text('1 MB of emoji', '😀'.repeat(240_000)),
    text('1 MB with a nul', `${'x'.repeat(999_999)}\u0000`),
    text('over the body limit', 'x'.repeat(BODY_LIMIT + 1))
  )
  return values
}

const WRONG_TYPES_FOR_STRING: FuzzValue[] = [
  raw('null', 'null'), raw('number', '42'), raw('boolean', 'true'), raw('array', '["x"]'),
  raw('empty array', '[]'), raw('object', '{"x":"y"}'), raw('empty object', '{}'), MISSING
]

/** Every value of a string property. */
export function stringValues (maxLength: number | undefined): FuzzValue[] {
  return [...HOSTILE_STRINGS.map(([name, value]) => text(name, value)), ...lengthValues(maxLength), ...WRONG_TYPES_FOR_STRING]
}

/** Huge, odd and non-numbers, as JSON text. */
export const HOSTILE_INTEGERS: readonly FuzzValue[] = [
  raw('2000', '2000'), raw('1888', '1888'), raw('1887', '1887'), raw('int max', '2147483647'),
  raw('int max + 1', '2147483648'), raw('int min', '-2147483648'), raw('int min - 1', '-2147483649'),
  raw('2^32', '4294967296'), raw('2^53 - 1', '9007199254740991'), raw('2^53 + 1', '9007199254740993'),
  raw('20 digits', '99999999999999999999'), raw('1e23', '1e23'), raw('1e308', '1e308'), raw('-1e308', '-1e308'),
  raw('1e400 (Infinity)', '1e400'), raw('-0', '-0'), raw('0', '0'), raw('-1', '-1'), raw('1.5', '1.5'),
  raw('2000.0', '2000.0'), raw('2e3', '2e3'), raw('2000.0000000000001', '2000.0000000000001'),
  raw('"2000"', '"2000"'), raw('"NaN"', '"NaN"'), raw('"Infinity"', '"Infinity"'), raw('"0x7d0"', '"0x7d0"'),
  raw('" 2000"', '" 2000"'), raw('null', 'null'), raw('true', 'true'), raw('[2000]', '[2000]'), raw('{}', '{}'), MISSING
]

const HOSTILE_BOOLEANS: readonly FuzzValue[] = [
  raw('true', 'true'), raw('false', 'false'), raw('"true"', '"true"'), raw('1', '1'), raw('0', '0'),
  raw('null', 'null'), raw('[]', '[]'), raw('{}', '{}'), MISSING
]

/** Whole-array values of an array-of-strings property. */
const HOSTILE_ARRAYS: readonly FuzzValue[] = [
  raw('[]', '[]'), raw('two', '["A","B"]'), raw('duplicates', '["dup","dup"]'),
  raw('500 elements', JSON.stringify(Array.from({ length: 500 }, (_, i) => `e${i}`))),
  raw('null', 'null'), raw('string', '"A"'), raw('object', '{"0":"A"}'), raw('[null]', '[null]'), raw('[1]', '[1]'),
  raw('[[]]', '[[]]'), raw('[{}]', '[{}]'), raw('[["A"]]', '[["A"]]'), MISSING
]

const WRONG_TYPES_FOR_ELEMENT: readonly FuzzValue[] = [raw('null', 'null'), raw('number', '1'), raw('object', '{}'), raw('array', '[]')]

/** Every value of one element of an array-of-strings property (sent as a one-element array). */
function elementValues (maxLength: number): FuzzValue[] {
  return [...HOSTILE_STRINGS.map(([name, value]) => text(name, value)), ...lengthValues(maxLength), ...WRONG_TYPES_FOR_ELEMENT]
}

/** A fuzzed body property: `prop`, or one element of it (`element`). */
interface Field {
  readonly prop: string
  readonly element?: boolean
  readonly names: readonly string[]
  readonly values: readonly FuzzValue[]
}

interface BodyRoute {
  readonly method: 'POST' | 'PUT' | 'PATCH'
  readonly url: string
  readonly schema: TSchema
  readonly columns: readonly Column[]
  readonly fields: readonly Field[]
  /** A valid body; `n` makes unique values unique. */
  readonly base: (n: number) => Record<string, unknown>
  readonly readBack: ReadBack
  /** A route rule beyond the columns (a manager that does not exist → 404). */
  readonly extra?: (body: Record<string, unknown>) => Expectation | undefined
}

/** The ids of the rows every dialect creates first, in the same order (so they are equal). */
export interface Seeds {
  readonly movie: number
  readonly movieToDelete: number
  readonly user: number
  readonly userToDelete: number
  readonly username: string
  readonly email: string
  readonly employee: number
}

// The column tables of the example's models (example-app/models.ts).
const MOVIE_COLUMNS: readonly Column[] = [
  { prop: 'title', names: ['title'], kind: 'string', maxLength: 200 },
  { prop: 'year', names: ['year'], kind: 'integer', checkMin: 1888 },
  { prop: 'directors', names: ['directors'], kind: 'stringArray', maxLength: 100 },
  { prop: 'theatre', names: ['theatre'], kind: 'boolean' },
  { prop: 'mpa', names: ['mpa'], kind: 'string', maxLength: 10 }
]

function movieFields (): Field[] {
  return [
    { prop: 'title', names: ['title'], values: stringValues(200) },
    { prop: 'year', names: ['year'], values: HOSTILE_INTEGERS },
    { prop: 'directors', names: ['directors'], values: HOSTILE_ARRAYS },
    { prop: 'directors', element: true, names: ['directors'], values: elementValues(100) },
    { prop: 'theatre', names: ['theatre'], values: HOSTILE_BOOLEANS },
    { prop: 'mpa', names: ['mpa'], values: stringValues(10) }
  ]
}

const PASSWORD_PADDING = ' (padded)'
const PASSWORD_STRINGS = new Set(['nul', 'emoji', 'lone high surrogate', 'sql or', '__proto__'])

function bodyRoutes (seeds: Seeds): BodyRoute[] {
  return [
    {
      method: 'POST',
      url: '/movies',
      schema: MovieBody,
      columns: MOVIE_COLUMNS,
      fields: movieFields(),
      base: (n) => ({ title: `Movie ${n}`, year: 2000, directors: ['Director'] }),
      readBack: 'movie-create'
    },
    {
      method: 'PATCH',
      url: `/movies/${seeds.movie}`,
      schema: MoviePatch,
      columns: MOVIE_COLUMNS,
      fields: movieFields(),
      base: () => ({}),
      readBack: 'movie-patch'
    },
    {
      method: 'POST',
      url: '/users',
      schema: NewUser,
      columns: [
        { prop: 'username', names: ['username'], kind: 'string', maxLength: 64 },
        { prop: 'email', names: ['email'], kind: 'string', maxLength: 120 }
      ],
      fields: [
        { prop: 'username', names: ['username'], values: stringValues(64) },
        {
          prop: 'email',
          names: ['email'],
          values: [
            ...stringValues(120),
            ...HOSTILE_STRINGS.map(([name, value]) => text(`${name}@example.com`, `${value}@example.com`)),
            text("o'reilly@example.com", "o'reilly@example.com"),
            text('120-char address (the limit)', `${'e'.repeat(108)}@example.com`),
            text('121-char address', `${'e'.repeat(109)}@example.com`)
          ]
        },
        // The password is only hashed (scrypt, slow on purpose): a few of the strings, padded to its minLength, are enough.
        {
          prop: 'password',
          names: ['password'],
          values: [
            ...HOSTILE_STRINGS.filter(([name]) => PASSWORD_STRINGS.has(name)).map(([name, value]) => text(name, value + PASSWORD_PADDING)),
            ...lengthValues(200), ...WRONG_TYPES_FOR_STRING, text('7 chars', '1234567')
          ]
        }
      ],
      base: (n) => ({ username: `fuzz-user-${n}`, email: `fuzz-user-${n}@example.com`, password: 'fuzz password' }),
      readBack: 'user-create'
    },
    {
      method: 'PUT',
      url: `/users/${seeds.user}/profile`,
      schema: ProfileBody,
      columns: [{ prop: 'bio', names: ['bio'], kind: 'string' }],
      fields: [{ prop: 'bio', names: ['bio'], values: stringValues(undefined) }],
      base: () => ({ bio: 'Bio' }),
      readBack: 'profile'
    },
    {
      method: 'POST',
      url: `/users/${seeds.user}/posts`,
      schema: NewPost,
      columns: [
        { prop: 'title', names: ['title'], kind: 'string', maxLength: 100 },
        { prop: 'body', names: ['body'], kind: 'string' },
        // Tag names go to tag.name (c.string(50)).
        { prop: 'tags', names: ['name', 'tags'], kind: 'stringArray', maxLength: 50 }
      ],
      fields: [
        { prop: 'title', names: ['title'], values: stringValues(100) },
        { prop: 'body', names: ['body'], values: stringValues(undefined) },
        { prop: 'tags', names: ['tags'], values: HOSTILE_ARRAYS },
        { prop: 'tags', element: true, names: ['name', 'tags'], values: elementValues(50) }
      ],
      base: (n) => ({ title: `Post ${n}`, body: 'Body', tags: [] }),
      readBack: 'post-create'
    },
    {
      method: 'POST',
      url: '/employees',
      schema: NewEmployee,
      columns: [
        { prop: 'name', names: ['name'], kind: 'string', maxLength: 100 },
        { prop: 'managerId', names: ['managerId', 'manager_id'], kind: 'integer' }
      ],
      fields: [
        { prop: 'name', names: ['name'], values: stringValues(100) },
        { prop: 'managerId', names: ['managerId', 'manager_id'], values: [raw('the seed manager', String(seeds.employee)), ...HOSTILE_INTEGERS] }
      ],
      base: (n) => ({ name: `Employee ${n}` }),
      readBack: 'employee-create',
      extra: (body) => body.managerId !== undefined && body.managerId !== null && body.managerId !== seeds.employee
        ? { kind: 'status', status: 404, code: 'ORM_NOT_FOUND' }
        : undefined
    }
  ]
}

// The app's validators: bodies exact (fastify-orm's check of model-schema bodies), params and
// query strings coerced (Fastify's defaults).
const compilers = AjvCompiler()
const bodyCompiler = compilers({}, { customOptions: { coerceTypes: false, removeAdditional: false } })
const paramsCompiler = compilers({}, { customOptions: {} })
const validators = new Map<TSchema, (data: unknown) => boolean>()

function validator (schema: TSchema, part: 'body' | 'params'): (data: unknown) => boolean {
  let validate = validators.get(schema)
  if (validate === undefined) {
    const compiled = (part === 'body' ? bodyCompiler : paramsCompiler)({ schema, method: 'POST', url: '/', httpPart: part })
    validate = (data) => compiled(data) === true
    validators.set(schema, validate)
  }
  return validate
}

/** The number of code points, as Ajv's maxLength and the databases' varchar(n) count. */
const codePoints = (value: string): number => [...value].length
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** What the database rules say about a body the route schema accepted. */
function predictColumns (columns: readonly Column[], body: Record<string, unknown>): Expectation {
  const refuse = (column: Column): Expectation => ({ kind: 'rejected', names: column.names, codes: REFUSED_CODES })
  let surrogate: Column | undefined
  for (const column of columns) {
    const value = body[column.prop]
    if (value === undefined || value === null) continue
    const strings = column.kind === 'stringArray' ? value as unknown[] : column.kind === 'string' ? [value] : []
    for (const element of strings) {
      if (typeof element !== 'string') continue
      if (element.includes('\u0000')) return refuse(column)
      if (column.maxLength !== undefined && codePoints(element) > column.maxLength) return refuse(column)
      if (LONE_SURROGATE.test(element)) surrogate ??= column
    }
    if (column.kind === 'integer' && typeof value === 'number' && (value < INT_MIN || value > INT_MAX)) return refuse(column)
  }
  for (const column of columns) {
    const value = body[column.prop]
    if (column.checkMin !== undefined && typeof value === 'number' && value < column.checkMin) {
      return { kind: 'status', status: 400, code: 'ORM_CHECK_VIOLATION', names: column.names }
    }
  }
  return surrogate === undefined ? { kind: 'stored' } : { kind: 'storedOrRejected', names: surrogate.names }
}

function bodyCase (route: BodyRoute, key: string, bodyText: string, names: readonly string[]): FuzzCase {
  const common = { key: `${route.method} ${route.url} ${key}`, method: route.method, url: route.url, body: bodyText, readBack: route.readBack, columns: route.columns }
  if (Buffer.byteLength(bodyText) > BODY_LIMIT) {
    return { ...common, expect: { kind: 'status', status: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' } }
  }
  // Fastify's JSON parser refuses a "__proto__" key, and a "constructor" holding a "prototype", anywhere
  // (onProtoPoisoning and onConstructorPoisoning: 'error').
  if (/"__proto__"\s*:|"constructor"\s*:\s*\{\s*"prototype"\s*:/.test(bodyText)) {
    return { ...common, expect: { kind: 'status', status: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' } }
  }
  const parsed: unknown = JSON.parse(bodyText)
  if (!validator(route.schema, 'body')(parsed)) {
    return { ...common, expect: { kind: 'rejected', names, codes: ['FST_ERR_VALIDATION'] } }
  }
  const body = parsed as Record<string, unknown>
  const byColumns = predictColumns(route.columns, body)
  const expect = byColumns.kind === 'stored' || byColumns.kind === 'storedOrRejected' ? route.extra?.(body) ?? byColumns : byColumns
  return { ...common, expect, effective: body }
}

/** The cases, after checking that no two share a key (the key is what is compared across dialects). */
function unique (cases: FuzzCase[]): FuzzCase[] {
  const seen = new Set<string>()
  for (const { key } of cases) {
    if (seen.has(key)) throw new Error(`two fuzz cases share the key ${key}`)
    seen.add(key)
  }
  return cases
}

const PLACEHOLDER = '\u0001FUZZ\u0001'
const PLACEHOLDER_JSON = JSON.stringify(PLACEHOLDER)

/** The JSON text of `base` with `value` (JSON text, kept as written) at `prop`, or in a one-element array there. */
function withValue (base: Record<string, unknown>, field: Field, value: FuzzValue): string {
  const body: Record<string, unknown> = { ...base }
  if (value.json === undefined) {
    delete body[field.prop]
    return JSON.stringify(body)
  }
  body[field.prop] = field.element ? [PLACEHOLDER] : PLACEHOLDER
  return JSON.stringify(body).replace(PLACEHOLDER_JSON, () => value.json as string)
}

/** Every body case: each route × each field × each value, then whole-body and prototype cases. */
export function bodyCases (seeds: Seeds): FuzzCase[] {
  const cases: FuzzCase[] = []
  let n = 0
  for (const route of bodyRoutes(seeds)) {
    for (const field of route.fields) {
      for (const value of field.values) {
        n++
        const label = field.element ? `${field.prop}[0]` : field.prop
        cases.push(bodyCase(route, `${label}=${value.name}`, withValue(route.base(n), field, value), field.names))
      }
    }
    // The body as a whole: not an object, empty, extra and prototype keys, a duplicated key.
    const prepend = (base: string, member: string): string => base === '{}' ? `{${member}}` : `{${member},${base.slice(1)}`
    const whole: Array<[string, (base: string) => string]> = [
      ['whole body=null', () => 'null'],
      ['whole body=[]', () => '[]'],
      ['whole body="string"', () => '"string"'],
      ['whole body=42', () => '42'],
      ['whole body={}', () => '{}'],
      ['whole body=[valid body]', (base) => `[${base}]`],
      ['extra key "__proto__"', (base) => prepend(base, '"__proto__":{"polluted":"yes"}')],
      ['nested "__proto__"', (base) => prepend(base, '"extra":{"__proto__":{"polluted":"yes"}}')],
      ['extra key "constructor" with a "prototype"', (base) => prepend(base, '"constructor":{"prototype":{"polluted":"yes"}}')],
      ['extra key "constructor"', (base) => prepend(base, '"constructor":"x"')],
      ['extra key "prototype"', (base) => prepend(base, '"prototype":{"polluted":"yes"}')],
      ['extra key with a nul', (base) => prepend(base, '"ti\\u0000tle":"x"')],
      ['extra key "timestamp" (an invalid date)', (base) => prepend(base, '"timestamp":"2024-02-30T25:61:00Z"')],
      ['extra key "createdAt" (an invalid date)', (base) => prepend(base, '"createdAt":"not a date"')],
      ['extra key "id" (int max + 1)', (base) => prepend(base, '"id":2147483648')]
    ]
    for (const [label, make] of whole) {
      n++
      cases.push(bodyCase(route, label, make(JSON.stringify(route.base(n))), ['body', ...route.columns.map((column) => column.prop)]))
    }
    // A hidden value: of two equal keys, JSON.parse keeps the second.
    const first = route.columns.find((column) => column.kind === 'string')
    if (first !== undefined) {
      n++
      const { [first.prop]: _replaced, ...rest } = route.base(n)
      const duplicated = prepend(JSON.stringify(rest), `"${first.prop}":"visible","${first.prop}":"hidden\\u0000value"`)
      cases.push(bodyCase(route, `duplicated key "${first.prop}", the second with a nul`, duplicated, first.names))
    }
  }
  return unique(cases)
}

/** Raw path segments for :id. */
export const ID_SEGMENTS: readonly string[] = [
  '2147483647', '2147483648', '-2147483648', '-2147483649', '4294967297', '9007199254740993', '99999999999999999999',
  '1e23', '1e308', '1e400', 'Infinity', 'NaN', 'abc', '-1', '0', '-0', '1.5', '0x7fffffff', '%202147483647',
  '2147483647%00', '%00', '%27%20or%201%3D1%20--', '1%3B%20drop%20table%20movie', '__proto__', 'constructor',
  '%F0%9F%8E%AC', '%ED%A0%80', '%FF', '1'.repeat(100)
]

const ID_ROUTES: ReadonlyArray<readonly ['GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, Record<string, unknown>?]> = [
  ['GET', '/movies/:id'],
  ['PATCH', '/movies/:id', { mpa: 'R' }],
  ['DELETE', '/movies/:id'],
  ['GET', '/users/:id'],
  ['PUT', '/users/:id/profile', { bio: 'x' }],
  ['POST', '/users/:id/posts', { title: 'T', body: 'B', tags: [] }],
  ['GET', '/users/:id/posts'],
  ['DELETE', '/users/:id'],
  ['GET', '/employees/:id']
]

function decoded (segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/** Every route with an :id × every hostile id. None of them may name a seed row. */
export function idCases (seeds: Seeds): FuzzCase[] {
  const existing = new Set([seeds.movie, seeds.movieToDelete, seeds.user, seeds.userToDelete, seeds.employee])
  const cases: FuzzCase[] = []
  for (const [method, path, body] of ID_ROUTES) {
    for (const segment of ID_SEGMENTS) {
      const url = path.replace(':id', segment)
      const value = decoded(segment)
      let expect: Expectation
      if (value === undefined) {
        expect = { kind: 'status', status: 400 }
      } else {
        const params: { id: unknown } = { id: value }
        if (validator(IdParams, 'params')(params)) {
          const id = params.id as number
          if (existing.has(id)) throw new Error(`${segment} names a seed row`)
          // Ajv lets Infinity through (integer, and the maximum) and the key column cannot hold it.
          expect = id >= INT_MIN && id <= INT_MAX ? { kind: 'status', status: 404, code: 'ORM_NOT_FOUND' } : { kind: 'notFoundOrRejected', names: ['id'] }
        } else {
          expect = { kind: 'rejected', names: ['id'], codes: ['FST_ERR_VALIDATION'] }
        }
      }
      cases.push({ key: `${method} ${url}`, method, url, ...(body === undefined ? {} : { body: JSON.stringify(body) }), expect, readBack: 'none', columns: [] })
    }
  }
  return unique(cases)
}

/** GET /tags/:name/posts with hostile names, before any tag exists but the seed's. */
export function tagCases (): FuzzCase[] {
  const names: Array<[string, string]> = []
  for (const value of [...HOSTILE_STRINGS.map(([name, value]) => text(name, value)), ...lengthValues(50)]) {
    const name = JSON.parse(value.json as string) as string
    let segment: string
    try {
      segment = encodeURIComponent(name)
    } catch {
      continue // a lone surrogate has no URL form; the raw bytes below stand for it
    }
    if (segment.length <= 100) names.push([value.name, segment]) // longer is Fastify's maxParamLength (a route 404)
  }
  names.push(['invalid utf-8 (a surrogate)', '%ED%A0%80'], ['invalid utf-8', '%FF'], ['encoded slash', 'a%2Fb'])
  return unique(names.map(([label, segment]) => {
    const url = `/tags/${segment}/posts`
    const name = decoded(segment)
    const expect: Expectation = name === undefined
      ? { kind: 'status', status: 400 }
      : name.includes('\u0000')
        ? { kind: 'rejected', names: ['name'], codes: REFUSED_CODES }
        : codePoints(name) > 50 ? { kind: 'notFoundOrRejected', names: ['name'] } : { kind: 'status', status: 404, code: 'ORM_NOT_FOUND' }
    return { key: `GET ${url} (${label})`, method: 'GET', url, expect, readBack: 'none', columns: [] }
  }))
}

const PAGE_VALUES: readonly string[] = [
  '1', '2', '0', '-1', '-0', '1.5', '1e3', 'abc', '2147483647', '2147483648', '9007199254740991', '9007199254740993',
  '99999999999999999999', '%00', '1%00', '%27%20or%201%3D1%20--', '__proto__', '', '%20', '%F0%9F%8E%AC', '%FF'
]

/** page and perPage of both paginated routes × hostile values, and odd query strings. */
export function queryCases (seeds: Seeds): FuzzCase[] {
  const cases: FuzzCase[] = []
  for (const path of ['/movies', `/users/${seeds.user}/posts`]) {
    const queries = [
      ...['page', 'perPage'].flatMap((name) => PAGE_VALUES.map((value) => `${name}=${value}`)),
      'page=1&page=2', 'page[]=1', '__proto__[page]=2', 'constructor=1', 'page=1&perPage=100000', 'perPage=2147483648&page=2'
    ]
    for (const query of queries) {
      const url = `${path}?${query}`
      cases.push({ key: `GET ${url}`, method: 'GET', url, expect: { kind: 'any' }, readBack: 'none', columns: [] })
    }
  }
  return unique(cases)
}

/** Unique constraints: exact duplicates of the seeds (409 naming the column) and near-duplicates a collation may equate. */
export function collisionCases (seeds: Seeds): FuzzCase[] {
  const user = (label: string, username: string, email: string, expect: Expectation): FuzzCase => ({
    key: `POST /users ${label}`, method: 'POST', url: '/users', body: JSON.stringify({ username, email, password: 'fuzz password' }), expect, readBack: 'none', columns: []
  })
  const tags = (label: string, names: string[]): FuzzCase => ({
    key: `POST /users/${seeds.user}/posts tags=${label}`,
    method: 'POST',
    url: `/users/${seeds.user}/posts`,
    body: JSON.stringify({ title: `Tags ${label}`, body: 'Body', tags: names }),
    expect: { kind: 'any' },
    readBack: 'none',
    columns: []
  })
  return unique([
    user('the seed username', seeds.username, 'collision-1@example.com', { kind: 'status', status: 409, code: 'ORM_UNIQUE_VIOLATION', names: ['username'] }),
    user('the seed email', 'collision-2', seeds.email, { kind: 'status', status: 409, code: 'ORM_UNIQUE_VIOLATION', names: ['email'] }),
    user('the seed username upper-cased', seeds.username.toUpperCase(), 'collision-3@example.com', { kind: 'any' }),
    user('the seed username with a trailing space', `${seeds.username} `, 'collision-4@example.com', { kind: 'any' }),
    user('the seed email upper-cased', 'collision-5', seeds.email.toUpperCase(), { kind: 'any' }),
    tags('["Case","case"]', ['Case', 'case']),
    tags('["pad","pad "]', ['pad', 'pad ']),
    tags('["😀","😁"]', ['😀', '😁']),
    tags('["é","e\\u0301"]', ['é', 'e\u0301']),
    tags('["ß","ss"]', ['ß', 'ss'])
  ])
}
