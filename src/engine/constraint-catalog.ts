import type { CompiledQuery } from 'kysely'
import {
  CheckViolationError, ConstraintViolationError, ForeignKeyViolationError, NotNullViolationError, UniqueViolationError,
  type ConstraintDetails, type OrmError
} from '../errors.ts'
import type { RegisteredTable } from '../model/registry.ts'

interface Constraint {
  readonly table: string
  readonly columns: readonly string[]
}

/** The table a statement writes and how: read from its text (the ORM's INSERT texts are raw SQL). */
interface Write {
  readonly table: string
  readonly deletes: boolean
}

const WRITTEN_TABLE = /^\s*(insert\s+into|update|delete\s+from)\s+[`"]?([^\s`"(]+)[`"]?/i

/**
 * Fills in what a database left out of a constraint violation, from the registered models,
 * so that the same fault reads the same on every database: MariaDB names a unique key but
 * not its table or columns, MySQL a NOT NULL column without its table, SQLite no foreign
 * key at all, PostgreSQL a deleted parent's constraint without its columns.
 *
 * @example
 * ```ts
 * new ConstraintCatalog(tables).complete(new UniqueViolationError({ constraint: 'uq_user_username' }, err), query)
 * // UniqueViolationError { table: 'user', columns: ['username'] }
 * ```
 */
export class ConstraintCatalog {
  readonly #byName = new Map<string, Constraint>()
  readonly #primaryKeys = new Map<string, Constraint>()
  readonly #foreignKeysFrom = new Map<string, Constraint[]>()
  readonly #foreignKeysTo = new Map<string, Constraint[]>()

  constructor (tables: readonly RegisteredTable[]) {
    for (const table of tables) {
      const name = table.tableName
      this.#primaryKeys.set(name, { table: name, columns: table.primaryKey.columns })
      for (const unique of [table.primaryKey, ...table.uniques, ...table.indexes.filter((index) => index.unique)]) {
        this.#byName.set(unique.name, { table: name, columns: unique.columns })
      }
      for (const foreignKey of table.foreignKeys) {
        const constraint = { table: name, columns: foreignKey.columns }
        this.#byName.set(foreignKey.name, constraint)
        append(this.#foreignKeysFrom, name, constraint)
        append(this.#foreignKeysTo, foreignKey.referencedTable, constraint)
      }
    }
  }

  /** `error` with its table and columns completed where the models tell them; else `error` itself. */
  complete (error: OrmError, query: CompiledQuery | undefined): OrmError {
    if (!(error instanceof ConstraintViolationError) || error instanceof CheckViolationError) return error
    const match = query === undefined ? null : WRITTEN_TABLE.exec(query.sql)
    const written = match === null ? undefined : { table: match[2] as string, deletes: /^delete/i.test(match[1] as string) }
    const details = this.#details(error, written)
    if (details === undefined) return error
    const cause = error.cause
    if (error instanceof UniqueViolationError) return new UniqueViolationError(details, cause)
    if (error instanceof ForeignKeyViolationError) return new ForeignKeyViolationError(details, cause)
    if (error instanceof NotNullViolationError) return new NotNullViolationError(details, cause)
    return error
  }

  #details (error: ConstraintViolationError, written: Write | undefined): ConstraintDetails | undefined {
    const reported = { table: error.table, columns: error.columns, constraint: error.constraint }
    if (error.columns !== undefined && error.columns.length > 0) {
      // Columns named, table not (MySQL's NOT NULL): the statement's table.
      return error.table === undefined && written !== undefined ? { ...reported, table: written.table } : undefined
    }
    const known = this.#constraint(error, written)
    return known === undefined ? undefined : { ...reported, table: known.table, columns: [...known.columns] }
  }

  #constraint (error: ConstraintViolationError, written: Write | undefined): Constraint | undefined {
    if (error.constraint === 'PRIMARY') return written === undefined ? undefined : this.#primaryKeys.get(written.table) // MySQL's name
    if (error.constraint !== undefined) return this.#byName.get(error.constraint)
    if (!(error instanceof ForeignKeyViolationError) || written === undefined) return undefined
    // SQLite names no foreign key. A write to a table with one foreign key, or the delete
    // of a row that one foreign key only refers to, can have failed on that one alone.
    const candidates = (written.deletes ? this.#foreignKeysTo : this.#foreignKeysFrom).get(written.table) ?? []
    return candidates.length === 1 ? candidates[0] : undefined
  }
}

function append<K, V> (map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}
