import { CheckViolationError, ConnectionLostError, DatabaseError, ForeignKeyViolationError, InvalidValueError, NotNullViolationError, type OrmError, StatementTimeoutError, UniqueViolationError } from '../../errors.ts'

// Server error numbers (MySQL and MariaDB share them unless noted).
const ER_DUP_ENTRY = 1062
const ER_BAD_NULL_ERROR = 1048
const ER_NO_DEFAULT_FOR_FIELD = 1364
const ER_ROW_IS_REFERENCED = 1451
const ER_NO_REFERENCED_ROW = 1452
const ER_ROW_IS_REFERENCED_OLD = 1217
const ER_NO_REFERENCED_ROW_OLD = 1216
const ER_CHECK_CONSTRAINT_VIOLATED = 3819 // MySQL 8
const ER_CONSTRAINT_FAILED = 4025 // MariaDB
// Strict mode's data errors: a client's value that the column cannot hold.
const ER_WARN_DATA_OUT_OF_RANGE = 1264
const ER_DATA_TOO_LONG = 1406
const ER_TRUNCATED_WRONG_VALUE_FOR_FIELD = 1366
const ER_TRUNCATED_WRONG_VALUE = 1292
const WARN_DATA_TRUNCATED = 1265
// The statement timeout cancelled the statement (not KILL QUERY, which is 1317).
const ER_STATEMENT_TIMEOUT = 1969 // MariaDB max_statement_time
const ER_QUERY_TIMEOUT = 3024 // MySQL max_execution_time

// The server ended the session: shutdown, KILL, or a wait/idle timeout.
const ER_SERVER_SHUTDOWN = 1053
const ER_CONNECTION_KILLED = 1927 // MariaDB
const ER_CLIENT_INTERACTION_TIMEOUT = 4031 // MySQL 8
const SESSION_ENDED = new Set([ER_SERVER_SHUTDOWN, ER_CONNECTION_KILLED, ER_CLIENT_INTERACTION_TIMEOUT])
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', 'PROTOCOL_CONNECTION_LOST'])

/**
 * True when `error` means the connection is gone: mysql2 flags every error that closes
 * its connection `fatal` (a lost socket, a command on a closed connection).
 */
export function isConnectionFailure (error: unknown): boolean {
  const { errno, code, fatal } = error as { errno?: unknown, code?: unknown, fatal?: unknown }
  return fatal === true || SESSION_ENDED.has(errno as number) || (typeof code === 'string' && NETWORK_CODES.has(code))
}

/**
 * Maps mysql2 errors by server error number. Messages embed the offending value
 * ("Duplicate entry 'bob' for key 'username'"); only names are kept.
 *
 * @example
 * ```ts
 * translateMysqlError(err) // UniqueViolationError { constraint: 'username' }
 * ```
 */
export function translateMysqlError (error: unknown): OrmError {
  const { errno, message: rawMessage } = error as { errno?: unknown, message?: unknown }
  const message = typeof rawMessage === 'string' ? rawMessage : ''
  switch (errno) {
    case ER_DUP_ENTRY: {
      // MySQL 8 says "for key 'table.key'", MariaDB "for key 'key'".
      const key = /for key '([^']+)'$/.exec(message)?.[1]
      const [table, constraint] = key?.includes('.') ? key.split('.', 2) : [undefined, key]
      return new UniqueViolationError({ table, constraint }, error)
    }
    case ER_BAD_NULL_ERROR:
    case ER_NO_DEFAULT_FOR_FIELD: {
      const column = /(?:Column|Field) '([^']+)'/.exec(message)?.[1]
      return new NotNullViolationError({ columns: column ? [column] : undefined }, error)
    }
    case ER_ROW_IS_REFERENCED:
    case ER_NO_REFERENCED_ROW:
    case ER_ROW_IS_REFERENCED_OLD:
    case ER_NO_REFERENCED_ROW_OLD: {
      // "… fails (`db`.`post`, CONSTRAINT `fk_name` FOREIGN KEY (`user_id`) REFERENCES …"
      const parsed = /\(`[^`]*`\.`([^`]+)`, CONSTRAINT `([^`]+)` FOREIGN KEY \(([^)]+)\)/.exec(message)
      return new ForeignKeyViolationError(parsed
        ? { table: parsed[1], constraint: parsed[2], columns: parsed[3]?.split(',').map((c) => c.trim().replace(/`/g, '')) }
        : {}, error)
    }
    case ER_CHECK_CONSTRAINT_VIOLATED:
      // MySQL 8: "Check constraint 'product_chk_1' is violated."
      return new CheckViolationError({ constraint: /Check constraint '([^']+)'/.exec(message)?.[1] }, error)
    case ER_CONSTRAINT_FAILED: {
      // MariaDB: "CONSTRAINT `price_check` failed for `db`.`product`". MySQL 8 uses 4025 for
      // an unrelated InnoDB error, so only that message shape is a check violation.
      const parsed = /^CONSTRAINT `([^`]+)` failed for `[^`]*`\.`([^`]+)`/.exec(message)
      if (parsed) return new CheckViolationError({ constraint: parsed[1], table: parsed[2] }, error)
      return new DatabaseError(error)
    }
    case ER_WARN_DATA_OUT_OF_RANGE:
    case ER_DATA_TOO_LONG:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_TRUNCATED_WRONG_VALUE:
    case WARN_DATA_TRUNCATED:
      return new InvalidValueError(error)
    case ER_STATEMENT_TIMEOUT:
    case ER_QUERY_TIMEOUT:
      return new StatementTimeoutError(error)
    default:
      return isConnectionFailure(error) ? new ConnectionLostError(error) : new DatabaseError(error)
  }
}
