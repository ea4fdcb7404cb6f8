import type { TSchema } from 'typebox'
import type { BehaviourDefinition, ModelBehaviour } from './behaviour.ts'
import type { AnyColumn, ColumnConfig, ModelColumn, ReferenceOptions, ReferenceTarget } from './column.ts'
import { ModelDefinitionError } from './model-definition-error.ts'
import { constraintName, snakeCase, type Naming, type SnakeCase } from './naming.ts'
import { buildModelSchemas, type ModelSchemas } from './model-schemas.ts'
import type { InsertOf, KyselyTableOf, PrimaryKeyColumns, RowOf, UpdateOf } from './infer.ts'

/** Table-level options of {@link defineModel}, and the model's behaviour ({@link ModelBehaviour}). */
export interface ModelOptions<
  C extends Record<string, AnyColumn>, TableName extends string = string, N extends Naming = Naming, B = unknown,
  PK extends ReadonlyArray<keyof C & string> = ReadonlyArray<keyof C & string>
> extends ModelBehaviour<C, B> {
  /** The table's name; by default the model name in snake_case (`BlogPost` → `blog_post`). */
  tableName?: TableName
  /** `'snake_case'` stores `passwordHash` in the column `password_hash`. Default `'preserve'`. */
  naming?: N
  /** A composite primary key, by property names. */
  primaryKey?: PK
  /** Composite UNIQUE constraints, by property names. */
  unique?: ReadonlyArray<ReadonlyArray<keyof C & string> | { columns: ReadonlyArray<keyof C & string>, name?: string }>
  /** Composite indexes, by property names. */
  indexes?: ReadonlyArray<{ columns: ReadonlyArray<keyof C & string>, name?: string, unique?: boolean }>
  /** Table CHECK constraints: name → SQL expression (column names as stored). */
  checks?: Readonly<Record<string, string>>
  /** The bind (a name from the plugin's `binds` option) whose database holds this table. */
  bind?: string
  /** A comment stored with the table in the database (PostgreSQL, MySQL/MariaDB; ignored by SQLite). */
  comment?: string
}

/** A named constraint or index over database column names. */
export interface NamedColumns {
  readonly name: string
  readonly columns: readonly string[]
}

/** An index; `unique` indexes come from `indexes: [{ unique: true }]`. */
export interface IndexDefinition extends NamedColumns {
  readonly unique: boolean
}

/** A foreign key before its target is resolved (targets may be declared later). */
export interface PendingForeignKey extends ReferenceOptions {
  readonly column: string
  readonly target: ReferenceTarget
  readonly property: string
}

/** A CHECK constraint: hand-written SQL, or the allowed values of an enumeration column. */
export type CheckDefinition =
  | { readonly name: string, readonly expression: string }
  | { readonly name: string, readonly column: string, readonly values: readonly string[] }

/** The table a model maps to, as createAll, the session and autogenerate read it. */
export interface TableDefinition {
  readonly modelName: string
  readonly tableName: string
  readonly bind: string
  readonly columns: readonly ModelColumn[]
  readonly primaryKey: NamedColumns
  readonly uniques: readonly NamedColumns[]
  readonly indexes: readonly IndexDefinition[]
  readonly checks: readonly CheckDefinition[]
  readonly foreignKeys: readonly PendingForeignKey[]
  /** Present only when the model declares one. */
  readonly comment?: string
}

type ColumnNameOf<K, N extends Naming> = K extends string ? (N extends 'snake_case' ? SnakeCase<K> : K) : never

/**
 * A model: one table, its inferred types and its TypeBox schemas. Made by {@link defineModel}.
 * The `$`-prefixed members are types only (`typeof User.$row`); they have no run-time value.
 */
export interface Model<
  Name extends string = string,
  TableName extends string = string,
  C extends Record<string, AnyColumn> = Record<string, AnyColumn>,
  N extends Naming = Naming,
  B = unknown,
  K extends keyof C = PrimaryKeyColumns<C>
> {
  readonly name: Name
  readonly tableName: TableName
  /** Property name → column, as declared. */
  readonly columns: C
  /** Property names of the primary key. */
  readonly primaryKey: ReadonlyArray<keyof C & string>
  readonly table: TableDefinition
  /** TypeBox schemas for route `schema.body` / `schema.response`. */
  readonly schemas: ModelSchemas<C, K>
  readonly $row: RowOf<C>
  readonly $insert: InsertOf<C>
  /** What an update may change: every column but the primary key. */
  readonly $update: UpdateOf<C, K>
  /** The Kysely table type, keyed by database column names. */
  readonly $kysely: KyselyTableOf<C, N>
  readonly $columnNames: { [K in keyof C]: ColumnNameOf<K, N> }
  /** The methods and computed properties of the model's objects (see `MethodsOf`). */
  readonly $methods: B
  /** @internal Methods, representation, validators and hooks, as the session runs them. */
  readonly behaviour: BehaviourDefinition
}

/**
 * Any model. Structural rather than `Model<string, …>`: a model's column types appear
 * both in and under `keyof`, which makes `Model` invariant in them.
 */
