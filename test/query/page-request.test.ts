// resolvePageRequest: which page a request asks for, validated before any query runs.
// Flask-SQLAlchemy's _prepare_page_args, with stricter parsing of query-string values.
import t from 'tap'
import { NotFoundError } from '../../src/errors.ts'
import { resolvePageRequest, type PageRequestInput } from '../../src/query/page-request.ts'

const notFound = { constructor: NotFoundError, statusCode: 404, code: 'ORM_NOT_FOUND' }

t.test('defaults: page 1, perPage 20', async (t) => {
  const expected = { page: 1, perPage: 20, offset: 0, limit: 20, errorOut: true }
  t.strictSame(resolvePageRequest(), expected)
  t.strictSame(resolvePageRequest({}), expected)
  t.strictSame(resolvePageRequest({ query: {} }), expected)
  t.strictSame(resolvePageRequest({ page: undefined, perPage: null }), expected)
})

t.test('offset and limit follow page and perPage', async (t) => {
  t.strictSame(resolvePageRequest({ page: 3, perPage: 10 }), { page: 3, perPage: 10, offset: 20, limit: 10, errorOut: true })
  t.strictSame(resolvePageRequest({ page: 1, perPage: 1 }), { page: 1, perPage: 1, offset: 0, limit: 1, errorOut: true })
})

t.test('the result is frozen', async (t) => {
  t.ok(Object.isFrozen(resolvePageRequest({ page: 2 })))
})

t.test('reads page and perPage from a request-like object (Flask: request.args)', async (t) => {
  // test_paginate_qs
  const fromQuery = resolvePageRequest({ query: { page: '2', perPage: '10' } })
  t.equal(fromQuery.page, 2)
  t.equal(fromQuery.perPage, 10)
  t.equal(fromQuery.offset, 10)
  // Other query parameters and request properties are ignored.
  t.equal(resolvePageRequest({ query: { page: '4', sort: 'title' }, params: { id: '9' } } as PageRequestInput).page, 4)
})

t.test('per_page, Flask\'s spelling, is read as perPage; both at once is invalid', async (t) => {
  t.strictSame(resolvePageRequest({ query: { page: '2', per_page: '5' } }), { page: 2, perPage: 5, offset: 5, limit: 5, errorOut: true })
  t.equal(resolvePageRequest({ query: { per_page: ['7', '9'] } }).perPage, 7, 'a repeated per_page uses its first value')
  t.equal(resolvePageRequest({ query: { per_page: '500' } }).perPage, 100, 'lowered to maxPerPage like perPage')
  t.throws(() => resolvePageRequest({ query: { per_page: 'abc' } }), { ...notFound, message: /Invalid per_page/ }, 'validated like perPage, named as sent')
  t.throws(() => resolvePageRequest({ query: { perPage: '10', per_page: '5' } }), { ...notFound, message: /perPage or per_page, not both/ })
  t.throws(() => resolvePageRequest({ query: { perPage: '10', per_page: '10' } }), notFound, 'even with equal values')
  t.equal(resolvePageRequest({ request: { query: { perPage: '10', per_page: '5' } }, errorOut: false }).perPage, 20, 'errorOut: false falls back to 20')
  t.equal(resolvePageRequest({ request: { query: { perPage: '10', per_page: '5' } }, perPage: 3 }).perPage, 3, 'an explicit perPage option wins over the query string')
})

t.test('values already coerced to numbers by a querystring schema are accepted', async (t) => {
  t.strictSame(resolvePageRequest({ query: { page: 2, perPage: 15 } }), { page: 2, perPage: 15, offset: 15, limit: 15, errorOut: true })
})

t.test('a query that is missing or not an object means no parameters', async (t) => {
  for (const query of [undefined, null, '', 'page=2', 42]) {
    t.equal(resolvePageRequest({ query }).page, 1, String(query))
  }
})

t.test('options with a request: explicit values win over the query string (as in Flask)', async (t) => {
  const request = { query: { page: '3', perPage: '80' } }
  t.strictSame(resolvePageRequest({ request, maxPerPage: 50 }), { page: 3, perPage: 50, offset: 100, limit: 50, errorOut: true })
  t.equal(resolvePageRequest({ request, page: 1 }).page, 1)
  t.equal(resolvePageRequest({ request, perPage: 5 }).perPage, 5)
  t.equal(resolvePageRequest({ request: { query: { page: 'x' } }, errorOut: false }).page, 1)
})

t.test('strict parsing of query-string values', async (t) => {
  const valid: Array<[string, number]> = [['1', 1], ['2', 2], ['007', 7], ['100', 100], ['9007199254740991', 9007199254740991]]
  for (const [raw, page] of valid) {
    t.equal(resolvePageRequest({ request: { query: { page: raw } }, perPage: 1 }).page, page, `page ${JSON.stringify(raw)}`)
  }
  // Python's int() would take ' 3', '3 ', '+3' and '1_0'; only digits are a page number here.
  const invalid = ['', ' ', ' 3', '3 ', '+3', '-1', '0', '00', '1.5', '1.0', '1e3', '0x10', '1_0', 'abc', '2abc', 'Infinity', 'NaN', '٣']
  for (const raw of invalid) {
    t.throws(() => resolvePageRequest({ query: { page: raw } }), notFound, `page ${JSON.stringify(raw)}`)
    t.throws(() => resolvePageRequest({ query: { perPage: raw } }), notFound, `perPage ${JSON.stringify(raw)}`)
    t.equal(resolvePageRequest({ request: { query: { page: raw } }, errorOut: false }).page, 1)
    t.equal(resolvePageRequest({ request: { query: { page: raw, perPage: raw } }, errorOut: false }).perPage, 20)
  }
})

