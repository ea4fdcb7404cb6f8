import { sql, type CompiledQuery, type RawBuilder } from 'kysely'
import { rowValues, withArrayRows } from '../dialect/array-rows.ts'
import type { ResolvedRelation } from '../model/registry.ts'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import { qualifyFilters } from './relationship-filters.ts'
import { orderKey, selectRows, statementShape, statementValues, type RowSelection } from './select-rows.ts'
import { cachedStatement, type FilterShape } from './statement-cache.ts'
import { assignLoaded, normalize, relationOf, singleKey, type RelationLoaderContext, type RelationSpec } from './relation-loader.ts'

type Entity = Record<string, unknown>

/** The root query a joined load wraps: its model, filters, order and page. */
export interface JoinedRoot extends Omit<RowSelection, 'tableName'> {
  readonly mapper: EntityMapper
  /** Each filter's shape, or undefined for one of free form (see {@link FilterShape}). */
  readonly shapes: ReadonlyArray<FilterShape | undefined>
}

/** One table of the statement: the root (`t0`) or a relationship of its parent node. */
interface JoinNode {
  readonly alias: string
  readonly mapper: EntityMapper
  /** The result column of each model column, in column order. */
  readonly columns: readonly string[]
  /** Where the node's columns start in the select list (they follow each other, in column order). */
  readonly start: number
  /** The position of the node's key in the select list. */
  readonly keyPosition: number
  readonly relation: ResolvedRelation | undefined
  readonly parent: JoinNode | undefined
  readonly children: JoinNode[]
}

/**
 * How the root rows enter the statement. `paged`: a derived table holding the root's
 * filters, order and page (`from (select * from user where … limit 1) as t0`), because a
 * LIMIT/OFFSET must count root rows, not joined rows. `flat`: no page, so the root table is
 * joined directly and filtered in the outer WHERE. `one`: the filters pin one root row
 * (equality on its whole primary key), so a LIMIT ≥ 1 without OFFSET changes nothing and
 * the statement is flat, ordered by the related keys alone. A derived table costs SQLite a
 * co-routine and a sort of every row (a third of the statement's time for a user with 30
 * post × tag rows); PostgreSQL plans both forms alike.
 */
type RootForm = 'paged' | 'flat' | 'one'

/**
 * Loads a query's rows and the relationships of `spec` in ONE statement: the root table
 * LEFT JOINed with each relationship's table (and a many-to-many's association table),
 * every column aliased per table (`t1_0`, `t1_1`, …), then the tree rebuilt from the rows
 * through the identity map — SQLAlchemy's `joinedload`. One round trip instead of one
 * per level, at the price of repeated parent columns in every row: the choice for one
 * object or a page with small collections. Sibling collections multiply rows (their
 * cartesian product), so load those with the default select-in strategy.
 *
 * The root's rows are a derived table only when a page must count them (see
 * {@link RootForm}); the outer ORDER BY repeats the root's order. (An `IN (subquery)` form
 * doubled PostgreSQL's planning time; SQLite keeps the declared column types through a
 * derived table.) The statement text is made once per shape; only its values change.
 *
 * @example
 * ```ts
 * const [user] = await loadJoined(context, { mapper, filters, shapes, orders: [], limit: 1, offset: undefined }, [{ posts: { tags: true } }])
 * ```
 */
export async function loadJoined (context: RelationLoaderContext, root: JoinedRoot, specs: readonly RelationSpec[]): Promise<Entity[]> {
  const form = rootForm(root)
  const specKey = JSON.stringify(specs)
  const { nodes, resultColumns, head, tail } = statementParts(context, root, specs, specKey, form)
  const tableName = root.mapper.table.tableName
  const rootSelect = (): CompiledQuery => selectRows(context.builder, { ...root, tableName }, true).compile()
  const known = root.shapes.every((shape) => shape !== undefined) && (root.joins?.length ?? 0) === 0
  let statement: CompiledQuery
  if (form === 'paged') {
    // Only the root's page (its filters' values) changes from call to call: that alone is compiled, once per shape.
    const page = known ? cachedStatement(root.mapper, `root|${statementShape(root)}`, statementValues(root, true), rootSelect) : rootSelect()
    statement = { query: page.query, queryId: page.queryId, sql: `${head}(${page.sql})${tail}`, parameters: page.parameters }
  } else {
    statement = cachedStatement(root.mapper, `joined:${form}|${statementShape(root)}|${specKey}`, statementValues(root, false), () => {
      const where = root.filters.length === 0
        ? { sql: '', parameters: [] }
        : sql` where ${sql.join(qualifyFilters(root.filters, ROOT_ALIAS), sql` and `)}`.compile(context.builder)
      // The root's own SELECT node stands for the statement: a read, which a replica may serve.
      const { query, queryId } = rootSelect()
      return { query, queryId, sql: `${head}${where.sql}${tail}`, parameters: where.parameters }
    })
  }
  // Read by position: no object per row (drivers that cannot return arrays give objects, turned into arrays).
  const { rows } = await context.execute(withArrayRows(statement))
  return rebuild(context, nodes, rowValues(rows, resultColumns))
}

