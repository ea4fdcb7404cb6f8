import { OrmError } from './orm-error.ts'

// What the database refused or could not do, as each dialect's error translation reports it.

/**
 * The database could not be reached, or no pooled connection became free in time.
 *
 * @example
 * ```ts
 * // ready() rejects: Could not connect to postgresql://app:***@db:5432/app: connect ECONNREFUSED
 * ```
 */
export class ConnectionError extends OrmError {
  /**
   * What an operator needs and a client must not see: the database URL (password
   * redacted) and the driver's reason. Logged with the error (it is an own property),
   * never part of the reply, whose message stays generic.
   */
  readonly detail: string | undefined

  constructor (message: string, options?: { cause?: unknown, statusCode?: number, code?: string, detail?: string }) {
    super(message, options?.code ?? 'ORM_CONNECTION', options?.statusCode ?? 503, options)
    this.detail = options?.detail
  }
}

/**
 * The connection broke while in use: the server restarted, an administrator or a timeout
 * (`idle_in_transaction_session_timeout`, `wait_timeout`) closed it, or the network failed.
 * Replies 503. The connection is discarded, never returned to the pool. A read that was the
 * only statement on its connection, outside a transaction, is retried once on a new
 * connection before this is thrown; a write never is, and a COMMIT that fails this way may
 * or may not have been applied.
 *
 * @example
 * ```ts
 * // PostgreSQL restarted during the request → 503 {"code":"ORM_CONNECTION_LOST", …}
 * ```
 */
export class ConnectionLostError extends ConnectionError {
  constructor (cause: unknown) {
    super('The database connection was lost during this request; a write it sent may or may not have been saved', { cause, code: 'ORM_CONNECTION_LOST' })
  }
}

/**
 * No connection became free within `pool.acquireTimeoutMs`. Replies 503.
 *
 * @example
 * ```ts
 * await app.register(fastifyOrm, { url, pool: { max: 10, acquireTimeoutMs: 2000 } })
 * ```
 */
export class PoolTimeoutError extends ConnectionError {
  constructor (timeoutMs: number, max: number | undefined) {
    super(
      `Timed out after ${timeoutMs} ms waiting for a database connection` +
        (max === undefined ? '' : ` (pool max ${max})`) +
        '. Raise pool.max or pool.acquireTimeoutMs, or hold connections for less time.',
      { code: 'ORM_POOL_TIMEOUT' }
    )
  }
}

/**
 * The server cancelled a statement that ran longer than `statementTimeoutMs` (PostgreSQL
 * `statement_timeout`, MariaDB `max_statement_time`, MySQL `max_execution_time`). Replies
 * 503: the database is too slow for this request right now. The connection stays usable;
 * in a transaction, the transaction has failed and is rolled back. The message never
 * carries the SQL, which stays in `cause` for the server log.
 *
 * @example
 * ```ts
 * // a report query over the whole table, with statementTimeoutMs: 5000 → 503 {"code":"ORM_STATEMENT_TIMEOUT", …}
 * ```
 */
export class StatementTimeoutError extends OrmError {
  constructor (cause: unknown) {
    super('A database statement took too long and was cancelled', 'ORM_STATEMENT_TIMEOUT', 503, { cause })
  }
}

/** Details a dialect could recover from a constraint violation; values are never included. */
export interface ConstraintDetails {
  table?: string
  columns?: string[]
  constraint?: string
}

function describeTarget (details: ConstraintDetails): string {
  if (details.columns && details.columns.length > 0) {
    const on = details.table ? `${details.table}.` : ''
    return details.columns.map((column) => on + column).join(', ')
  }
  return details.constraint ? `constraint "${details.constraint}"` : 'a constraint'
}

/**
 * Base of the errors that a client's data caused (HTTP 4xx), translated from driver errors.
 * The driver's original error is kept as `cause` for server-side logs.
 */
