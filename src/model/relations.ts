import type { AnyModel } from './define-model.ts'
import { ModelDefinitionError } from './model-definition-error.ts'

/** Cascades of a parent-side relationship (`hasMany`, `hasOne`, `manyToMany`). */
export interface CascadeOptions {
  /** Deleting the parent deletes the loaded related objects too (and, for many-to-many, the links). */
  delete?: boolean
  /** A related object removed from the relationship is deleted (SQLAlchemy's delete-orphan). */
  deleteOrphan?: boolean
}

interface RelationBase<Kind extends string, Target extends AnyModel> {
  readonly kind: Kind
  /** A thunk, so that models may reference each other in any order. */
  readonly target: () => Target
  /** The relationship on the target that mirrors this one, kept in sync in memory. */
  readonly inverse?: string
}

/** Many-to-one (or the owning side of one-to-one): this model holds the foreign key. */
export interface BelongsTo<Target extends AnyModel = AnyModel, Key extends string = string> extends RelationBase<'belongsTo', Target> {
  /** The property of this model holding the target's primary key. */
  readonly foreignKey: Key
}

/** One-to-many: the target holds a foreign key to this model. */
export interface HasMany<Target extends AnyModel = AnyModel, Key extends string = string> extends RelationBase<'hasMany', Target> {
  /** The property of the target holding this model's primary key. */
  readonly foreignKey: Key
  readonly cascade: CascadeOptions
  /** See {@link ParentSideOptions.passiveDeletes}. */
  readonly passiveDeletes?: boolean
}

/** One-to-one, seen from the side without the foreign key. */
export interface HasOne<Target extends AnyModel = AnyModel, Key extends string = string> extends RelationBase<'hasOne', Target> {
  readonly foreignKey: Key
  readonly cascade: CascadeOptions
  /** See {@link ParentSideOptions.passiveDeletes}. */
  readonly passiveDeletes?: boolean
}

/** Options of `hasMany` and `hasOne`. */
export interface ParentSideOptions {
  inverse?: string
  cascade?: CascadeOptions
  /**
   * Deleting the parent leaves its children to the database's `ON DELETE` (SQLAlchemy's
   * `passive_deletes=True`): children that are not loaded are not loaded to be nullified or
   * deleted. Loaded children are still deleted with `cascade: { delete: true }`.
   */
  passiveDeletes?: boolean
}

/** Many-to-many through an association table. */
export interface ManyToMany<Target extends AnyModel = AnyModel> extends RelationBase<'manyToMany', Target> {
  readonly through: () => AnyModel
  /** The association table's property holding this model's key. */
  readonly sourceKey: string
  /** The association table's property holding the target's key. */
  readonly targetKey: string
  readonly cascade: CascadeOptions
}

/** Any relationship. */
export type Relation = BelongsTo | HasMany | HasOne | ManyToMany

/** A model's relationships: what `relations(Model, …)` returns and the plugin's `models` accepts. */
export interface ModelRelations<M extends AnyModel = AnyModel, R extends Record<string, Relation> = Record<string, Relation>> {
  readonly kind: 'relations'
  readonly model: M
  readonly relations: R
}

type Property<M extends AnyModel> = keyof M['$row'] & string

/** The builders passed to the `relations` callback. */
export interface RelationBuilders<Source extends AnyModel> {
  /** Many-to-one: `author: belongsTo(() => User, 'userId')`. */
  belongsTo<T extends AnyModel, K extends Property<Source>>(target: () => T, foreignKey: K, options?: { inverse?: string }): BelongsTo<T, K>
  /** One-to-many: `posts: hasMany(() => Post, 'userId')`. */
  hasMany<T extends AnyModel, K extends Property<T>>(target: () => T, foreignKey: K, options?: ParentSideOptions): HasMany<T, K>
  /** One-to-one from the side without the key: `profile: hasOne(() => Profile, 'userId')`. */
  hasOne<T extends AnyModel, K extends Property<T>>(target: () => T, foreignKey: K, options?: ParentSideOptions): HasOne<T, K>
  /** Many-to-many: `tags: manyToMany(() => Tag, { through: () => postTag, sourceKey: 'postId', targetKey: 'tagId' })`. */
  manyToMany<T extends AnyModel, A extends AnyModel>(target: () => T, options: {
    through: () => A
    sourceKey: Property<A>
    targetKey: Property<A>
    inverse?: string
    cascade?: CascadeOptions
  }): ManyToMany<T>
}

