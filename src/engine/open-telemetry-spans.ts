import type { Attributes, Span, TracerProvider } from '@opentelemetry/api'
import { queryChannel, TARGET, type QueryMessage, type Traced } from './statement-tracing.ts'

type OpenTelemetryApi = typeof import('@opentelemetry/api')

let loading: Promise<OpenTelemetryApi | undefined> | undefined
let subscribed = false

/**
 * Makes an OpenTelemetry CLIENT span of every statement published on the query channel,
 * as a child of the caller's active span, when `@opentelemetry/api` is installed (an
 * optional peer dependency) and an SDK has registered a tracer provider. The package is
 * loaded once per process; the channel is subscribed once, at the first engine that
 * connects after the provider is registered, so that without an SDK nothing listens and
 * statements cost nothing. Each engine's `tracing` option decides whether its statements
 * get spans. Resolves to whether spans are made; `warn` hears why the package failed to
 * load when it is installed but broken.
 */
export async function enableOpenTelemetrySpans (warn: (error: unknown) => void): Promise<boolean> {
  loading ??= import('@opentelemetry/api').catch((error: unknown) => {
    if (!isModuleNotFound(error)) warn(error)
    return undefined
  })
  const api = await loading
  if (api === undefined) return false
  if (!subscribed && providerRegistered(api)) {
    subscribe(api)
    subscribed = true
  }
  return subscribed
}

function isModuleNotFound (error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
}

/** Whether an SDK has registered a tracer provider (else every span would be a no-op). */
function providerRegistered (api: OpenTelemetryApi): boolean {
  const global = api.trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider }
  const provider = typeof global.getDelegate === 'function' ? global.getDelegate() : global
  // An unset proxy delegates to the API's no-op provider, which a new proxy returns too.
  return provider !== new api.ProxyTracerProvider().getDelegate() && provider.constructor.name !== 'NoopTracerProvider'
}

function subscribe (api: OpenTelemetryApi): void {
  const tracer = api.trace.getTracer('fastify-orm')
  const spans = new WeakMap<object, Span>()
  const finish = (message: Traced<QueryMessage>): void => {
    const span = spans.get(message)
    if (span === undefined) return
    spans.delete(message)
    if (message.error !== undefined) {
      span.setAttribute('error.type', errorType(message.error))
      span.setStatus({ code: api.SpanStatusCode.ERROR })
    } else if (message.rows !== undefined) {
      span.setAttribute('db.response.returned_rows', message.rows)
    }
    span.end()
  }
  queryChannel.subscribe({
    start (message) {
      if (!message[TARGET].spans) return
      const name = [message.operation, message.table ?? message.database].filter(Boolean).join(' ') || message.dialect
      spans.set(message, tracer.startSpan(name, { kind: api.SpanKind.CLIENT, attributes: attributesOf(message) }, api.context.active()))
    },
    // A synchronous statement (and a promise's that threw before it began) has its outcome
    // at `end`; a promise's comes with `asyncEnd`.
    end (message) {
      if (message.rows !== undefined || message.error !== undefined) finish(message)
    },
    asyncStart () {},
    asyncEnd: finish,
    error () {}
  })
}

/** OpenTelemetry's database attributes (semantic conventions 1.26+, and `db.system` of the older ones). */
function attributesOf (message: Traced<QueryMessage>): Attributes {
  const target = message[TARGET]
  const attributes: Attributes = {
    'db.system.name': message.dialect,
    'db.system': message.dialect,
    'db.query.text': message.sql
  }
  if (message.database !== undefined) attributes['db.namespace'] = message.database
  if (message.operation !== undefined) attributes['db.operation.name'] = message.operation
  if (message.table !== undefined) attributes['db.collection.name'] = message.table
  if (target.host !== undefined) attributes['server.address'] = target.host
  if (target.port !== undefined) attributes['server.port'] = target.port
  return attributes
}

/** `error.type`: the `OrmError`'s code (`ORM_UNIQUE_VIOLATION`), else the error's class. */
function errorType (error: unknown): string {
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') return code
  return error instanceof Error ? error.name : '_OTHER'
}
