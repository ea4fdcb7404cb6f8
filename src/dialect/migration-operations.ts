import type { ColumnDefinitionBuilder, RawBuilder } from 'kysely'
import type { AnyColumn, ReferentialAction } from '../model/column.ts'

/**
 * Portable column types for Kysely's schema builder. A revision declares a column with the
 * same `c.*` vocabulary as a model, and `t` turns it into this database's native type and
 * constraints, so one revision file runs on SQLite, PostgreSQL and MySQL.
 *
 * @example
 * ```ts
 * await db.schema.createTable('movie')
 *   .addColumn('id', ...t.column(c.integer().primaryKey().autoincrement()))
 *   .addColumn('mpa', ...t.column(c.enumeration(['G', 'PG']).nullable()))
 *   .addPrimaryKeyConstraint('pk_movie', ['id'])
 *   .addCheckConstraint('ck_movie_mpa_enum', t.enumCheck('mpa', ['G', 'PG']))
 *   .execute()
 * ```
 */
export interface MigrationTypes {
  /**
   * The arguments of Kysely's `addColumn` / `modifyColumn` after the name: the native type
   * and a callback applying NOT NULL (unless nullable), autoincrement (when the column
   * says `.autoincrement()`) and the server default. Primary keys, uniques and foreign keys
   * are table constraints, written separately.
   */
  column: (column: AnyColumn) => [RawBuilder<unknown>, (builder: ColumnDefinitionBuilder) => ColumnDefinitionBuilder]
  /** The native type alone, e.g. `varchar(120)`, `jsonb`, `integer[]`. */
  type: (column: AnyColumn) => RawBuilder<unknown>
  /** An enumeration's CHECK: `"column" in ('a', 'b')` with this database's quoting. */
  enumCheck: (column: string, values: readonly string[]) => RawBuilder<unknown>
}

/** Referential actions of a foreign key added by {@link MigrationOperations.addForeignKey}. */
export interface ForeignKeyActions {
  readonly onDelete?: ReferentialAction
  readonly onUpdate?: ReferentialAction
}

/** A primary key in {@link MigrationOperations.alterPrimaryKey}: no columns means no key. */
export interface PrimaryKeyShape {
  /** The constraint's name; MySQL keeps none (every primary key is PRIMARY) and ignores it. */
  readonly name?: string | undefined
  readonly columns: readonly string[]
}

/**
 * Schema changes whose SQL differs by database, above all on SQLite, whose ALTER TABLE
 * cannot change a column or a constraint: there each of these rebuilds the table the way
 * SQLite's documentation prescribes (new table, copy every row, drop, rename, indexes back,
 * `foreign_key_check`), preserving rows, indexes and foreign keys and never cascading into
 * child tables. PostgreSQL and MySQL get ALTER TABLE. Everything else a revision does is
 * Kysely's own schema builder (`db.schema.createTable`, `addColumn`, `createIndex`, …).
 */
export interface MigrationOperations {
  /**
   * Gives an existing column a new declaration — type, nullability, server default and
   * comment together (the whole new state, as MySQL's MODIFY COLUMN needs it).
   */
  alterColumn: (table: string, column: string, declaration: AnyColumn) => Promise<void>
  /**
   * Adds a column: ALTER TABLE … ADD COLUMN, but for a STORED generated column on SQLite,
   * which ADD COLUMN refuses: the table is rebuilt with it (so not under `--sql` there).
   * Autogenerate writes it for generated columns; Kysely's `addColumn` does the same for others.
   */
  addColumn: (table: string, column: string, declaration: AnyColumn) => Promise<void>
  /** Drops a column (with SQLite, rebuilding when the column is in a key, index or constraint). */
  dropColumn: (table: string, column: string) => Promise<void>
  /** Drops an index (MySQL needs the table; PostgreSQL and SQLite do not take it). */
  dropIndex: (table: string, name: string) => Promise<void>
  addUnique: (table: string, name: string, columns: readonly string[]) => Promise<void>
  dropUnique: (table: string, name: string) => Promise<void>
  addForeignKey: (
    table: string, name: string, columns: readonly string[],
    referencedTable: string, referencedColumns: readonly string[], actions?: ForeignKeyActions
  ) => Promise<void>
  dropForeignKey: (table: string, name: string) => Promise<void>
  /** Adds a CHECK; `expression` is SQL (`'price > 0'`) or a `sql` fragment such as `t.enumCheck(…)`. */
  addCheck: (table: string, name: string, expression: string | RawBuilder<unknown>) => Promise<void>
  dropCheck: (table: string, name: string) => Promise<void>
  /**
   * Replaces the table's primary key `from` (as the database has it: PostgreSQL drops it by
   * name) with `to`, keeping every row; fails when rows repeat on the new key's columns.
   * MySQL refuses while a column of the old key is AUTO_INCREMENT: alter that column first.
   */
  alterPrimaryKey: (table: string, from: PrimaryKeyShape, to: PrimaryKeyShape) => Promise<void>
  /**
   * Sets the comment of the table (`column` null) or of one of its columns; null removes it.
   * PostgreSQL: COMMENT ON. MySQL: the table option, or MODIFY COLUMN with the column's whole
   * definition: `declaration` (the column as it stands, `c.string(120)`; its own comment is
   * replaced by `comment`), else the definition read from SHOW CREATE TABLE (not under
   * `--sql`, which then asks for `declaration`; nothing when the column already has this
   * comment). PostgreSQL ignores `declaration`; SQLite keeps no comments: nothing.
   */
  setComment: (table: string, column: string | null, comment: string | null, declaration?: AnyColumn) => Promise<void>
}