t.test('numbers given as options must be positive integers too', async (t) => {
  for (const page of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    t.throws(() => resolvePageRequest({ page }), notFound, `page ${page}`)
    t.throws(() => resolvePageRequest({ perPage: page }), notFound, `perPage ${page}`)
    t.strictSame(resolvePageRequest({ page, perPage: page, errorOut: false }), { page: 1, perPage: 20, offset: 0, limit: 20, errorOut: false })
  }
  // Strings are accepted as options, so `{ page: request.query.page }` works.
  t.equal(resolvePageRequest({ page: '4' }).page, 4)
  t.throws(() => resolvePageRequest({ page: '4.0' }), notFound)
})

t.test('other value types are invalid, not coerced', async (t) => {
  for (const value of [true, {}, { 0: '2' }, () => 2, 2n]) {
    t.throws(() => resolvePageRequest({ query: { page: value } }), notFound, typeof value)
    t.equal(resolvePageRequest({ request: { query: { page: value } }, errorOut: false }).page, 1)
  }
})

t.test('a repeated parameter uses its first value, as request.args.get does', async (t) => {
  t.equal(resolvePageRequest({ query: { page: ['2', '5'] } }).page, 2)
  t.equal(resolvePageRequest({ query: { perPage: ['30', 'abc'] } }).perPage, 30)
  t.equal(resolvePageRequest({ query: { page: [] } }).page, 1, 'an empty array is a missing value')
  t.throws(() => resolvePageRequest({ query: { page: ['abc', '2'] } }), notFound)
})

t.test('errorOut (default true): a bad page or perPage is a 404 with a clear message', async (t) => {
  // test_error_out: ("abc", None), (None, "abc"), (0, None), (None, -1)
  t.throws(() => resolvePageRequest({ query: { page: 'abc' } }), { ...notFound, message: 'Invalid page: expected a positive integer such as 1, 2 or 3' })
  t.throws(() => resolvePageRequest({ query: { perPage: 'abc' } }), { ...notFound, message: 'Invalid perPage: expected a positive integer such as 1, 2 or 3' })
  t.throws(() => resolvePageRequest({ query: { page: '0' } }), notFound)
  t.throws(() => resolvePageRequest({ query: { perPage: '-1' } }), notFound)
  t.throws(() => resolvePageRequest({ page: 0 }), notFound)
  t.throws(() => resolvePageRequest({ perPage: -1 }), notFound)
})

t.test('without errorOut a bad page falls back to 1 and a bad perPage to 20', async (t) => {
  t.strictSame(
    resolvePageRequest({ request: { query: { page: 'abc', perPage: '-1' } }, errorOut: false }),
    { page: 1, perPage: 20, offset: 0, limit: 20, errorOut: false }
  )
  // Each falls back on its own: a good value next to a bad one is kept.
  t.strictSame(
    resolvePageRequest({ request: { query: { page: '3', perPage: 'x' } }, errorOut: false }),
    { page: 3, perPage: 20, offset: 40, limit: 20, errorOut: false }
  )
})

t.test('perPage above maxPerPage (default 100) is clamped, never an error', async (t) => {
  t.equal(resolvePageRequest({ perPage: 100 }).perPage, 100)
  t.equal(resolvePageRequest({ perPage: 101 }).perPage, 100)
  t.equal(resolvePageRequest({ query: { perPage: '5000' } }).perPage, 100)
  // test_paginate_max
  t.equal(resolvePageRequest({ request: { query: { perPage: '100' } }, maxPerPage: 50 }).perPage, 50)
  const clamped = resolvePageRequest({ page: 3, perPage: 500, maxPerPage: 25 })
  t.strictSame(clamped, { page: 3, perPage: 25, offset: 50, limit: 25, errorOut: true }, 'offset uses the clamped perPage')
  // The default and the fallback are clamped as well (Flask clamps before falling back to 20).
  t.equal(resolvePageRequest({ maxPerPage: 10 }).perPage, 10)
  t.equal(resolvePageRequest({ perPage: 'x', maxPerPage: 10, errorOut: false }).perPage, 10)
})

t.test('a page whose offset is not an exact integer is invalid', async (t) => {
  const huge = String(2 ** 52)
  t.equal(resolvePageRequest({ page: huge, perPage: 1 }).offset, 2 ** 52 - 1)
  t.throws(() => resolvePageRequest({ page: huge, perPage: 20 }), notFound)
  t.equal(resolvePageRequest({ page: huge, perPage: 20, errorOut: false }).page, 1)
  t.throws(() => resolvePageRequest({ query: { page: '99999999999999999999' } }), notFound)
})

t.test('maxPerPage is the programmer\'s setting: a bad one is a RangeError, not a 404', async (t) => {
  for (const maxPerPage of [0, -5, 1.5, Number.NaN]) {
    t.throws(() => resolvePageRequest({ maxPerPage }), { name: 'RangeError' }, String(maxPerPage))
  }
})

t.test('a request cannot carry options: they would be ignored, so it does not compile', async (t) => {
  // @ts-expect-error pass { request, perPage } instead
  const request = resolvePageRequest({ query: { page: '2' }, perPage: 5 })
  t.equal(request.perPage, 20, 'at run time only the query string is read')
  t.equal(resolvePageRequest({ request: { query: { page: '2' } }, perPage: 5 }).perPage, 5)
})
