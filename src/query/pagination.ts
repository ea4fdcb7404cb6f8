import { NotFoundError } from '../errors.ts'
import type { PageRequest } from './page-request.ts'

/**
 * What a {@link Pagination} is built from: one page of rows and the total across pages.
 *
 * @example
 * ```ts
 * const init: PaginationInit<Movie> = { items: movies, total: 95, page: 2, perPage: 20 }
 * ```
 */
export interface PaginationInit<T> {
  items: readonly T[]
  total: number
  page: number
  perPage: number
}

/**
 * How many page numbers {@link Pagination.iterPages} shows: `leftEdge` from the first page,
 * `leftCurrent` before and `rightCurrent` after the current page, `rightEdge` up to the last.
 *
 * @example
 * ```ts
 * pagination.iterPages({ leftEdge: 1, rightEdge: 1, rightCurrent: 2 } satisfies IterPagesOptions)
 * ```
 */
export interface IterPagesOptions {
  /** Default 2. */
  leftEdge?: number
  /** Default 2. */
  leftCurrent?: number
  /** Default 4. */
  rightCurrent?: number
  /** Default 2. */
  rightEdge?: number
}

/**
 * The JSON form of a {@link Pagination}, as routes send it.
 *
 * @example
 * ```ts
 * app.get('/movies', async (request): Promise<PaginationJSON<Movie>> =>
 *   (await request.db.query(Movie).paginate(request)).toJSON())
 * ```
 */
export interface PaginationJSON<T> {
  items: T[]
  readonly page: number
  readonly perPage: number
  readonly total: number
  readonly pages: number
  readonly hasPrev: boolean
  readonly hasNext: boolean
}

/**
 * One page of query results, with what a pagination widget needs; Flask-SQLAlchemy's
 * `Pagination`. Immutable: the instance and its `items` array are frozen (the rows
 * themselves are not, since the session tracks their changes). Iterating over it iterates
 * over `items`. `JSON.stringify` gives {@link PaginationJSON}.
 *
 * @example
 * ```ts
 * const movies = await request.db.query(Movie).orderBy('id', 'desc').paginate(request)
 * movies.items      // up to perPage movies
 * movies.nextNum    // 3, or null on the last page
 * movies.iterPages() // [1, 2, null, 48, 49, 50, 51, 52, 53, 54, null, 99, 100]
 * return movies      // serialised through toJSON()
 * ```
 */
export class Pagination<T> implements Iterable<T> {
  /** The rows of this page. */
  readonly items: readonly T[]
  /** The current page number, from 1. */
  readonly page: number
  /** The maximum number of items on a page. */
  readonly perPage: number
  /** The number of items across all pages. */
  readonly total: number

  constructor ({ items, total, page, perPage }: PaginationInit<T>) {
    requireInteger('page', page, 1)
    requireInteger('perPage', perPage, 1)
    // A driver may report COUNT(*) as a string or bigint: the caller converts it, loudly here if not.
    requireInteger('total', total, 0)
    this.items = Object.freeze([...items])
    this.page = page
    this.perPage = perPage
    this.total = total
    Object.freeze(this)
  }

  /** The number of pages; 0 when there are no items. */
  get pages (): number {
    return pageCount(this.total, this.perPage)
  }

  /** Whether there is a page before this one. */
  get hasPrev (): boolean {
    return this.page > 1
  }

  /** Whether there is a page after this one. */
  get hasNext (): boolean {
    return this.page < this.pages
  }

  /** The previous page number, or `null` on the first page. */
  get prevNum (): number | null {
    return this.hasPrev ? this.page - 1 : null
  }

  /** The next page number, or `null` on the last page. */
  get nextNum (): number | null {
    return this.hasNext ? this.page + 1 : null
  }

  /** The number of the first item on this page, from 1, or 0 when the page is empty. */
  get first (): number {
    return this.items.length === 0 ? 0 : (this.page - 1) * this.perPage + 1
  }

  /** The number of the last item on this page, inclusive, or 0 when the page is empty. */
  get last (): number {
    return this.items.length === 0 ? 0 : this.first + this.items.length - 1
  }

