// The checks the fault cases make (not a test file itself: tap only runs *.test.ts):
// responses and server replies are JSON successes or clean JSON errors that show no
// connection details, nothing is held once the load stopped (connections, transactions,
// unanswered requests), the committed rows are exactly the acknowledged ones, and calls on
// a session whose connection was killed reject cleanly and in time. Also how a problem
// list becomes one tap assertion and how a case prints its figures.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { OrmError } from 'fastify-orm'
import type { Test } from 'tap'
import type { AppDatabase, PrivateServer } from '../helpers/private-servers.ts'
import { FAULT_TIMING, SETTLE_CALL_MS } from './fault-timing.ts'
import type { HttpLoad, HttpResult } from './http-load.ts'
import type { ServerLog, ServerReply } from './instrumented-app.ts'

/** Codes a 503 may carry: the connection or the pool (`ORM_CONNECTION…`, `ORM_POOL_TIMEOUT`, …). */
const SERVICE_UNAVAILABLE_CODE = /^ORM_[A-Z_]+$/
/** A 500 must still say what it is: one of fastify-orm's codes. */
const INTERNAL_ERROR_CODE = /^ORM_[A-Z_]+$/

/** Why a JSON error body is not clean: status/code/message shape, 5xx codes, secrets. Empty when clean. */
export function errorBodyProblems (status: number, json: unknown, body: string, database: AppDatabase): string[] {
  const problems: string[] = []
  if (json === null || typeof json !== 'object') return [`${status} without a JSON body: ${body.slice(0, 200)}`]
  const error = json as { statusCode?: unknown, code?: unknown, message?: unknown }
  if (error.statusCode !== status) problems.push(`${status} whose body's statusCode is ${String(error.statusCode)}`)
  if (typeof error.code !== 'string' || error.code === '') problems.push(`${status} without a code: ${body.slice(0, 200)}`)
  else if (status === 503 && !SERVICE_UNAVAILABLE_CODE.test(error.code)) problems.push(`503 with code ${error.code}`)
  else if (status === 500 && !INTERNAL_ERROR_CODE.test(error.code)) problems.push(`500 with code ${error.code} (not a fastify-orm code): ${body.slice(0, 200)}`)
  else if (status > 500 && status !== 503) problems.push(`${status} ${error.code}: only 503 and 500 are expected`)
  else if (status >= 400 && status < 500) problems.push(`unexpected client error ${status} ${error.code}: ${body.slice(0, 200)}`)
  if (typeof error.message !== 'string') problems.push(`${status} without a message`)
  for (const secret of [...database.secrets, ...database.errorSecrets]) {
    if (body.includes(secret)) problems.push(`${status} body shows "${secret}": ${body.slice(0, 300)}`)
  }
  return problems
}

/** Why a response is not acceptable; empty when it is. Requests aborted on purpose are not judged. */
export function responseProblems (result: HttpResult, database: AppDatabase): string[] {
  if (result.aborted) return []
  const what = `${result.method} ${result.path}`
  if (result.status === undefined) return [`${what}: no response (${result.failure ?? 'unknown'})`]
  if (result.status >= 400) return errorBodyProblems(result.status, result.json, result.body, database).map((problem) => `${what}: ${problem}`)
  const problems: string[] = []
  for (const secret of database.secrets) {
    if (result.body.includes(secret)) problems.push(`${what}: ${result.status} body shows "${secret}"`)
  }
  const json = result.json as Record<string, unknown> | undefined
  if (json === undefined || typeof json !== 'object' || json === null) return [...problems, `${what}: ${result.status} without a JSON body: ${result.body.slice(0, 200)}`]
  if (result.method === 'POST') {
    if (result.status !== 201) problems.push(`${what}: ${result.status} instead of 201`)
    if (typeof json.id !== 'number' || !Number.isInteger(json.id) || json.id < 1) problems.push(`${what}: 201 with id ${JSON.stringify(json.id)}`)
    const key = result.kind === 'user' ? json.username : json.title
    if (key !== result.key) problems.push(`${what}: 201 for ${result.key} shows ${JSON.stringify(key)}`)
  } else {
    if (result.status !== 200) problems.push(`${what}: ${result.status} instead of 200`)
    if (result.path.startsWith('/movies/') && json.id !== result.id) problems.push(`${what}: 200 shows movie ${JSON.stringify(json.id)}`)
    if (result.path.startsWith('/movies?') || result.path.includes('/posts')) {
      if (!Array.isArray(json.items)) problems.push(`${what}: 200 without items: ${result.body.slice(0, 200)}`)
    }
  }
  return problems
}

