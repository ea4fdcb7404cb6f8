import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MigrationError } from '../errors.ts'
import type { MigrationContext } from './migration-context.ts'

/**
 * One revision file: its id, its parents' ids (none for a first revision, several for a
 * merge), and how to apply and revert it.
 */
export interface Revision {
  readonly revision: string
  /** The file's `parent` export as a list: `null` is `[]`, `'a1b2'` is `['a1b2']`. */
  readonly parents: readonly string[]
  readonly message: string
  readonly createdAt: string | undefined
  /** Absolute path of the file. */
  readonly file: string
  up (context: MigrationContext): Promise<void>
  down (context: MigrationContext): Promise<void>
}

const REVISION_FILE = /\.(ts|mts|js|mjs)$/
const DECLARATION_FILE = /\.d\.[mc]?ts$/

/**
 * A new revision id: 12 hex digits, like Alembic's, random so that two branches never collide.
 *
 * @example
 * ```ts
 * newRevisionId() // '3f2a9c1b7d20'
 * ```
 */
export function newRevisionId (): string {
  return randomBytes(6).toString('hex')
}

/**
 * The file name of a revision: its id and a slug of the message, `3f2a9c1b7d20_add_mpa_to_movie.ts`.
 *
 * @example
 * ```ts
 * revisionFileName('3f2a9c1b7d20', 'Add mpa to Movie!', 'ts') // '3f2a9c1b7d20_add_mpa_to_movie.ts'
 * ```
 */
export function revisionFileName (revision: string, message: string, language: 'ts' | 'js'): string {
  const slug = message.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40)
  return `${revision}${slug ? `_${slug}` : ''}.${language}`
}

/**
 * The revision files of `dir` (absolute paths, sorted by name); none when the folder does
 * not exist.
 *
 * @example
 * ```ts
 * revisionFiles('migrations') // ['/app/migrations/3f2a9c1b7d20_initial.ts', …]
 * ```
 */
export function revisionFiles (dir: string): string[] {
  const folder = resolve(dir)
  if (!existsSync(folder)) return []
  return readdirSync(folder).filter((name) => REVISION_FILE.test(name) && !DECLARATION_FILE.test(name)).sort().map((name) => join(folder, name))
}

/**
 * The URL a revision file is imported by: its mtime and size in the query, so that a
 * long-lived process (tests, the shell) sees an edited revision. The CLI imports revisions
 * by the same URL first, to load them through tsx where Node's type stripping cannot.
 *
 * @example
 * ```ts
 * revisionModuleUrl('/app/migrations/3f2a9c1b7d20_initial.ts') // 'file:///app/migrations/3f2a9c1b7d20_initial.ts?mtime=…'
 * ```
 */
export function revisionModuleUrl (file: string): string {
  const { mtimeMs, size } = statSync(file)
  return `${pathToFileURL(file).href}?mtime=${mtimeMs}-${size}`
}

/**
 * Imports one revision file and checks its exports.
 *
 * @example
 * ```ts
 * const revision = await importRevision('/app/migrations/3f2a9c1b7d20_initial.ts')
 * ```
 */
export async function importRevision (file: string): Promise<Revision> {
  let module: Record<string, unknown>
  try {
    module = await import(revisionModuleUrl(file)) as Record<string, unknown>
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new MigrationError(`Cannot import ${file}: Node needs a TypeScript loader for .ts revisions. Run through tsx (npm install -D tsx), or write revisions in .js.`, { cause: error })
    }
    if (code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' || code === 'ERR_INVALID_TYPESCRIPT_SYNTAX') {
      throw new MigrationError(
        `Cannot import ${file}: Node strips TypeScript types but this revision needs more (${(error as Error).message.split('\n')[0]}). ` +
        'Keep revisions to syntax that only needs its types removed (no enums, namespaces or parameter properties), or load them through tsx (node --import tsx; the fastify-orm CLI uses tsx by itself when it is installed).',
        { cause: error }
      )
    }
    throw new MigrationError(`Cannot import revision ${file}: ${(error as Error).message}`, { cause: error })
  }
  const { revision, parent, message, createdAt, up, down } = module
  const problems: string[] = []
  if (typeof revision !== 'string' || revision === '') problems.push('export const revision = \'<id>\'')
  const parents = parent === null ? [] : typeof parent === 'string' ? [parent] : parent
  if (!Array.isArray(parents) || parents.some((id) => typeof id !== 'string' || id === '')) {
    problems.push('export const parent = \'<parent id>\' (null for the first revision, an array of ids for a merge)')
  }
  if (typeof up !== 'function') problems.push('export async function up (context)')
  if (typeof down !== 'function') problems.push('export async function down (context)')
  if (problems.length > 0) throw new MigrationError(`Revision file ${file} lacks: ${problems.join('; ')}.`)
  return {
    revision: revision as string,
    parents: parents as string[],
    message: typeof message === 'string' ? message : '',
    createdAt: typeof createdAt === 'string' ? createdAt : undefined,
    file,
    up: up as Revision['up'],
    down: down as Revision['down']
  }
}
