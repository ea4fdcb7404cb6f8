import type { ColumnConfig } from '../../model/column.ts'
import { constraintName } from '../../model/naming.ts'
import type { IntrospectedForeignKey, IntrospectedIndex, IntrospectedKey } from '../../introspection/introspected-schema.ts'
import { describeOperation, type CheckSpec, type ColumnSpec, type Operation, type TableSpec } from './operations.ts'
import { columnExpression, stringArray, stringLiteral } from './source-text.ts'

/** The names a rendered statement uses: from the revision's context, and imports. */
export interface Uses {
  readonly context: Set<'db' | 't' | 'op'>
  readonly imports: Set<'c' | 'sql'>
}

/**
 * The statements of one operation in a revision body (without indentation), preceded by
 * its description as a comment. Kysely's schema builder writes what every database does
 * alike (create/drop/rename table, add/rename column, create index); the context's `op`
 * writes what differs by database (above all SQLite's table rebuilds). `uses` collects the
 * names the statements need, so the file imports and destructures only those; `operations`
 * (the function's others) tell whether a changed CHECK is destructive.
 *
 * @example
 * ```ts
 * renderOperation({ kind: 'dropColumn', table: 'movie', column }, uses)
 * // ['// - drop column movie.mpa (destructive)', "await op.dropColumn('movie', 'mpa')"]
 * ```
 */
export function renderOperation (op: Operation, uses: Uses, operations: readonly Operation[] = []): string[] {
  const q = stringLiteral
  const db = (): string => { uses.context.add('db'); return 'db.schema' }
  const call = (method: string, ...args: string[]): string => { uses.context.add('op'); return `await op.${method}(${args.join(', ')})` }
  const body = ((): string[] => {
    switch (op.kind) {
      case 'createTable': return createTable(op.table, uses)
      case 'dropTable': return [`await ${db()}.dropTable(${q(op.table.name)}).execute()`]
      case 'renameTable': return [`await ${db()}.alterTable(${q(op.from)}).renameTo(${q(op.to)}).execute()`]
      // SQLite adds a STORED generated column only by rebuilding the table: `op` knows how.
      case 'addColumn': return op.column.generated !== undefined && op.column.config !== undefined ? [
        call('addColumn', q(op.table), q(op.column.name), use(uses, 'c', columnExpression(op.column.config))),
        ...commentLines(op.table, [op.column], undefined, uses)
      ] : [
        ...notNullHint(op.column),
        ...rawTypeNote(op.column),
        `await ${db()}.alterTable(${q(op.table)}).addColumn(${q(op.column.name)}, ${columnArguments(op.column, uses)}).execute()`,
        ...commentLines(op.table, [op.column], undefined, uses)
      ]
      case 'dropColumn': return [call('dropColumn', q(op.table), q(op.column.name))]
      case 'alterColumn': return op.to.config === undefined
        ? byHand(`no c.* type is stored as ${op.to.sqlType} here, so this column's declaration must be written by hand`)
        : [...generatedNote(op.from, op.to), call('alterColumn', q(op.table), q(op.to.name), use(uses, 'c', columnExpression(op.to.config)))]
      case 'renameColumn': return [`await ${db()}.alterTable(${q(op.table)}).renameColumn(${q(op.from)}, ${q(op.to)}).execute()`]
      case 'createIndex': return [`await ${createIndex(db(), op.table, op.index)}.execute()`]
      case 'dropIndex': return [call('dropIndex', q(op.table), q(op.index.name))]
      case 'addUnique': return named(op.unique.name, 'unique constraint', (name) => [call('addUnique', q(op.table), q(name), stringArray(op.unique.columns))])
      case 'dropUnique': return named(op.unique.name, 'unique constraint', (name) => [call('dropUnique', q(op.table), q(name))])
      case 'addForeignKey': return named(op.foreignKey.name, 'foreign key', (name) => [call('addForeignKey', q(op.table), q(name), stringArray(op.foreignKey.columns),
        q(op.foreignKey.referencedTable), stringArray(op.foreignKey.referencedColumns), ...actionsObject(op.foreignKey))])
      case 'dropForeignKey': return named(op.foreignKey.name, 'foreign key', (name) => [call('dropForeignKey', q(op.table), q(name))])
      case 'addCheck': return named(op.check.name, 'check', (name) => [call('addCheck', q(op.table), q(name), checkArgument(op.check, uses, false))])
      case 'dropCheck': return named(op.check.name, 'check', (name) => [call('dropCheck', q(op.table), q(name))])
      case 'alterPrimaryKey': return [call('alterPrimaryKey', q(op.table), keyObject(op.from), keyObject(op.to))]
      case 'alterComment': return [call('setComment', q(op.table), op.column === undefined ? 'null' : q(op.column), op.to === undefined ? 'null' : q(op.to),
        ...op.declaration === undefined ? [] : [use(uses, 'c', columnExpression(op.declaration))])]
    }
  })()
  return [`// ${describeOperation(op, operations)}`, ...body]
}

