import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { MigrationError } from '../errors.ts'
import { bindMigrationsDir } from '../migration/bind-folder.ts'
import type { AppModule } from './load-app.ts'
import { UsageError } from './usage-error.ts'

/** One database the migration commands work on: the default one or a bind. */
export interface CliDatabase {
  /** `'default'`, or the bind's name. */
  readonly name: string
  /** Undefined for the default database when neither --url, DATABASE_URL nor `databaseUrl` gives one. */
  readonly url: string | undefined
  /** Its revision folder: the migrations folder for the default database, `<folder>/<bind>` for a bind. */
  readonly dir: string
}

/**
 * The environment variable that overrides a bind's URL, as DATABASE_URL overrides the
 * default database's: `DATABASE_URL_` and the bind's name in capitals, other characters
 * than letters and digits as `_`.
 *
 * @example
 * ```ts
 * bindUrlVariable('analytics') // 'DATABASE_URL_ANALYTICS'
 * ```
 */
export function bindUrlVariable (bind: string): string {
  return `DATABASE_URL_${bind.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
}

/**
 * The default database, then each bind of the app module's `binds` export, with its URL
 * (`urlOptions[name]` — `--url` with `--bind` — first, then its env variable) and its
 * folder. Replicas are left out: revisions run on the primary.
 *
 * @example
 * ```ts
 * cliDatabases(app, 'sqlite:///app.db', 'migrations', process.env)
 * // [{ name: 'default', dir: 'migrations', … }, { name: 'analytics', dir: 'migrations/analytics', … }]
 * ```
 */
export function cliDatabases (
  app: AppModule, url: string | undefined, dir: string, env: NodeJS.ProcessEnv, urlOptions: Readonly<Record<string, string>> = {}
): CliDatabase[] {
  const binds = Object.entries(app.binds).map(([name, bind]): CliDatabase => {
    const fromEnv = env[bindUrlVariable(name)]
    const exported = typeof bind === 'object' && bind !== null ? bind.url : bind
    const fromOption = Object.hasOwn(urlOptions, name) ? urlOptions[name] : undefined
    return { name, url: fromOption ?? (fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : exported), dir: bindMigrationsDir(dir, name) }
  })
  return [{ name: 'default', url, dir }, ...binds]
}

/** The binds' URLs as the plugin's `binds` option takes them. */
export function bindsOption (databases: readonly CliDatabase[]): Record<string, string> {
  return Object.fromEntries(databases.filter((database) => database.name !== 'default').map((database) => [database.name, database.url as string]))
}

/**
 * The database `--bind NAME` names (`default` is the default database), the default one
 * without `--bind`. An unknown name is a usage error listing the known ones.
 *
 * @example
 * ```ts
 * selectDatabase(databases, 'analytics').dir // 'migrations/analytics'
 * ```
 */
export function selectDatabase (databases: readonly CliDatabase[], bind: string | undefined): CliDatabase {
  const name = bind ?? 'default'
  const database = databases.find((candidate) => candidate.name === name)
  if (database !== undefined) return database
  const known = databases.filter((candidate) => candidate.name !== 'default').map((candidate) => candidate.name)
  if (known.length === 0) {
    throw new UsageError(`--bind ${name}: the app module exports no binds. Export the object you give the plugin's binds option: export const binds = { ${name}: 'postgresql://…' }`)
  }
  throw new UsageError(`Unknown bind "${name}". Known binds: ${known.join(', ')} (and default, the main database).`)
}

/**
 * Fails unless a bind's revision folder exists, naming the command that creates it. The
 * default database's missing folder is reported where it is read, as without binds.
 */
export function requireBindFolder (database: CliDatabase): void {
  if (database.name !== 'default' && !existsSync(resolve(database.dir))) throw new MigrationError(noBindFolder(database))
}

/** What to do about a bind without its revision folder. */
export function noBindFolder (database: CliDatabase): string {
  return `Bind "${database.name}" has no migrations folder (${resolve(database.dir)}). Create it with: fastify-orm init --multidb`
}
