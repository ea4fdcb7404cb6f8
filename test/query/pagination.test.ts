// Pagination and assertPageInRange, with the cases of Flask-SQLAlchemy 3's
// tests/test_pagination.py translated to this API. No database: `paginateRows` plays the
// session's part (count, check the page, fetch the page's rows) over an in-memory list.
import Fastify from 'fastify'
import t from 'tap'
import { NotFoundError } from '../../src/errors.ts'
import { resolvePageRequest, type PageRequestInput } from '../../src/query/page-request.ts'
import { assertPageInRange, Pagination, type IterPagesOptions } from '../../src/query/pagination.ts'

const notFound = { constructor: NotFoundError, statusCode: 404, code: 'ORM_NOT_FOUND' }

function range (from: number, to: number): number[] {
  return Array.from({ length: Math.max(to - from, 0) }, (_, i) => from + i)
}

/** Flask's RangePagination: rows 0..total-1, the page's slice as items. */
function rangePagination ({ total = 150, page = 1, perPage = 10 } = {}): Pagination<number> {
  const offset = (page - 1) * perPage
  return new Pagination({ items: range(0, total).slice(offset, offset + perPage), total, page, perPage })
}

/** What the session does, over an in-memory table. */
function paginateRows<T> (rows: readonly T[], input?: PageRequestInput): Pagination<T> {
  const pageRequest = resolvePageRequest(input)
  assertPageInRange(pageRequest, rows.length)
  const items = rows.slice(pageRequest.offset, pageRequest.offset + pageRequest.limit)
  return new Pagination({ items, total: rows.length, page: pageRequest.page, perPage: pageRequest.perPage })
}

/** Flask-SQLAlchemy 3.1's iter_pages, line for line: the reference for iterPages. */
function flaskIterPages (pages: number, page: number, leftEdge: number, leftCurrent: number, rightCurrent: number, rightEdge: number): Array<number | null> {
  const out: Array<number | null> = []
  const pagesEnd = pages + 1
  if (pagesEnd === 1) return out
  const leftEnd = Math.min(1 + leftEdge, pagesEnd)
  out.push(...range(1, leftEnd))
  if (leftEnd === pagesEnd) return out
  const midStart = Math.max(leftEnd, page - leftCurrent)
  const midEnd = Math.min(page + rightCurrent + 1, pagesEnd)
  if (midStart - leftEnd > 0) out.push(null)
  out.push(...range(midStart, midEnd))
  if (midEnd === pagesEnd) return out
  const rightStart = Math.max(midEnd, pagesEnd - rightEdge)
  if (rightStart - midEnd > 0) out.push(null)
  out.push(...range(rightStart, pagesEnd))
  return out
}

t.test('first page (test_first_page)', async (t) => {
  const p = rangePagination()
  t.equal(p.page, 1)
  t.equal(p.perPage, 10)
  t.equal(p.total, 150)
  t.equal(p.pages, 15)
  t.equal(p.hasPrev, false)
  t.equal(p.prevNum, null)
  t.equal(p.hasNext, true)
  t.equal(p.nextNum, 2)
  t.strictSame(p.items, range(0, 10))
})

t.test('middle page', async (t) => {
  const p = rangePagination({ page: 7 })
  t.equal(p.hasPrev, true)
  t.equal(p.prevNum, 6)
  t.equal(p.hasNext, true)
  t.equal(p.nextNum, 8)
  t.strictSame(p.items, range(60, 70))
})

t.test('last page (test_last_page)', async (t) => {
  const p = rangePagination({ page: 15 })
  t.equal(p.page, 15)
  t.equal(p.hasPrev, true)
  t.equal(p.prevNum, 14)
  t.equal(p.hasNext, false)
  t.equal(p.nextNum, null)
})

t.test('a partial last page', async (t) => {
  const p = rangePagination({ total: 95, page: 5, perPage: 20 })
  t.equal(p.pages, 5)
  t.equal(p.items.length, 15)
  t.equal(p.hasNext, false)
})

