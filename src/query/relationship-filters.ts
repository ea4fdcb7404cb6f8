import { OperationNodeTransformer, ReferenceNode, sql, TableNode, type ColumnNode, type Expression, type Kysely, type OperationNode, type SelectQueryBuilder, type SelectQueryNode, type SqlBool } from 'kysely'
import { InvalidArgumentError } from '../errors.ts'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import type { ResolvedRelation } from '../model/registry.ts'
import type { AnyDatabase } from '../model/infer.ts'
import { relationOf, singleKey } from './relation-loader.ts'

/** `inner join <table> as <alias> on <left> = <right>`: what a row selection joins. */
export interface JoinClause {
  readonly table: string
  readonly alias: string
  /** Qualified column references (`alias.column`, `root.column`). */
  readonly on: readonly [string, string]
}

/** A relationship joined into a query: `join('author')` makes `'author.email'` a valid path. */
export interface RelationshipJoin extends JoinClause {
  /** The relationship's name: the first part of the paths it makes valid. */
  readonly name: string
  /** The joined (target) model's mapper: its columns and value checks. */
  readonly mapper: EntityMapper
}

/** The part of a query an `EXISTS` subquery is made of: its table's name in the statement, joins and filters. */
export interface Subselection {
  readonly mapper: EntityMapper
  readonly ref: string
  readonly joins: readonly JoinClause[]
  readonly filters: ReadonlyArray<Expression<SqlBool>>
}

/**
 * Names the table of every column reference that names none (`id` → `post.id`), except
 * inside subqueries, whose columns are their own tables'. A query's filters name its own
 * columns alone; once a joined table may have a column of the same name, they must say
 * whose.
 */
class QualifyColumns extends OperationNodeTransformer {
  readonly #table: string

  constructor (table: string) {
    super()
    this.#table = table
  }

  protected override transformSelectQuery (node: SelectQueryNode): SelectQueryNode {
    return node
  }

