import type { ColumnDefinitionBuilder, DatabaseConnection, Dialect, Kysely } from 'kysely'
import type { DialectName } from '../config/parse-database-url.ts'
import type { OrmError } from '../errors.ts'
import type { ColumnConfig } from '../model/column.ts'
import type { RegisteredTable } from '../model/registry.ts'
import type { MigrationOperations, MigrationTypes } from './migration-operations.ts'
import type { SchemaIntrospector } from './schema-introspector.ts'
import type { SqlLiterals } from './sql-literals.ts'

/**
 * What the core may ask of a database. The core tests these flags, never the dialect's name.
 */
export interface DialectCapabilities {
  /** `INSERT … RETURNING` (PostgreSQL, SQLite ≥ 3.35, MariaDB ≥ 10.5). */
  readonly supportsReturning: boolean
  /** `UPDATE … RETURNING` (PostgreSQL, SQLite ≥ 3.35; not MariaDB, which has it for INSERT and DELETE only). */
  readonly supportsUpdateReturning: boolean
  /** DDL runs inside a transaction and rolls back with it (not MySQL/MariaDB). */
  readonly supportsTransactionalDdl: boolean
  /** One connection shared by the whole process; transactions serialise every query. */
  readonly singleConnection: boolean
  /** A foreign key may name a table that does not exist yet (so cycles need no ALTER TABLE). */
  readonly forwardForeignKeys: boolean
  /**
   * Rows per multi-row INSERT of a flush; undefined: as many as the bound-parameter limit
   * allows (fewest round trips to a server). In process (SQLite), a short statement that is
   * prepared once and run again beats one huge statement that must be parsed every time.
   */
  readonly rowsPerInsert: number | undefined
  /**
   * How an INSERT gives no column at all (every value from a default): `defaultValues`,
   * one row per statement (`INSERT INTO t DEFAULT VALUES`, SQLite); `defaultKeyword`,
   * `INSERT INTO t (col) VALUES (DEFAULT), (DEFAULT)` (PostgreSQL); `emptyTuples`,
   * `INSERT INTO t () VALUES (), ()` (MySQL, MariaDB).
   */
  readonly emptyInsert: EmptyInsertForm
}

/** See {@link DialectCapabilities.emptyInsert}. */
export type EmptyInsertForm = 'defaultValues' | 'defaultKeyword' | 'emptyTuples'

/** How a dialect stores the portable column types. One file per database: `<db>-column-types.ts`. */
export interface ColumnTypes {
  /** The native SQL type used in DDL, e.g. `varchar(120)`; `autoincrement` for a generated key. */
  sqlType (config: ColumnConfig, autoincrement?: boolean): string
  /** Makes an integer primary key generate its values (PostgreSQL: of the declared identity kind). */
  autoincrement (column: ColumnDefinitionBuilder, config?: ColumnConfig): ColumnDefinitionBuilder
  /**
   * Writes a column's comment into its definition, where the database takes it there
   * (MySQL's `COMMENT '…'`); elsewhere comments are statements of their own (`op.setComment`).
   */
  comment?: (column: ColumnDefinitionBuilder, text: string) => ColumnDefinitionBuilder
  /** What this database cannot store of a table, as messages naming the column; empty when fine. */
  unsupported (table: RegisteredTable): string[]
  /** A raw server default as this database needs it written for the column, when it differs. */
  serverDefaultSql?: (config: ColumnConfig, expression: string) => string
}

/**
 * Everything fastify-orm needs from one database: Kysely's dialect (driver, compiler,
 * adapter) plus what Kysely lacks, one named part per concern — column types for DDL,
 * schema introspection, migration operations, literals for printed SQL, error
 * translation and pool counters. Made by {@link createOrmDialect}; one folder per
 * database under `dialect/<name>/`, one file per part.
 */