t.test('pages is ceil(total / perPage)', async (t) => {
  const cases: Array<[total: number, perPage: number, pages: number]> = [
    [0, 10, 0], [1, 10, 1], [9, 10, 1], [10, 10, 1], [11, 10, 2], [100, 20, 5], [101, 20, 6], [150, 10, 15], [7, 1, 7]
  ]
  for (const [total, perPage, pages] of cases) {
    t.equal(new Pagination({ items: [], total, page: 1, perPage }).pages, pages, `${total} / ${perPage}`)
  }
})

t.test('item numbers (test_item_numbers_*): first and last', async (t) => {
  t.match(rangePagination(), { first: 1, last: 10 })
  t.match(rangePagination({ page: 15, total: 145 }), { first: 141, last: 145 })
  t.match(rangePagination({ total: 0 }), { first: 0, last: 0 })
})

t.test('no items (test_0_pages)', async (t) => {
  const p = rangePagination({ total: 0 })
  t.equal(p.pages, 0)
  t.equal(p.hasPrev, false)
  t.equal(p.hasNext, false)
  t.equal(p.prevNum, null)
  t.equal(p.nextNum, null)
  t.strictSame(p.items, [])
})

t.test('iterPages on 15 pages, every current page (test_iter_pages)', async (t) => {
  const expected: Array<Array<number | null>> = [
    [1, 2, 3, 4, 5, null, 14, 15],
    [1, 2, 3, 4, 5, 6, null, 14, 15],
    [1, 2, 3, 4, 5, 6, 7, null, 14, 15],
    [1, 2, 3, 4, 5, 6, 7, 8, null, 14, 15],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, null, 14, 15],
    [1, 2, null, 4, 5, 6, 7, 8, 9, 10, null, 14, 15],
    [1, 2, null, 5, 6, 7, 8, 9, 10, 11, null, 14, 15],
    [1, 2, null, 6, 7, 8, 9, 10, 11, 12, null, 14, 15],
    [1, 2, null, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [1, 2, null, 8, 9, 10, 11, 12, 13, 14, 15],
    [1, 2, null, 9, 10, 11, 12, 13, 14, 15],
    [1, 2, null, 10, 11, 12, 13, 14, 15],
    [1, 2, null, 11, 12, 13, 14, 15],
    [1, 2, null, 12, 13, 14, 15],
    [1, 2, null, 13, 14, 15]
  ]
  expected.forEach((pages, i) => {
    t.strictSame(rangePagination({ page: i + 1 }).iterPages(), pages, `page ${i + 1}`)
  })
})

t.test('iterPages with no items is empty (test_iter_0_pages)', async (t) => {
  t.strictSame(rangePagination({ total: 0 }).iterPages(), [])
  t.strictSame(rangePagination({ total: 0 }).iterPages({ leftEdge: 0, rightEdge: 0 }), [])
})

t.test('iterPages with fewer pages than the widget shows has no gap (test_iter_pages_short)', async (t) => {
  for (const page of [1, 2, 3, 4]) {
    t.strictSame(rangePagination({ page, total: 40 }).iterPages(), [1, 2, 3, 4], `page ${page}`)
  }
  t.strictSame(rangePagination({ total: 1 }).iterPages(), [1])
})

t.test('iterPages: the documented examples', async (t) => {
  t.strictSame(rangePagination({ total: 1000, page: 50 }).iterPages(), [1, 2, null, 48, 49, 50, 51, 52, 53, 54, null, 99, 100])
  // Flask-SQLAlchemy's docstring: 20 pages, page 7.
  t.strictSame(rangePagination({ total: 200, page: 7 }).iterPages(), [1, 2, null, 5, 6, 7, 8, 9, 10, 11, null, 19, 20])
  t.strictSame(
    rangePagination({ total: 1000, page: 50 }).iterPages({ leftEdge: 1, leftCurrent: 1, rightCurrent: 1, rightEdge: 1 }),
    [1, null, 49, 50, 51, null, 100]
  )
})

