import { InvalidValueError } from '../errors.ts'
import type { ColumnValidator, ModelHooks, ValidationResult } from '../model/behaviour.ts'
import type { ModelColumn } from '../model/column.ts'
import type { RegisteredTable } from '../model/registry.ts'

type Entity = Record<string, unknown>
type Hook = (entity: Entity) => unknown

/** The lifecycle hooks of a model, as the unit of work calls them. */
export type EntityHooks = Readonly<{ [K in keyof ModelHooks<never>]?: Hook }>

interface ValidatedColumn {
  readonly column: ModelColumn
  readonly validators: ReadonlyArray<ColumnValidator<unknown>>
}

/**
 * A model's validators, lifecycle hooks and `onUpdate` columns, for the unit of work.
 * Made only for models that declare any ({@link EntityBehaviour.of}): the flush of other
 * models never looks further than `mapper.behaviour === undefined`.
 */
export class EntityBehaviour {
  readonly hooks: EntityHooks
  readonly #modelName: string
  readonly #validated: readonly ValidatedColumn[]
  readonly #validate: ((entity: Entity) => unknown) | undefined
  readonly #onUpdate: readonly ModelColumn[]

  private constructor (table: RegisteredTable) {
    const definition = table.model.behaviour
    this.#modelName = table.modelName
    this.hooks = (definition?.hooks ?? {}) as EntityHooks
    this.#validate = definition?.validate as ((entity: Entity) => unknown) | undefined
    this.#validated = table.columns.flatMap((column) => column.config.validators === undefined
      ? []
      : [{ column, validators: column.config.validators as ReadonlyArray<ColumnValidator<unknown>> }])
    this.#onUpdate = table.columns.filter((column) => column.config.onUpdate !== undefined)
  }

  /** The behaviour of a table's entities; undefined when its model has no validator, hook or `onUpdate`. */
  static of (table: RegisteredTable): EntityBehaviour | undefined {
    const definition = table.model.behaviour
    const declared = definition !== undefined && (definition.validate !== undefined || Object.keys(definition.hooks).length > 0)
    const inColumns = table.columns.some((column) => column.config.validators !== undefined || column.config.onUpdate !== undefined)
    return declared || inColumns ? new EntityBehaviour(table) : undefined
  }

  /**
   * Runs the column validators (on every value of a new object; of an updated one, on the
   * columns named in `changed`) and the model validator; throws {@link InvalidValueError}
   * naming the first property refused.
   */
  validate (entity: Entity, changed?: Readonly<Record<string, unknown>>): void {
    for (const { column, validators } of this.#validated) {
      if (changed !== undefined && !(column.name in changed)) continue
      const value = entity[column.property]
      if (value === undefined || value === null) continue
      const read = asRead(column, value)
      for (const validator of validators) this.#check(column.property, validator(read))
    }
    if (this.#validate === undefined) return
    const problems = this.#validate(entity)
    if (problems === undefined || problems === null) return
    for (const [property, problem] of Object.entries(problems as Record<string, unknown>)) {
      if (typeof problem === 'string') throw new InvalidValueError(undefined, { model: this.#modelName, property, problem })
    }
  }

  /**
   * Sets the `onUpdate` columns the change leaves out (`changes`: column name → value).
   * True when one was set.
   */
  applyOnUpdate (entity: Entity, changes: Readonly<Record<string, unknown>>): boolean {
    let applied = false
    for (const column of this.#onUpdate) {
      if (column.name in changes) continue
      const onUpdate = column.config.onUpdate as { value: unknown } | { factory: () => unknown }
      entity[column.property] = 'factory' in onUpdate ? onUpdate.factory() : onUpdate.value
      applied = true
    }
    return applied
  }

  /** True when the model has `onUpdate` columns. */
  get setsOnUpdate (): boolean {
    return this.#onUpdate.length > 0
  }

  #check (property: string, result: ValidationResult): void {
    if (result === true || result === undefined) return
    const problem = result === false ? 'is not valid' : result
    throw new InvalidValueError(undefined, { model: this.#modelName, property, problem })
  }
}

/**
 * A value as the column's type says it is read: a `dateTime` given as an ISO string is a
 * Date, a `bigInteger` given as a number a bigint (both are accepted on write).
 */
function asRead (column: ModelColumn, value: unknown): unknown {
  if (column.config.kind === 'dateTime' && typeof value === 'string') return new Date(value)
  if (column.config.kind === 'bigInteger' && typeof value === 'number' && Number.isInteger(value)) return BigInt(value)
  return value
}