/**
 * Why a reply the server sent to a POST (seen in `onSend`, read by the client or not) is not
 * acceptable: a 201 must carry a positive integer id; an error must be JSON with its status
 * and a fastify-orm code (a request whose client left may get 499 `ORM_REQUEST_ABORTED`) and
 * no connection details.
 */
export function serverReplyProblems (reply: ServerReply, database: AppDatabase): string[] {
  const what = `server's ${reply.statusCode} to ${reply.method} ${reply.route} (${reply.key ?? 'no key'})`
  let json: { id?: unknown, statusCode?: unknown, code?: unknown } | undefined
  try { json = JSON.parse(reply.payload) as typeof json } catch { json = undefined }
  if (json === undefined || json === null || typeof json !== 'object') return [`${what}: not JSON: ${reply.payload.slice(0, 200)}`]
  const problems: string[] = []
  if (reply.statusCode === 201) {
    if (typeof json.id !== 'number' || !Number.isInteger(json.id) || json.id < 1) problems.push(`${what}: id ${JSON.stringify(json.id)}`)
  } else if (reply.statusCode >= 400) {
    if (json.statusCode !== reply.statusCode) problems.push(`${what}: body's statusCode ${String(json.statusCode)}`)
    if (typeof json.code !== 'string' || !/^ORM_[A-Z_]+$/.test(json.code)) problems.push(`${what}: code ${String(json.code)}: ${reply.payload.slice(0, 200)}`)
    for (const secret of [...database.secrets, ...database.errorSecrets]) {
      if (reply.payload.includes(secret)) problems.push(`${what}: shows "${secret}"`)
    }
  } else {
    problems.push(`${what}: unexpected status`)
  }
  return problems
}

/** Responses counted by status and code: `{ '200': 812, '503 ORM_CONNECTION': 14, 'no response: ECONNRESET': 1 }`. */
export function tally (results: readonly HttpResult[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const result of results) {
    let label: string
    if (result.aborted) label = 'aborted by the client'
    else if (result.status === undefined) label = `no response: ${result.failure ?? ''}`
    else if (result.status >= 400) label = `${result.status} ${String((result.json as { code?: unknown } | undefined)?.code ?? '(no code)')}`
    else label = String(result.status)
    counts[label] = (counts[label] ?? 0) + 1
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)))
}

/** Polls `fn` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function until (fn: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await fn()) return true
    if (Date.now() > deadline) return false
    await sleep(intervalMs)
  }
}

/** What is left once the load stopped: connections checked out, callers waiting, transactions open on the server, unanswered requests. */
export interface Leaks {
  readonly poolStatus: { open: number, inUse: number, waiting: number }
  readonly openTransactionsOnServer: number
  readonly unanswered: string[]
}

/** Waits (up to `FAULT_TIMING.settleMs`) for the pool and the server to show nothing held, then says what is still held. */
export async function settle (app: FastifyInstance, server: PrivateServer, database: AppDatabase, serverLog?: ServerLog): Promise<Leaks> {
  const quiet = async (): Promise<boolean> => {
    const status = app.db.poolStatus()
    if (status.inUse !== 0 || status.waiting !== 0 || (serverLog?.pending.length ?? 0) !== 0) return false
    return (await server.appConnections(database.name).catch(() => [])).every((connection) => !connection.inTransaction)
  }
  // Quiet twice, 300 ms apart: an aborted request can still reach the server late (a busy
  // machine delays it), and must not land between the check and the figures.
  await until(async () => await quiet() && await sleep(300).then(quiet), FAULT_TIMING.settleMs, 100)
  const connections = await server.appConnections(database.name).catch(() => [])
  return {
    poolStatus: app.db.poolStatus(),
    openTransactionsOnServer: connections.filter((connection) => connection.inTransaction).length,
    unanswered: serverLog?.pending ?? []
  }
}