t.test('iterPages: gaps only between non-contiguous runs', async (t) => {
  // The window touches the left edge: no gap.
  t.strictSame(rangePagination({ total: 1000, page: 5 }).iterPages(), [1, 2, 3, 4, 5, 6, 7, 8, 9, null, 99, 100])
  // The window ends just before the right edge: no gap.
  t.strictSame(rangePagination({ total: 1000, page: 94 }).iterPages(), [1, 2, null, 92, 93, 94, 95, 96, 97, 98, 99, 100])
  // One page apart: a gap of one page is still a gap.
  t.strictSame(rangePagination({ total: 1000, page: 93 }).iterPages(), [1, 2, null, 91, 92, 93, 94, 95, 96, 97, null, 99, 100])
})

t.test('iterPages: zero edges leave a leading or trailing gap, as in Flask', async (t) => {
  const p = rangePagination({ page: 7 })
  t.strictSame(p.iterPages({ leftEdge: 0, rightEdge: 0 }), [null, 5, 6, 7, 8, 9, 10, 11, null])
  t.strictSame(p.iterPages({ leftEdge: 0, leftCurrent: 0, rightCurrent: 0, rightEdge: 0 }), [null, 7, null])
  t.strictSame(rangePagination({ page: 1 }).iterPages({ leftEdge: 0, rightEdge: 0 }), [1, 2, 3, 4, 5, null])
})

t.test('iterPages equals Flask-SQLAlchemy 3 with the defaults, for every page in range', async (t) => {
  let compared = 0
  let differing = 0
  for (let pages = 0; pages <= 120; pages++) {
    for (let page = 1; page <= pages; page++) {
      const actual = rangePagination({ total: pages * 10, page }).iterPages()
      if (JSON.stringify(actual) !== JSON.stringify(flaskIterPages(pages, page, 2, 2, 4, 2))) {
        t.fail(`${pages} pages, page ${page}: ${JSON.stringify(actual)}`)
        differing++
      }
      compared++
    }
  }
  t.equal(differing, 0, `${compared} pages compared, none differ`)
})

t.test('iterPages equals Flask-SQLAlchemy 3 for any window the edges do not reach into', async (t) => {
  let compared = 0
  let differing = 0
  for (let pages = 1; pages <= 16; pages++) {
    for (let page = 1; page <= pages; page++) {
      for (const [leftEdge, leftCurrent, rightCurrent, rightEdge] of allOptions(4)) {
        // Outside this region Flask's generator repeats or drops pages: see the next test.
        const windowStart = Math.max(leftEdge + 1, page - leftCurrent)
        if (leftEdge > page + rightCurrent || pages - rightEdge + 1 < windowStart) continue
        const options: IterPagesOptions = { leftEdge, leftCurrent, rightCurrent, rightEdge }
        const actual = rangePagination({ total: pages * 10, page }).iterPages(options)
        const expected = flaskIterPages(pages, page, leftEdge, leftCurrent, rightCurrent, rightEdge)
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          t.fail(`${pages} pages, page ${page}, ${JSON.stringify(options)}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`)
          differing++
        }
        compared++
      }
    }
  }
  t.equal(differing, 0, `${compared} cases compared, none differ`)
})

t.test('iterPages where Flask-SQLAlchemy misbehaves', async (t) => {
  // A page past the end (errorOut false): Flask gives [1, 2, None] and hides pages 3-5.
  t.strictSame(flaskIterPages(5, 9, 2, 2, 4, 2), [1, 2, null])
  t.strictSame(rangePagination({ total: 50, page: 9 }).iterPages(), [1, 2, null, 4, 5])
  // A left edge reaching past the window: Flask repeats 3-5 after a gap.
  t.strictSame(flaskIterPages(10, 1, 5, 0, 0, 8), [1, 2, 3, 4, 5, null, 3, 4, 5, 6, 7, 8, 9, 10])
  t.strictSame(rangePagination({ total: 100, page: 1 }).iterPages({ leftEdge: 5, leftCurrent: 0, rightCurrent: 0, rightEdge: 8 }), range(1, 11))
  // A right edge reaching back before the window: Flask drops pages 8 and 9.
  t.strictSame(flaskIterPages(10, 10, 2, 0, 4, 3), [1, 2, null, 10])
  t.strictSame(rangePagination({ total: 100, page: 10 }).iterPages({ leftCurrent: 0, rightEdge: 3 }), [1, 2, null, 8, 9, 10])
})

