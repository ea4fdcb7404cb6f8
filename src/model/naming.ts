/** How property names become column names. */
export type Naming = 'preserve' | 'snake_case'

/**
 * CamelCase → snake_case, at run time and (as {@link SnakeCase}) at compile time, by one
 * rule: an underscore goes before an upper-case letter that follows a lower-case letter or
 * a digit. `BlogPost` → `blog_post`, `userId` → `user_id`, `HTTPLog` → `httplog`.
 *
 * @example
 * ```ts
 * snakeCase('passwordHash') // 'password_hash'
 * ```
 */
export function snakeCase (name: string): string {
  return name.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase()
}

type Lower = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i' | 'j' | 'k' | 'l' | 'm' | 'n' | 'o' | 'p' | 'q' | 'r' | 's' | 't' | 'u' | 'v' | 'w' | 'x' | 'y' | 'z'
type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9'
type IsUpper<C extends string> = C extends Lowercase<C> ? false : true

/** {@link snakeCase} at the type level. */
export type SnakeCase<S extends string, Prev extends string = ''> =
  S extends `${infer Head}${infer Tail}`
    ? `${IsUpper<Head> extends true ? (Prev extends Lower | Digit ? '_' : '') : ''}${Lowercase<Head>}${SnakeCase<Tail, Head>}`
    : ''

const MAX_IDENTIFIER = 63 // PostgreSQL's limit; MySQL allows 64

/**
 * Names of constraints and indexes, one convention for every dialect (Alembic's
 * recommended one), so that autogenerate can compare them:
 * `pk_<table>`, `uq_<table>_<columns>`, `ix_<table>_<columns>`, `fk_<table>_<columns>_<referenced>`,
 * `ck_<table>_<name>`. Names longer than 63 characters are shortened with a hash suffix.
 *
 * @example
 * ```ts
 * constraintName('uq', 'user', ['email']) // 'uq_user_email'
 * ```
 */
export function constraintName (prefix: 'pk' | 'uq' | 'ix' | 'fk' | 'ck', table: string, parts: readonly string[]): string {
  const name = [prefix, table, ...parts].join('_')
  if (name.length <= MAX_IDENTIFIER) return name
  return `${name.slice(0, MAX_IDENTIFIER - 9)}_${hash(name)}`
}

function hash (text: string): string {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return (h >>> 0).toString(16).padStart(8, '0')
}
