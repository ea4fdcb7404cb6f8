import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AnyModel } from '../model/define-model.ts'
import type { ModelRelations } from '../model/relations.ts'
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
}

let typescriptLoader: Promise<void> | undefined

/**
 * Imports the app module. A `.ts` module needs a TypeScript loader: when the process has
 * none, tsx's is registered (tsx must be installed, as it is for `tsx server.ts`).
 *
 * @example
 * ```ts
 * const app = await loadAppModule('example-app/app.ts')
 * app.models // { Movie, User, … }
 * ```
 */
export async function loadAppModule (path: string): Promise<AppModule> {
  const file = resolve(path)
  if (!existsSync(file)) throw new UsageError(`The app module ${path} does not exist (--app or FASTIFY_ORM_APP).`)
  if (/\.[mc]?ts$/.test(file)) await registerTypescript()
  // The file's mtime in the URL: the shell or a test that edits the models sees the edit.
  const { mtimeMs } = statSync(file)
  const exports = await import(`${pathToFileURL(file).href}?mtime=${mtimeMs}`) as Record<string, unknown>
  const models = exports.models
  if (models === null || typeof models !== 'object') {
    throw new UsageError(`The app module ${path} has no "models" export. Export the object you give the plugin: export const models = { User, Post, … }`)
  }
  const text = (name: string): string | undefined => typeof exports[name] === 'string' ? exports[name] as string : undefined
  return {
    exports,
    models: models as AppModule['models'],
    databaseUrl: text('databaseUrl'),
    migrationsDir: text('migrationsDir')
  }
}

/** Makes `.ts` files importable in this process (revisions too), once. */
export function registerTypescript (): Promise<void> {
  typescriptLoader ??= (async () => {
    if (process.execArgv.some((arg) => arg.includes('tsx')) || process.env.TSX_TSCONFIG_PATH !== undefined) return
    let api: { register: () => unknown }
    try {
      api = await import('tsx/esm/api') as { register: () => unknown }
    } catch (error) {
      throw new UsageError('Loading a .ts app or revision needs tsx: npm install -D tsx (or compile to .js and point --app at that).', { cause: error })
    }
    api.register()
  })()
  return typescriptLoader
}
