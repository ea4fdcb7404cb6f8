/**
 * Every error fastify-orm throws on purpose is an {@link OrmError}: it has a stable `code`
 * and the HTTP `statusCode` that Fastify's error handler uses for the reply. Messages say
 * what happened and what to do; they never contain SQL, parameter values or passwords.
 *
 * @example
 * ```ts
 * import { OrmError, UniqueViolationError } from 'fastify-orm'
 * try { await request.db.commit() } catch (err) {
 *   if (err instanceof UniqueViolationError) reply.code(409)
 *   else throw err
 * }
 * ```
 */
export class OrmError extends Error {
  /** A stable, machine-readable identifier, e.g. `ORM_UNIQUE_VIOLATION`. */
  readonly code: string
  /** The HTTP status a Fastify error handler replies with. */
  readonly statusCode: number

  constructor (message: string, code: string, statusCode: number, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.statusCode = statusCode
  }
}

/**
 * A plugin option, environment variable or database URL is wrong. Raised at registration.
 *
 * @example
 * ```ts
 * await app.register(fastifyOrm, { url: 'oracle://x' }) // ready() rejects with ConfigurationError
 * ```
 */
export class ConfigurationError extends OrmError {
  constructor (message: string) {
    super(message, 'ORM_CONFIGURATION', 500)
  }
}

/**
 * This process runs a Node.js version fastify-orm does not support. Raised when the plugin
 * is registered and when the CLI starts; the message names the supported versions.
 *
 * @example
 * ```ts
 * // On Node 18: ready() rejects with
 * // UnsupportedNodeError: fastify-orm supports Node.js 20.19+, 22.12+, 24 or later; this is Node.js 18.20.4. …
 * ```
 */
export class UnsupportedNodeError extends OrmError {
  constructor (message: string) {
    super(message, 'ORM_UNSUPPORTED_NODE', 500)
  }
}

/**
 * The database driver package for the URL's scheme is not installed.
 *
 * @example
 * ```ts
 * // mysql://… without mysql2 installed:
 * // DriverNotInstalledError: The mysql URL needs the "mysql2" package. Run: npm install mysql2
 * ```
 */
export class DriverNotInstalledError extends OrmError {
  readonly packageName: string
  constructor (packageName: string, scheme: string, cause: unknown) {
    super(
      `The ${scheme} URL needs the "${packageName}" package, which is not installed. Run: npm install ${packageName}`,
      'ORM_DRIVER_NOT_INSTALLED',
      500,
      { cause }
    )
    this.packageName = packageName
  }
}

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

/**
 * A lookup that must find a row found none (`getOr404`, `firstOr404`, …). Replies 404.
 *
 * @example
 * ```ts
 * throw new NotFoundError('Movie 42 not found')
 * ```
 */
export class NotFoundError extends OrmError {
  constructor (message = 'Not Found') {
    super(message, 'ORM_NOT_FOUND', 404)
  }
}

/**
 * The session was used in a way its state does not allow: after `close()`, or `begin()`
 * while a transaction is already open.
 *
 * @example
 * ```ts
 * await session.close()
 * await session.kysely.selectFrom('movie').selectAll().execute() // SessionStateError
 * ```
 */
export class SessionStateError extends OrmError {
  constructor (message: string) {
    super(message, 'ORM_SESSION_STATE', 500)
  }
}

/**
 * `request.db` was used after its request ended without a response: the client closed the
 * connection, or the request timed out. The session was closed then (its transaction rolled
 * back), so the work asked of it now is not done. Replies 499 (nginx's "client closed
 * request"), which Fastify logs at info level: nobody is there to read the reply.
 *
 * @example
 * ```ts
 * // the client gives up while the handler hashes a password; the handler then calls
 * await request.db.commit() // RequestAbortedError, logged once at info level
 * ```
 */
export class RequestAbortedError extends OrmError {
  constructor () {
    super('The request ended before its database work was done (the client closed the connection, or the request timed out); that work was not done',
      'ORM_REQUEST_ABORTED', 499)
  }
}

/**
 * Code read a relationship that was never loaded. JavaScript cannot load it synchronously,
 * so instead of a silent `undefined` this names the two ways to load it.
 *
 * @example
 * ```ts
 * user.posts // RelationNotLoadedError: User.posts is not loaded: query(User).with('posts'), or await db.load(user, 'posts')
 * ```
 */
