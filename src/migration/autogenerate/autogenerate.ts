import type { Kysely } from 'kysely'
import type { OrmDialect } from '../../dialect/orm-dialect.ts'
import { assertStorable } from '../../schema/create-all.ts'
import type { RegisteredTable } from '../../model/registry.ts'
import { compareSchema } from './compare.ts'
import { describeOperation, isDestructive, type Operation } from './operations.ts'
import type { Renames } from './renames.ts'
import { storedChecks } from './stored-checks.ts'
import { storedGenerated } from './stored-generated.ts'

/** Options of {@link autogenerate}. */
export interface AutogenerateOptions {
  /** Renames to write as renames; undeclared, a renamed table or column is a drop and an add. */
  readonly renames?: Renames
  /**
   * Compare with an empty schema instead of the database: every table is created. For the
   * first revision of a database whose tables exist already (made by `createAll`).
   */
  readonly fromEmpty?: boolean
}

/** One detected change as `migrate` and `check` print it. */
export interface DetectedChange {
  /** E.g. `+ add column movie.mpa`, `- drop table legacy (destructive)`. */
  readonly text: string
  /** It can lose data (a dropped table or column, a narrowing type change). */
  readonly destructive: boolean
}

/** What {@link autogenerate} found: the operations of a revision's `up`, and their descriptions. */
export interface AutogenerateResult {
  readonly operations: Operation[]
  readonly changes: DetectedChange[]
}

/**
 * Flask-Migrate's `migrate` without the file: introspects the live database and compares
 * it with the models' tables (one bind's, parents first). No operations means the models
 * and the database agree. With `fromEmpty`, the database is not read: every table is created. Fails before reading anything when a model uses something
 * this database cannot store.
 *
 * @example
 * ```ts
 * const { operations, changes } = await autogenerate(db, dialect, registry.tablesOf('default'))
 * for (const change of changes) console.log(change.text) // '+ add column movie.mpa'
 * ```
 */
export async function autogenerate (db: Kysely<unknown>, dialect: OrmDialect, tables: readonly RegisteredTable[], options: AutogenerateOptions = {}): Promise<AutogenerateResult> {
  assertStorable(dialect, tables)
  const actual = options.fromEmpty === true ? [] : await dialect.introspector.introspect(db)
  const stored = await storedChecks(db, dialect, tables, actual, options.renames)
  const generated = await storedGenerated(db, dialect, tables, actual, options.renames)
  const operations = compareSchema(tables, actual, { dialect, renames: options.renames, storedChecks: stored, storedGenerated: generated })
  return { operations, changes: operations.map((op) => ({ text: describeOperation(op, operations), destructive: isDestructive(op, operations) })) }
}