  protected override transformReference (node: ReferenceNode): ReferenceNode {
    if (node.table !== undefined || node.column.kind !== 'ColumnNode') return node
    return ReferenceNode.create(node.column as ColumnNode, TableNode.create(this.#table))
  }
}

/** The filters with their unqualified columns given to `table` (when compiled). */
export function qualifyFilters (filters: ReadonlyArray<Expression<SqlBool>>, table: string): Array<Expression<SqlBool>> {
  const qualify = new QualifyColumns(table)
  return filters.map((filter) => ({
    get expressionType () { return undefined },
    toOperationNode: () => qualify.transformNode(filter.toOperationNode())
  }))
}

/** `base`, or `base_1`, `base_2`, … : the first name not in `taken`. */
export function freshName (base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base
  let n = 1
  while (taken.has(`${base}_${n}`)) n++
  return `${base}_${n}`
}

/**
 * The join of a many-to-one or one-to-one relationship of the table known as `ref`, under
 * an alias that no other name of the statement uses (a self-referential join, e.g.
 * `Employee.manager`, joins the same table again). A collection would repeat the root rows
 * once per member, so it is refused in favour of `has()`.
 */
export function relationshipJoin (mapper: EntityMapper, ref: string, name: string, taken: ReadonlySet<string>, mapperOf: (relation: ResolvedRelation) => EntityMapper): RelationshipJoin {
  const relation = relationOf(mapper, name)
  const model = mapper.table.modelName
  if (relation.kind === 'hasMany' || relation.kind === 'manyToMany') {
    throw new InvalidArgumentError(`${model}.${name} is a collection (${relation.kind}), which join() would repeat each ${model} for; ` +
      `filter through it with has('${name}', (q) => q.where(…)) instead, or query its model with request.db.related(object, '${name}')`)
  }
  const target = mapperOf(relation)
  const alias = freshName(name, taken)
  const on: [string, string] = relation.kind === 'belongsTo'
    ? [`${alias}.${singleKey(target).name}`, `${ref}.${relation.foreignKey.column}`]
    : [`${alias}.${relation.foreignKey.column}`, `${ref}.${singleKey(mapper).name}`]
  return { table: target.table.tableName, alias, on, name, mapper: target }
}

/** Adds inner joins to a select. */
export function applyJoins<Q extends SelectQueryBuilder<AnyDatabase, string, object>> (query: Q, joins: readonly JoinClause[]): Q {
  let joined = query
  for (const join of joins) {
    const table = join.alias === join.table ? join.table : `${join.table} as ${join.alias}`
    joined = joined.innerJoin(table as never, join.on[0] as never, join.on[1] as never) as unknown as Q
  }
  return joined
}

/**
 * `exists (select 1 from <target> … where <target belongs to the outer row> and …)`:
 * whether the row known as `outerRef` has a member of relationship `relation` matching
 * the subselection's filters (SQLAlchemy's `any()` / `has()`). A many-to-many goes through
 * its association table.
 */
export function existsRelated (builder: Kysely<AnyDatabase>, outer: EntityMapper, outerRef: string, relation: ResolvedRelation, sub: Subselection, negate: boolean): Expression<SqlBool> {
  const from = sub.ref === sub.mapper.table.tableName ? sub.ref : `${sub.mapper.table.tableName} as ${sub.ref}`
  let query = builder.selectFrom(from).select(sql<number>`1`.as('one')) as SelectQueryBuilder<AnyDatabase, string, object>
  const targetKey = `${sub.ref}.${singleKey(sub.mapper).name}`
  const outerKey = `${outerRef}.${singleKey(outer).name}`
  let correlation: Expression<SqlBool>
  if (relation.kind === 'manyToMany') {
    const through = relation.through as NonNullable<ResolvedRelation['through']>
    const link = freshName(through.table.tableName, new Set([outerRef, sub.ref, ...sub.joins.map((join) => join.alias)]))
    query = applyJoins(query, [{ table: through.table.tableName, alias: link, on: [`${link}.${through.target.column}`, targetKey] }])
    correlation = sql<SqlBool>`${sql.ref(`${link}.${through.source.column}`)} = ${sql.ref(outerKey)}`
  } else if (relation.kind === 'belongsTo') {
    correlation = sql<SqlBool>`${sql.ref(targetKey)} = ${sql.ref(`${outerRef}.${relation.foreignKey.column}`)}`
  } else {
    correlation = sql<SqlBool>`${sql.ref(`${sub.ref}.${relation.foreignKey.column}`)} = ${sql.ref(outerKey)}`
  }
  query = applyJoins(query, sub.joins).where(correlation)
  for (const filter of qualifyFilters(sub.filters, sub.ref)) query = query.where(filter)
  // A subquery interpolated in sql`` brings its own parentheses.
  return negate ? sql<SqlBool>`not exists ${query}` : sql<SqlBool>`exists ${query}`
}

/**
 * The filter of a query over one object's collection (`related(user, 'posts')`): the
 * target rows that are members of `parent`'s relationship. The parent's key is read when
 * the query is compiled, after the autoflush, so a parent added in the same unit of work
 * works once flushed.
 */
export function memberOf (builder: Kysely<AnyDatabase>, parentMapper: EntityMapper, parent: Readonly<Record<string, unknown>>, relation: ResolvedRelation, target: EntityMapper): Expression<SqlBool> {
  const model = parentMapper.table.modelName
  if (relation.kind !== 'hasMany' && relation.kind !== 'manyToMany') {
    throw new InvalidArgumentError(`${model}.${relation.name} is a ${relation.kind} relationship, not a collection; ` +
      `load it with request.db.load(object, '${relation.name}') or query(${model}).with('${relation.name}')`)
  }
  const parentKey = singleKey(parentMapper)
  const table = target.table.tableName
  const build = (): Expression<SqlBool> => {
    const key = parent[parentKey.property]
    if (key === undefined || key === null) {
      throw new InvalidArgumentError(`this ${model} has no ${parentKey.property} yet, so its ${relation.name} cannot be queried; flush the session first`)
    }
    if (relation.kind === 'hasMany') return sql<SqlBool>`${sql.ref(`${table}.${relation.foreignKey.column}`)} = ${key}`
    const through = relation.through as NonNullable<ResolvedRelation['through']>
    const link = freshName(through.table.tableName, new Set([table]))
    const members = builder.selectFrom(`${through.table.tableName} as ${link}`)
      .select(sql.ref(`${link}.${through.target.column}`).as('member'))
      .where(sql.ref(`${link}.${through.source.column}`), '=', key)
    return sql<SqlBool>`${sql.ref(`${table}.${singleKey(target).name}`)} in ${members}`
  }
  return lazyExpression(build)
}

/** An expression built when compiled rather than when the query is written. */
function lazyExpression (build: () => Expression<SqlBool>): Expression<SqlBool> {
  return {
    get expressionType () { return undefined },
    toOperationNode (): OperationNode { return build().toOperationNode() }
  }
}
