import type { CompiledQuery } from 'kysely'
import type { EntityMapper } from '../mapping/entity-mapper.ts'

/**
 * A filter apart from its values — `eq:title`, `cmp:qty:>=`, `cmp:id:in:3` — and the
 * values it binds, in order. Filters of free form (an expression callback, `has()`) have
 * none, and a query with one of those is compiled every time.
 */
export interface FilterShape {
  readonly key: string
  readonly values: readonly unknown[]
}

// Per mapper, i.e. per database and model: the same shape compiles alike only on one dialect.
const statements = new WeakMap<EntityMapper, Map<string, CompiledQuery | null>>()

/**
 * The compiled statement of a query shape: compiled by Kysely the first time, then only
 * its parameters change (building and compiling the query tree is most of what a small
 * query costs in JavaScript). `parameters` are the values the shape binds, in statement
 * order; a shape is kept only when Kysely's compilation bound exactly those, so a shape
 * whose text would depend on its values (a value Kysely writes inline) is compiled every
 * time instead of being reused wrongly.
 *
 * @example
 * ```ts
 * const compiled = cachedStatement(mapper, 'count|eq:user_id', [userId], () => query.compile())
 * ```
 */
export function cachedStatement (mapper: EntityMapper, shape: string | undefined, parameters: readonly unknown[], compile: () => CompiledQuery): CompiledQuery {
  if (shape === undefined) return compile()
  let byShape = statements.get(mapper)
  if (byShape === undefined) statements.set(mapper, byShape = new Map())
  const known = byShape.get(shape)
  if (known === null) return compile()
  if (known !== undefined) return { query: known.query, queryId: known.queryId, sql: known.sql, parameters }
  const compiled = compile()
  const bindsTheValues = compiled.parameters.length === parameters.length &&
    compiled.parameters.every((value, i) => Object.is(value, parameters[i]))
  // Shapes come from code, so they are few; the bound only guards against generated ones.
  if (byShape.size >= 500) byShape.clear()
  byShape.set(shape, bindsTheValues ? compiled : null)
  return compiled
}

/** The shape of a `where(property, operator, value)` comparison, or undefined when its text may depend on the value. */
export function comparisonShape (column: string, operator: unknown, value: unknown): FilterShape | undefined {
  // `is true` / `is null` are written inline; an expression as the value is SQL, not a parameter.
  if (typeof operator !== 'string' || operator === 'is' || operator === 'is not' || isExpression(value)) return undefined
  if (Array.isArray(value)) {
    if (value.some(isExpression)) return undefined
    return { key: `cmp:${column}:${operator}:${value.length}`, values: value }
  }
  if (value === null) return undefined
  return { key: `cmp:${column}:${operator}`, values: [value] }
}

/** The shape of one `filterBy` entry: `column = ?`, or `column is null`. */
export function equalityShape (column: string, value: unknown): FilterShape | undefined {
  if (isExpression(value)) return undefined
  return value === null ? { key: `null:${column}`, values: [] } : { key: `eq:${column}`, values: [value] }
}

function isExpression (value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { toOperationNode?: unknown }).toOperationNode === 'function'
}
