import type { ColumnConfig } from '../../model/column.ts'
import type { IntrospectedColumn, IntrospectedForeignKey, IntrospectedIndex, IntrospectedKey } from '../../introspection/introspected-schema.ts'

/**
 * A column in an operation: the state compare saw (this database's folded form) and the
 * portable declaration a revision writes. `config` is the model's declaration (DDL fields
 * only, `autoincrement` resolved), or one recovered from the database's type; `undefined`
 * when no `c.*` type is stored that way, and the revision writes the raw `sqlType`.
 */
export interface ColumnSpec extends IntrospectedColumn {
  readonly config: ColumnConfig | undefined
}

/** A CHECK: its canonical expression (what compare compares) and what a revision writes. */
export interface CheckSpec {
  readonly name: string | undefined
  readonly expression: string
  /** SQL text, or an enumeration's column and values (written as `t.enumCheck(…)`). */
  readonly definition: string | { readonly column: string, readonly values: readonly string[] }
}

/**
 * A whole table, for creating it or for dropping it (and creating it back in `down`).
 * From a model it keeps the model's own forms (a unique index stays an index, RESTRICT
 * stays RESTRICT); from the database, what introspection reported.
 */
export interface TableSpec {
  readonly name: string
  readonly columns: readonly ColumnSpec[]
  readonly primaryKey: IntrospectedKey
  readonly uniques: readonly IntrospectedKey[]
  readonly indexes: readonly IntrospectedIndex[]
  readonly foreignKeys: readonly IntrospectedForeignKey[]
  readonly checks: readonly CheckSpec[]
  /** The table's comment (a created table gets it, with its columns'). */
  readonly comment?: string
}

/**
 * One schema change, Alembic-style: each carries everything needed to write it and to
 * write its reverse, so a revision's `down` is `up` reversed, never a second comparison.
 */
export type Operation =
  | { readonly kind: 'createTable', readonly table: TableSpec }
  | { readonly kind: 'dropTable', readonly table: TableSpec }
  | { readonly kind: 'renameTable', readonly from: string, readonly to: string }
  | { readonly kind: 'addColumn', readonly table: string, readonly column: ColumnSpec }
  | { readonly kind: 'dropColumn', readonly table: string, readonly column: ColumnSpec }
  | { readonly kind: 'alterColumn', readonly table: string, readonly from: ColumnSpec, readonly to: ColumnSpec }
  | { readonly kind: 'renameColumn', readonly table: string, readonly from: string, readonly to: string }
  | { readonly kind: 'createIndex', readonly table: string, readonly index: IntrospectedIndex }
  | { readonly kind: 'dropIndex', readonly table: string, readonly index: IntrospectedIndex }
  | { readonly kind: 'addUnique', readonly table: string, readonly unique: IntrospectedKey }
  | { readonly kind: 'dropUnique', readonly table: string, readonly unique: IntrospectedKey }
  | { readonly kind: 'addForeignKey', readonly table: string, readonly foreignKey: IntrospectedForeignKey }
  | { readonly kind: 'dropForeignKey', readonly table: string, readonly foreignKey: IntrospectedForeignKey }
  | { readonly kind: 'addCheck', readonly table: string, readonly check: CheckSpec }
  | { readonly kind: 'dropCheck', readonly table: string, readonly check: CheckSpec }
  /** `from` as the database reports it, `to` as the model names it; no columns means no key. */
  | { readonly kind: 'alterPrimaryKey', readonly table: string, readonly from: IntrospectedKey, readonly to: IntrospectedKey }
  /**
   * The comment of the table (`column` undefined) or of a column; undefined is none. A
   * column's `declaration` (the model's, its comment aside) is what MySQL rewrites the
   * column with, so `--sql` can print it; the column has it on both sides of the change.
   */
  | {
    readonly kind: 'alterComment', readonly table: string, readonly column: string | undefined,
    readonly from: string | undefined, readonly to: string | undefined, readonly declaration?: ColumnConfig
  }

