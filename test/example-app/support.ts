// Shared by the example app's HTTP tests (not a test file itself: only *.test.ts files run).
// Every app is the real example app (`buildApp` of example-app/app.ts) on a fresh isolated
// database, with echo on so that statement counts are read from what the driver was given,
// and with every response body and log line kept so that a test can check that no password
// or password hash ever leaves the server.
import type { LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { buildApp } from '../../example-app/app.ts'
import type { TestDatabase } from '../helpers/databases.ts'

export type App = Awaited<ReturnType<typeof buildApp>>

/** The plain password every test user gets; no response body or log line may contain it. */
export const PASSWORD = 'correct horse battery staple'

const TRANSACTION_CONTROL = new Set(['begin', 'start', 'commit', 'rollback', 'savepoint', 'release'])

/** One statement echoed by fastify-orm (`DATABASE_ECHO`): its SQL, lower-cased first keyword and request id. */
export interface Statement {
  readonly sql: string
  readonly kind: string
  readonly reqId: string | undefined
}

/** What the app's logger wrote: every raw line, and the echoed statements among them. */
export class AppLog {
  readonly lines: string[] = []
  readonly statements: Statement[] = []
  readonly stream = {
    write: (line: string): void => {
      this.lines.push(line)
      const entry = JSON.parse(line) as { sql?: unknown, reqId?: string }
      if (typeof entry.sql !== 'string') return
      const sql = entry.sql.trim()
      this.statements.push({ sql, kind: (sql.split(/\s+/)[0] ?? '').toLowerCase(), reqId: entry.reqId })
    }
  }

  /** Statements other than transaction control (BEGIN, COMMIT, ROLLBACK, savepoints). */
  get queries (): Statement[] {
    return this.statements.filter((statement) => !TRANSACTION_CONTROL.has(statement.kind))
  }
}

/** A response as the tests read it: status, raw body and the parsed JSON (undefined when empty). */
export interface Reply {
  readonly statusCode: number
  readonly body: string
  readonly json: unknown
  readonly headers: LightMyRequestResponse['headers']
}

/** A thin `app.inject` client that keeps every response body. */
export class Client {
  readonly bodies: Array<{ request: string, body: string }> = []

  readonly app: App
  readonly log: AppLog

  constructor (app: App, log: AppLog) {
    this.app = app
    this.log = log
  }

  async request (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers?: Record<string, string>): Promise<Reply> {
    const response = await this.app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      ...(headers === undefined ? {} : { headers })
    })
    this.bodies.push({ request: `${method} ${url}`, body: response.body })
    return {
      statusCode: response.statusCode,
      body: response.body,
      json: response.body === '' ? undefined : JSON.parse(response.body) as unknown,
      headers: response.headers
    }
  }

  get (url: string): Promise<Reply> { return this.request('GET', url) }
  post (url: string, payload: unknown): Promise<Reply> { return this.request('POST', url, payload) }
  put (url: string, payload: unknown): Promise<Reply> { return this.request('PUT', url, payload) }
  patch (url: string, payload: unknown): Promise<Reply> { return this.request('PATCH', url, payload) }
  delete (url: string): Promise<Reply> { return this.request('DELETE', url) }

  /** The non-transaction-control statements that `fn` (one or more requests) sent to the database. */
  async statementsDuring (fn: () => Promise<unknown>): Promise<Statement[]> {
    const before = this.log.statements.length
    await fn()
    return this.log.statements.slice(before).filter((statement) => !TRANSACTION_CONTROL.has(statement.kind))
  }
}

/**
 * The example app on `database`, ready, echo on, logging into an {@link AppLog}; closed
 * when `t` ends. `options.devPage` is passed to the plugin.
 */
export async function startApp (t: Test, database: TestDatabase, options: Pick<Parameters<typeof buildApp>[0] & object, 'devPage'> = {}): Promise<Client> {
  const log = new AppLog()
  const previousEcho = process.env.DATABASE_ECHO
  process.env.DATABASE_ECHO = '1' // buildApp has no echo option: the plugin reads the env var
  let app: App
  try {
    app = await buildApp({ ...options, databaseUrl: database.url, logger: { level: 'info', stream: log.stream } })
    t.teardown(() => app.close())
    await app.ready()
  } finally {
    if (previousEcho === undefined) delete process.env.DATABASE_ECHO
    else process.env.DATABASE_ECHO = previousEcho
  }
  return new Client(app, log)
}

/** Fastify's error body (`{ statusCode, code?, error, message }`) as this app sends it. */
export function errorBody (statusCode: number, code: string, message: string): Record<string, unknown> {
  const error = ({ 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 415: 'Unsupported Media Type', 500: 'Internal Server Error' } as Record<number, string>)[statusCode]
  return { statusCode, code, error, message }
}

/** A Fastify validation failure: 400 with ajv's message. */
export const validation = (message: string): Record<string, unknown> => errorBody(400, 'FST_ERR_VALIDATION', message)

/** A fastify-orm 404 (`getOr404`, `firstOr404`, pagination's errorOut). */
export const notFound = (message: string): Record<string, unknown> => errorBody(404, 'ORM_NOT_FOUND', message)

/** The error for a page or perPage that is not a positive integer. */
export const invalidPage = (name: 'page' | 'perPage'): Record<string, unknown> => notFound(`Invalid ${name}: expected a positive integer such as 1, 2 or 3`)

/** The JSON of an empty page 1 (20 per page). */
export const EMPTY_PAGE = { items: [], page: 1, perPage: 20, total: 0, pages: 0, hasPrev: false, hasNext: false }

/** An ISO-8601 date-time as JSON carries a Date: `2026-01-02T03:04:05.678Z`. */
export const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** Runs `fn` with a script session (`app.db.session()`), always closed. */
export async function withSession<T> (app: App, fn: (session: ReturnType<App['db']['session']>) => Promise<T>): Promise<T> {
  const session = app.db.session()
  try {
    return await fn(session)
  } finally {
    await session.close()
  }
}

/**
 * Checks that no response body and no log line the client saw contains the plain
 * password, a `scrypt$` hash, or any of the given stored hashes.
 */
export function assertNoSecrets (t: Test, client: Client, extraSecrets: readonly string[] = []): void {
  const secrets = [PASSWORD, 'scrypt$', ...extraSecrets]
  const leaks: string[] = []
  for (const { request, body } of client.bodies) {
    for (const secret of secrets) if (body.includes(secret)) leaks.push(`${request} → ${body}`)
  }
  for (const line of client.log.lines) {
    for (const secret of secrets) if (line.includes(secret)) leaks.push(`log: ${line}`)
  }
  t.strictSame(leaks, [], `no secret in ${client.bodies.length} response bodies and ${client.log.lines.length} log lines`)
}
