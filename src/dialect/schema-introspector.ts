import type { Kysely } from 'kysely'
import type { IntrospectedTable, IntrospectionLimits } from '../introspection/introspected-schema.ts'

/**
 * How a dialect reads its database's schema back: the tables that exist (createAll,
 * dropAll, the migrations runner) and every table in the comparable form autogenerate
 * uses. One file per database: `<db>-introspector.ts`. (Kysely's own `DatabaseIntrospector`
 * lists tables and columns only; this reads keys, indexes, foreign keys and checks too.)
 */
export interface SchemaIntrospector {
  /** Names of the tables in the connection's current schema/database. */
  tableNames (db: Kysely<unknown>): Promise<Set<string>>
  /** The column names of every table and view in the current schema/database, in one catalog query (the schema check). */
  tableColumns (db: Kysely<unknown>): Promise<Map<string, Set<string>>>
  /**
   * Every table of the current schema/database (but the migrations' version table), with
   * the columns, keys, indexes, foreign keys and checks autogenerate compares, sorted by name.
   */
  introspect (db: Kysely<unknown>): Promise<IntrospectedTable[]>
  /**
   * `expression` as this database stores a CHECK on `table`, normalised as `introspect`
   * reports checks: the server's own rewriting (PostgreSQL's BETWEEN → two comparisons and
   * LIKE → `~~`, MariaDB's `lower` → `lcase`), so that autogenerate compares a model's CHECK
   * with the live one by meaning. Made on a temporary copy of the table's columns that is
   * dropped at once. Undefined when the server would not take it there (e.g. it names a
   * column the table does not have yet). Absent where the database keeps the text as
   * written (SQLite).
   */
  storedCheck? (db: Kysely<unknown>, table: string, expression: string): Promise<string | undefined>
  /**
   * `expression` as this database stores a generated column of type `sqlType` on `table`,
   * normalised as `introspect` reports it (PostgreSQL adds casts, MariaDB turns `lower`
   * into `lcase`): made on a temporary copy of the table dropped at once, as `storedCheck`.
   * Undefined when the server would not take it there. Absent where the text is kept as written (SQLite).
   */
  storedGenerated? (db: Kysely<unknown>, table: string, sqlType: string, expression: string): Promise<string | undefined>
  /** What this database's catalog cannot tell apart; `expectedTable` folds models the same way. */
  readonly limits: IntrospectionLimits
}
