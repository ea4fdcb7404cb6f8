import type { AnyModel } from '../model/define-model.ts'
import type { MethodsOf } from '../model/behaviour.ts'
import type { BelongsTo, HasMany, HasOne, ManyToMany, ModelRelations, Relation } from '../model/relations.ts'
import type { Register } from '../model/register.ts'

type RegisteredEntries = Register extends { models: infer Entries } ? Entries : Record<never, never>

/**
 * The relationships declared for a model, found among the registered models
 * (`interface Register { models: … }`); `{}` when none are registered.
 */
export type RelationsOf<M extends AnyModel> =
  Extract<RegisteredEntries[keyof RegisteredEntries], { readonly kind: 'relations', readonly model: M }> extends ModelRelations<AnyModel, infer R>
    ? R
    : Record<never, Relation>

/** A relationship spec in its object form: `'posts'` and `['posts']` become `{ posts: true }`. */
export type NormalizeSpec<S> =
  S extends string ? { [K in S]: true }
    : S extends ReadonlyArray<infer K extends string> ? { [P in K]: true }
      : S

type Related<Rel, Nested> =
  Rel extends BelongsTo<infer T> ? Loaded<T, Nested> | null
    : Rel extends HasOne<infer T> ? Loaded<T, Nested> | null
      : Rel extends HasMany<infer T> ? Array<Loaded<T, Nested>>
        : Rel extends ManyToMany<infer T> ? Array<Loaded<T, Nested>>
          : never

/**
 * A model's row with the relationships of a spec loaded, nested specs included:
 * `Loaded<typeof User, { posts: { tags: true } }>` has `posts: Array<Post & { tags: Tag[] }>`.
 */
export type Loaded<M extends AnyModel, S> = [keyof NormalizeSpec<S> & keyof RelationsOf<M>] extends [never]
  ? M['$row'] & MethodsOf<M>
  : M['$row'] & MethodsOf<M> & {
    -readonly [K in keyof NormalizeSpec<S> & keyof RelationsOf<M>]: Related<RelationsOf<M>[K], NormalizeSpec<S>[K] extends true ? Record<never, never> : NormalizeSpec<S>[K]>
  }

/** A relationship spec a model accepts: its relationship names, as a name, a list or nested objects. */
export type RelationSpecOf<M extends AnyModel> =
  keyof RelationsOf<M> extends never
    ? string | readonly string[] | { readonly [name: string]: unknown }
    : (keyof RelationsOf<M> & string) | ReadonlyArray<keyof RelationsOf<M> & string> | { readonly [K in keyof RelationsOf<M>]?: true | object }