export interface OrmDialect {
  readonly name: DialectName
  readonly capabilities: DialectCapabilities
  readonly kyselyDialect: Dialect
  /** How the portable column types are declared in DDL (createAll, revisions' `t`). */
  readonly columnTypes: ColumnTypes
  /** How the schema is read back: existing tables, and every table for autogenerate. */
  readonly introspector: SchemaIntrospector
  /** How a bound value is written inline, for the scripts `upgrade --sql` prints. */
  readonly sqlLiterals: SqlLiterals
  /** Rewrites bound parameters the driver would misread (MySQL: objects and arrays as JSON). */
  normalizeParameters?: (parameters: readonly unknown[]) => readonly unknown[]
  /** Turns a driver error into an {@link OrmError}; constraint violations become 4xx errors. */
  translateError (error: unknown): OrmError
  /** Physical connections open right now (1 for an opened SQLite database). */
  openConnections (): number
  /**
   * Closes a pool whose Kysely driver was never created (an offline `--sql` run only
   * compiles). A connected dialect is closed through Kysely's `destroy()` instead.
   */
  closeUnused (): Promise<void>
  /**
   * Capabilities that depend on the server's version, read once at connect from
   * `select version() as version` (MariaDB ≥ 10.5 has INSERT … RETURNING, MySQL has not).
   */
  refineCapabilities?: (version: string) => Partial<DialectCapabilities>
  /**
   * The `op` of a revision's context on this database: ALTER TABLE where the database has it,
   * SQLite's table rebuilds where it has not. `t` renders column declarations. Offline
   * (`--sql`), `db` only records SQL: operations that would need to read it throw instead.
   */
  migrationOperations (db: Kysely<unknown>, t: MigrationTypes, options: { readonly offline: boolean }): MigrationOperations
  /**
   * What the migrations runner does around each revision on this database. SQLite: foreign
   * keys off outside the transaction (so a table rebuild's DROP TABLE cascades nothing),
   * `foreign_key_check` before the commit, and back on after.
   */
  readonly revisionGuards?: RevisionGuards
  /**
   * First thing in each revision's transaction (on its connection where DDL is not
   * transactional), before the runner checks that the revision is still to be applied.
   * PostgreSQL takes the migration lock here, scoped to the transaction (a session lock
   * would not hold through PgBouncer's transaction pooling); every server database lifts
   * the app's statement timeout, which is for requests, not for building an index.
   * Returns what to undo after the revision, if anything.
   */
  enterRevision?: (db: Kysely<unknown>) => Promise<(() => Promise<void>) | undefined>
  /**
   * Limits the statements of the transaction open on `connection` to `ms` milliseconds,
   * right after its BEGIN; returns what to undo after its COMMIT or ROLLBACK, if anything.
   * Absent where the database cannot cancel a statement (SQLite).
   */
  transactionStatementTimeout?: (connection: DatabaseConnection, ms: number) => Promise<(() => Promise<void>) | undefined>
  /**
   * For a database that cannot drop a foreign key (SQLite): lets the current transaction
   * drop tables whose foreign keys form a cycle, checking foreign keys at COMMIT instead.
   */
  deferForeignKeyChecks?: (db: Kysely<unknown>) => Promise<void>
  /**
   * The schema unqualified names resolve to, where a database has several (PostgreSQL's
   * search_path). Kysely's Migrator looks for its tables in every schema unless told which.
   */
  currentSchema?: (db: Kysely<unknown>) => Promise<string>
  /**
   * A read replica's replay lag in milliseconds, read on one of its connections (0 when
   * it has replayed all it received); where the database has streaming replicas.
   */
  replicationLagMs?: (connection: DatabaseConnection) => Promise<number>
}

/** Steps around one revision; see {@link OrmDialect.revisionGuards}. */
export interface RevisionGuards {
  /** Before the revision's transaction, on the connection that runs it. */
  before (db: Kysely<unknown>): Promise<void>
  /** Inside the transaction, after the revision's `up`/`down`: throws to roll it back. */
  verify (db: Kysely<unknown>): Promise<void>
  /** After the transaction, committed or not. */
  after (db: Kysely<unknown>): Promise<void>
}
