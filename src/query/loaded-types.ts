import type { AnyModel } from '../model/define-model.ts'
import type { MethodsOf } from '../model/behaviour.ts'
import type { Simplify } from '../model/infer.ts'
import type { BelongsTo, HasMany, HasOne, ManyToMany, ModelRelations, Relation } from '../model/relations.ts'
import type { Register } from '../model/register.ts'

type RegisteredEntries = Register extends { models: infer Entries } ? Entries : Record<never, never>

/**
 * The relationships declared for a model, found among the registered models
 * (`interface Register { models: … }`); `{}` when none are registered.
 */
export type RelationsOf<M extends AnyModel> = RelationsIn<Extract<RegisteredEntries[keyof RegisteredEntries], { readonly kind: 'relations', readonly model: M }>>

type RelationsIn<Entry> = [Entry] extends [never] ? Record<never, Relation> : Entry extends ModelRelations<AnyModel, infer R> ? R : Record<never, Relation>

/** A relationship spec in its object form: `'posts'` and `['posts']` become `{ posts: true }`. */
export type NormalizeSpec<S> =
  [S] extends [string] ? { [K in S]: true }
    : [S] extends [ReadonlyArray<infer K extends string>] ? { [P in K]: true }
      : S

declare const notLoaded: unique symbol
declare const entityModel: unique symbol

/**
 * The type a relationship has while it is not known to be loaded: reading it would throw
 * `RelationNotLoadedError`, so its type is a union with this marker, which has no
 * properties: `user.posts.push(…)` does not compile until `query(User).with('posts')`,
 * `await db.load(user, 'posts')` or an assignment (`user.posts = […]`) makes it loaded.
 */
export interface NotLoaded {
  readonly [notLoaded]: 'not loaded: query(Model).with(name) or await db.load(object, name)'
}

/**
 * A loaded collection (`hasMany`, `manyToMany`): an array of the related objects whose
 * `push` also takes a plain object of the related model's insert type, inserted at the next
 * flush (save-update cascade), a `hasMany`'s foreign key set from the parent.
 */
export interface Collection<T, New = never> extends Array<T> {
  push (...items: Array<T | New>): number
}

/** What every object of a model has besides its relationships: its columns. */
type EntityBase<M extends AnyModel> = M['$row'] & MethodsOf<M>

/**
 * Which model an object belongs to, as a type only (no such property exists): objects of two
 * models with the same columns are still told apart (`post.author = tag` does not compile),
 * and `load()` finds the model of the object it is given.
 */
interface ModelBrand<M extends AnyModel> {
  readonly [entityModel]?: M
}

/** The model of an object typed by {@link EntityOf} or {@link Loaded}; never for a plain row. */
export type ModelOfEntity<E> = E extends { readonly [entityModel]?: infer M extends AnyModel } ? M : never

type PartialBy<T, K extends PropertyKey> = Simplify<Omit<T, K> & Partial<Pick<T, K & keyof T>>>

/** A plain object a collection's `push` accepts: the target's insert values, without the key the parent sets. */
type NewMember<Rel> =
  Rel extends HasMany<infer T, infer K> ? PartialBy<T['$insert'], K>
    : Rel extends ManyToMany<infer T> ? T['$insert']
      : never

type TargetOf<Rel> = Rel extends { readonly target: () => infer T extends AnyModel } ? T : never

type Related<Rel, Nested> =
  Rel extends BelongsTo<infer T> ? Loaded<T, Nested> | null
    : Rel extends HasOne<infer T> ? Loaded<T, Nested> | null
      : Rel extends HasMany<infer T> ? Collection<Loaded<T, Nested>, NewMember<Rel>>
        : Rel extends ManyToMany<infer T> ? Collection<Loaded<T, Nested>, NewMember<Rel>>
          : never

type NestedSpec<S, K extends PropertyKey> = K extends keyof NormalizeSpec<S> ? (NormalizeSpec<S>[K] extends true ? Record<never, never> : NormalizeSpec<S>[K]) : never

/** The relationships of a spec, loaded. */
type LoadedRelations<M extends AnyModel, S> = {
  -readonly [K in keyof NormalizeSpec<S> & keyof RelationsOf<M>]: Related<RelationsOf<M>[K], NestedSpec<S, K>>
}

/** Every relationship of a model: those of the spec loaded, the others {@link NotLoaded}. */
type RelationProperties<M extends AnyModel, S> = {
  -readonly [K in keyof RelationsOf<M>]: K extends keyof NormalizeSpec<S>
    ? Related<RelationsOf<M>[K], NestedSpec<S, K>>
    : Related<RelationsOf<M>[K], Record<never, never>> | NotLoaded
}

