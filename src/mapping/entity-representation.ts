import type { ModelColumn } from '../model/column.ts'
import type { RegisteredTable } from '../model/registry.ts'

type Entity = Record<string, unknown>

/** Columns that name an object, in order of preference, when the model does not choose one. */
const LABELS = ['name', 'username', 'title', 'label', 'slug', 'email', 'code']
const MAX_LABEL = 40

/** `util.inspect`'s hook: objects that define it print as it says (console.log, the REPL). */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/**
 * How a table's objects print (`String(user)`, `console.log(user)`): the model's `repr`
 * function, or `<Model key label>`. The key is `?` until the object is inserted; the label
 * is the model's chosen `repr` column, else the first name-like text column (`name`,
 * `username`, `title`, …), else the first text column outside the key; none if there is none.
 */
export function representationOf (table: RegisteredTable, keyColumns: readonly ModelColumn[]): (entity: Entity) => string {
  const repr = table.model.behaviour?.repr
  if (typeof repr === 'function') return repr as (entity: Entity) => string
  const label = typeof repr === 'string' ? table.columns.find((column) => column.property === repr) : labelColumn(table, keyColumns)
  const name = table.modelName
  return (entity) => {
    const keys = keyColumns.map((column) => entity[column.property])
    const key = keys.some((value) => value === undefined || value === null) ? '?' : keys.map(String).join(',')
    const value = label === undefined ? undefined : entity[label.property]
    return value === undefined || value === null ? `<${name} ${key}>` : `<${name} ${key} ${labelText(value)}>`
  }
}

/** Members of a loaded collection printed before `…N more`. */
const MAX_MEMBERS = 10

/**
 * How a table's objects print in `util.inspect` (`console.log`, the shell): the
 * representation, followed by the relationships that are loaded, each related object by
 * its own representation (one level: `<User 1 alice posts=[<Post 1 Hello>]>`). Unloaded
 * relationships, and a new object's untouched ones, are not shown.
 */
export function inspectionOf (represent: (entity: Entity) => string, relationNames: readonly string[]): (entity: Entity) => string {
  if (relationNames.length === 0) return represent
  return (entity) => {
    const loaded = relationNames.filter((name) => Object.prototype.propertyIsEnumerable.call(entity, name))
    const text = represent(entity)
    if (loaded.length === 0 || !text.endsWith('>')) return text
    const parts = loaded.map((name) => `${name}=${relatedText(entity[name])}`)
    return `${text.slice(0, -1)} ${parts.join(' ')}>`
  }
}

function relatedText (value: unknown): string {
  if (!Array.isArray(value)) return String(value)
  const shown = value.slice(0, MAX_MEMBERS).map(String)
  if (value.length > MAX_MEMBERS) shown.push(`…${value.length - MAX_MEMBERS} more`)
  return `[${shown.join(', ')}]`
}

function labelColumn (table: RegisteredTable, keyColumns: readonly ModelColumn[]): ModelColumn | undefined {
  const texts = table.columns.filter((column) => !keyColumns.includes(column) && ['string', 'text', 'enum'].includes(column.config.kind))
  for (const name of LABELS) {
    const found = texts.find((column) => column.property.toLowerCase() === name)
    if (found) return found
  }
  return texts[0]
}

function labelText (value: unknown): string {
  const text = value instanceof Date ? value.toISOString() : String(value)
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text
}