export class RelationNotLoadedError extends OrmError {
  constructor (modelName: string, relation: string) {
    super(`${modelName}.${relation} is not loaded: load it with query(${modelName}).with('${relation}'), or await session.load(entity, '${relation}')`,
      'ORM_RELATION_NOT_LOADED', 500)
  }
}

/**
 * Anything that stops a migration command: a broken revision chain, an unknown target, a
 * revision that failed (its `cause` is the database's error). The message is one line that
 * says what to do; the CLI prints it and exits 1.
 *
 * @example
 * ```ts
 * throw new MigrationError('Unknown revision abc: fastify-orm history lists the known ones.')
 * ```
 */
export class MigrationError extends OrmError {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, 'ORM_MIGRATION', 500, options)
    this.name = 'MigrationError'
  }
}

/**
 * A query that must find one row (`one()`, `oneOr404()`) matched several. Not a 404: the
 * query is wrong (a filter is missing), so it replies 500 like any programming error.
 *
 * @example
 * ```ts
 * await request.db.query(User).filterBy({ active: true }).one() // MultipleResultsError when two users are active
 * ```
 */
export class MultipleResultsError extends OrmError {
  constructor (modelName: string) {
    super(`Expected one ${modelName} but the query matched several; add a filter, or use first()`, 'ORM_MULTIPLE_RESULTS', 500)
  }
}

/**
 * A query named a property its model does not have (`filterBy`, `orderBy`, …). Replies
 * 500: the code is wrong, not the request.
 *
 * @example
 * ```ts
 * request.db.query(User).filterBy({ nmae: 'ada' }) // UnknownPropertyError: User has no property "nmae" (properties: id, name, …)
 * ```
 */
export class UnknownPropertyError extends OrmError {
  readonly model: string
  readonly property: string
  constructor (model: string, property: string, known: readonly string[], hint?: string) {
    super(`${model} has no property "${property}" (properties: ${known.join(', ')})${hint === undefined ? '' : `; ${hint}`}`, 'ORM_UNKNOWN_PROPERTY', 500)
    this.model = model
    this.property = property
  }
}

/**
 * A relationship spec (`with(…)`, `session.load(…)`) named a relationship its model does
 * not have. Replies 500.
 *
 * @example
 * ```ts
 * await request.db.load(user, 'postz') // UnknownRelationshipError: User has no relationship "postz" (relationships: posts)
 * ```
 */
export class UnknownRelationshipError extends OrmError {
  readonly model: string
  readonly relationship: string
  constructor (model: string, relationship: string, known: readonly string[]) {
    super(`${model} has no relationship "${relationship}"${known.length > 0 ? ` (relationships: ${known.join(', ')})` : '; declare it with relations()'}`,
      'ORM_UNKNOWN_RELATIONSHIP', 500)
    this.model = model
    this.relationship = relationship
  }
}

/**
 * An argument cannot be used as given: a primary key with the wrong number of values or
 * a value missing (`get`, `getOr404`), or relationships asked of a model whose primary key
 * has several columns. Replies 500: validate request input before passing it on.
 *
 * @example
 * ```ts
 * await request.db.get(PostTag, 1) // InvalidArgumentError: PostTag has a composite primary key: pass [postId, tagId]
 * ```
 */
export class InvalidArgumentError extends OrmError {
  constructor (message: string) {
    super(message, 'ORM_INVALID_ARGUMENT', 500)
  }
}

/**
 * An object was given to a session that does not track it (`delete`, `refresh`, `load`):
 * never added or loaded there, expunged, or detached by a rollback. Replies 500.
 *
 * @example
 * ```ts
 * await db.rollback()
 * db.delete(user) // UntrackedObjectError: load it again through this session
 * ```
 */
export class UntrackedObjectError extends OrmError {
  constructor (message: string) {
    super(message, 'ORM_UNTRACKED_OBJECT', 500)
  }
}

/**
 * New objects of one model reference each other in a cycle (a manager who reports to
 * their own report), so no INSERT order works. Replies 500.
 *
 * @example
 * ```ts
 * a.manager = b; b.manager = a
 * await db.flush() // CircularDependencyError: flush one of them first, then link the rest
 * ```
 */
export class CircularDependencyError extends OrmError {
  constructor (modelName: string) {
    super(`New ${modelName} objects reference each other in a cycle; flush one of them first, then link the rest`, 'ORM_CIRCULAR_DEPENDENCY', 500)
  }
}