const ROOT_ALIAS = 't0'

function rootForm (root: JoinedRoot): RootForm {
  // Filters of free form may hold subqueries naming the root table: they stay inside the derived table.
  if ((root.joins?.length ?? 0) > 0 || root.shapes.some((shape) => shape === undefined)) return 'paged'
  if (root.limit === undefined && root.offset === undefined) return 'flat'
  const pinned = root.mapper.keyColumns.every((key) => root.shapes.some((shape) => shape?.key === `eq:${key.name}`))
  return pinned && (root.offset ?? 0) === 0 && (root.limit ?? 1) >= 1 ? 'one' : 'paged'
}

/** The join tree and the statement's text around the root's rows, made once per root model, spec, order and form. */
interface StatementParts {
  readonly nodes: readonly JoinNode[]
  /** Every node's result columns, in select-list order. */
  readonly resultColumns: readonly string[]
  /** `select "t0"."id" as "t0_0", … from ` (paged), or `… from "user" as "t0" left join …` (flat) */
  readonly head: string
  /** ` as "t0" left join … order by …` (paged), or ` order by …` (flat) */
  readonly tail: string
}

const partsCache = new WeakMap<EntityMapper, Map<string, StatementParts>>()

function statementParts (context: RelationLoaderContext, root: JoinedRoot, specs: readonly RelationSpec[], specKey: string, form: RootForm): StatementParts {
  let byShape = partsCache.get(root.mapper)
  if (!byShape) partsCache.set(root.mapper, byShape = new Map())
  let shape = `${form}|${specKey}`
  for (const { column, direction, table } of root.orders) shape += `|${table ?? ''}.${column} ${direction}`
  let parts = byShape.get(shape)
  if (parts) return parts
  const nodes: JoinNode[] = []
  const top = joinNode(nodes, root.mapper, undefined, undefined)
  for (const spec of specs) addChildren(context, nodes, top, spec)
  const selections = nodes.flatMap((node) => node.mapper.columns.map((column, i) =>
    sql`${sql.id(node.alias, column.name)} as ${sql.id(node.columns[i] as string)}`))
  const joins = sql.join(nodes.slice(1).map((node) => joinClause(node)), sql` `)
  const order = [
    ...(form === 'one' ? [] : root.orders.map(({ column, direction, table }, i) => sql`${sql.id(top.alias, table === undefined ? column : orderKey(i))} ${sql.raw(direction)}`)),
    ...(form === 'one' ? nodes.slice(1) : nodes).map((node) => sql`${sql.id(node.alias, singleKey(node.mapper).name)}`)
  ]
  const orderBy = order.length === 0 ? sql`` : sql` order by ${sql.join(order)}`
  const resultColumns = nodes.flatMap((node) => node.columns)
  parts = form === 'paged'
    ? {
        nodes,
        resultColumns,
        head: sql`select ${sql.join(selections)} from `.compile(context.builder).sql,
        tail: sql` as ${sql.id(top.alias)} ${joins}${orderBy}`.compile(context.builder).sql
      }
    : {
        nodes,
        resultColumns,
        head: sql`select ${sql.join(selections)} from ${sql.table(root.mapper.table.tableName)} as ${sql.id(top.alias)} ${joins}`.compile(context.builder).sql,
        tail: orderBy.compile(context.builder).sql
      }
  // Shapes come from code, so they are few; the bound only guards against generated ones.
  if (byShape.size >= 200) byShape.clear()
  byShape.set(shape, parts)
  return parts
}