/**
 * A tracked object of a model (what `add`, `get`, `getOr404` and queries return): its
 * columns, and each registered relationship typed {@link NotLoaded} until loaded or assigned.
 * A model without registered relationships: its row.
 */
export type EntityOf<M extends AnyModel> = Loaded<M, Record<never, never>>

/**
 * A model's object with the relationships of a spec loaded, nested specs included:
 * `Loaded<typeof User, { posts: { tags: true } }>` has `posts: Array<Post & { tags: Tag[] }>`;
 * its other relationships are {@link NotLoaded}.
 */
export type Loaded<M extends AnyModel, S> = keyof RelationsOf<M> extends never
  ? EntityBase<M>
  : Simplify<EntityBase<M> & ModelBrand<M> & RelationProperties<M, S>>

/** An object type `E` with the relationships of spec `S` loaded as well (`with()` after `with()`, `load()`). */
export type WithLoaded<E, S> = [ModelOfEntity<E>] extends [never]
  ? E
  : Simplify<Omit<E, keyof NormalizeSpec<S>> & LoadedRelations<ModelOfEntity<E>, S>>

type RelationNames<M extends AnyModel> = keyof RelationsOf<M> & string

/** A relationship spec a model accepts: its relationship names, as a name, a list or nested objects. */
export type RelationSpecOf<M extends AnyModel> =
  keyof RelationsOf<M> extends never
    ? string | readonly string[] | { readonly [name: string]: unknown }
    : RelationNames<M> | ReadonlyArray<RelationNames<M>> | { readonly [K in keyof RelationsOf<M>]?: true | RelationSpecOf<TargetOf<RelationsOf<M>[K]>> }

/** The relationship spec `load()` accepts for an object: its model's, or any for an untyped one. */
export type LoadSpecOf<E> = [ModelOfEntity<E>] extends [never]
  ? string | readonly string[] | { readonly [name: string]: unknown }
  : RelationSpecOf<ModelOfEntity<E>>

type BelongsToNames<M extends AnyModel> = { [K in RelationNames<M>]: RelationsOf<M>[K] extends BelongsTo ? K : never }[RelationNames<M>]
type ParentSideNames<M extends AnyModel> = Exclude<RelationNames<M>, BelongsToNames<M>>
type ForeignKeyOf<Rel> = Rel extends BelongsTo<AnyModel, infer K> ? K : never

/**
 * A `belongsTo` in `add()`'s values: the foreign key, or the related object (the key is
 * then taken from it at flush, after it is inserted if it is new), or both.
 */
type ParentValue<M extends AnyModel, Name extends string, Rel> =
  Rel extends BelongsTo<infer T, infer K>
    ? | (Pick<M['$insert'], K & keyof M['$insert']> & { [P in Name]?: EntityOf<T> | (null extends M['$insert'][K & keyof M['$insert']] ? null : never) })
      | (Partial<Pick<M['$insert'], K & keyof M['$insert']>> & { [P in Name]: EntityOf<T> })
    : never

/** The intersection of every `belongsTo`'s {@link ParentValue} (unknown when there is none). */
type ParentValues<M extends AnyModel> =
  { [K in BelongsToNames<M>]: (values: ParentValue<M, K, RelationsOf<M>[K]>) => void }[BelongsToNames<M>] extends (values: infer V) => void ? V : unknown

/** A collection or `hasOne` in `add()`'s values. */
type ChildValue<Rel> =
  Rel extends HasOne<infer T> ? EntityOf<T> | null
    : Rel extends HasMany<infer T> | ManyToMany<infer T> ? Array<EntityOf<T> | NewMember<Rel>>
      : never

/**
 * What `add(Model, values)` takes: the model's insert values and its relationships (nested
 * create): a related object for a `belongsTo` (its foreign key then optional) or `hasOne`,
 * an array of objects (or plain insert values) for a collection.
 */
export type AddValues<M extends AnyModel> = keyof RelationsOf<M> extends never
  ? M['$insert']
  : Omit<M['$insert'], ForeignKeyOf<RelationsOf<M>[BelongsToNames<M>]>> &
    { [K in ParentSideNames<M>]?: ChildValue<RelationsOf<M>[K]> } &
    ParentValues<M>

/**
 * What `add()` returns: a new object's collections start empty and its `hasOne` null (a new
 * row has no related rows yet), so they are loaded; so is every relationship given in `values`.
 */
export type Added<M extends AnyModel, V> = Loaded<M, ParentSideNames<M> | (keyof V & BelongsToNames<M>)>