/**
 * The operation that undoes `op`. `reverseOperation(reverseOperation(op))` equals `op`.
 *
 * @example
 * ```ts
 * reverseOperation({ kind: 'renameColumn', table: 'movie', from: 'name', to: 'title' })
 * // { kind: 'renameColumn', table: 'movie', from: 'title', to: 'name' }
 * ```
 */
export function reverseOperation (op: Operation): Operation {
  switch (op.kind) {
    case 'createTable': return { kind: 'dropTable', table: op.table }
    case 'dropTable': return { kind: 'createTable', table: op.table }
    case 'addColumn': return { kind: 'dropColumn', table: op.table, column: op.column }
    case 'dropColumn': return { kind: 'addColumn', table: op.table, column: op.column }
    case 'createIndex': return { kind: 'dropIndex', table: op.table, index: op.index }
    case 'dropIndex': return { kind: 'createIndex', table: op.table, index: op.index }
    case 'addUnique': return { kind: 'dropUnique', table: op.table, unique: op.unique }
    case 'dropUnique': return { kind: 'addUnique', table: op.table, unique: op.unique }
    case 'addForeignKey': return { kind: 'dropForeignKey', table: op.table, foreignKey: op.foreignKey }
    case 'dropForeignKey': return { kind: 'addForeignKey', table: op.table, foreignKey: op.foreignKey }
    case 'addCheck': return { kind: 'dropCheck', table: op.table, check: op.check }
    case 'dropCheck': return { kind: 'addCheck', table: op.table, check: op.check }
    case 'renameTable':
    case 'renameColumn':
    case 'alterPrimaryKey':
    case 'alterComment':
    case 'alterColumn': return { ...op, from: op.to, to: op.from } as Operation
  }
}

/**
 * The operations that undo `operations`: each reversed, last first — a revision's `down`.
 *
 * @example
 * ```ts
 * const down = reverseOperations(up)
 * ```
 */
export function reverseOperations (operations: readonly Operation[]): Operation[] {
  return operations.map(reverseOperation).reverse()
}

/**
 * One line saying what `op` does: `+` adds, `-` removes, `~` changes; destructive
 * operations end with `(destructive)` (`operations`: the revision's others, see {@link isDestructive}).
 *
 * @example
 * ```ts
 * describeOperation(op) // '~ alter column movie.title: type varchar(120) -> varchar(200), nullable false -> true'
 * ```
 */
export function describeOperation (op: Operation, operations: readonly Operation[] = []): string {
  const text = describe(op)
  return isDestructive(op, operations) ? `${text} (destructive)` : text
}

function describe (op: Operation): string {
  switch (op.kind) {
    case 'createTable': return `+ create table ${op.table.name}`
    case 'dropTable': return `- drop table ${op.table.name}`
    case 'renameTable': return `~ rename table ${op.from} -> ${op.to}`
    case 'addColumn': return `+ add column ${op.table}.${op.column.name}`
    case 'dropColumn': return `- drop column ${op.table}.${op.column.name}`
    case 'alterColumn': return `~ alter column ${op.table}.${op.from.name}: ${columnChanges(op.from, op.to).join(', ')}`
    case 'renameColumn': return `~ rename column ${op.table}.${op.from} -> ${op.to}`
    case 'createIndex': return `+ add ${indexWord(op.index)} ${keyText(op.table, op.index)}`
    case 'dropIndex': return `- drop ${indexWord(op.index)} ${keyText(op.table, op.index)}`
    case 'addUnique': return `+ add unique constraint ${keyText(op.table, op.unique)}`
    case 'dropUnique': return `- drop unique constraint ${keyText(op.table, op.unique)}`
    case 'addForeignKey': return `+ add foreign key ${foreignKeyText(op.table, op.foreignKey)}`
    case 'dropForeignKey': return `- drop foreign key ${foreignKeyText(op.table, op.foreignKey)}`
    case 'addCheck': return `+ add check ${op.check.name ?? '(unnamed)'} on ${op.table}: ${op.check.expression}`
    case 'dropCheck': return `- drop check ${op.check.name ?? '(unnamed)'} on ${op.table}: ${op.check.expression}`
    case 'alterPrimaryKey': return `~ alter primary key ${op.table}: ${primaryKeyChange(op.from, op.to)}`
    case 'alterComment': return `~ comment on ${op.column === undefined ? `table ${op.table}` : `column ${op.table}.${op.column}`}: ${commentText(op.from)} -> ${commentText(op.to)}`
  }
}

