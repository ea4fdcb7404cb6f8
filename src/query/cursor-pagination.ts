import { DEFAULT_MAX_PER_PAGE, isRequestLike, queryParameter, resolvePerPage, type RequestLike } from './page-request.ts'

/**
 * What `cursorPaginate` accepts besides a bare request: the cursor of the page to show
 * (none: the first page), and the page size as `paginate` reads it.
 *
 * @example
 * ```ts
 * const options: CursorPaginateOptions = { cursor: previous.nextCursor, perPage: 50 }
 * ```
 */
export interface CursorPaginateOptions {
  /** A `nextCursor` or `prevCursor` of an earlier page. Default: the request's `cursor` parameter, else the first page. */
  cursor?: string | null
  /** Items per page. Default: the request's `perPage` (or `per_page`) parameter, else 20. */
  perPage?: number | string | null
  /** Larger `perPage` values are lowered to this. Default 100. */
  maxPerPage?: number
  /** Read `cursor` and `perPage` from this request's query string where not given above. */
  request?: RequestLike
}

/** The argument of `cursorPaginate`: the options, or a request whose query string says which page. */
export type CursorPageInput = CursorPaginateOptions | (RequestLike & { readonly [K in keyof CursorPaginateOptions]?: never })

/** A validated cursor page request. */
export interface CursorPageRequest {
  readonly cursor: string | undefined
  readonly perPage: number
}

/**
 * Reads the cursor and the page size; a bad `perPage` is a 404, as in `paginate`.
 *
 * @example
 * ```ts
 * resolveCursorRequest({ query: { cursor: 'eyJ…', perPage: '10' } }) // { cursor: 'eyJ…', perPage: 10 }
 * ```
 */
export function resolveCursorRequest (input: CursorPageInput = {}): CursorPageRequest {
  const options: CursorPaginateOptions = isRequestLike(input) ? { request: input } : input
  const maxPerPage = options.maxPerPage ?? DEFAULT_MAX_PER_PAGE
  if (!Number.isSafeInteger(maxPerPage) || maxPerPage < 1) throw new RangeError(`maxPerPage must be a positive integer, got ${String(maxPerPage)}`)
  const perPage = resolvePerPage(options, true, maxPerPage)
  const cursor: unknown = options.cursor ?? queryParameter(options.request?.query, 'cursor')
  return { cursor: typeof cursor === 'string' && cursor !== '' ? cursor : undefined, perPage }
}

/**
 * The JSON form of a {@link CursorPagination}.
 *
 * @example
 * ```ts
 * const body: CursorPaginationJSON<Post> = (await request.db.query(Post).orderBy('id', 'desc').cursorPaginate(request)).toJSON()
 * ```
 */
export interface CursorPaginationJSON<T> {
  items: T[]
  readonly perPage: number
  readonly nextCursor: string | null
  readonly prevCursor: string | null
  readonly hasNext: boolean
  readonly hasPrev: boolean
}

/**
 * One page of keyset (cursor) pagination: its items and the opaque cursors of the pages
 * on either side. Immutable, like {@link Pagination}.
 */
export class CursorPagination<T> {
  readonly items: readonly T[]
  readonly perPage: number
  /** The cursor of the next page, or null on the last. */
  readonly nextCursor: string | null
  /** The cursor of the previous page, or null on the first. */
  readonly prevCursor: string | null

  constructor (init: { items: readonly T[], perPage: number, nextCursor: string | null, prevCursor: string | null }) {
    this.items = Object.freeze([...init.items])
    this.perPage = init.perPage
    this.nextCursor = init.nextCursor
    this.prevCursor = init.prevCursor
    Object.freeze(this)
  }

  get hasNext (): boolean {
    return this.nextCursor !== null
  }

  get hasPrev (): boolean {
    return this.prevCursor !== null
  }

  toJSON (): CursorPaginationJSON<T> {
    return { items: [...this.items], perPage: this.perPage, nextCursor: this.nextCursor, prevCursor: this.prevCursor, hasNext: this.hasNext, hasPrev: this.hasPrev }
  }
}
