import { OrmError } from './errors/orm-error.ts'

// Every error fastify-orm throws on purpose: OrmError, the base class (errors/orm-error.ts),
// what the database refused or could not do (errors/database-errors.ts), and below, the
// faults of configuration and of code using the ORM.
export { OrmError }
export {
  CheckViolationError,
  ConnectionError,
  ConnectionLostError,
  type ConstraintDetails,
  ConstraintViolationError,
  DatabaseError,
  ForeignKeyViolationError,
  InvalidValueError,
  NotNullViolationError,
  PoolTimeoutError,
  UniqueViolationError
} from './errors/database-errors.ts'

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
  /** `unregistered`: the relations() call that declares it, whose result is not in the plugin's models option. */
  constructor (model: string, relationship: string, known: readonly string[], unregistered?: { readonly declaredAt: string | undefined }) {
    super(unregistered !== undefined
      ? `${model} has no registered relationship "${relationship}": it is declared by relations(${model}, …)${unregistered.declaredAt === undefined ? '' : ` at ${unregistered.declaredAt}`}, ` +
        'but that object was not passed in the plugin\'s models option; add the relations() export there, e.g. models: { ' + model + ', …, ' +
        `${model.charAt(0).toLowerCase()}${model.slice(1)}Relations }`
      : `${model} has no relationship "${relationship}"${known.length > 0 ? ` (relationships: ${known.join(', ')})` : '; declare it with relations()'}`,
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

/**
 * A deleted object still has related objects whose foreign key cannot be null, and its
 * relationship says neither to delete them nor to leave them to the database: the flush
 * would orphan them. Replies 409.
 *
 * @example
 * ```ts
 * db.delete(user)
 * await db.commit() // DependentObjectsError: User relationship "posts" still holds Post objects whose userId cannot be null: …
 * ```
 */
export class DependentObjectsError extends OrmError {
  readonly model: string
  readonly relationship: string
  constructor (model: string, relationship: string, target: string, property: string) {
    super(`Cannot delete ${model}: its relationship "${relationship}" still holds ${target} objects whose ${property} cannot be null. ` +
      `Add cascade: { delete: true } to the relationship (or onDelete: 'cascade' to the foreign key), or delete those ${target} objects first`,
    'ORM_DEPENDENT_OBJECTS', 409)
    this.model = model
    this.relationship = relationship
  }
}

/**
 * At startup, a table or column the registered models need is missing from the database:
 * a model change that was never migrated. Raised by `ready()`; turn the check off with
 * `checkSchema: false`.
 *
 * @example
 * ```ts
 * await app.ready() // SchemaMismatchError: … table "post" has no column "summary" … run `fastify-orm upgrade`
 * ```
 */
export class SchemaMismatchError extends OrmError {
  /** What is missing, one line each: `table "post"`, `column post.summary`. */
  readonly missing: readonly string[]
  constructor (message: string, missing: readonly string[]) {
    super(message, 'ORM_SCHEMA_MISMATCH', 500)
    this.missing = missing
  }
}

/**
 * A relationship was loaded object by object (`load()` or `related()` in a loop) more times
 * in one session than the `nPlusOneThreshold` allows, with `nPlusOne: 'error'`: the N+1
 * queries that one batched load avoids. Meant for tests, where it fails the request.
 *
 * @example
 * ```ts
 * for (const user of users) await request.db.load(user, 'posts') // the 6th throws NPlusOneError
 * await request.db.load(users, 'posts') // one query for all of them
 * ```
 */
export class NPlusOneError extends OrmError {
  readonly model: string
  readonly relationship: string
  constructor (message: string, model: string, relationship: string) {
    super(message, 'ORM_N_PLUS_ONE', 500)
    this.model = model
    this.relationship = relationship
  }
}
