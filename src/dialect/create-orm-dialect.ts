import type { ResolvedDatabaseConfig } from '../config/resolve-config.ts'
import { createMysqlDialect } from './mysql/mysql-dialect.ts'
import type { OrmDialect } from './orm-dialect.ts'
import { createPostgresDialect } from './postgres/postgres-dialect.ts'
import { createSqliteDialect } from './sqlite/sqlite-dialect.ts'

/**
 * The one place that picks a database implementation. Each implementation imports its
 * driver package lazily, so only the driver in use is loaded.
 *
 * @example
 * ```ts
 * const dialect = await createOrmDialect(config.default, (err) => log.error(err))
 * ```
 */
export function createOrmDialect (config: ResolvedDatabaseConfig, onIdleClientError: (error: Error) => void): Promise<OrmDialect> {
  const { url } = config
  switch (url.dialect) {
    case 'sqlite': return createSqliteDialect(url)
    case 'postgres': return createPostgresDialect(url, config, onIdleClientError)
    case 'mysql': return createMysqlDialect(url, config, onIdleClientError)
  }
}
