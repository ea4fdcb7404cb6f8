import { DriverNotInstalledError } from '../errors.ts'

/**
 * Imports a database driver package on first use, so that an app on SQLite never loads
 * pg or mysql2. A package that is not installed becomes a {@link DriverNotInstalledError}
 * naming the `npm install` to run.
 *
 * @example
 * ```ts
 * const pg = await loadDriver<typeof import('pg')>('pg', 'postgresql')
 * ```
 */
export async function loadDriver<T> (packageName: string, scheme: string): Promise<T> {
  try {
    const module = await import(packageName) as { default?: T }
    // CommonJS drivers (pg, better-sqlite3, mysql2) arrive as the default export.
    return (module.default ?? module) as T
  } catch (error) {
    if (isModuleNotFound(error, packageName)) throw new DriverNotInstalledError(packageName, scheme, error)
    throw error
  }
}

function isModuleNotFound (error: unknown, packageName: string): boolean {
  const { code, message } = error as { code?: unknown, message?: unknown }
  if (typeof message !== 'string' || !message.includes(`'${packageName}'`)) return false
  // Loader hooks (tsx) sometimes rethrow Node's resolution error without its code.
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /^Cannot find (package|module) /.test(message)
}
