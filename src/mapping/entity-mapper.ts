import { InvalidValueError, RelationNotLoadedError } from '../errors.ts'
import { isReadOnly, type ModelColumn } from '../model/column.ts'
import { readerOf, type ColumnReader } from './column-readers.ts'
import { EntityBehaviour } from './entity-behaviour.ts'
import { INSPECT, inspectionOf, representationOf } from './entity-representation.ts'
import { valueCheck, type ValueCheck } from './value-check.ts'
import type { RegisteredTable, ResolvedRelation } from '../model/registry.ts'

/** What a column's value is compared by, to find changed columns at flush. */
type Snapshot = (value: unknown) => unknown

const identity: Snapshot = (value) => value
// Stored as text so that in-place edits (`movie.directors.push(…)`) are still seen as changes.
const asJson: Snapshot = (value) => value === undefined ? undefined : JSON.stringify(value)
const asTime: Snapshot = (value) => value instanceof Date ? value.getTime() : value
const asBytes: Snapshot = (value) => Buffer.isBuffer(value) ? value.toString('base64') : value

function snapshotOf (column: ModelColumn): Snapshot {
  switch (column.config.kind) {
    case 'json':
    case 'array': return asJson
    case 'dateTime': return asTime
    case 'binary': return asBytes
    default: return identity
  }
}

/** See {@link EntityMapper.insertPlan}. */
export interface InsertPlan {
  /** Which columns are present ({@link EntityMapper.insertSignature}): objects with the same one share a statement. */
  readonly signature: number | string
  /** The present columns' indexes, in parameter order. */
  readonly indexes: readonly number[]
  readonly names: readonly string[]
  readonly returning: readonly string[]
}

/** Kinds whose values the database stores and returns exactly as the model gave them. */
const STORED_AS_GIVEN: ReadonlySet<string> = new Set(['integer', 'string', 'text', 'boolean', 'enum'])

/** A model's value as written: ISO strings become Dates, JSON documents are sent as JSON text. */
function writerOf (column: ModelColumn): ((value: unknown) => unknown) | undefined {
  switch (column.config.kind) {
    case 'dateTime': return (value) => typeof value === 'string' ? new Date(value) : value
    // As text, a JSON document means the same on every database (pg would send a JS array as a SQL array).
    case 'json': return (value) => value === null || value === undefined ? value : JSON.stringify(value)
    default: return undefined
  }
}

/**
 * Moves values between database rows (column names) and entities (property names) for one
 * table, and detects changed columns. Built once per table and reused for every row.
 */
export class EntityMapper {
  readonly table: RegisteredTable
  readonly columns: readonly ModelColumn[]
  /** The columns' names, in column order: the select list of a query read by position. */
  readonly columnNames: readonly string[]
  readonly keyColumns: readonly ModelColumn[]
  /** Where each key column is among {@link columns}. */
  readonly #keyPositions: readonly number[]
  readonly relations: readonly ResolvedRelation[]
  /** Validators, lifecycle hooks and `onUpdate` columns; undefined for a model without any. */
  readonly behaviour: EntityBehaviour | undefined
  /** Generated columns: computed by the database on every write, read back after it. */
  readonly generatedColumns: readonly ModelColumn[]
  /** Columns a flush never writes (generated, an `always` identity). */
  readonly #readOnly: readonly ModelColumn[]
  readonly #snapshots: readonly Snapshot[]
  readonly #writers: ReadonlyArray<((value: unknown) => unknown) | undefined>
  readonly #readers: ReadonlyArray<ColumnReader | undefined>
  readonly #checks: ReadonlyArray<ValueCheck | undefined>
  readonly #checkByProperty: ReadonlyMap<string, ValueCheck>
  readonly #prototype: object
  readonly #insertPlans = new Map<number | string, InsertPlan>()
  readonly #identityPrefix: string