/** Rows acknowledged (by the server's 201 or the client's) against the rows in the database. */
export interface RowFigures {
  /** Writes acknowledged with 201 (server or client side), by kind. */
  readonly acknowledged: Record<string, number>
  /** Rows found in the database for this load's keys, by kind. */
  readonly found: Record<string, number>
  /** Acknowledged but not in the database. Must be empty. */
  readonly lost: string[]
  /** In the database for a request that got a 503 (or no response): COMMIT's outcome was unknown. Reported. */
  readonly inDoubt: string[]
  /** In the database for a request that got anything else (or never reached the handler). Must be empty. */
  readonly phantom: string[]
  /** Posts found without exactly their two tags: half a transaction. Must be empty. */
  readonly partialPosts: string[]
  /** 201 replies (server or client side) whose id is not a positive integer. Must be empty. */
  readonly acknowledgedWithoutId: string[]
  /** Keys stored more than once: a write that was retried. Must be empty. */
  readonly duplicates: string[]
}

/** Compares what the load was told with what the database holds. */
export async function verifyRows (load: HttpLoad, server: PrivateServer, database: AppDatabase, serverLog?: ServerLog): Promise<RowFigures> {
  const q = server.quote
  const like = `'${load.tag}%'`
  const titles = async (table: string, column: string): Promise<Set<string>> =>
    new Set((await server.sql<{ key: string }>(`select ${column} as ${q('key')} from ${q(table)} where ${column} like ${like}`, { database: database.name })).map((row) => row.key))
  const found = {
    movie: await titles('movie', 'title'),
    user: await titles('user', 'username'),
    post: await titles('post', 'title')
  }
  const tagCounts = await server.sql<{ title: string, n: number | string }>(
    `select p.title as title, count(pt.tag_id) as n from post p left join post_tag pt on pt.post_id = p.id where p.title like ${like} group by p.title`,
    { database: database.name })
  const partialPosts = tagCounts.filter((row) => Number(row.n) !== 2).map((row) => `${row.title} has ${row.n} tags`)
  // Titles carry no unique constraint: a write sent twice (a retried INSERT or COMMIT) shows as a repeated title.
  const duplicates: string[] = []
  for (const table of ['movie', 'post']) {
    const rows = await server.sql<{ title: string, n: number | string }>(
      `select title as title, count(*) as n from ${table} where title like ${like} group by title having count(*) > 1`, { database: database.name })
    duplicates.push(...rows.map((row) => `${table} ${row.title} × ${row.n}`))
  }

  const acknowledged = { movie: new Set<string>(), user: new Set<string>(), post: new Set<string>() }
  const acknowledgedWithoutId: string[] = []
  const outcomeUnknown = new Set<string>()
  const kindOfRoute = (route: string): 'movie' | 'user' | 'post' | undefined =>
    route === '/movies' ? 'movie' : route === '/users' ? 'user' : route === '/users/:id/posts' ? 'post' : undefined
  for (const result of load.results) {
    if (result.method !== 'POST' || result.key === undefined || result.kind === undefined) continue
    if (result.status === 201) {
      acknowledged[result.kind].add(result.key)
      const id = (result.json as { id?: unknown } | undefined)?.id
      if (typeof id !== 'number' || id < 1) acknowledgedWithoutId.push(`client got 201 for ${result.key} with id ${JSON.stringify(id)}`)
    } else if (result.aborted || result.status === undefined || result.status === 503) {
      outcomeUnknown.add(result.key)
    }
  }
  for (const reply of serverLog?.replies ?? []) {
    const kind = kindOfRoute(reply.route)
    if (reply.method !== 'POST' || kind === undefined || reply.key === undefined) continue
    if (reply.statusCode === 201) {
      acknowledged[kind].add(reply.key)
      let id: unknown
      try { id = (JSON.parse(reply.payload) as { id?: unknown }).id } catch { id = undefined }
      if (typeof id !== 'number' || id < 1) acknowledgedWithoutId.push(`server sent 201 for ${reply.key} with id ${JSON.stringify(id)}`)
    } else if (reply.statusCode === 503) {
      outcomeUnknown.add(reply.key)
    }
  }
  const lost: string[] = []
  const inDoubt: string[] = []
  const phantom: string[] = []
  for (const kind of ['movie', 'user', 'post'] as const) {
    for (const key of acknowledged[kind]) if (!found[kind].has(key)) lost.push(`${kind} ${key}`)
    for (const key of found[kind]) {
      if (acknowledged[kind].has(key)) continue
      if (outcomeUnknown.has(key)) inDoubt.push(`${kind} ${key}`)
      else phantom.push(`${kind} ${key}`)
    }
  }
  const sizes = (sets: Record<string, Set<string>>): Record<string, number> => Object.fromEntries(Object.entries(sets).map(([kind, set]) => [kind, set.size]))
  return { acknowledged: sizes(acknowledged), found: sizes(found), lost, inDoubt, phantom, partialPosts, acknowledgedWithoutId, duplicates }
}