export class ConstraintViolationError extends OrmError {
  readonly table: string | undefined
  readonly columns: string[] | undefined
  readonly constraint: string | undefined
  constructor (message: string, code: string, statusCode: number, details: ConstraintDetails, cause: unknown) {
    super(message, code, statusCode, { cause })
    this.table = details.table
    this.columns = details.columns
    this.constraint = details.constraint
  }
}

/**
 * A UNIQUE or PRIMARY KEY constraint rejected a row. Replies 409.
 *
 * @example
 * ```ts
 * // POST /users with a taken username → 409 {"message":"Unique constraint violated: users.username already has this value"}
 * ```
 */
export class UniqueViolationError extends ConstraintViolationError {
  constructor (details: ConstraintDetails, cause: unknown) {
    super(`Unique constraint violated: ${describeTarget(details)} already has this value`,
      'ORM_UNIQUE_VIOLATION', 409, details, cause)
  }
}

/**
 * A FOREIGN KEY constraint rejected a write: the referenced row is missing, or a row that
 * is still referenced was deleted. Replies 409.
 *
 * @example
 * ```ts
 * // inserting a post for a user id that does not exist → 409
 * ```
 */
export class ForeignKeyViolationError extends ConstraintViolationError {
  constructor (details: ConstraintDetails, cause: unknown) {
    super(`Foreign key constraint violated${details.constraint || details.columns ? ` (${describeTarget(details)})` : ''}: ` +
      'the referenced row does not exist, or the row is still referenced',
    'ORM_FOREIGN_KEY_VIOLATION', 409, details, cause)
  }
}

/**
 * A NOT NULL constraint rejected a missing value. Replies 400.
 *
 * @example
 * ```ts
 * // inserting a user without an email → 400 "Not-null constraint violated: users.email must have a value"
 * ```
 */
export class NotNullViolationError extends ConstraintViolationError {
  constructor (details: ConstraintDetails, cause: unknown) {
    super(`Not-null constraint violated: ${describeTarget(details)} must have a value`,
      'ORM_NOT_NULL_VIOLATION', 400, details, cause)
  }
}

/**
 * A CHECK constraint rejected a value. Replies 400.
 *
 * @example
 * ```ts
 * // a negative price with CHECK (price >= 0) → 400
 * ```
 */
export class CheckViolationError extends ConstraintViolationError {
  constructor (details: ConstraintDetails, cause: unknown) {
    super(`Check constraint violated: ${describeTarget(details)}`,
      'ORM_CHECK_VIOLATION', 400, details, cause)
  }
}

/**
 * A value the column cannot hold: out of the integer's range, too long for the string, a
 * NUL character in text, not valid for the type. Model values and filters are checked
 * against the column's declared type before any SQL is sent, so every database answers
 * alike, naming the model and property; values written through raw Kysely are caught by
 * error translation (PostgreSQL 22003/22001/22P02/22021, MySQL strict mode's
 * 1264/1406/1366). Replies 400; the value itself is never in the message.
 *
 * @example
 * ```ts
 * // GET /movies/2147483648 on an integer key → 400
 * ```
 */
export class InvalidValueError extends OrmError {
  /** The model and property whose value was refused, when it was checked before the SQL was sent. */
  readonly model: string | undefined
  readonly property: string | undefined

  constructor (cause: unknown, target?: { readonly model: string, readonly property: string, readonly problem: string }) {
    super(target === undefined ? 'A value is out of range or invalid for its column' : `Invalid value for ${target.model}.${target.property}: it ${target.problem}`,
      'ORM_INVALID_VALUE', 400, { cause })
    this.model = target?.model
    this.property = target?.property
  }
}

/**
 * Any other database error. Replies 500 with a fixed message: the SQL, its parameters and
 * the driver's message stay in `cause`, for the server log only.
 *
 * @example
 * ```ts
 * // a syntax error in a hand-written query → 500 "Database error (ORM_DATABASE_ERROR); see the server log"
 * ```
 */
export class DatabaseError extends OrmError {
  constructor (cause: unknown) {
    super('Database error; see the server log for details', 'ORM_DATABASE_ERROR', 500, { cause })
  }
}
