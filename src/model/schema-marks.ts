/**
 * A hidden, non-enumerable mark on every schema a model builds (each column's schema and the
 * `row`/`insert`/`update` objects). TypeBox keeps the very same column schemas when it
 * composes (`Type.Omit`, `Type.Pick`, `Type.Partial`, `Type.Evaluate`, a spread of
 * `.properties`) and copies symbol keys when it wraps one (`Type.Optional`), so a route body
 * built from a model is recognized however it was composed. JSON Schema tools never see it.
 */
const MODEL_SCHEMA = Symbol.for('fastify-orm.modelSchema')

/** @internal Marks a schema as built by a model; returns it. */
export function markModelSchema<S extends object> (schema: S): S {
  Object.defineProperty(schema, MODEL_SCHEMA, { value: true, enumerable: false, configurable: true })
  return schema
}

/** @internal True when `schema` itself was built by a model. */
export function isModelSchema (schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as Record<symbol, unknown>)[MODEL_SCHEMA] === true
}

/** @internal True when `schema` or any schema inside it was built by a model. */
export function containsModelSchema (schema: unknown, seen = new Set<unknown>()): boolean {
  if (typeof schema !== 'object' || schema === null || seen.has(schema)) return false
  seen.add(schema)
  if (isModelSchema(schema)) return true
  for (const value of Object.values(schema)) {
    if (containsModelSchema(value, seen)) return true
  }
  return false
}
