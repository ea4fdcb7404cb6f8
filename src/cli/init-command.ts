import { initMigrations } from '../migration/migrations.ts'
import type { CliOutput } from './cli-output.ts'
import { loadAppModule } from './load-app.ts'

/** What `migrate --from-empty` prints after the file: the revision creates tables this database has. */
export const FROM_EMPTY_NEXT = 'Where the tables exist already, record this database as up to date: fastify-orm stamp head. A fresh database gets them with: fastify-orm upgrade'

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
