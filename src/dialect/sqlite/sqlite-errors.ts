import { ConnectionError, DatabaseError, type ConstraintDetails, CheckViolationError, ForeignKeyViolationError, NotNullViolationError, type OrmError, UniqueViolationError } from '../../errors.ts'

/**
 * Maps better-sqlite3's `SqliteError` (extended result codes) to fastify-orm errors.
 * Messages look like "UNIQUE constraint failed: user.username, user.email".
 *
 * @example
 * ```ts
 * translateSqliteError(err) // UniqueViolationError { table: 'user', columns: ['username'] }
 * ```
 */
export function translateSqliteError (error: unknown): OrmError {
  const { code, message } = error as { code?: unknown, message?: unknown }
  if (typeof code !== 'string' || typeof message !== 'string') return new DatabaseError(error)
  switch (code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return new UniqueViolationError(columnsFrom(message), error)
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return new NotNullViolationError(columnsFrom(message), error)
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return new ForeignKeyViolationError({}, error)
    case 'SQLITE_CONSTRAINT_TRIGGER':
      // ON DELETE/UPDATE RESTRICT is enforced by a trigger-like action, reported under that code.
      return message.startsWith('FOREIGN KEY constraint failed') ? new ForeignKeyViolationError({}, error) : new DatabaseError(error)
    case 'SQLITE_CONSTRAINT_CHECK': {
      const name = /constraint failed: (.+)$/.exec(message)?.[1]
      return new CheckViolationError(name ? { constraint: name } : {}, error)
    }
    case 'SQLITE_BUSY':
    case 'SQLITE_BUSY_SNAPSHOT':
    case 'SQLITE_BUSY_TIMEOUT':
      // Another process held the write lock for longer than busy_timeout: unavailable, not wrong.
      return new ConnectionError('The database is busy (another process holds its write lock); try again', { cause: error, code: 'ORM_DATABASE_BUSY' })
    default:
      return new DatabaseError(error)
  }
}

function columnsFrom (message: string): ConstraintDetails {
  const list = /constraint failed: (.+)$/.exec(message)?.[1]
  if (!list) return {}
  // A unique index on expressions is reported by name: "UNIQUE constraint failed: index 'x'".
  const index = /^index '(.+)'$/.exec(list)?.[1]
  if (index !== undefined) return { constraint: index }
  const qualified = list.split(',').map((part) => part.trim().split('.'))
  const table = qualified[0]?.length === 2 ? qualified[0][0] : undefined
  return { table, columns: qualified.map((parts) => parts[parts.length - 1] ?? '') }
}
