import type { IdentityKind, ReferentialAction } from '../model/column.ts'

/**
 * The tables of the migrations runner (Kysely's Migrator: applied revisions, and its lock),
 * which hold no model and are never compared. Every introspector leaves them out.
 */
export const VERSION_TABLE = 'fastify_orm_version'
export const VERSION_LOCK_TABLE = 'fastify_orm_version_lock'

/** A column as the database stores it, normalised to the vocabulary of `ColumnTypes.sqlType()`. */
export interface IntrospectedColumn {
  readonly name: string
  /** E.g. `varchar(120)`, `numeric(12, 2)`, `timestamptz`, `integer[]`, `tinyint(1)`. */
  readonly sqlType: string
  readonly nullable: boolean
  /**
   * The database-side default in canonical SQL (see `normalizeServerDefault`): `'abc'`,
   * `-1`, `true`, `CURRENT_TIMESTAMP`; `undefined` for none (or `NULL`) and for generated keys.
   */
  readonly serverDefault: string | undefined
  /** The database generates the values: identity/serial, auto_increment, SQLite's rowid alias. */
  readonly autoincrement: boolean
  /**
   * How PostgreSQL generates an autoincrement column's values: an identity of either kind,
   * or a serial (a sequence default). Absent elsewhere, and where the catalog has no kinds.
   */
  readonly identity?: IdentityKind | 'serial'
  /** A generated (computed) column; absent for an ordinary one. */
  readonly generated?: IntrospectedGenerated
  /** The column's comment; absent when it has none (an empty one is none) and on SQLite. */
  readonly comment?: string
}

/** A generated column's expression and storage. */
export interface IntrospectedGenerated {
  /** Canonical, as CHECKs are (see `normalizeCheckExpression`): what compare compares. */
  readonly expression: string
  readonly stored: boolean
  /**
   * The expression as the database gives it back, valid SQL to write it again (the
   * canonical form drops casts). Introspection only: `expectedTable` has none, compare never reads it.
   */
  readonly sql?: string
}

/** A primary key or unique constraint; `name` is undefined where the database keeps none. */
export interface IntrospectedKey {
  readonly name: string | undefined
  readonly columns: readonly string[]
}

/** An index made by CREATE INDEX (never one that only backs a key or a foreign key). */
export interface IntrospectedIndex {
  readonly name: string
  readonly columns: readonly string[]
  readonly unique: boolean
}

/** A foreign key; an action is `undefined` when it is the database's default (NO ACTION). */
export interface IntrospectedForeignKey extends IntrospectedKey {
  readonly referencedTable: string
  readonly referencedColumns: readonly string[]
  readonly onDelete: ReferentialAction | undefined
  readonly onUpdate: ReferentialAction | undefined
}

/** A CHECK constraint with its expression in canonical form (see `normalizeCheckExpression`). */
export interface IntrospectedCheck {
  readonly name: string | undefined
  readonly expression: string
}

/**
 * One table as autogenerate compares it. Columns keep the table's order; every list of
 * constraints is sorted (by name, then columns) so that two tables compare with deep equality.
 */
export interface IntrospectedTable {
  readonly name: string
  readonly columns: readonly IntrospectedColumn[]
  /** `{ name: undefined, columns: [] }` for a table without a primary key. */
  readonly primaryKey: IntrospectedKey
  readonly uniques: readonly IntrospectedKey[]
  readonly indexes: readonly IntrospectedIndex[]
  readonly foreignKeys: readonly IntrospectedForeignKey[]
  readonly checks: readonly IntrospectedCheck[]
  /** The table's comment; absent when it has none (an empty one is none) and on SQLite. */
  readonly comment?: string
}

/**
 * What a database's catalog cannot tell apart. Introspection reports the folded form, and
 * the schema a model implies (`expectedTable`) is folded the same way.
 */
export interface IntrospectionLimits {
  /** Primary keys have no name of their own (MySQL calls every one PRIMARY): reported undefined. */
  readonly unnamedPrimaryKeys: boolean
  /** A unique index is a unique constraint (MySQL): every unique key is reported in `uniques`. */
  readonly uniqueIndexesAreConstraints: boolean
  /** RESTRICT is the default action, NO ACTION's synonym (MySQL/InnoDB): reported undefined. */
  readonly restrictIsDefault: boolean
  /** The database keeps no comments (SQLite): models' comments are left out. */
  readonly noComments?: boolean
  /** Identity kinds are reported (PostgreSQL): `identity` of autoincrement columns. */
  readonly identityKinds?: boolean
}

/**
 * A referential action as the catalog spells it (`NO ACTION`, `SET NULL`, PostgreSQL's
 * one-letter codes already mapped) in the model's vocabulary; the default is undefined.
 *
 * @example
 * ```ts
 * referentialAction('SET NULL', limits) // 'set null'
 * referentialAction('NO ACTION', limits) // undefined
 * ```
 */
export function referentialAction (text: string | null | undefined, limits: IntrospectionLimits): ReferentialAction | undefined {
  const action = (text ?? 'no action').toLowerCase().replace(/\s+/g, ' ') as ReferentialAction
  if (action === 'no action' || (action === 'restrict' && limits.restrictIsDefault)) return undefined
  return action
}

/**
 * A type name with uniform spacing and case: `NUMERIC (12,2)` → `numeric(12, 2)`.
 *
 * @example
 * ```ts
 * normalizeSqlType('DECIMAL(12,2)') // 'decimal(12, 2)'
 * ```
 */
export function normalizeSqlType (type: string): string {
  return type.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*\(\s*/g, '(').replace(/\s*,\s*/g, ', ').replace(/\s*\)/g, ')')
}

/**
 * The table with its constraint lists in canonical order, so that deep equality compares
 * content and not catalog order. Introspectors and `expectedTable` both return this form.
 *
 * @example
 * ```ts
 * const table = sortIntrospectedTable({ name: 'tag', columns, primaryKey, uniques, indexes: [], foreignKeys: [], checks: [] })
 * ```
 */
export function sortIntrospectedTable (table: IntrospectedTable): IntrospectedTable {
  const key = (entry: { name?: string | undefined, columns?: readonly string[], expression?: string }): string =>
    `${entry.name ?? '\uffff'}\u0000${entry.columns?.join(',') ?? entry.expression ?? ''}`
  const sorted = <T extends { name?: string | undefined }>(list: readonly T[]): T[] =>
    [...list].sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)
  return {
    name: table.name,
    columns: table.columns,
    primaryKey: table.primaryKey,
    uniques: sorted(table.uniques),
    indexes: sorted(table.indexes),
    foreignKeys: sorted(table.foreignKeys),
    checks: sorted(table.checks),
    ...table.comment === undefined ? {} : { comment: table.comment }
  }
}
