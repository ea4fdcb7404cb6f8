import type { TSchema } from 'typebox'

/** The portable column types; each dialect maps them to its native type in `dialect/<db>/`. */
export type ColumnKind =
  | 'integer' | 'bigInteger' | 'float' | 'numeric' | 'boolean' | 'string' | 'text'
  | 'dateTime' | 'date' | 'json' | 'binary' | 'uuid' | 'enum' | 'array'

/** What a foreign key points at: `'table.column'`, or a thunk returning a model (its primary key). */
export type ReferenceTarget = string | (() => { readonly tableName: string, readonly primaryKey: readonly string[] })

/** Referential actions of a foreign key. */
export type ReferentialAction = 'cascade' | 'set null' | 'set default' | 'restrict' | 'no action'

/** Options of {@link Column.references}. */
export interface ReferenceOptions {
  onDelete?: ReferentialAction
  onUpdate?: ReferentialAction
  /** Constraint name; by default `fk_<table>_<column>_<referenced table>`. */
  name?: string
}

/**
 * What a column validator answers: `true` or nothing when the value is valid, `false` or
 * the problem (read after "it": `'is not an email address'`) when it is not.
 */
export type ValidationResult = boolean | string | undefined | void

/** A column validator (`c.string(120).validate((value) => …)`); never called with null. */
export type ColumnValidator<T> = (value: T) => ValidationResult

/** A server-side default: a literal, or raw SQL written as `{ sql: 'CURRENT_TIMESTAMP' }`. */
export type ServerDefault = string | number | boolean | { readonly sql: string }

/** Everything a column declaration says, frozen. Read by DDL, schemas, the session and autogenerate. */
export interface ColumnConfig {
  readonly kind: ColumnKind
  readonly length?: number
  readonly precision?: number
  readonly scale?: number
  readonly withTimezone?: boolean
  readonly values?: readonly string[]
  readonly element?: ColumnConfig
  readonly jsonSchema?: TSchema
  readonly nullable: boolean
  readonly primaryKey: boolean
  /** `undefined`: automatic (a lone integer primary key without a foreign key autoincrements). */
  readonly autoincrement?: boolean
  readonly unique?: true | string
  readonly index?: true | string
  readonly clientDefault?: { readonly value: unknown } | { readonly factory: () => unknown }
  readonly serverDefault?: ServerDefault
  readonly references?: { readonly target: ReferenceTarget } & ReferenceOptions
  readonly check?: string
  /** The database's comment on the column (PostgreSQL and MySQL; SQLite keeps none). */
  readonly comment?: string
  /** Run at flush on each non-null value written (see {@link Column.validate}). */
  readonly validators?: ReadonlyArray<ColumnValidator<never>>
  /** Set by fastify-orm when a flush updates the row and the change leaves this column out. */
  readonly onUpdate?: { readonly value: unknown } | { readonly factory: () => unknown }
}

/**
 * A column declaration. Immutable: every method returns a new column. The type parameters
 * are phantom — they exist only for inference of row, insert and update types:
 * `T` the JS value, `N` nullable, `D` has a default (client, server or autoincrement), `P`
 * part of the primary key (declared on the column; a composite key is the model's option).
 *
 * @example
 * ```ts
 * import { c } from 'fastify-orm'
 * const email = c.string(120).unique().index()          // Column<string, false, false>
 * const bio = c.text().nullable()                        // Column<string, true, false>
 * const createdAt = c.dateTime().default(() => new Date()) // Column<Date, false, true>
 * ```
 */
export class Column<T, N extends boolean = false, D extends boolean = false, P extends boolean = false> {
  /** Phantom fields carrying the inferred types (not part of the API); never set at run time. */
  declare readonly _type: T
  declare readonly _nullable: N
  declare readonly _hasDefault: D
  declare readonly _primaryKey: P
  readonly config: ColumnConfig

  constructor (config: ColumnConfig) {
    this.config = Object.freeze(config)
    Object.freeze(this)
  }

