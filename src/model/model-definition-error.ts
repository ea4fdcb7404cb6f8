import { OrmError } from '../errors.ts'

/**
 * A model declaration is wrong. Raised when the model is defined or registered, naming the
 * model (and column) and what to change.
 *
 * @example
 * ```ts
 * defineModel('Tag', { name: c.string(50) }) // ModelDefinitionError: Model Tag has no primary key: …
 * ```
 */
export class ModelDefinitionError extends OrmError {
  readonly modelName: string
  constructor (modelName: string, message: string) {
    super(`Model ${modelName} ${message}`, 'ORM_MODEL_DEFINITION', 500)
    this.modelName = modelName
  }
}