export interface AnyModel {
  readonly name: string
  readonly tableName: string
  readonly columns: Readonly<Record<string, AnyColumn>>
  readonly primaryKey: readonly string[]
  readonly table: TableDefinition
  readonly schemas: { readonly row: TSchema, readonly insert: TSchema, readonly update: TSchema }
  readonly $row: object
  readonly $insert: object
  readonly $update: object
  readonly $kysely: object
  readonly behaviour?: BehaviourDefinition
}

/**
 * Declares a model (Flask-SQLAlchemy's `db.Model` subclass): a table whose row, insert and
 * update types, Kysely table type and TypeBox schemas are all inferred from the columns.
 *
 * @example
 * ```ts
 * import { c, defineModel } from 'fastify-orm'
 *
 * export const User = defineModel('User', {
 *   id: c.integer().primaryKey(),
 *   username: c.string(64).unique().index(),
 *   email: c.string(120).unique(),
 *   passwordHash: c.string(128)
 * }, { naming: 'snake_case' })
 *
 * type UserRow = typeof User.$row // { id: number, username: string, email: string, passwordHash: string }
 * ```
 */
export function defineModel<
  const Name extends string,
  C extends Record<string, AnyColumn>,
  const TableName extends string = SnakeCase<Name>,
  const N extends Naming = 'preserve',
  B = unknown,
  const PK extends ReadonlyArray<keyof C & string> = readonly []
> (name: Name, columns: C, options: ModelOptions<C, TableName, N, B, PK> = {}): Model<Name, TableName, C, N, B, PK[number] | PrimaryKeyColumns<C>> {
  const tableName = (options.tableName ?? snakeCase(name)) as TableName
  const table = buildTable(name, tableName, columns, options as unknown as ModelOptions<Record<string, AnyColumn>>)
  const behaviour = buildBehaviour(name, columns, options as unknown as ModelBehaviour<Record<string, AnyColumn>, object>)
  const byProperty = new Map(table.columns.map((column) => [column.property, column]))
  const model = {
    name,
    tableName,
    columns: Object.freeze({ ...columns }),
    primaryKey: Object.freeze(table.columns.filter((column) => table.primaryKey.columns.includes(column.name)).map((column) => column.property)),
    table,
    schemas: buildModelSchemas(name, byProperty, table.primaryKey.columns),
    behaviour
  }
  return Object.freeze(model) as unknown as Model<Name, TableName, C, N, B, PK[number] | PrimaryKeyColumns<C>>
}

/**
 * Declares a table with no model behaviour of its own, such as a many-to-many association
 * table (Flask-SQLAlchemy's `db.Table`). Its name is used as given.
 *
 * @example
 * ```ts
 * export const postTag = defineTable('post_tag', {
 *   postId: c.integer().references('post.id', { onDelete: 'cascade' }),
 *   tagId: c.integer().references('tag.id', { onDelete: 'cascade' })
 * }, { primaryKey: ['postId', 'tagId'], naming: 'snake_case' })
 * ```
 */
export function defineTable<
  const TableName extends string,
  C extends Record<string, AnyColumn>,
  const N extends Naming = 'preserve',
  const PK extends ReadonlyArray<keyof C & string> = readonly []
> (tableName: TableName, columns: C, options: Omit<ModelOptions<C, TableName, N, unknown, PK>, 'tableName' | keyof ModelBehaviour<C, unknown>> = {}): Model<TableName, TableName, C, N, unknown, PK[number] | PrimaryKeyColumns<C>> {
  return defineModel<TableName, C, TableName, N, unknown, PK>(tableName, columns, { ...options, tableName })
}