const builders: RelationBuilders<AnyModel> = {
  belongsTo: (target, foreignKey, options = {}) => Object.freeze({ kind: 'belongsTo', target, foreignKey, inverse: options.inverse }),
  hasMany: (target, foreignKey, options = {}) =>
    Object.freeze({ kind: 'hasMany', target, foreignKey, inverse: options.inverse, cascade: options.cascade ?? {}, passiveDeletes: options.passiveDeletes === true }),
  hasOne: (target, foreignKey, options = {}) =>
    Object.freeze({ kind: 'hasOne', target, foreignKey, inverse: options.inverse, cascade: options.cascade ?? {}, passiveDeletes: options.passiveDeletes === true }),
  manyToMany: (target, options) => Object.freeze({
    kind: 'manyToMany',
    target,
    through: options.through,
    sourceKey: options.sourceKey,
    targetKey: options.targetKey,
    inverse: options.inverse,
    cascade: options.cascade ?? {}
  })
}

/**
 * Declares a model's relationships (SQLAlchemy's `db.relationship`), after the models
 * themselves so that models can reference each other freely. Register the result with
 * the models; loaded relationships are plain properties of the objects.
 *
 * @example
 * ```ts
 * export const userRelations = relations(User, ({ hasMany, hasOne }) => ({
 *   posts: hasMany(() => Post, 'userId', { inverse: 'author', cascade: { delete: true, deleteOrphan: true } }),
 *   profile: hasOne(() => Profile, 'userId', { inverse: 'user' })
 * }))
 * export const postRelations = relations(Post, ({ belongsTo, manyToMany }) => ({
 *   author: belongsTo(() => User, 'userId', { inverse: 'posts' }),
 *   tags: manyToMany(() => Tag, { through: () => postTag, sourceKey: 'postId', targetKey: 'tagId' })
 * }))
 * ```
 */
export function relations<M extends AnyModel, R extends Record<string, Relation>> (
  model: M,
  declare: (builders: RelationBuilders<M>) => R
): ModelRelations<M, R> {
  const declared = declare(builders as unknown as RelationBuilders<M>)
  for (const name of Object.keys(declared)) {
    if (name in model.columns) throw new ModelDefinitionError(model.name, `has a relationship "${name}" with the name of a column; rename one of them`)
  }
  const result: ModelRelations<M, R> = Object.freeze({ kind: 'relations', model, relations: Object.freeze(declared) })
  // Recorded, so that using a relationship whose declaration was never registered says so.
  const list = declarations.get(model)
  const declaration = { relations: result as ModelRelations, declaredAt: callerLocation() }
  if (list) list.push(declaration)
  else declarations.set(model, [declaration])
  return result
}

/** A `relations()` call: its result and where it was made (`models.ts:52`), when the stack tells. */
export interface RelationsDeclaration {
  readonly relations: ModelRelations
  readonly declaredAt: string | undefined
}

const declarations = new WeakMap<AnyModel, RelationsDeclaration[]>()

/** Every `relations(model, …)` call made so far for a model, registered or not. */
export function declarationsOf (model: AnyModel): readonly RelationsDeclaration[] {
  return declarations.get(model) ?? []
}

/** `file:line` of the code that called `relations()` (once per declaration, at definition). */
function callerLocation (): string | undefined {
  const line = new Error().stack?.split('\n')[3]
  const match = line === undefined ? null : /\(?(?:file:\/\/)?([^\s()]+):(\d+):\d+\)?\s*$/.exec(line)
  if (!match) return undefined
  const file = match[1] as string
  return `${file.slice(file.lastIndexOf('/') + 1)}:${match[2] as string}`
}

/** Tells relation declarations apart from models in the plugin's `models` option. */
export function isModelRelations (value: unknown): value is ModelRelations {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'relations'
}
