import { existsSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { MigrationError } from '../errors.ts'
import { bindMigrationsDir } from '../migration/bind-folder.ts'
import { initMigrations } from '../migration/migrations.ts'
import type { CliOutput } from './cli-output.ts'
import { loadAppModule } from './load-app.ts'
import { UsageError } from './usage-error.ts'

/**
 * `fastify-orm init`: creates the migrations folder the other commands will read: `--dir`,
 * else the app module's `migrationsDir` export (when `--app` or FASTIFY_ORM_APP names one),
 * else ./migrations. Returns the exit code.
 *
 * @example
 * ```ts
 * await initCommand(undefined, 'app.ts', STDIO) // creates the folder app.ts exports as migrationsDir
 * ```
 */
export async function initCommand (dir: string | undefined, appPath: string | undefined, output: CliOutput): Promise<number> {
  const folder = dir ?? (appPath ? (await loadAppModule(appPath)).migrationsDir : undefined) ?? 'migrations'
  output.out(`Created ${initMigrations(folder)}. Next: fastify-orm migrate -m "Initial migration"`)
  return 0
}

/**
 * `fastify-orm init --multidb`: the migrations folder of the default database and, in it,
 * one folder per bind the app module exports. Folders that exist are kept, so that a bind
 * added later gets its folder by running it again; fails when every one exists already.
 *
 * @example
 * ```ts
 * await initMultidbCommand(undefined, 'app.ts', STDIO) // migrations/, migrations/analytics/
 * ```
 */
export async function initMultidbCommand (dir: string | undefined, appPath: string | undefined, output: CliOutput): Promise<number> {
  if (!appPath) throw new UsageError('init --multidb reads the binds from the app module: pass --app path/to/app.ts or set FASTIFY_ORM_APP.')
  const app = await loadAppModule(appPath)
  const binds = Object.keys(app.binds)
  if (binds.length === 0) {
    throw new UsageError(`init --multidb: ${appPath} exports no binds. Export the object you give the plugin's binds option (export const binds = { analytics: 'postgresql://…' }), or run plain init.`)
  }
  const base = dir ?? app.migrationsDir ?? 'migrations'
  const folders = ['default', ...binds].map((name) => ({ name, folder: resolve(bindMigrationsDir(base, name)) }))
  const missing = folders.filter(({ folder }) => !existsSync(folder))
  if (missing.length === 0) throw new MigrationError(`Every migrations folder exists already: ${folders.map(({ folder }) => folder).join(', ')}.`)
  for (const { name, folder } of missing) {
    mkdirSync(folder, { recursive: true })
    output.out(`Created ${folder}${name === 'default' ? '' : ` (bind ${name})`}`)
  }
  output.out('Next: fastify-orm migrate -m "Initial migration" (a revision in each database\'s folder)')
  return 0
}
