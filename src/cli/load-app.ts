import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { revisionFiles, revisionModuleUrl } from '../migration/revision.ts'
import type { BindOptions } from '../config/resolve-config.ts'
import type { AnyModel } from '../model/define-model.ts'
import type { ModelRelations } from '../model/relations.ts'
import { importTypescript } from './typescript-loader.ts'
import { UsageError } from './usage-error.ts'

/** What the CLI reads from the app module named by `--app` / `FASTIFY_ORM_APP`. */
export interface AppModule {
  /** Every export, for the shell's globals. */
  readonly exports: Readonly<Record<string, unknown>>
  /** The `models` export: the object given to the plugin's `models` option. */
  readonly models: Readonly<Record<string, AnyModel | ModelRelations>>
  /** An optional `databaseUrl` export, used when neither `--url` nor `DATABASE_URL` is set. */
  readonly databaseUrl: string | undefined
  /** An optional `migrationsDir` export, used when `--dir` is not given. */
  readonly migrationsDir: string | undefined
  /** An optional `binds` export: the object given to the plugin's `binds` option (`{}` without it). */
  readonly binds: Readonly<Record<string, string | BindOptions>>
}

/**
 * Imports the app module. A `.ts` module is loaded by Node's own type stripping where Node
 * has it (22.18+, 24), and through tsx on older Nodes or where the module needs more than
 * its types removed (see {@link importTypescript}).
 *
 * @example
 * ```ts
 * const app = await loadAppModule('example-app/app.ts')
 * app.models // { Movie, User, … }
 * ```
 */
export async function loadAppModule (path: string, debug?: (line: string) => void, options: { shared?: boolean } = {}): Promise<AppModule> {
  const file = resolve(path)
  if (!existsSync(file)) throw new UsageError(`The app module ${path} does not exist (--app or FASTIFY_ORM_APP).`)
  // The file's mtime in the URL: a test that edits the models and runs the CLI again in its
  // process sees the edit. `shared`: the plain URL, so a script that imports the app module
  // gets the same models as the CLI registered (another URL is another module instance).
  const { mtimeMs } = statSync(file)
  const url = pathToFileURL(file).href
  const exports = await importTypescript(options.shared === true ? url : `${url}?mtime=${mtimeMs}`, debug, true)
  const models = exports.models
  if (models === null || typeof models !== 'object') {
    throw new UsageError(`The app module ${path} has no "models" export. Export the object you give the plugin: export const models = { User, Post, … }`)
  }
  const text = (name: string): string | undefined => typeof exports[name] === 'string' ? exports[name] as string : undefined
  const binds = exports.binds ?? {}
  if (binds === null || typeof binds !== 'object' || Array.isArray(binds)) {
    throw new UsageError(`The "binds" export of ${path} must be the object you give the plugin: export const binds = { analytics: 'postgresql://…' }`)
  }
  return {
    exports,
    models: models as AppModule['models'],
    databaseUrl: text('databaseUrl'),
    migrationsDir: text('migrationsDir'),
    binds: binds as AppModule['binds']
  }
}

/**
 * Tries the `.ts` revisions of `dir` before the migration runner imports them: when one
 * needs more than type stripping, tsx is registered here, so the runner's own import of it
 * goes through tsx. The trial uses another URL than the runner's (a failed import stays in
 * Node 22's module cache under its URL); a strippable revision is thus stripped twice, a few
 * milliseconds. Failures are left to the runner, which reports them with the file's name.
 *
 * @example
 * ```ts
 * await preloadRevisions('example-app/migrations')
 * ```
 */
export async function preloadRevisions (dir: string, debug?: (line: string) => void): Promise<void> {
  const typescript = revisionFiles(dir).filter((file) => /\.[mc]?ts$/.test(file))
  await Promise.all(typescript.map((file) => importTypescript(`${revisionModuleUrl(file)}&trial`, debug).catch(() => undefined)))
}
