import { ConfigurationError } from '../errors.ts'

/** The plugin's `devPage` option: `true` serves the page under `/_db`. */
export interface DevPageOptions {
  /** Where the page is served (default `/_db`). */
  prefix?: string
  /** Serve it even when `NODE_ENV` is `production` (default false). */
  force?: boolean
  /** How many recent requests the page keeps (default 50). */
  requests?: number
}

/** The dev page's settings once defaults are applied. */
export interface ResolvedDevPage {
  readonly prefix: string
  readonly requests: number
}

/** What {@link resolveDevPage} decided. */
export type DevPageDecision =
  | { readonly serve: true, readonly page: ResolvedDevPage }
  | { readonly serve: false, readonly reason: 'not enabled' | 'production' }

export const DEFAULT_DEV_PAGE_PREFIX = '/_db'
export const DEFAULT_DEV_PAGE_REQUESTS = 50
const MAX_REQUESTS = 10_000

/**
 * Validates the `devPage` option and decides whether the page is served: never when the
 * option is absent or false, and not in production (`NODE_ENV=production`) unless forced,
 * since the page shows SQL, request URLs and the database's address.
 *
 * @example
 * ```ts
 * resolveDevPage(true, 'development') // { serve: true, page: { prefix: '/_db', requests: 50 } }
 * resolveDevPage(true, 'production')  // { serve: false, reason: 'production' }
 * ```
 */
export function resolveDevPage (option: boolean | DevPageOptions | undefined, nodeEnv: string | undefined): DevPageDecision {
  if (option === undefined || option === false) return { serve: false, reason: 'not enabled' }
  if (option !== true && (typeof option !== 'object' || option === null)) {
    throw new ConfigurationError('The devPage option is true or an object such as { prefix: \'/_db\', requests: 50 }.')
  }
  const settings: DevPageOptions = option === true ? {} : option
  const prefix = (settings.prefix ?? DEFAULT_DEV_PAGE_PREFIX).replace(/\/+$/, '')
  if (!/^\/[A-Za-z0-9._~\-/]+$/.test(prefix) || prefix.includes('//')) {
    throw new ConfigurationError(`devPage.prefix must be a path such as '/_db' (a slash, then letters, digits, '.', '_', '~', '-' or '/'); got ${JSON.stringify(settings.prefix)}.`)
  }
  const requests = settings.requests ?? DEFAULT_DEV_PAGE_REQUESTS
  if (!Number.isInteger(requests) || requests < 0 || requests > MAX_REQUESTS) {
    throw new ConfigurationError(`devPage.requests is how many recent requests the page keeps: an integer from 0 to ${MAX_REQUESTS}; got ${String(settings.requests)}.`)
  }
  if (nodeEnv === 'production' && settings.force !== true) return { serve: false, reason: 'production' }
  return { serve: true, page: { prefix, requests } }
}