t.test('iterPages rejects negative or fractional counts', async (t) => {
  const p = rangePagination()
  for (const options of [{ leftEdge: -1 }, { leftCurrent: 1.5 }, { rightCurrent: Number.NaN }, { rightEdge: Number.POSITIVE_INFINITY }]) {
    t.throws(() => p.iterPages(options), { name: 'RangeError' }, JSON.stringify(options))
  }
})

t.test('iterPages is cheap with a huge number of pages', async (t) => {
  const p = new Pagination({ items: [], total: 2 ** 50, page: 2 ** 40, perPage: 1 })
  t.equal(p.iterPages().length, 13)
})

t.test('toJSON gives { items, page, perPage, total, pages, hasPrev, hasNext }', async (t) => {
  const p = new Pagination({ items: [{ id: 3 }, { id: 4 }], total: 5, page: 2, perPage: 2 })
  const json = p.toJSON()
  t.strictSame(json, { items: [{ id: 3 }, { id: 4 }], page: 2, perPage: 2, total: 5, pages: 3, hasPrev: true, hasNext: true })
  t.strictSame(Object.keys(json), ['items', 'page', 'perPage', 'total', 'pages', 'hasPrev', 'hasNext'])
  t.ok(Object.isFrozen(json))
  t.strictSame(JSON.parse(JSON.stringify(p)), json)
})

t.test('a Pagination is immutable; its rows are not', async (t) => {
  const row = { id: 1, title: 'Alien' }
  const source = [row]
  const p = new Pagination({ items: source, total: 1, page: 1, perPage: 20 })
  t.ok(Object.isFrozen(p))
  t.ok(Object.isFrozen(p.items))
  t.not(p.items, source, 'the caller\'s array is copied, not frozen')
  t.notOk(Object.isFrozen(source))
  t.notOk(Object.isFrozen(row), 'rows stay tracked by the session')
  t.ok(Object.isFrozen(p.iterPages()))
  t.throws(() => { (p as { page: number }).page = 2 }, TypeError)
})

t.test('iterating a Pagination iterates its items (Flask-SQLAlchemy 3)', async (t) => {
  t.strictSame([...rangePagination({ page: 2 })], range(10, 20))
})

t.test('the constructor rejects numbers that cannot be a page', async (t) => {
  const good = { items: [], total: 10, page: 1, perPage: 10 }
  const bad = [{ page: 0 }, { page: 1.5 }, { perPage: 0 }, { total: -1 }, { total: 2.5 }, { total: Number.NaN }, { total: '10' as unknown as number }]
  for (const override of bad) {
    t.throws(() => new Pagination({ ...good, ...override }), { name: 'RangeError' }, JSON.stringify(override))
  }
})

t.test('assertPageInRange: a page past the last one is a 404', async (t) => {
  const request = resolvePageRequest({ page: 6, perPage: 20 })
  t.throws(() => assertPageInRange(request, 100), { ...notFound, message: 'Page 6 not found: the last page is 5 (20 per page)' })
  t.doesNotThrow(() => assertPageInRange(request, 101), 'page 6 of 6')
  t.doesNotThrow(() => assertPageInRange(resolvePageRequest({ page: 5, perPage: 20 }), 100), 'the last page')
})

t.test('assertPageInRange: page 1 exists even with no items (test_no_items_404)', async (t) => {
  t.doesNotThrow(() => assertPageInRange(resolvePageRequest({ page: 1 }), 0))
  t.throws(() => assertPageInRange(resolvePageRequest({ page: 2 }), 0), { ...notFound, message: 'Page 2 not found: there are no items (20 per page)' })
})

