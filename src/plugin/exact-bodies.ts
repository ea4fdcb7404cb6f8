import type { FastifyInstance, FastifySchemaValidationError, RouteOptions, preValidationHookHandler } from 'fastify'
import { containsModelSchema, isModelSchema } from '../model/schema-marks.ts'

type JsonSchema = Record<string, unknown>
type CompileFunction = typeof import('typebox/compile').Compile
type SchemaErrorFormatter = NonNullable<RouteOptions['schemaErrorFormatter']>

/** Keywords kept inside alternatives (anyOf, oneOf), where they decide the branch. */
const BRANCH_KEYWORDS = ['pattern', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'required', 'minItems', 'maxItems'] as const

/**
 * The part of a JSON Schema that Fastify's default Ajv options (`coerceTypes: 'array'`,
 * `removeAdditional: true`) would bend: the `type` of every value, and properties an
 * `additionalProperties: false` object does not declare. Everything else (lengths, formats,
 * enums, required properties, defaults) is left to Fastify's validator, which runs next.
 * `oneOf` becomes `anyOf`: with the other keywords gone, several branches may match.
 *
 * An object with a model's column among its properties admits no other property unless it
 * says so (`additionalProperties: true` or a schema): TypeBox's `Omit`, `Pick` and `Partial`
 * drop the model schemas' `additionalProperties: false`, and a primary key sent to a route
 * whose body omits it must be refused, not stored. Not so for a member of an `allOf`
 * (`Type.Intersect` without `Type.Evaluate`), whose other members declare more properties.
 */
function typeSkeleton (schema: unknown, branch = false, intersected = false): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return typeof schema === 'boolean' ? schema : {}
  const source = schema as JsonSchema
  const skeleton: JsonSchema = {}
  if (typeof source.type === 'string' || Array.isArray(source.type)) skeleton.type = source.type
  // In an alternative, these decide which branch a value belongs to, as they do for Ajv, which
  // would otherwise coerce a value another branch refused into the next one (0 into null for
  // an id ≥ 1 or null, "1e3" into 1000 for a numeric).
  if (branch) {
    for (const keyword of BRANCH_KEYWORDS) {
      if (source[keyword] !== undefined) skeleton[keyword] = source[keyword]
    }
  }
  if (isSchemaMap(source.properties)) {
    skeleton.properties = Object.fromEntries(Object.entries(source.properties).map(([name, value]) => [name, typeSkeleton(value, branch)]))
  }
  // patternProperties also admit properties: leave those objects' extra keys to Fastify.
  const additional = source.additionalProperties ?? (!intersected && hasModelProperty(source.properties) ? false : undefined)
  if (source.patternProperties === undefined && additional !== undefined && additional !== true) {
    skeleton.additionalProperties = additional === false ? false : typeSkeleton(additional, branch)
  }
  if (typeof source.items === 'object' && source.items !== null && !Array.isArray(source.items)) skeleton.items = typeSkeleton(source.items, branch)
  for (const keyword of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = source[keyword]
    if (!Array.isArray(branches)) continue
    const target = keyword === 'allOf' ? 'allOf' : 'anyOf'
    const projected = branches.map((value) => typeSkeleton(value, branch || keyword !== 'allOf', keyword === 'allOf'))
    skeleton[target] = Array.isArray(skeleton[target]) ? [...skeleton[target] as unknown[], ...projected] : projected
  }
  return skeleton
}

function hasModelProperty (properties: unknown): boolean {
  return isSchemaMap(properties) && Object.values(properties).some(isModelSchema)
}

function isSchemaMap (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

interface CheckError {
  readonly keyword: string
  readonly instancePath: string
  readonly schemaPath: string
  readonly params: Record<string, unknown>
  readonly message: string
}

/** TypeBox's errors in Ajv's words, so that clients read one format whichever check refused the body. */
function asAjvErrors (errors: readonly CheckError[]): FastifySchemaValidationError[] {
  const result: FastifySchemaValidationError[] = []
  for (const error of errors) {
    if (error.keyword === 'boolean') continue // the `false` schema of an extra property; reported below by name
    if (error.keyword === 'additionalProperties') {
      const names = Array.isArray(error.params.additionalProperties) ? error.params.additionalProperties as unknown[] : []
      for (const name of names) {
        result.push({ keyword: 'additionalProperties', instancePath: error.instancePath, schemaPath: `${error.schemaPath}/additionalProperties`, params: { additionalProperty: name }, message: `must NOT have additional property '${String(name)}'` })
      }
      continue
    }
    const message = error.keyword === 'type' ? `must be ${([] as unknown[]).concat(error.params.type).join(',')}` : error.message
    result.push({ keyword: error.keyword, instancePath: error.instancePath, schemaPath: error.schemaPath, params: error.params, message })
  }
  // The first wrong value and what its alternatives (anyOf) said about it, as Ajv stops at the first.
  const first = result[0]?.instancePath
  return result.filter((error) => error.instancePath === first).slice(0, 10)
}

function formatErrors (errors: readonly FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(errors.map((error) => `${dataVar}${error.instancePath} ${error.message ?? ''}`).join(', '))
}

/** The Error Fastify itself makes of a failed validation: 400, `FST_ERR_VALIDATION`, `validation`. */
function validationError (errors: FastifySchemaValidationError[], formatter: SchemaErrorFormatter): Error {
  const error = formatter(errors, 'body') as Error & Record<string, unknown>
  error.statusCode ??= 400
  error.code ??= 'FST_ERR_VALIDATION'
  error.validation = errors
  error.validationContext = 'body'
  return error
}

/** A preValidation hook refusing a body whose values have the wrong JSON type, compiled once. */
function exactBodyHook (route: RouteOptions, Compile: CompileFunction): preValidationHookHandler {
  const check = Compile(typeSkeleton(route.schema?.body) as Parameters<CompileFunction>[0])
  const formatter = route.schemaErrorFormatter ?? formatErrors
  const attach = route.attachValidation === true
  return function checkBodyTypes (request, _reply, done) {
    // No body: Fastify's validator decides whether one was required.
    if (request.body === undefined || check.Check(request.body)) return done()
    const error = validationError(asAjvErrors(check.Errors(request.body) as unknown as CheckError[]), formatter)
    if (!attach) return done(error)
    ;(request as { validationError?: Error }).validationError = error
    done()
  }
}

/**
 * Makes route bodies built from model schemas exact: Fastify's default Ajv options coerce
 * every `type` (JSON `null` → `""`, `0` or `false`; `"7"` → `7`; `["a"]` ↔ `"a"`) and drop
 * properties the schema does not declare. A route whose `schema.body` contains a model's
 * schema gets a preValidation hook, its last, that refuses such a body with Fastify's own
 * 400 before the validator can bend it. Params, querystrings, headers and routes without
 * model schemas are untouched. TypeBox's compiler (some 300 modules) is imported here, not
 * with the package: what uses the engine alone (the CLI's migration commands) never loads it.
 */
export async function installExactBodies (app: FastifyInstance): Promise<void> {
  const { Compile } = await import('typebox/compile')
  app.addHook('onRoute', (route) => {
    if (!containsModelSchema(route.schema?.body)) return
    const hook = exactBodyHook(route, Compile)
    const existing = route.preValidation === undefined ? [] : ([] as preValidationHookHandler[]).concat(route.preValidation as preValidationHookHandler | preValidationHookHandler[])
    route.preValidation = [...existing, hook]
  })
}
