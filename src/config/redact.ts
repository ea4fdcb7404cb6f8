/**
 * Replaces the password of a database URL with `***`. Works on malformed URLs too, since
 * it is used to print the URLs that failed to parse.
 *
 * @example
 * ```ts
 * redactUrl('postgresql://app:s3cret@db/app') // 'postgresql://app:***@db/app'
 * ```
 */
export function redactUrl (url: string): string {
  // The password runs from the first ":" after "scheme://" to the last "@": it may itself
  // contain "@", "/" or ":", and so may a user name ("me@corp.com"). Without "//" the URL is
  // malformed ("user:pass@host", "postgresql:user:pass@host"), so everything from the first
  // ":" is suspect. Redacting too much (an "@" in the query string) is the safe mistake.
  const at = url.lastIndexOf('@')
  if (at === -1) return url
  const start = /^[^:/?#@]+:\/\//.exec(url)?.[0].length ?? 0
  const colon = url.indexOf(':', start)
  return colon === -1 || colon > at ? url : `${url.slice(0, colon + 1)}***${url.slice(at)}`
}

/**
 * Removes every occurrence of `secret` from `text`. Driver messages are passed through it
 * before they are shown, in case a driver echoes its connection settings.
 *
 * @example
 * ```ts
 * redactSecret('auth failed for s3cret', 's3cret') // 'auth failed for ***'
 * ```
 */
export function redactSecret (text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('***') : text
}