const commentText = (comment: string | undefined): string => comment === undefined ? 'none' : `'${comment.replace(/'/g, "''")}'`

/** `(id) -> (code)`; the names too when both are known and differ (`pk_a (id) -> pk_b (id)`). */
function primaryKeyChange (from: IntrospectedKey, to: IntrospectedKey): string {
  const renamed = from.name !== undefined && to.name !== undefined && from.name !== to.name
  const text = (key: IntrospectedKey): string => {
    const columns = key.columns.length === 0 ? '(none)' : `(${key.columns.join(', ')})`
    return renamed && key.columns.length > 0 ? `${key.name ?? '(unnamed)'} ${columns}` : columns
  }
  return `${text(from)} -> ${text(to)}`
}

/**
 * What differs between two states of a column, as `field old -> new` texts; empty when
 * nothing compare looks at differs.
 *
 * @example
 * ```ts
 * columnChanges(from, to) // ['type varchar(120) -> varchar(200)', 'nullable false -> true']
 * ```
 */
export function columnChanges (from: IntrospectedColumn, to: IntrospectedColumn): string[] {
  const changes: string[] = []
  if (from.sqlType !== to.sqlType) changes.push(`type ${from.sqlType} -> ${to.sqlType}`)
  if (from.nullable !== to.nullable) changes.push(`nullable ${from.nullable} -> ${to.nullable}`)
  if (from.serverDefault !== to.serverDefault) changes.push(`server default ${from.serverDefault ?? 'none'} -> ${to.serverDefault ?? 'none'}`)
  if (from.autoincrement !== to.autoincrement) changes.push(`autoincrement ${from.autoincrement} -> ${to.autoincrement}`)
  if (from.autoincrement && to.autoincrement && from.identity !== to.identity) changes.push(`identity ${from.identity ?? 'none'} -> ${to.identity ?? 'none'}`)
  if (generatedText(from) !== generatedText(to)) changes.push(`generated ${generatedText(from)} -> ${generatedText(to)}`)
  return changes
}

/** `none`, or `(price * qty) stored` / `(…) virtual`. */
function generatedText (column: IntrospectedColumn): string {
  return column.generated === undefined ? 'none' : `(${column.generated.expression}) ${column.generated.stored ? 'stored' : 'virtual'}`
}

const indexWord = (index: IntrospectedIndex): string => index.unique ? 'unique index' : 'index'
const keyText = (table: string, key: IntrospectedKey): string => `${key.name ?? '(unnamed)'} on ${table} (${key.columns.join(', ')})`

function foreignKeyText (table: string, fk: IntrospectedForeignKey): string {
  const actions = [fk.onDelete && ` on delete ${fk.onDelete}`, fk.onUpdate && ` on update ${fk.onUpdate}`].filter(Boolean).join('')
  return `${keyText(table, fk)} -> ${fk.referencedTable} (${fk.referencedColumns.join(', ')})${actions}`
}

