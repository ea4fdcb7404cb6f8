import type { AnyModel } from '../model/define-model.ts'
import type { BelongsTo, HasMany, HasOne, ManyToMany, Relation } from '../model/relations.ts'
import type { ModelOfEntity as BrandedModelOf, RelationsOf } from './loaded-types.ts'

// Without registered types RelationsOf is `{}` or a record of any name: then nothing is known.
type Declared<M extends AnyModel> = string extends keyof RelationsOf<M> ? false : keyof RelationsOf<M> extends never ? false : true

/** A model's relationship names of the given kinds; any name when the app registered no types. */
type NamesOf<M extends AnyModel, Kind extends Relation> = AnyModel extends M
  ? string
  : Declared<M> extends false
    ? string
    : { [K in keyof RelationsOf<M>]: RelationsOf<M>[K] extends Kind ? K : never }[keyof RelationsOf<M>] & string

/** Every relationship name of a model (`has()`). */
export type RelationshipName<M extends AnyModel> = NamesOf<M, Relation>

/** The relationships `join()` accepts: many-to-one and one-to-one (a collection would repeat rows). */
export type JoinableName<M extends AnyModel> = NamesOf<M, BelongsTo | HasOne>

/** The relationships a query over one object's members (`related()`) accepts: the collections. */
export type CollectionName<M extends AnyModel> = NamesOf<M, HasMany | ManyToMany>

/** The model a relationship points at; any model when the app registered no types. */
export type TargetOf<M extends AnyModel, N extends string> = AnyModel extends M
  ? AnyModel
  : Declared<M> extends false
    ? AnyModel
    : N extends keyof RelationsOf<M>
        ? RelationsOf<M>[N] extends { readonly target: () => infer T extends AnyModel } ? T : AnyModel
      : AnyModel

/** The joined relationships of a query: name → target model. */
export type Joins = Record<string, AnyModel>

type PropertyOf<T extends AnyModel> = [keyof T['$row']] extends [never] ? string : keyof T['$row'] & string

/** `'author.email'`: a property of a joined relationship's model. */
export type JoinedPath<J extends Joins> = { [K in keyof J & string]: `${K}.${PropertyOf<J[K]>}` }[keyof J & string]

/** The value type of a joined path's property. */
export type JoinedValue<J extends Joins, P extends string> = P extends `${infer K}.${infer C}`
  ? K extends keyof J
    ? C extends keyof J[K]['$row'] ? J[K]['$row'][C] : unknown
    : never
  : never

/** Equality filters on joined paths: `filterBy({ 'author.email': x })`. */
export type JoinedValues<J extends Joins> = { readonly [P in JoinedPath<J>]?: JoinedValue<J, P> | null }

/** The model an entity belongs to, from its type; any model for a plain row or an unregistered model. */
export type ModelOfEntity<E> = [BrandedModelOf<E>] extends [never] ? AnyModel : BrandedModelOf<E>