function createTable (table: TableSpec, uses: Uses): string[] {
  uses.context.add('db')
  const q = stringLiteral
  // Kysely needs a name for every constraint; where the database kept none, the convention's.
  const nameOr = (name: string | undefined, fallback: string): string => q(name ?? fallback)
  const lines = [`await db.schema.createTable(${q(table.name)})`]
  for (const column of table.columns) {
    lines.push(...rawTypeNote(column).map((line) => `  ${line}`))
    lines.push(`  .addColumn(${q(column.name)}, ${columnArguments(column, uses)})`)
  }
  if (table.primaryKey.columns.length > 0) {
    lines.push(`  .addPrimaryKeyConstraint(${nameOr(table.primaryKey.name, constraintName('pk', table.name, []))}, ${stringArray(table.primaryKey.columns)})`)
  }
  for (const unique of table.uniques) {
    lines.push(`  .addUniqueConstraint(${nameOr(unique.name, constraintName('uq', table.name, unique.columns))}, ${stringArray(unique.columns)})`)
  }
  for (const fk of table.foreignKeys) {
    const actions = [fk.onDelete && `.onDelete(${q(fk.onDelete)})`, fk.onUpdate && `.onUpdate(${q(fk.onUpdate)})`].filter(Boolean).join('')
    lines.push(`  .addForeignKeyConstraint(${nameOr(fk.name, constraintName('fk', table.name, [...fk.columns, fk.referencedTable]))}, ` +
      `${stringArray(fk.columns)}, ${q(fk.referencedTable)}, ${stringArray(fk.referencedColumns)}${actions ? `, (fk) => fk${actions}` : ''})`)
  }
  table.checks.forEach((check, i) => {
    lines.push(`  .addCheckConstraint(${nameOr(check.name, constraintName('ck', table.name, [String(i + 1)]))}, ${checkArgument(check, uses, true)})`)
  })
  lines.push('  .execute()')
  for (const index of table.indexes) lines.push(`await ${createIndex('db.schema', table.name, index)}.execute()`)
  lines.push(...commentLines(table.name, table.columns, table.comment, uses))
  return lines
}

/**
 * `op.setComment` for the table's and the columns' comments (the model's own where the
 * spec has them, so a revision made on SQLite keeps them for the other databases), with
 * the column's declaration where there is one (MySQL rewrites the column, also under `--sql`).
 */
function commentLines (table: string, columns: readonly ColumnSpec[], tableComment: string | undefined, uses: Uses): string[] {
  const q = stringLiteral
  const lines = tableComment === undefined ? [] : [`await op.setComment(${q(table)}, null, ${q(tableComment)})`]
  for (const column of columns) {
    const comment = column.config?.comment ?? column.comment
    if (comment === undefined) continue
    const declaration = column.config === undefined ? '' : `, ${use(uses, 'c', columnExpression(uncommented(column.config)))}`
    lines.push(`await op.setComment(${q(table)}, ${q(column.name)}, ${q(comment)}${declaration})`)
  }
  if (lines.length > 0) uses.context.add('op')
  return lines
}

/** The declaration without its comment, which `op.setComment`'s own argument gives. */
function uncommented (config: ColumnConfig): ColumnConfig {
  const { comment: _comment, ...rest } = config
  return rest
}