function buildTable (modelName: string, tableName: string, columns: Record<string, AnyColumn>, options: ModelOptions<Record<string, AnyColumn>>): TableDefinition {
  const fail = (message: string): never => { throw new ModelDefinitionError(modelName, message) }
  const entries = Object.entries(columns)
  if (entries.length === 0) fail('declares no columns')
  const nameOf = (property: string): string => options.naming === 'snake_case' ? snakeCase(property) : property
  const columnName = (property: string, where: string): string => {
    if (!(property in columns)) fail(`${where} names "${property}", which is not a column of ${modelName}`)
    return nameOf(property)
  }

  const columnPks = entries.filter(([, column]) => column.config.primaryKey).map(([property]) => property)
  if (columnPks.length > 1) {
    fail(`marks several columns primaryKey() (${columnPks.join(', ')}); declare a composite key with the option primaryKey: [${columnPks.map((p) => `'${p}'`).join(', ')}]`)
  }
  if (columnPks.length > 0 && options.primaryKey) fail('declares its primary key twice: in a column and in the primaryKey option')
  const pkProperties = options.primaryKey ?? columnPks
  if (pkProperties.length === 0) fail('has no primary key: mark a column .primaryKey() or pass the primaryKey option')
  const pkColumns = pkProperties.map((property) => columnName(property, 'primaryKey'))

  const seen = new Map<string, string>()
  const modelColumns = entries.map(([property, column]): ModelColumn => {
    const name = nameOf(property)
    const clash = seen.get(name)
    if (clash !== undefined) fail(`columns "${clash}" and "${property}" both map to the database column "${name}"`)
    seen.set(name, property)
    validateColumn(column.config, (message) => fail(`column "${property}" ${message}`))
    const isLoneIntegerPk = pkColumns.length === 1 && pkColumns[0] === name &&
      (column.config.kind === 'integer' || column.config.kind === 'bigInteger') && column.config.references === undefined
    const autoincrement = column.config.autoincrement ?? isLoneIntegerPk
    if (column.config.identity !== undefined && !isLoneIntegerPk) fail(`column "${property}" is identity('${column.config.identity}') but is not the lone integer primary key`)
    if (autoincrement && !isLoneIntegerPk) fail(`column "${property}" is autoincrement() but is not the lone integer primary key`)
    return Object.freeze({ property, name, config: column.config, autoincrement })
  })

  const uniques: NamedColumns[] = []
  const indexes: IndexDefinition[] = []
  const checks: CheckDefinition[] = []
  const foreignKeys: PendingForeignKey[] = []
  for (const column of modelColumns) {
    const { unique, index, check, references, kind, values } = column.config
    if (unique !== undefined) uniques.push({ name: unique === true ? constraintName('uq', tableName, [column.name]) : unique, columns: [column.name] })
    if (index !== undefined) indexes.push({ name: index === true ? constraintName('ix', tableName, [column.name]) : index, columns: [column.name], unique: false })
    if (check !== undefined) checks.push({ name: constraintName('ck', tableName, [column.name]), expression: check })
    if (kind === 'enum' && values) {
      checks.push({ name: constraintName('ck', tableName, [column.name, 'enum']), column: column.name, values })
    }
    if (references) foreignKeys.push({ ...references, column: column.name, property: column.property })
  }
  for (const entry of options.unique ?? []) {
    const properties = 'columns' in entry ? entry.columns : entry
    const names = properties.map((property) => columnName(property, 'unique'))
    uniques.push({ name: ('name' in entry ? entry.name : undefined) ?? constraintName('uq', tableName, names), columns: names })
  }
  for (const entry of options.indexes ?? []) {
    const names = entry.columns.map((property) => columnName(property, 'indexes'))
    const unique = entry.unique ?? false
    indexes.push({ name: entry.name ?? constraintName(unique ? 'uq' : 'ix', tableName, names), columns: names, unique })
  }
  for (const [name, expression] of Object.entries(options.checks ?? {})) {
    checks.push({ name: constraintName('ck', tableName, [name]), expression })
  }
  return Object.freeze({
    modelName,
    tableName,
    bind: options.bind ?? 'default',
    columns: Object.freeze(modelColumns),
    primaryKey: { name: constraintName('pk', tableName, []), columns: pkColumns },
    uniques,
    indexes,
    checks,
    foreignKeys,
    ...options.comment === undefined ? {} : { comment: options.comment }
  })
}

// Properties every object has already: a method of these names would hide them.
const RESERVED = new Set(['constructor', '__proto__', 'toJSON'])

function buildBehaviour (modelName: string, columns: Record<string, AnyColumn>, options: ModelBehaviour<Record<string, AnyColumn>, object>): BehaviourDefinition {
  const methods = Object.getOwnPropertyDescriptors(options.methods ?? {})
  for (const name of Object.keys(methods)) {
    if (name in columns) throw new ModelDefinitionError(modelName, `has a method "${name}" and a column of that name; rename one of them`)
    if (RESERVED.has(name)) throw new ModelDefinitionError(modelName, `cannot have a method named "${name}"`)
  }
  if (typeof options.repr === 'string' && !(options.repr in columns)) {
    throw new ModelDefinitionError(modelName, `repr names "${options.repr}", which is not a column of ${modelName}`)
  }
  return Object.freeze({
    methods: Object.freeze(methods),
    repr: options.repr,
    validate: options.validate,
    hooks: Object.freeze({ ...options.hooks })
  }) as BehaviourDefinition
}

function validateColumn (config: ColumnConfig, fail: (message: string) => never): void {
  if (config.kind === 'string' && !(Number.isInteger(config.length) && (config.length ?? 0) > 0)) fail('needs a positive string length, e.g. c.string(120)')
  if (config.kind === 'array') {
    const element = config.element
    const allowed = ['integer', 'float', 'boolean', 'string', 'text', 'uuid']
    if (!element || !allowed.includes(element.kind)) {
      fail(`is an array of ${element?.kind ?? 'nothing'}, which is not supported; array elements may be ${allowed.join(', ')}`)
    }
  }
  if (config.kind === 'enum' && (config.values?.length ?? 0) === 0) fail('is an enumeration with no values')
  if (config.generated !== undefined) {
    // The database computes the value: nothing else may give it one.
    const conflicts = [config.primaryKey && 'primaryKey()', config.autoincrement === true && 'autoincrement()', config.clientDefault && 'default()',
      config.serverDefault !== undefined && 'serverDefault()', config.onUpdate && 'onUpdate()'].filter(Boolean)
    if (conflicts.length > 0) fail(`is generatedAs(…) and ${conflicts.join(', ')}; a generated column takes its value from its expression alone`)
  }
}