t.test('assertPageInRange follows errorOut: the request\'s own, or the third argument', async (t) => {
  const lenient = resolvePageRequest({ page: 9, errorOut: false })
  t.doesNotThrow(() => assertPageInRange(lenient, 10))
  t.throws(() => assertPageInRange(lenient, 10, true), notFound)
  t.doesNotThrow(() => assertPageInRange(resolvePageRequest({ page: 9 }), 10, false))
})

t.test('paginate over 100 rows: defaults (test_paginate)', async (t) => {
  const rows = range(1, 101)
  const p = paginateRows(rows)
  t.equal(p.page, 1)
  t.equal(p.perPage, 20)
  t.equal(p.items.length, 20)
  t.equal(p.total, 100)
  t.equal(p.pages, 5)
})

t.test('paginate from the query string (test_paginate_qs, test_paginate_max)', async (t) => {
  const rows = range(1, 101)
  const p = paginateRows(rows, { query: { page: '2', perPage: '10' } })
  t.equal(p.page, 2)
  t.equal(p.perPage, 10)
  t.strictSame(p.items, range(11, 21))
  t.equal(paginateRows(rows, { request: { query: { perPage: '100' } }, maxPerPage: 50 }).perPage, 50)
})

t.test('paginate with errorOut: bad values and pages past the end are 404s (test_error_out)', async (t) => {
  const rows = range(1, 101)
  for (const query of [{ page: 'abc' }, { perPage: 'abc' }, { page: '0' }, { perPage: '-1' }, { page: '6' }]) {
    t.throws(() => paginateRows(rows, { query }), notFound, JSON.stringify(query))
  }
  t.throws(() => paginateRows([], { page: 2 }), notFound)
  t.strictSame(paginateRows([], { page: 1 }).toJSON(), { items: [], page: 1, perPage: 20, total: 0, pages: 0, hasPrev: false, hasNext: false })
})

t.test('paginate without errorOut: fall back, or an empty page past the end', async (t) => {
  const rows = range(1, 101)
  const fallback = paginateRows(rows, { request: { query: { page: 'abc', perPage: '0' } }, errorOut: false })
  t.equal(fallback.page, 1)
  t.equal(fallback.perPage, 20)
  t.strictSame(fallback.items, range(1, 21))
  // Past the end the requested page is kept, with no items, as in Flask-SQLAlchemy.
  const past = paginateRows(rows, { page: 9, perPage: 20, errorOut: false })
  t.strictSame(past.toJSON(), { items: [], page: 9, perPage: 20, total: 100, pages: 5, hasPrev: true, hasNext: false })
  t.equal(past.prevNum, 8)
  t.equal(past.nextNum, null)
  t.match(past, { first: 0, last: 0 })
})

t.test('a Fastify request works as the input, and a NotFoundError becomes a 404 reply', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const movies = range(1, 43).map((id) => ({ id, title: `Movie ${id}` }))
  app.get('/movies', async (request) => paginateRows(movies, request))

  const page3 = await app.inject('/movies?page=3&perPage=10&sort=title')
  t.equal(page3.statusCode, 200)
  t.match(page3.json(), { page: 3, perPage: 10, total: 42, pages: 5, hasPrev: true, hasNext: true })
  t.strictSame(page3.json().items.map((movie: { id: number }) => movie.id), range(21, 31))

  const repeated = await app.inject('/movies?page=2&page=4&perPage=10')
  t.equal(repeated.json().page, 2, 'a repeated parameter uses its first value')

  for (const url of ['/movies?page=abc', '/movies?page=0', '/movies?perPage=1.5', '/movies?page=6&perPage=10']) {
    const response = await app.inject(url)
    t.equal(response.statusCode, 404, url)
    t.match(response.json(), { statusCode: 404, error: 'Not Found', code: 'ORM_NOT_FOUND' }, url)
  }
})

/** Every [leftEdge, leftCurrent, rightCurrent, rightEdge] with counts from 0 to max. */
function allOptions (max: number): Array<[number, number, number, number]> {
  const counts = range(0, max + 1)
  return counts.flatMap((a) => counts.flatMap((b) => counts.flatMap((c) => counts.map((d): [number, number, number, number] => [a, b, c, d]))))
}