function joinNode (nodes: JoinNode[], mapper: EntityMapper, relation: ResolvedRelation | undefined, parent: JoinNode | undefined): JoinNode {
  const alias = `t${nodes.length}`
  const key = singleKey(mapper)
  const start = nodes.reduce((count, node) => count + node.columns.length, 0)
  const node: JoinNode = {
    alias,
    mapper,
    columns: mapper.columns.map((_column, i) => `${alias}_${i}`),
    start,
    keyPosition: start + mapper.columns.findIndex((column) => column.name === key.name),
    relation,
    parent,
    children: []
  }
  nodes.push(node)
  parent?.children.push(node)
  return node
}

function addChildren (context: RelationLoaderContext, nodes: JoinNode[], parent: JoinNode, spec: RelationSpec): void {
  for (const [name, nested] of normalize(spec)) {
    const relation = relationOf(parent.mapper, name)
    const child = joinNode(nodes, context.mapperOf(relation.target.model), relation, parent)
    if (nested !== undefined) addChildren(context, nodes, child, nested)
  }
}

/** `left join post as t1 on t1.user_id = t0.id` (a many-to-many joins its association table first). */
function joinClause (node: JoinNode): RawBuilder<unknown> {
  const relation = node.relation as ResolvedRelation
  const parent = node.parent as JoinNode
  const target = sql`${sql.table(node.mapper.table.tableName)} as ${sql.id(node.alias)}`
  const parentKey = sql.id(parent.alias, singleKey(parent.mapper).name)
  const targetKey = sql.id(node.alias, singleKey(node.mapper).name)
  if (relation.kind === 'belongsTo') {
    return sql`left join ${target} on ${targetKey} = ${sql.id(parent.alias, relation.foreignKey.column)}`
  }
  if (relation.kind === 'manyToMany') {
    const through = relation.through as NonNullable<ResolvedRelation['through']>
    const link = `${node.alias}_link`
    return sql`left join ${sql.table(through.table.tableName)} as ${sql.id(link)} on ${sql.id(link, through.source.column)} = ${parentKey} left join ${target} on ${targetKey} = ${sql.id(link, through.target.column)}`
  }
  return sql`left join ${target} on ${sql.id(node.alias, relation.foreignKey.column)} = ${parentKey}`
}

/** Rows → entities (identity map), then each node's relationship set on every parent seen. */
function rebuild (context: RelationLoaderContext, nodes: readonly JoinNode[], rows: ReadonlyArray<readonly unknown[]>): Entity[] {
  // Per node (by index): its entities by key (one column of one statement: one JS type, so
  // the value itself is the key), and per parent entity its members in first-seen order.
  const entityAt = nodes.map(() => new Map<unknown, Entity>())
  const members = nodes.map(() => new Map<Entity, Set<Entity>>())
  const parentOf = nodes.map((node) => node.parent === undefined ? -1 : nodes.indexOf(node.parent))
  const current = new Array<Entity | undefined>(nodes.length)
  const roots: Entity[] = []
  for (const row of rows) {
    for (let n = 0; n < nodes.length; n++) {
      const node = nodes[n] as JoinNode
      const parent = parentOf[n] as number
      const parentEntity = parent < 0 ? undefined : current[parent]
      if (parent >= 0 && parentEntity === undefined) {
        current[n] = undefined
        continue
      }
      const key = row[node.keyPosition]
      let entity: Entity | undefined
      if (key !== null && key !== undefined) {
        const seen = entityAt[n] as Map<unknown, Entity>
        entity = seen.get(key)
        if (entity === undefined) {
          entity = context.loadValues(node.mapper, row, node.start)
          seen.set(key, entity)
          if (parent < 0) roots.push(entity)
        }
      }
      current[n] = entity
      if (parentEntity !== undefined) {
        const byParent = members[n] as Map<Entity, Set<Entity>>
        let set = byParent.get(parentEntity)
        if (!set) byParent.set(parentEntity, set = new Set())
        if (entity !== undefined) set.add(entity)
      }
    }
  }
  for (let n = 1; n < nodes.length; n++) {
    const node = nodes[n] as JoinNode
    const byParent = members[n] as Map<Entity, Set<Entity>>
    const parents = [...(entityAt[parentOf[n] as number] as Map<unknown, Entity>).values()]
    assignLoaded(context, node.relation as ResolvedRelation, node.mapper, parents, (parent) => [...(byParent.get(parent) ?? [])])
  }
  return roots
}
