import { Type, type TObject, type TOptional, type TSchema, type TUnsafe } from 'typebox'
import { isReadOnly, type AnyColumn, type ColumnConfig, type ModelColumn } from './column.ts'
import type { OptionalOnInsert, SelectValue, WritableKeys, WriteValue } from './infer.ts'
import { markModelSchema } from './schema-marks.ts'

/**
 * A model's TypeBox schemas, usable as Fastify route schemas (validation with Ajv, fast
 * serialization with fast-json-stringify) and composable with TypeBox (`Type.Omit(…)`).
 */
export interface ModelSchemas<C extends Record<string, AnyColumn>, PK extends keyof C = never> {
  /** A row as read; for `schema.response`. */
  readonly row: TObject<{ [K in keyof C]: TUnsafe<SelectValue<C[K]>> }>
  /**
   * A new row; columns with defaults, autoincrement or NULL allowed are optional, read-only
   * ones (generated, an `always` identity) left out. For `schema.body`.
   */
  readonly insert: TObject<{ [K in WritableKeys<C>]: OptionalOnInsert<C[K]> extends true ? TOptional<TUnsafe<WriteValue<C[K]>>> : TUnsafe<WriteValue<C[K]>> }>
  /**
   * A partial update: every column optional, the primary key and read-only columns left out
   * (a body that sends them is refused, not ignored). For PATCH bodies.
   */
  readonly update: TObject<{ [K in Exclude<WritableKeys<C>, PK>]: TOptional<TUnsafe<WriteValue<C[K]>>> }>
}

const DECIMAL = '^-?\\d+(\\.\\d+)?$'

/** The JSON Schema of one value of a column type (without nullability). */
function valueSchema (config: ColumnConfig, mode: 'read' | 'write'): Record<string, unknown> {
  switch (config.kind) {
    case 'integer':
    case 'bigInteger': return { type: 'integer' } // fast-json-stringify writes bigint as an integer
    case 'float': return { type: 'number' }
    case 'numeric': return mode === 'read' ? { type: 'string', pattern: DECIMAL } : { anyOf: [{ type: 'string', pattern: DECIMAL }, { type: 'number' }] }
    case 'boolean': return { type: 'boolean' }
    case 'string': return { type: 'string', maxLength: config.length }
    case 'text': return { type: 'string' }
    case 'dateTime': return { type: 'string', format: 'date-time' } // a Date serializes as ISO text
    case 'date': return { type: 'string', format: 'date' }
    case 'json': return config.jsonSchema ? { ...config.jsonSchema } : {}
    case 'binary': return { type: 'string', contentEncoding: 'base64' }
    case 'uuid': return { type: 'string', format: 'uuid' }
    case 'enum': return { type: 'string', enum: [...(config.values ?? [])] }
    case 'array': return { type: 'array', items: config.element ? valueSchema(config.element, mode) : {} }
  }
}

/** Adds `null` to a schema: as a type list where possible (faster to serialize), else anyOf. */
function withNull (schema: Record<string, unknown>): Record<string, unknown> {
  if (typeof schema.type === 'string') {
    const nullable: Record<string, unknown> = { ...schema, type: [schema.type, 'null'] }
    if (Array.isArray(schema.enum)) nullable.enum = [...(schema.enum as unknown[]), null]
    return nullable
  }
  return { anyOf: [schema, { type: 'null' }] }
}

function columnSchema (column: ModelColumn, mode: 'read' | 'write'): TSchema {
  const schema = valueSchema(column.config, mode)
  // Marked so that a route body built from it, even through Type.Omit or a spread, is type-checked exactly.
  return markModelSchema(Type.Unsafe(column.config.nullable ? withNull(schema) : schema))
}

function optionalOnInsert (column: ModelColumn): boolean {
  const { nullable, clientDefault, serverDefault } = column.config
  return nullable || clientDefault !== undefined || serverDefault !== undefined || column.autoincrement
}

/**
 * @internal Builds the three schemas of a model from its resolved columns. `primaryKey`
 * holds the database names of the key's columns, which `update` leaves out: a key is what
 * finds the row, never what a client changes.
 */
export function buildModelSchemas<C extends Record<string, AnyColumn>, PK extends keyof C> (modelName: string, columns: ReadonlyMap<string, ModelColumn>, primaryKey: readonly string[]): ModelSchemas<C, PK> {
  const row: Record<string, TSchema> = {}
  const insert: Record<string, TSchema> = {}
  const update: Record<string, TSchema> = {}
  for (const [property, column] of columns) {
    row[property] = columnSchema(column, 'read')
    if (isReadOnly(column)) continue
    const write = columnSchema(column, 'write')
    insert[property] = optionalOnInsert(column) ? Type.Optional(write) : write
    if (!primaryKey.includes(column.name)) update[property] = Type.Optional(write)
  }
  return Object.freeze({
    row: markModelSchema(Type.Object(row, { title: modelName })),
    insert: markModelSchema(Type.Object(insert, { title: `${modelName}Insert`, additionalProperties: false })),
    update: markModelSchema(Type.Object(update, { title: `${modelName}Update`, additionalProperties: false }))
  }) as unknown as ModelSchemas<C, PK>
}
