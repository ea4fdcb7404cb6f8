import { NotFoundError } from '../errors.ts'

const DEFAULT_PAGE = 1
const DEFAULT_PER_PAGE = 20
export const DEFAULT_MAX_PER_PAGE = 100

/**
 * Anything with a query string, such as a Fastify request. Only `query` is read.
 *
 * @example
 * ```ts
 * const fromFastify: RequestLike = request
 * const handMade: RequestLike = { query: { page: '2', perPage: '50' } }
 * ```
 */
export interface RequestLike {
  readonly query: unknown
}

/**
 * What `paginate` accepts besides a bare request. `page` and `perPage` may be numbers or
 * the raw strings of a query string; `undefined` or `null` means "use the default" (or,
 * with `request`, the value of its query string).
 *
 * @example
 * ```ts
 * const options: PaginateOptions = { page: 2, perPage: 10 }
 * const fromQuery: PaginateOptions = { request, maxPerPage: 50, errorOut: false }
 * ```
 */
export interface PaginateOptions {
  /** The page number, from 1. Default: the request's `page` parameter, else 1. */
  page?: number | string | null
  /** Items per page. Default: the request's `perPage` (or Flask's `per_page`) parameter, else 20. */
  perPage?: number | string | null
  /** Larger `perPage` values are lowered to this. Default 100. */
  maxPerPage?: number
  /** Answer a bad or out-of-range page with a 404 (`true`, default) or fall back (`false`). */
  errorOut?: boolean
  /** Read `page` and `perPage` from this request's query string where not given above. */
  request?: RequestLike
}

/**
 * The argument of `paginate`: the options, or a request whose query string says which page.
 * A request cannot carry options (`{ query, perPage }` does not compile, since a request's
 * other properties are never read): pass `{ request, perPage }` instead.
 *
 * @example
 * ```ts
 * const a: PageRequestInput = request
 * const b: PageRequestInput = { request, maxPerPage: 50 }
 * ```
 */
export type PageRequestInput = PaginateOptions | (RequestLike & { readonly [K in keyof PaginateOptions]?: never })

/**
 * A validated page request: the page to show and the `OFFSET`/`LIMIT` that fetch it.
 *
 * @example
 * ```ts
 * const { offset, limit } = resolvePageRequest({ page: 3, perPage: 10 }) // 20, 10
 * ```
 */
export interface PageRequest {
  readonly page: number
  readonly perPage: number
  readonly offset: number
  readonly limit: number
  /** Kept so that {@link assertPageInRange} applies the same policy once the total is known. */
  readonly errorOut: boolean
}

/**
 * Validates `page` and `perPage` before any query runs, following Flask-SQLAlchemy's
 * `paginate`:
 *
 * - Only positive integers are valid: numbers such as `2`, or strings matching `/^\d+$/`
 *   such as `'2'` or `'007'`. Everything else is invalid, deliberately stricter than
 *   Python's `int()`: `'0'`, `'-1'`, `'1.5'`, `' 3'` (padding), `'1e3'`, `''`, `'abc'`,
 *   `1.5`, `NaN`, and a page so large that its offset is not an exact integer.
 * - A missing value (absent, `undefined`, `null`, an empty array) takes the default:
 *   page 1, perPage 20. A repeated query parameter (`?page=2&page=5`, an array) uses its
 *   first value, as Flask's `request.args.get` does.
 * - The query string may spell perPage as Flask does, `per_page`. Both at once is invalid
 *   (which one was meant?), even with equal values.
 * - An invalid value is a 404 ({@link NotFoundError}) when `errorOut` is true (default);
 *   otherwise page falls back to 1 and perPage to 20.
 * - perPage is then lowered to `maxPerPage` (default 100); the fallback of 20 too.
 *
 * Whether the page exists depends on the total: check it with `assertPageInRange`.
 *
 * @example
 * ```ts
 * resolvePageRequest({ request: { query: { page: '3', perPage: '10' } } })
 * // { page: 3, perPage: 10, offset: 20, limit: 10, errorOut: true }
 * resolvePageRequest({ query: { page: 'abc' } }) // throws NotFoundError (404)
 * resolvePageRequest({ page: 'abc', errorOut: false }).page // 1
 * ```
 */
export function resolvePageRequest (input: PageRequestInput = {}): PageRequest {
  const options: PaginateOptions = isRequestLike(input) ? { request: input } : input
  const errorOut = options.errorOut ?? true
  const maxPerPage = options.maxPerPage ?? DEFAULT_MAX_PER_PAGE
  if (!isPositiveInteger(maxPerPage)) {
    throw new RangeError(`maxPerPage must be a positive integer, got ${String(maxPerPage)}`)
  }
  const query = options.request?.query
  const perPage = resolvePerPage(options, errorOut, maxPerPage)
  let page = resolveNumber('page', options.page ?? queryParameter(query, 'page'), DEFAULT_PAGE, errorOut)
  // Past 2^53 the offset would be rounded: no real table is that large, so treat it as garbage.
  if (!Number.isSafeInteger((page - 1) * perPage)) page = fallBack('page', DEFAULT_PAGE, errorOut)

  const offset = (page - 1) * perPage
  return Object.freeze({ page, perPage, offset, limit: perPage, errorOut })
}

/** `perPage` from the options, else the request's query string, lowered to `maxPerPage`. */
export function resolvePerPage (options: Pick<PaginateOptions, 'perPage' | 'request'>, errorOut: boolean, maxPerPage: number): number {
  return Math.min(
    options.perPage !== undefined && options.perPage !== null
      ? resolveNumber('perPage', options.perPage, DEFAULT_PER_PAGE, errorOut)
      : perPageOfQuery(options.request?.query, errorOut),
    maxPerPage
  )
}

/** A query-string parameter's first value (`?a=1&a=2` gives `'1'`). */
export function queryParameter (query: unknown, name: string): unknown {
  if (typeof query !== 'object' || query === null) return undefined
  const value: unknown = (query as Record<string, unknown>)[name]
  return Array.isArray(value) ? value[0] : value
}

export function isRequestLike (input: object): input is RequestLike {
  return 'query' in input
}

/** `perPage` from a query string, or its Flask spelling `per_page`; both at once is invalid. */
function perPageOfQuery (query: unknown, errorOut: boolean): number {
  const camel = queryParameter(query, 'perPage')
  const snake = queryParameter(query, 'per_page')
  if (camel !== undefined && camel !== null && snake !== undefined && snake !== null) {
    if (errorOut) throw new NotFoundError('Give perPage or per_page, not both')
    return DEFAULT_PER_PAGE
  }
  return resolveNumber(camel !== undefined && camel !== null ? 'perPage' : 'per_page', camel ?? snake, DEFAULT_PER_PAGE, errorOut)
}

function resolveNumber (name: string, value: unknown, defaultValue: number, errorOut: boolean): number {
  if (value === undefined || value === null) return defaultValue
  const parsed = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  return isPositiveInteger(parsed) ? parsed : fallBack(name, defaultValue, errorOut)
}

function fallBack (name: string, defaultValue: number, errorOut: boolean): number {
  if (errorOut) {
    throw new NotFoundError(`Invalid ${name}: expected a positive integer such as 1, 2 or 3`)
  }
  return defaultValue
}

function isPositiveInteger (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
}
