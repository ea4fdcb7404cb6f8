import type { AnyModel } from '../model/define-model.ts'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import type { Query } from './query.ts'
import { relationOf, type RelationLoaderContext } from './relation-loader.ts'
import { memberOf } from './relationship-filters.ts'

/**
 * The query behind `session.related(parent, 'posts')`: the target model's query, filtered
 * to the members of the parent's collection (a foreign key equal to the parent's key, or
 * a key listed for it in the association table).
 *
 * @example
 * ```ts
 * relatedQuery(runner, userMapper, user, 'posts', (model) => session.query(model)).orderBy('id').all()
 * ```
 */
export function relatedQuery (context: RelationLoaderContext, mapper: EntityMapper, parent: Readonly<Record<string, unknown>>, relationship: string,
  query: (model: AnyModel) => Query<AnyModel>): Query<AnyModel> {
  const relation = relationOf(mapper, relationship)
  const target = context.mapperOf(relation.target.model)
  const filter = memberOf(context.builder, mapper, parent, relation, target)
  return query(relation.target.model).where(() => filter)
}
