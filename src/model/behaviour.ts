import type { AnyColumn } from './column.ts'
import type { RowOf } from './infer.ts'

export type { ColumnValidator, ValidationResult } from './column.ts'

/** What a model validator answers: nothing when valid, else property → problem (read after "it"). */
export type ModelValidationResult<C> = { readonly [K in keyof C]?: string } | undefined | void

/** The objects of a model with these columns and methods, as hooks and validators see them. */
export type EntityWith<C extends Record<string, AnyColumn>, B> = RowOf<C> & B

/** Functions the session runs at flush for each object it writes; each may be async. */
export interface ModelHooks<E> {
  /** Before the INSERT of a new object; values it sets are inserted. */
  beforeInsert?: (entity: E) => unknown
  /** Before the UPDATE of a changed object; columns it sets are written too. */
  beforeUpdate?: (entity: E) => unknown
  /** Before the DELETE of an object deleted with `session.delete` (or a cascade of the session). */
  beforeDelete?: (entity: E) => unknown
  /** After the INSERT (generated keys are set), still inside the flush's transaction. */
  afterInsert?: (entity: E) => unknown
  /** After the UPDATE, still inside the flush's transaction. */
  afterUpdate?: (entity: E) => unknown
  /** After the DELETE, still inside the flush's transaction. */
  afterDelete?: (entity: E) => unknown
}

/**
 * A model's behaviour (options of `defineModel`): methods and computed properties its
 * objects carry, how they print, what makes them valid and what runs when they are written.
 */
export interface ModelBehaviour<C extends Record<string, AnyColumn>, B> {
  /**
   * Methods and getters of the model's objects, on their shared prototype; `this` is the
   * object. A getter or method whose result is computed from `this` needs its return type
   * written out (`get displayName (): string { … }`) for TypeScript to infer the others.
   */
  methods?: B & ThisType<EntityWith<C, B>>
  /**
   * How objects print (`String(user)`, `console.log(user)`): by default
   * `<Model key label>`, the label being a name-like column; a property name picks the label
   * column, a function writes the whole text.
   */
  repr?: (keyof C & string) | ((entity: EntityWith<C, B>) => string)
  /** Checks across columns, run at flush for new and changed objects. */
  validate?: (entity: EntityWith<C, B>) => ModelValidationResult<C>
  /** Lifecycle hooks, run at flush. */
  hooks?: ModelHooks<EntityWith<C, B>>
}

/** A model's behaviour as the session reads it (no types). */
export interface BehaviourDefinition {
  readonly methods: Readonly<Record<string, PropertyDescriptor>>
  readonly repr: string | ((entity: never) => string) | undefined
  readonly validate: ((entity: never) => ModelValidationResult<Record<string, unknown>>) | undefined
  readonly hooks: Readonly<ModelHooks<never>>
}

/**
 * The methods and computed properties a model's objects carry (`unknown` for none, which
 * leaves a type as it is in an intersection): what
 * `EntityOf` and `Loaded` add to the row type.
 */
export type MethodsOf<M> = M extends { readonly $methods: infer B } ? B : unknown