function createIndex (schema: string, table: string, index: IntrospectedIndex): string {
  return `${schema}.createIndex(${stringLiteral(index.name)})${index.unique ? '.unique()' : ''}.on(${stringLiteral(table)}).columns(${stringArray(index.columns)})`
}

/**
 * The arguments of Kysely's `addColumn` after the name: `...t.column(c.…)` for a portable
 * declaration, else the database's own type and modifiers (a column no `c.*` type makes).
 */
function columnArguments (column: ColumnSpec, uses: Uses): string {
  if (column.config !== undefined) {
    uses.context.add('t')
    return `...t.column(${use(uses, 'c', columnExpression(column.config))})`
  }
  const raw = (text: string): string => use(uses, 'sql', `sql.raw(${stringLiteral(text)})`)
  const modifiers = [
    column.nullable ? '' : '.notNull()',
    column.serverDefault === undefined ? '' : `.defaultTo(${raw(column.serverDefault)})`
  ].join('')
  return `${raw(column.sqlType)}${modifiers ? `, (col) => col${modifiers}` : ''}`
}

/** A CHECK's expression: `t.enumCheck(…)` for an enumeration, else its SQL (a `sql` fragment where Kysely needs one). */
function checkArgument (check: CheckSpec, uses: Uses, expression: boolean): string {
  const definition = check.definition
  if (typeof definition !== 'string') {
    uses.context.add('t')
    return `t.enumCheck(${stringLiteral(definition.column)}, ${stringArray(definition.values)})`
  }
  return expression ? use(uses, 'sql', `sql.raw(${stringLiteral(definition)})`) : stringLiteral(definition)
}

function actionsObject (fk: IntrospectedForeignKey): string[] {
  const entries = [fk.onDelete && `onDelete: ${stringLiteral(fk.onDelete)}`, fk.onUpdate && `onUpdate: ${stringLiteral(fk.onUpdate)}`].filter(Boolean)
  return entries.length > 0 ? [`{ ${entries.join(', ')} }`] : []
}

function keyObject (key: IntrospectedKey): string {
  return `{ ${key.name === undefined ? '' : `name: ${stringLiteral(key.name)}, `}columns: ${stringArray(key.columns)} }`
}

function rawTypeNote (column: ColumnSpec): string[] {
  return column.config === undefined ? [`// ${column.sqlType}: no c.* type is stored this way here, so the database's own type is written`] : []
}

/** What happens to the values of a column that is or becomes generated. */
function generatedNote (from: ColumnSpec, to: ColumnSpec): string[] {
  if (to.generated !== undefined && from.generated !== undefined) {
    return ['// A generated column: the database computes every value again from the new expression (PostgreSQL drops and adds the', '// column, SQLite rebuilds the table), so no data is lost.']
  }
  if (to.generated !== undefined) return ['// The column becomes generated: its stored values are replaced by computed ones.']
  if (from.generated !== undefined) return ['// The column stops being generated: it keeps the values computed so far.']
  return []
}

/** SQLite refuses to add a NOT NULL column without a default, and elsewhere existing rows need a value. */
function notNullHint (column: ColumnSpec): string[] {
  if (column.nullable || column.serverDefault !== undefined || column.autoincrement || column.generated !== undefined) return []
  return ['// NOT NULL without a server default: existing rows need a value. Add a serverDefault, or add the column', '// nullable, fill it (db.updateTable …), then make it NOT NULL with op.alterColumn.']
}

/** A constraint the database keeps no name for cannot be named in a statement. */
function named (name: string | undefined, what: string, render: (name: string) => string[]): string[] {
  return name === undefined ? byHand(`the database keeps no name for this ${what}, so no statement can name it`) : render(name)
}

/** A step autogenerate cannot write: the revision fails there until someone writes it. */
function byHand (reason: string): string[] {
  return [`// Not generated: ${reason}. Write this step by hand, then remove the throw.`, `throw new Error(${stringLiteral(`Write this step of the revision by hand: ${reason}.`)})`]
}

function use (uses: Uses, name: 'c' | 'sql', text: string): string {
  uses.imports.add(name)
  return text
}