  /** Allows NULL (the row type becomes `T | null`, the insert field optional). */
  nullable (): Column<T, true, D, P> {
    return new Column({ ...this.config, nullable: true })
  }

  /**
   * Part of the primary key. A lone integer primary key autoincrements (as in SQLAlchemy),
   * so it is optional on insert. For a composite key use the model option `primaryKey`.
   */
  primaryKey (): Column<T, N, T extends number | bigint ? true : D, true> {
    return new Column({ ...this.config, primaryKey: true })
  }

  /** Forces autoincrement on or off (it is automatic for a lone integer primary key). */
  autoincrement<E extends boolean = true> (enabled: E = true as E): Column<T, N, E extends true ? true : D, P> {
    return new Column({ ...this.config, autoincrement: enabled })
  }

  /** A default applied by fastify-orm when a new object leaves the field out: a value or a function. */
  default (value: T | (() => T)): Column<T, N, true, P> {
    const clientDefault = typeof value === 'function' ? { factory: value as () => unknown } : { value }
    return new Column({ ...this.config, clientDefault })
  }

  /** A default the database applies (`DEFAULT …` in the DDL): a literal or `{ sql: 'CURRENT_TIMESTAMP' }`. */
  serverDefault (value: ServerDefault): Column<T, N, true, P> {
    return new Column({ ...this.config, serverDefault: value })
  }

  /** A comment stored with the column in the database (PostgreSQL, MySQL/MariaDB; ignored by SQLite). */
  comment (text: string): Column<T, N, D, P> {
    return new Column({ ...this.config, comment: text })
  }

  /** A UNIQUE constraint on this column alone; for several columns use the model option `unique`. */
  unique (name?: string): Column<T, N, D, P> {
    return new Column({ ...this.config, unique: name ?? true })
  }

  /** An index on this column alone; for several columns use the model option `indexes`. */
  index (name?: string): Column<T, N, D, P> {
    return new Column({ ...this.config, index: name ?? true })
  }

  /**
   * A foreign key to `'table.column'` or to a model's primary key (`() => User`).
   * A foreign-key column is never autoincremented.
   */
  references (target: ReferenceTarget, options: ReferenceOptions = {}): Column<T, N, D, P> {
    return new Column({ ...this.config, references: { target, ...options } })
  }

  /**
   * A validator run at flush on the value of a new object, or of a changed one when this
   * column changed (never on null). It returns `false` or the problem, read after "it"
   * (`'is not an email address'`), to refuse the value with an `InvalidValueError`
   * (400) naming the model and property. Several validators run in order.
   *
   * @example
   * ```ts
   * const email = c.string(120).validate((value) => value.includes('@') || 'is not an email address')
   * ```
   */
  validate (validator: ColumnValidator<T>): Column<T, N, D, P> {
    return new Column({ ...this.config, validators: [...this.config.validators ?? [], validator as ColumnValidator<never>] })
  }

  /**
   * A value set when a flush updates the row and the change did not set this column itself
   * (SQLAlchemy's `onupdate`): a value or a function, e.g. `.onUpdate(() => new Date())`.
   */
  onUpdate (value: T | (() => T)): Column<T, N, D, P> {
    const onUpdate = typeof value === 'function' ? { factory: value as () => unknown } : { value }
    return new Column({ ...this.config, onUpdate })
  }

  /** A CHECK constraint; the SQL expression is written by hand, e.g. `'year >= 1888'`. */
  check (expression: string): Column<T, N, D, P> {
    return new Column({ ...this.config, check: expression })
  }
}

/** Any column, whatever its inferred types. */
export type AnyColumn = Column<unknown, boolean, boolean, boolean>

/** One column as stored: its property, its database name and its declaration. */
export interface ModelColumn {
  readonly property: string
  readonly name: string
  readonly config: ColumnConfig
  /** Resolved: explicit, or automatic for a lone integer primary key without a foreign key. */
  readonly autoincrement: boolean
}