/** A problem list as one tap assertion: passes when empty, shows the first few otherwise. */
export function noProblems (t: Test, problems: readonly string[], message: string): void {
  const counts = new Map<string, number>()
  for (const problem of problems) counts.set(problem, (counts.get(problem) ?? 0) + 1)
  const sample = [...counts].slice(0, 12).map(([problem, count]) => (count > 1 ? `${count}× ${problem}` : problem))
  t.equal(problems.length, 0, message, problems.length === 0 ? {} : { diagnostic: true, examples: sample })
}

/** Prints a case's figures as tap comments. */
export function printFigures (t: Test, title: string, figures: Record<string, unknown>): void {
  t.comment(`── ${title}`)
  for (const [name, value] of Object.entries(figures)) {
    t.comment(`   ${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
  }
}

// ---------------------------------------------------------------------------------------
// Calls on a session whose connection was killed.
// ---------------------------------------------------------------------------------------

/** The outcome of a promise within `timeoutMs`: its value, its error, or 'timeout'. */
export async function outcomeOf<T> (promise: Promise<T>, timeoutMs = SETTLE_CALL_MS): Promise<{ value: T } | { error: unknown } | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs) })
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Why `error` is not a clean connection error (a fastify-orm error, 503, an ORM_ code, no connection details). */
export function connectionErrorProblems (error: unknown, database: AppDatabase): string[] {
  if (!(error instanceof OrmError)) {
    return [`not a fastify-orm error: ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}`]
  }
  const problems: string[] = []
  if (error.statusCode !== 503) problems.push(`statusCode ${error.statusCode} (${error.code}: ${error.message}), not 503`)
  if (!SERVICE_UNAVAILABLE_CODE.test(error.code)) problems.push(`code ${error.code}`)
  for (const secret of [...database.secrets, ...database.errorSecrets]) {
    if (error.message.includes(secret)) problems.push(`message shows "${secret}": ${error.message}`)
  }
  return problems
}

/** Checks that `call` rejects, in time, with a clean connection error. */
export async function expectCleanRejection (t: Test, call: Promise<unknown>, database: AppDatabase, what: string): Promise<void> {
  const outcome = await outcomeOf(call)
  if (outcome === 'timeout') {
    t.fail(`${what}: neither resolved nor rejected within ${SETTLE_CALL_MS} ms`)
    return
  }
  if ('value' in outcome) {
    t.fail(`${what}: resolved, but its connection was gone`)
    return
  }
  noProblems(t, connectionErrorProblems(outcome.error, database), `${what}: rejects with a clean 503 error (${outcome.error instanceof OrmError ? outcome.error.code : String(outcome.error)})`)
}

/** `close()` of a session whose connection was killed: must settle in time; a rejection must be clean. */
export async function expectCloseSettles (t: Test, close: Promise<unknown>, database: AppDatabase, what: string): Promise<void> {
  const outcome = await outcomeOf(close)
  if (outcome === 'timeout') {
    t.fail(`${what}: close() did not settle within ${SETTLE_CALL_MS} ms`)
  } else if ('error' in outcome) {
    noProblems(t, connectionErrorProblems(outcome.error, database), `${what}: close() rejected, with a clean error`)
  } else {
    t.comment(`${what}: close() resolved`)
  }
}