/**
 * Whether `op` can lose data or fail on rows the database holds: dropping a table or a
 * column, making an ordinary column generated (its values are replaced by computed ones; a
 * generated column changed or made ordinary loses nothing), a primary key that no longer holds every column of the old one (rows unique
 * on the old key may repeat on the new), a type change that narrows (a shorter string, a smaller number, another kind of
 * value), or an enumeration's CHECK that no longer accepts a value it accepted. Widening
 * (a longer string or enumeration, integer to bigint, more digits) keeps every value.
 * `operations` are the others of the same revision: an enumeration's CHECK changes as a
 * drop and an add, and only the pair says which values went away.
 *
 * @example
 * ```ts
 * isDestructive({ kind: 'dropColumn', table: 'movie', column }) // true
 * isDestructive(addCheck, operations) // true when the dropped CHECK had a value this one lacks
 * ```
 */
export function isDestructive (op: Operation, operations: readonly Operation[] = []): boolean {
  if (op.kind === 'dropTable') return true
  // A generated column holds nothing its table cannot compute again.
  if (op.kind === 'dropColumn') return op.column.generated === undefined
  // Rows are unique on the old key, so on any superset of it; on other columns they may repeat.
  if (op.kind === 'alterPrimaryKey') {
    return op.to.columns.length > 0 && (op.from.columns.length === 0 || !op.from.columns.every((column) => op.to.columns.includes(column)))
  }
  if (op.kind === 'alterColumn') {
    // A generated column's values are computed again: none is lost, whatever its type.
    if (op.to.generated !== undefined) return op.from.generated === undefined
    return op.from.sqlType !== op.to.sqlType && !widens(op.from, op.to)
  }
  if (op.kind === 'addCheck') {
    const added = enumerationValues(op.check)
    const dropped = operations.find((other) => other.kind === 'dropCheck' && other.table === op.table && other.check.name === op.check.name)
    const before = dropped?.kind === 'dropCheck' ? enumerationValues(dropped.check) : undefined
    if (added === undefined || before === undefined || added.column !== before.column) return false
    return before.values.some((value) => !added.values.includes(value))
  }
  return false
}

// Type changes that keep every value: longer strings and enumerations (every database
// stores an enumeration as a varchar sized to its longest value, plus a CHECK), strings to
// text, bigger numbers, dates to date-times.
function widens (from: ColumnSpec, to: ColumnSpec): boolean {
  const a = from.config
  const b = to.config
  if (a === undefined || b === undefined) return false
  const stringLike = (kind: string): boolean => kind === 'string' || kind === 'enum'
  if (stringLike(a.kind) && stringLike(b.kind)) return (b.length ?? 0) >= (a.length ?? 0)
  if ((stringLike(a.kind) || a.kind === 'uuid') && b.kind === 'text') return true
  if (a.kind === 'integer' && (b.kind === 'bigInteger' || b.kind === 'float')) return true
  // numeric(p, s) holds p - s digits before the point: 10 hold any integer, 19 any bigint.
  const integerDigits = a.kind === 'integer' ? 10 : a.kind === 'bigInteger' ? 19 : a.kind === 'numeric' ? (a.precision ?? 0) - (a.scale ?? 0) : undefined
  if (integerDigits !== undefined && b.kind === 'numeric') {
    return (b.precision ?? 0) - (b.scale ?? 0) >= integerDigits && (b.scale ?? 0) >= (a.kind === 'numeric' ? a.scale ?? 0 : 0)
  }
  if (a.kind === 'date') return b.kind === 'dateTime'
  return false
}

const LITERAL = /'(?:[^']|'')*'/g

/**
 * The column and values of a CHECK in the canonical form an enumeration's takes
 * (`mpa in ('G', 'PG')`, or `mpa = 'G'` for one value); `undefined` for any other CHECK.
 */
function enumerationValues (check: CheckSpec): { column: string, values: string[] } | undefined {
  const match = /^(\w+) (?:in \(('(?:[^']|'')*'(?:, '(?:[^']|'')*')*)\)|= ('(?:[^']|'')*'))$/.exec(check.expression)
  if (!match) return undefined
  const list = match[2] ?? match[3] ?? ''
  return { column: match[1] as string, values: [...list.matchAll(LITERAL)].map((literal) => literal[0]) }
}
