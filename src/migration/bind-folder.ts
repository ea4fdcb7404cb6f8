import { join } from 'node:path'

/**
 * The folder of a database's revisions: the migrations folder itself for the default
 * database (so a project without binds keeps its layout), a subfolder named after the bind
 * for each bind, whose revisions form a chain of their own.
 *
 * @example
 * ```ts
 * bindMigrationsDir('migrations', 'default') // 'migrations'
 * bindMigrationsDir('migrations', 'analytics') // 'migrations/analytics'
 * ```
 */
export function bindMigrationsDir (dir: string | undefined, bind: string): string {
  const base = dir ?? 'migrations'
  return bind === 'default' ? base : join(base, bind)
}