  /**
   * The page numbers a pagination widget shows, with `null` for each run of skipped pages:
   * the first `leftEdge` pages, `leftCurrent` pages before the current one, the current
   * page, `rightCurrent` pages after it and the last `rightEdge` pages.
   *
   * This is Flask-SQLAlchemy 3's `iter_pages`: same defaults, same output for every page
   * in range with the defaults, and whenever the edges do not reach into the window. It is
   * computed as a union of ranges, which also behaves where Flask's generator does not:
   * a page past the end (reachable with `errorOut: false`) still lists the last pages
   * (Flask stops at `1, 2, None`); a `leftEdge` reaching past the window repeats no number
   * and puts no gap between neighbours; a `rightEdge` reaching back before the window still
   * shows its pages (Flask drops them).
   *
   * @example
   * ```ts
   * // 100 pages, current page 50
   * pagination.iterPages() // [1, 2, null, 48, 49, 50, 51, 52, 53, 54, null, 99, 100]
   * pagination.iterPages({ leftEdge: 1, leftCurrent: 1, rightCurrent: 1, rightEdge: 1 })
   * // [1, null, 49, 50, 51, null, 100]
   * ```
   */
  iterPages ({ leftEdge = 2, leftCurrent = 2, rightCurrent = 4, rightEdge = 2 }: IterPagesOptions = {}): ReadonlyArray<number | null> {
    requireInteger('leftEdge', leftEdge, 0)
    requireInteger('leftCurrent', leftCurrent, 0)
    requireInteger('rightCurrent', rightCurrent, 0)
    requireInteger('rightEdge', rightEdge, 0)
    const pages = this.pages
    // Inclusive ranges clipped to 1..pages, rather than a test of every page: O(shown), not O(pages).
    const clip = (from: number, to: number): readonly [number, number] => [Math.max(from, 1), Math.min(to, pages)]
    const ranges = [
      clip(1, leftEdge),
      clip(this.page - leftCurrent, this.page + rightCurrent),
      clip(pages - rightEdge + 1, pages)
    ].filter(([from, to]) => from <= to).sort((a, b) => a[0] - b[0])

    const shown: Array<number | null> = []
    let next = 1
    for (const [from, to] of ranges) {
      if (from > next) shown.push(null)
      for (let n = Math.max(from, next); n <= to; n++) shown.push(n)
      next = Math.max(next, to + 1)
    }
    // Like Flask, a zero edge leaves a trailing gap before the unshown last pages.
    if (next <= pages) shown.push(null)
    return Object.freeze(shown)
  }

  /**
   * The JSON body of a paginated route: `{ items, page, perPage, total, pages, hasPrev, hasNext }`.
   *
   * @example
   * ```ts
   * reply.send(pagination.toJSON())
   * // { items: [...], page: 2, perPage: 20, total: 95, pages: 5, hasPrev: true, hasNext: true }
   * ```
   */
  toJSON (): PaginationJSON<T> {
    return Object.freeze({
      // a fresh array: the body belongs to the caller (e.g. to map items to another shape)
      items: [...this.items],
      page: this.page,
      perPage: this.perPage,
      total: this.total,
      pages: this.pages,
      hasPrev: this.hasPrev,
      hasNext: this.hasNext
    })
  }

  /**
   * Iterates over `items`, as Flask-SQLAlchemy 3's `Pagination` does.
   *
   * @example
   * ```ts
   * for (const movie of pagination) console.log(movie.title)
   * ```
   */
  [Symbol.iterator] (): Iterator<T> {
    return this.items[Symbol.iterator]()
  }
}

/**
 * The check that needs the total: a page past the last one is a 404 ({@link NotFoundError}),
 * except page 1, which exists even when there are no items. With `errorOut` false
 * (default: the page request's own setting) it returns, and the caller shows the requested
 * page with no items: Flask-SQLAlchemy's `error_out=False` does the same and keeps the page
 * number, so `prevNum` still leads back into range.
 *
 * @example
 * ```ts
 * const pageRequest = resolvePageRequest(request)
 * const total = await countRows()
 * assertPageInRange(pageRequest, total) // throws NotFoundError for page 9 of 5
 * const items = pageRequest.offset < total ? await fetchRows(pageRequest) : []
 * return new Pagination({ items, total, page: pageRequest.page, perPage: pageRequest.perPage })
 * ```
 */
export function assertPageInRange (
  pageRequest: Pick<PageRequest, 'page' | 'perPage' | 'errorOut'>,
  total: number,
  errorOut: boolean = pageRequest.errorOut
): void {
  const pages = pageCount(total, pageRequest.perPage)
  if (!errorOut || pageRequest.page === 1 || pageRequest.page <= pages) return
  const existing = pages === 0 ? 'there are no items' : `the last page is ${pages}`
  throw new NotFoundError(`Page ${pageRequest.page} not found: ${existing} (${pageRequest.perPage} per page)`)
}

function pageCount (total: number, perPage: number): number {
  return Math.ceil(total / perPage)
}

function requireInteger (name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${String(value)}`)
  }
}