  constructor (table: RegisteredTable) {
    this.table = table
    this.columns = table.columns
    this.columnNames = table.columns.map((column) => column.name)
    this.keyColumns = table.primaryKey.columns.map((name) => table.columns.find((column) => column.name === name) as ModelColumn)
    this.#keyPositions = this.keyColumns.map((key) => table.columns.indexOf(key))
    this.relations = [...table.relations.values()]
    this.generatedColumns = table.columns.filter((column) => column.config.generated !== undefined)
    this.#readOnly = table.columns.filter(isReadOnly)
    this.#snapshots = table.columns.map(snapshotOf)
    this.#writers = table.columns.map(writerOf)
    this.#readers = table.columns.map(readerOf)
    this.#checks = table.columns.map((column) => valueCheck(column.config))
    this.#checkByProperty = new Map(table.columns.flatMap((column, i) => this.#checks[i] === undefined ? [] : [[column.property, this.#checks[i] as ValueCheck]]))
    this.behaviour = EntityBehaviour.of(table)
    this.#prototype = entityPrototype(table, this.keyColumns)
    this.#identityPrefix = `${table.tableName}\u0000`
  }

  /** A new entity: a plain object whose unloaded relationships throw when read. */
  create (values: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    return Object.assign(Object.create(this.#prototype) as Record<string, unknown>, values)
  }

  /**
   * Gives a new entity's relationship the value a new row has (an empty collection, null):
   * loaded, yet left out of JSON while it holds nothing, as it is from the same object read
   * back; assigning it (or filling the collection) puts it in.
   */
  startRelation (entity: Record<string, unknown>, relation: string, value: unknown[] | null): void {
    Object.defineProperty(entity, relation, {
      get: () => value,
      set (this: object, assigned: unknown) {
        Object.defineProperty(this, relation, { value: assigned, writable: true, enumerable: true, configurable: true })
      },
      enumerable: false,
      configurable: true
    })
  }

  /** True when the entity holds a loaded value for the relationship. */
  isLoaded (entity: object, relation: string): boolean {
    return Object.prototype.hasOwnProperty.call(entity, relation)
  }

  /** Copies a row's columns onto an entity (a new one unless given), as the JS types the model declares. */
  hydrate (row: Readonly<Record<string, unknown>>, entity: Record<string, unknown> = this.create()): Record<string, unknown> {
    const columns = this.columns
    const readers = this.#readers
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as ModelColumn
      const value = row[column.name]
      if (value === undefined) continue
      const read = readers[i]
      entity[column.property] = read === undefined || value === null ? value : read(value)
    }
    return entity
  }

  /**
   * {@link hydrate} from a row read by position: the model's columns are the values at
   * `start`, `start + 1`, … in column order (a joined statement's slice of its select list).
   */
  hydrateValues (values: readonly unknown[], start: number, entity: Record<string, unknown> = this.create()): Record<string, unknown> {
    const columns = this.columns
    const readers = this.#readers
    for (let i = 0; i < columns.length; i++) {
      const value = values[start + i]
      if (value === undefined) continue
      const read = readers[i]
      entity[(columns[i] as ModelColumn).property] = read === undefined || value === null ? value : read(value)
    }
    return entity
  }

  /** {@link keyOfRow} for a row read by position (see {@link hydrateValues}). */
  keyOfValues (values: readonly unknown[], start: number): string | undefined {
    const positions = this.#keyPositions
    if (positions.length === 1) {
      const value = values[start + (positions[0] as number)]
      return value === undefined || value === null ? undefined : String(value)
    }
    return this.keyFromValues(positions.map((position) => values[start + position]))
  }

  /** The values change detection compares against, in column order. */
  snapshot (entity: Readonly<Record<string, unknown>>): unknown[] {
    const values = new Array<unknown>(this.columns.length)
    for (let i = 0; i < values.length; i++) values[i] = (this.#snapshots[i] as Snapshot)(entity[(this.columns[i] as ModelColumn).property])
    return values
  }

  /** Column name → value for the columns whose value differs from the snapshot. */
  changes (entity: Readonly<Record<string, unknown>>, snapshot: readonly unknown[]): Record<string, unknown> | undefined {
    let changed: Record<string, unknown> | undefined
    for (let i = 0; i < this.columns.length; i++) {
      const column = this.columns[i] as ModelColumn
      const value = entity[column.property]
      if (value === undefined) continue
      if ((this.#snapshots[i] as Snapshot)(value) !== snapshot[i]) {
        changed ??= {}
        changed[column.name] = this.#write(i, value)
      }
    }
    return changed
  }

  /**
   * Throws {@link InvalidValueError} naming the first column whose value no database could
   * store (see `valueCheck`). `changed`: only the columns of these names (an UPDATE's).
   */
  assertStorable (entity: Readonly<Record<string, unknown>>, changed?: Readonly<Record<string, unknown>>): void {
    // What the database alone writes is refused, not silently dropped: the value would be lost.
    for (const column of this.#readOnly) {
      if (changed === undefined ? entity[column.property] === undefined : !(column.name in changed)) continue
      const problem = column.config.generated !== undefined
        ? 'is a generated column, computed by the database; leave it out'
        : 'is a GENERATED ALWAYS identity, set by the database; leave it out'
      throw new InvalidValueError(undefined, { model: this.table.modelName, property: column.property, problem })
    }
    for (let i = 0; i < this.columns.length; i++) {
      const check = this.#checks[i]
      if (check === undefined) continue
      const column = this.columns[i] as ModelColumn
      if (changed !== undefined && !(column.name in changed)) continue
      const value = entity[column.property]
      if (value === undefined || value === null) continue
      const problem = check(value, 'write')
      if (problem !== undefined) throw new InvalidValueError(undefined, { model: this.table.modelName, property: column.property, problem })
    }
  }

  /**
   * Throws {@link InvalidValueError} when `value` cannot be compared with the property's
   * column on every database (a filter or key lookup): PostgreSQL refuses a NUL character
   * or an out-of-range integer in a comparison where SQLite would find nothing.
   */
  assertComparable (property: string, value: unknown): void {
    const check = this.#checkByProperty.get(property)
    if (check === undefined || value === null || value === undefined) return
    // A list is an `in (…)` operand: each item is compared.
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) this.assertComparable(property, item)
      return
    }
    const problem = check(value, 'compare')
    if (problem !== undefined) throw new InvalidValueError(undefined, { model: this.table.modelName, property, problem })
  }

  /** A property's value as a cursor's JSON carried it, back in the model's type (ISO strings → Dates). */
  fromCursor (property: string, value: unknown): unknown {
    const kind = this.columns.find((candidate) => candidate.property === property)?.config.kind
    if (typeof value !== 'string') return value
    // JSON has neither Dates nor bigints: they travel as text (a bigint compared as text or a double would misorder).
    if (kind === 'dateTime') return new Date(value)
    if (kind === 'bigInteger' && /^-?\d+$/.test(value)) return BigInt(value)
    return value
  }

  /** Column name → value of every column the entity has a value for (for INSERT). */
  insertValues (entity: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const values: Record<string, unknown> = {}
    for (let i = 0; i < this.columns.length; i++) {
      const column = this.columns[i] as ModelColumn
      const value = entity[column.property]
      if (value !== undefined) values[column.name] = this.#write(i, value)
    }
    return values
  }

  /**
   * Which columns an entity has a value for, as a key: new objects with the same key go in
   * one multi-row INSERT naming those columns (see {@link insertColumnIndexes}).
   */
  insertSignature (entity: Readonly<Record<string, unknown>>): number | string {
    const columns = this.columns
    if (columns.length <= 30) {
      let mask = 0
      for (let i = 0; i < columns.length; i++) if (entity[(columns[i] as ModelColumn).property] !== undefined) mask |= 1 << i
      return mask
    }
    let key = ''
    for (const column of columns) key += entity[column.property] !== undefined ? '1' : '0'
    return key
  }

  /** The indexes of the columns an entity has a value for (what its INSERT names). */
  insertColumnIndexes (entity: Readonly<Record<string, unknown>>): number[] {
    const indexes: number[] = []
    for (let i = 0; i < this.columns.length; i++) if (entity[(this.columns[i] as ModelColumn).property] !== undefined) indexes.push(i)
    return indexes
  }

  /** Appends the values of the columns at `indexes`, as written to the database, to `parameters`. */
  pushInsertParameters (entity: Readonly<Record<string, unknown>>, indexes: readonly number[], parameters: unknown[]): void {
    for (const i of indexes) parameters.push(this.#write(i, entity[(this.columns[i] as ModelColumn).property]))
  }

  /**
   * How to insert an entity: the columns it has values for, their names, and what the
   * INSERT must return. One plan per column set, made once: every new object of a flush
   * (and every POST) needs one.
   */
  insertPlan (entity: Readonly<Record<string, unknown>>): InsertPlan {
    const signature = this.insertSignature(entity)
    let plan = this.#insertPlans.get(signature)
    if (plan === undefined) {
      const indexes = this.insertColumnIndexes(entity)
      plan = { signature, indexes, names: indexes.map((i) => (this.columns[i] as ModelColumn).name), returning: this.returningColumns(indexes) }
      this.#insertPlans.set(signature, plan)
    }
    return plan
  }

  /**
   * The columns an INSERT of the given columns must return: the primary key, every column
   * left to the database (generated keys, server defaults), and those whose value the
   * database may store in another form than it was given (numbers rounded to a column's
   * scale, JSON reordered, a UUID lower-cased, a time truncated). The others are on the
   * object already, exactly as stored: reading them back would only cost time.
   */
  returningColumns (supplied: readonly number[]): string[] {
    const given = new Set(supplied)
    return this.columns
      .filter((column, i) => !given.has(i) || this.keyColumns.includes(column) || !STORED_AS_GIVEN.has(column.config.kind))
      .map((column) => column.name)
  }

  /** The entity's column values as they are now, in column order (to undo a failed flush). */
  columnValues (entity: Readonly<Record<string, unknown>>): unknown[] {
    const values = new Array<unknown>(this.columns.length)
    for (let i = 0; i < values.length; i++) values[i] = entity[(this.columns[i] as ModelColumn).property]
    return values
  }

  /** Applies client defaults (`.default(…)`) to the properties a new entity left out. */
  applyDefaults (entity: Record<string, unknown>): void {
    for (const column of this.columns) {
      const fallback = column.config.clientDefault
      if (fallback === undefined || entity[column.property] !== undefined) continue
      entity[column.property] = 'factory' in fallback ? fallback.factory() : fallback.value
    }
  }

  /** The identity-map key of an entity; undefined while a key column has no value yet. */
  keyOf (entity: Readonly<Record<string, unknown>>): string | undefined {
    if (this.keyColumns.length === 1) {
      const value = entity[(this.keyColumns[0] as ModelColumn).property]
      return value === undefined || value === null ? undefined : String(value)
    }
    return this.keyFromValues(this.keyColumns.map((column) => entity[column.property]))
  }

  /** The identity-map key of a row as read from the database (column names). */
  keyOfRow (row: Readonly<Record<string, unknown>>): string | undefined {
    if (this.keyColumns.length === 1) {
      const value = row[(this.keyColumns[0] as ModelColumn).name]
      return value === undefined || value === null ? undefined : String(value)
    }
    return this.keyFromValues(this.keyColumns.map((column) => row[column.name]))
  }

  /** Where the session's identity map keeps this table's row with the given key: table and key in one string. */
  identityKey (key: string): string {
    return this.#identityPrefix + key
  }

  /** The identity-map key for primary-key values (one per key column). */
  keyFromValues (values: readonly unknown[]): string | undefined {
    if (values.some((value) => value === undefined || value === null)) return undefined
    // Numbers and numeric strings of the same key must meet: '42' from a URL finds 42.
    return values.length === 1 ? String(values[0]) : JSON.stringify(values.map(String))
  }

  #write (index: number, value: unknown): unknown {
    const writer = this.#writers[index]
    return writer ? writer(value) : value
  }
}

/** Marks the prototypes of entities (see {@link plainOf}). */
const ENTITY = Symbol('fastify-orm.entity')
/** On an entity prototype: the model's methods and getters alone, the prototype of its JSON copies. */
const COMPUTED = Symbol('fastify-orm.computed')
/** The relationship names of a table, on its entities' prototype. */
const RELATIONS = Symbol('fastify-orm.relations')

function isEntity (value: unknown): value is object {
  return typeof value === 'object' && value !== null && ENTITY in value
}

function holdsEntities (value: unknown): boolean {
  return isEntity(value) || (Array.isArray(value) && value.some(isEntity))
}

/** A new entity's relationship still as {@link EntityMapper.startRelation} left it: an own property, not enumerable. */
function isStarted (entity: object, name: string): boolean {
  return Object.hasOwn(entity, name) && !Object.prototype.propertyIsEnumerable.call(entity, name)
}

/**
 * An entity as JSON: its columns and loaded relationships, recursively. Both sides of a
 * relationship are usually loaded (`user.posts[0].author === user`), so a relationship
 * leading back to an object already being serialized is left out instead of looping.
 * A new entity's relationships are left out while they hold what they started with.
 */
function plainOf (entity: object, path: Set<object>): Record<string, unknown> {
  path.add(entity)
  // The model's getters stay readable on the copy, for a response schema that names them.
  const computed = (entity as { [COMPUTED]?: object })[COMPUTED]
  const plain: Record<string, unknown> = computed === undefined ? {} : Object.create(computed) as Record<string, unknown>
  const record = entity as Record<string, unknown>
  // for…in: the own columns and loaded relationships (the prototype's accessors are not
  // enumerable), without the array of pairs Object.entries would allocate.
  for (const property in record) putPlain(plain, property, record[property], path)
  for (const name of (entity as { [RELATIONS]?: readonly string[] })[RELATIONS] ?? []) {
    if (!isStarted(entity, name)) continue
    const value = record[name]
    if (value !== null && !(Array.isArray(value) && value.length === 0)) putPlain(plain, name, value, path)
  }
  path.delete(entity)
  return plain
}

function putPlain (plain: Record<string, unknown>, property: string, value: unknown, path: Set<object>): void {
  if (typeof value !== 'object' || value === null) {
    plain[property] = value
  } else if (Array.isArray(value)) {
    const members = value as unknown[]
    if (!members.some(isEntity)) plain[property] = members
    else if (!members.some((member) => path.has(member as object))) plain[property] = members.map((member) => isEntity(member) ? plainOf(member, path) : member)
  } else if (isEntity(value)) {
    if (!path.has(value)) plain[property] = plainOf(value, path)
  } else {
    plain[property] = value
  }
}

/**
 * The prototype of a table's entities: one accessor per relationship that throws
 * {@link RelationNotLoadedError} until a value is assigned, which then becomes an own,
 * enumerable property (so loaded relationships serialize, unloaded ones stay invisible),
 * a `toJSON` that stops at cycles and leaves out unloaded relationships and a new
 * entity's untouched ones (for `JSON.stringify` and Fastify's response serializer alike),
 * the printed form (`toString`, `util.inspect`) and the model's methods and computed
 * properties. Everything on it is non-enumerable: JSON and `for…in` see only the columns
 * and loaded relationships.
 */
function entityPrototype (table: RegisteredTable, keyColumns: readonly ModelColumn[]): object {
  const prototype = {}
  Object.defineProperty(prototype, ENTITY, { value: true })
  const represent = representationOf(table, keyColumns)
  const printed = { writable: true, configurable: true, enumerable: false }
  Object.defineProperty(prototype, 'toString', { ...printed, value: function toString (this: Record<string, unknown>) { return represent(this) } })
  const methods = table.model.behaviour?.methods ?? {}
  const computed = {}
  for (const [name, descriptor] of Object.entries(methods)) {
    Object.defineProperty(prototype, name, { ...descriptor, enumerable: false })
    Object.defineProperty(computed, name, { ...descriptor, enumerable: false })
  }
  if (Object.keys(methods).length > 0) Object.defineProperty(prototype, COMPUTED, { value: computed })
  const relationNames = [...table.relations.keys()]
  Object.defineProperty(prototype, RELATIONS, { value: relationNames })
  const inspection = inspectionOf(represent, relationNames)
  Object.defineProperty(prototype, INSPECT, { ...printed, value: function inspect (this: Record<string, unknown>) { return inspection(this) } })
  // A table without relationships has no cycle to cut: its objects serialize as they are.
  if (relationNames.length > 0) {
    Object.defineProperty(prototype, 'toJSON', {
      // A copy unless every relationship is loaded (own, enumerable) without objects in it:
      // a response schema naming an unloaded one would read its throwing accessor.
      value: function toJSON (this: Record<string, unknown>) {
        for (const name of relationNames) if (!Object.prototype.propertyIsEnumerable.call(this, name) || holdsEntities(this[name])) return plainOf(this, new Set())
        return this
      },
      writable: true,
      configurable: true
    })
  }
  for (const name of relationNames) {
    Object.defineProperty(prototype, name, {
      get () { throw new RelationNotLoadedError(table.modelName, name) },
      set (this: object, value: unknown) {
        Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true })
      },
      enumerable: false,
      configurable: false
    })
  }
  return prototype
}
