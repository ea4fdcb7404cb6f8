// Hostile input on every route of the example app, through HTTP, on every dialect: NUL
// bytes, huge and odd numbers, unicode (emoji, RTL, combining marks, lone surrogates),
// 1 MB strings, overlong strings for c.string(n) columns, SQL injection strings, prototype
// keys, wrong types. The cases and what each must answer come from fuzz-inputs.ts (fields ×
// values, expectations derived from the route schemas and the columns). For every request:
//   1. never a 5xx; every error in Fastify's form { statusCode, code, message }, as JSON;
//   2. the same status, code and message (or, for a 2xx, the same stored values) on SQLite,
//      PostgreSQL and MySQL — compared in the last subtest, after all dialects ran;
//   3. a value no database can hold (NUL, beyond 32 bits, longer than the column) → 400
//      naming the column; what is accepted reads back exactly as sent;
//   4. no SQL, driver message, stack trace, database URL or password hash in any body;
//   5. injection strings stored verbatim, and every table still there afterwards.
// Set FUZZ_REPORT=/path/report.json to also write every failure and difference as JSON.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { eachDb } from '../helpers/databases.ts'
import {
  REFUSED_CODES, bodyCases, collisionCases, idCases, queryCases, tagCases,
  type Column, type Expectation, type FuzzCase, type Seeds
} from './fuzz-inputs.ts'
import { PASSWORD, assertNoSecrets, startApp, type Client } from './support.ts'

type Method = FuzzCase['method']

/** One response as the checks read it. */
interface Answer {
  readonly status: number
  readonly body: string
  readonly json: unknown
  readonly contentType: string
}

/** What is compared across dialects for one request. */
interface Recorded {
  readonly status: number
  readonly code: string | undefined
  readonly message: string | undefined
  /** For a 2xx: the stored values it shows, in short form. */
  readonly echo: string | undefined
}

interface Failure {
  readonly dialect: string
  readonly key: string
  readonly expected: string
  readonly answer: string
  readonly problems: readonly string[]
}

const NOT_JSON = Symbol('not JSON')
const results = new Map<string, Map<string, Recorded>>()
const seedIds = new Map<string, Seeds>()
const failures: Failure[] = []
const READ_BACK = ' ⇒ read back'

/** JSON with long strings shortened (length and hash kept), so that 1 MB values stay printable. */
function show (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => typeof v === 'string' && v.length > 80
    ? `${v.slice(0, 40)}…(${v.length} chars, sha1 ${createHash('sha1').update(v).digest('hex').slice(0, 10)})`
    : v) ?? 'undefined'
}

function errorFields (json: unknown): { code: string | undefined, message: string | undefined } {
  if (typeof json !== 'object' || json === null) return { code: undefined, message: undefined }
  const { code, message } = json as { code?: unknown, message?: unknown }
  return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined }
}

function describe (answer: Answer): string {
  const { code, message } = errorFields(answer.json)
  return answer.status >= 400 ? `${answer.status} ${code ?? '(no code)'} ${show(message)}` : `${answer.status}`
}

function describeExpectation (expect: Expectation): string {
  switch (expect.kind) {
    case 'stored': return '2xx, read back verbatim'
    case 'storedOrRejected': return `2xx read back verbatim, or 400 ${REFUSED_CODES.join('|')} naming ${expect.names.join('|')}`
    case 'rejected': return `400 ${expect.codes.join('|')} naming ${expect.names.join('|')}`
    case 'status': return `${expect.status}${expect.code === undefined ? '' : ` ${expect.code}`}${expect.names === undefined ? '' : ` naming ${expect.names.join('|')}`}`
    case 'notFoundOrRejected': return `404 ORM_NOT_FOUND, or 400 ${REFUSED_CODES.join('|')} naming ${expect.names.join('|')}`
    case 'any': return 'any non-5xx'
  }
}

/** Whether `message` names one of `names` as a word (`body/title`, `'title'`, `movie.title`, `"manager_id"`, `uq_user_username`). */
function names (message: string | undefined, candidates: readonly string[]): boolean {
  return message !== undefined && candidates.some((name) => new RegExp(`(^|[^A-Za-z0-9])${name}($|[^A-Za-z0-9])`, 'i').test(message))
}

const SQL = /\b(insert\s+into|select\s[\s\S]*\sfrom|update\s+\S+\s+set|delete\s+from|returning)\b/i
const DRIVER_TEXT = /SQLSTATE|SQLITE_|\bER_[A-Z_]+|violates|duplicate key value|invalid byte sequence|out of range for type|syntax error|Incorrect \w+ value|Data too long|Duplicate entry/i
const STACK = /\n\s+at\s|\bat\s.*\.(?:ts|js|mjs|cjs):\d+/

/** The rules every answer follows, whatever the request. */
function generalProblems (answer: Answer): string[] {
  const problems: string[] = []
  if (answer.status >= 500) problems.push(`a ${answer.status}`)
  if (answer.status >= 400) {
    const json = answer.json as { statusCode?: unknown, code?: unknown, message?: unknown }
    if (answer.json === NOT_JSON || typeof answer.json !== 'object' || answer.json === null) {
      problems.push('the error body is not a JSON object')
    } else if (json.statusCode !== answer.status || typeof json.code !== 'string' || typeof json.message !== 'string') {
      problems.push(`the error body lacks statusCode, code or message: ${show(answer.json)}`)
    }
    if (!answer.contentType.startsWith('application/json')) problems.push(`error content-type ${answer.contentType}`)
    if (SQL.test(answer.body)) problems.push('SQL in the error body')
    if (DRIVER_TEXT.test(answer.body)) problems.push('a driver\'s message in the error body')
  }
  if (STACK.test(answer.body)) problems.push('a stack trace in the body')
  for (const secret of ['postgresql://', 'postgres://', 'mysql://', 'mariadb://', 'scrypt$']) {
    if (answer.body.includes(secret)) problems.push(`"${secret}" in the body`)
  }
  return problems
}

function expectationProblems (expect: Expectation, answer: Answer): string[] {
  const { code, message } = errorFields(answer.json)
  const is2xx = answer.status >= 200 && answer.status < 300
  const refused = (codes: readonly string[], candidates: readonly string[]): boolean =>
    answer.status === 400 && code !== undefined && codes.includes(code) && names(message, candidates)
  const ok = ((): boolean => {
    switch (expect.kind) {
      case 'stored': return is2xx
      case 'storedOrRejected': return is2xx || refused(REFUSED_CODES, expect.names)
      case 'rejected': return refused(expect.codes, expect.names)
      case 'status':
        return answer.status === expect.status && (expect.code === undefined || code === expect.code) &&
          (expect.names === undefined || names(message, expect.names))
      case 'notFoundOrRejected': return (answer.status === 404 && code === 'ORM_NOT_FOUND') || refused(REFUSED_CODES, expect.names)
      case 'any': return true
    }
  })()
  return ok ? [] : [`expected ${describeExpectation(expect)}, got ${describe(answer)}`]
}

/** The values of `columns` in `row`, tags sorted (the API keeps no order for them). */
function project (row: unknown, columns: readonly Column[], keys: readonly string[]): Record<string, unknown> {
  const source = (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>
  const projected: Record<string, unknown> = {}
  for (const column of columns) {
    if (!keys.includes(column.prop)) continue
    const value = source[column.prop]
    projected[column.prop] = column.prop === 'tags' && Array.isArray(value) ? [...value as unknown[]].sort() : value
  }
  return projected
}

/**
 * A 2xx's JSON as compared across dialects: ids left out (a failed INSERT uses up a sequence
 * value on PostgreSQL and MySQL, not on SQLite), timestamps too, long strings shortened.
 */
function normalized (json: unknown): string {
  const dropped = new Set(['id', 'timestamp', 'createdAt'])
  return show(JSON.parse(JSON.stringify(json ?? null, (key, value: unknown) => dropped.has(key) ? undefined : value)) as unknown)
}

/** One dialect's run: sends requests, checks each answer, records it for the comparison. */
class Run {
  readonly statuses = new Map<number, number>()
  readonly recorded = new Map<string, Recorded>()
  requests = 0
  failed = 0
  /** The seed rows' ids, once created. */
  seeds: Seeds | undefined

  t: Test
  readonly dialect: string
  readonly http: Client

  constructor (t: Test, dialect: string, http: Client) {
    this.t = t
    this.dialect = dialect
    this.http = http
    results.set(dialect, this.recorded)
  }

  async send (method: Method, url: string, body?: string): Promise<Answer> {
    const response = await this.http.app.inject({
      method,
      url,
      ...(body === undefined ? {} : { payload: body, headers: { 'content-type': 'application/json' } })
    })
    this.http.bodies.push({ request: `${method} ${url}`, body: response.body })
    this.requests++
    this.statuses.set(response.statusCode, (this.statuses.get(response.statusCode) ?? 0) + 1)
    let json: unknown
    try {
      json = response.body === '' ? undefined : JSON.parse(response.body) as unknown
    } catch {
      json = NOT_JSON
    }
    return { status: response.statusCode, body: response.body, json, contentType: String(response.headers['content-type'] ?? '') }
  }

  record (key: string, answer: Answer, echo?: string): void {
    if (this.recorded.has(key)) throw new Error(`duplicate key ${key}`)
    const { code, message } = errorFields(answer.json)
    const is2xx = answer.status >= 200 && answer.status < 300
    this.recorded.set(key, { status: answer.status, code, message, echo: is2xx ? echo ?? normalized(answer.json) : undefined })
  }

  fail (key: string, expected: string, answer: Answer, problems: readonly string[]): void {
    this.failed++
    failures.push({ dialect: this.dialect, key, expected, answer: describe(answer), problems })
    this.t.fail(`${key}: ${problems.join('; ')}`)
  }

  /** Sends one case, checks it and, for a 2xx, reads the row back. */
  async run (fuzz: FuzzCase, echo?: (json: unknown) => unknown): Promise<Answer> {
    const answer = await this.send(fuzz.method, fuzz.url, fuzz.body)
    const keys = Object.keys(fuzz.effective ?? {})
    this.record(fuzz.key, answer, echo !== undefined
      ? normalized(echo(answer.json))
      : fuzz.effective === undefined ? undefined : show(project(answer.json, fuzz.columns, keys)))
    const problems = [...generalProblems(answer), ...expectationProblems(fuzz.expect, answer)]
    const mustMatch = fuzz.expect.kind === 'stored' || fuzz.expect.kind === 'storedOrRejected'
    if (answer.status >= 200 && answer.status < 300 && fuzz.effective !== undefined && fuzz.readBack !== 'none' && mustMatch) {
      const sent = project(fuzz.effective, fuzz.columns, keys)
      const shown = project(answer.json, fuzz.columns, keys)
      if (!isDeepStrictEqual(shown, sent)) problems.push(`the response shows ${show(shown)}, sent ${show(sent)}`)
      try {
        problems.push(...await this.readBack(fuzz, answer, sent, keys))
      } catch (error) {
        problems.push(`reading back failed: ${String(error)}`)
      }
    }
    if (problems.length > 0) this.fail(fuzz.key, describeExpectation(fuzz.expect), answer, problems)
    return answer
  }

  async runAll (cases: readonly FuzzCase[]): Promise<void> {
    for (const fuzz of cases) await this.run(fuzz)
  }

  /** Runs `fn` with failures reported on `t` (a subtest). */
  async within (t: Test, fn: () => Promise<void>): Promise<void> {
    const outer = this.t
    this.t = t
    try {
      await fn()
    } finally {
      this.t = outer
    }
  }

  /** Reads what a 2xx stored and compares it with what was sent. */
  private async readBack (fuzz: FuzzCase, written: Answer, sent: Record<string, unknown>, keys: readonly string[]): Promise<string[]> {
    const seeds = this.seeds
    if (seeds === undefined) throw new Error('no seeds')
    const created = (written.json as { id?: unknown }).id
    const get = async (label: string, url: string): Promise<Answer> => {
      const answer = await this.send('GET', url)
      const problems = generalProblems(answer)
      if (answer.status !== 200) problems.push(`expected 200, got ${describe(answer)}`)
      this.record(`${fuzz.key}${READ_BACK}${label}`, answer, answer.status === 200 ? show(project(rowOf(answer), fuzz.columns, keys)) : undefined)
      return problems.length === 0 ? answer : { ...answer, status: -1, body: problems.join('; ') }
    }
    let rowOf = (answer: Answer): unknown => answer.json
    let url: string
    switch (fuzz.readBack) {
      case 'movie-create': url = `/movies/${String(created)}`; break
      case 'movie-patch': url = `/movies/${seeds.movie}`; break
      case 'user-create': url = `/users/${String(created)}`; break
      case 'profile':
        url = `/users/${seeds.user}`
        rowOf = (answer) => (answer.json as { profile?: unknown }).profile
        break
      case 'post-create':
        url = `/users/${seeds.user}/posts?perPage=1`
        rowOf = (answer) => (answer.json as { items?: unknown[] }).items?.[0]
        break
      case 'employee-create': url = `/employees/${String(created)}`; break
      case 'none': return []
    }
    const answer = await get('', url)
    if (answer.status === -1) return [`read back ${url}: ${answer.body}`]
    const row = rowOf(answer)
    const problems: string[] = []
    if (fuzz.readBack === 'post-create' && (row as { id?: unknown } | undefined)?.id !== created) {
      return [`read back ${url}: the newest post is not the one created (${show(row)})`]
    }
    const stored = project(row, fuzz.columns, keys)
    if (!isDeepStrictEqual(stored, sent)) problems.push(`read back ${show(stored)}, sent ${show(sent)}`)
    // A post's tags: the tag route finds the post by each name (the first three).
    const tags = fuzz.readBack === 'post-create' && Array.isArray(sent.tags) ? (sent.tags as string[]).slice(0, 3) : []
    for (const [index, tag] of tags.entries()) {
      let segment: string
      try { segment = encodeURIComponent(tag) } catch { continue }
      if (segment.length > 100) continue // Fastify's maxParamLength
      const byTag = await get(` tag ${index}`, `/tags/${segment}/posts`)
      if (byTag.status === -1) problems.push(`GET /tags/${segment.slice(0, 40)}/posts: ${byTag.body}`)
      else if (!(byTag.json as Array<{ id: unknown }>).some((post) => post.id === created)) problems.push(`GET /tags/${segment.slice(0, 40)}/posts lacks the post`)
    }
    return problems
  }

  /** A request outside the generated tables, with its own expectation (and what of a 2xx to compare across dialects). */
  async exchange (key: string, method: Method, url: string, payload: unknown, expect: Expectation, echo?: (json: unknown) => unknown): Promise<Answer> {
    return this.run({ key, method, url, ...(payload === undefined ? {} : { body: JSON.stringify(payload) }), expect, readBack: 'none', columns: [] }, echo)
  }
}

async function createSeeds (run: Run): Promise<Seeds> {
  const created = async (key: string, url: string, payload: unknown): Promise<number> => {
    const answer = await run.exchange(`seed: ${key}`, 'POST', url, payload, { kind: 'status', status: 201 })
    const id = (answer.json as { id?: unknown } | undefined)?.id
    if (answer.status !== 201 || typeof id !== 'number') throw new Error(`seeding ${key} failed: ${answer.body}`)
    return id
  }
  const movie = await created('movie', '/movies', { title: 'Seed movie', year: 1999, directors: ['Seed director'] })
  const movieToDelete = await created('movie to delete', '/movies', { title: 'Movie to delete', year: 2001, directors: [] })
  const username = 'seed-user'
  const email = 'seed-user@example.com'
  const user = await created('user', '/users', { username, email, password: PASSWORD })
  const userToDelete = await created('user to delete', '/users', { username: 'user-to-delete', email: 'user-to-delete@example.com', password: PASSWORD })
  const employee = await created('employee', '/employees', { name: 'Seed manager' })
  await created('post', `/users/${user}/posts`, { title: 'Seed post', body: 'Seed body', tags: ['seed-tag'] })
  await created('post of the user to delete', `/users/${userToDelete}/posts`, { title: 'Doomed post', body: 'Doomed', tags: ['seed-tag', 'doomed-tag'] })
  const profile = await run.exchange('seed: profile', 'PUT', `/users/${user}/profile`, { bio: 'Seed bio' }, { kind: 'status', status: 200 })
  if (profile.status !== 200) throw new Error(`seeding the profile failed: ${profile.body}`)
  return { movie, movieToDelete, user, userToDelete, username, email, employee }
}

const TABLES = ['movie', 'user', 'profile', 'post', 'tag', 'post_tag', 'employee'] as const

t.test('fuzz: hostile input on every route', async (t) => {
  const started = Date.now()
  await eachDb(t, async (t, database) => {
    const http = await startApp(t, database)
    const run = new Run(t, database.dialect, http)
    const dialectStarted = Date.now()
    const seeds = await createSeeds(run)
    run.seeds = seeds
    seedIds.set(database.dialect, seeds)
    // Every case carries its own expectation; a subtest's assertions are its failing cases plus one summary.
    const phase = async (name: string, cases: readonly FuzzCase[]): Promise<void> => {
      await t.test(name, async (t) => {
        const before = run.failed
        await run.within(t, () => run.runAll(cases))
        t.equal(run.failed - before, 0, `${cases.length} cases, none failing`)
      })
    }
    // Lookups first, while only the seeds exist, so that list totals are the same everywhere.
    await phase('hostile :id in every route with an id', idCases(seeds))
    await phase('hostile tag names in GET /tags/:name/posts', tagCases())
    await phase('hostile page and perPage', queryCases(seeds))
    await phase('hostile bodies: every field × every value, whole bodies, prototype keys', bodyCases(seeds))
    await phase('unique constraints: duplicates and near-duplicates', collisionCases(seeds))

    await t.test('injection strings are stored verbatim and every table survives', (t) => run.within(t, async () => {
      const movie = { title: "' or 1=1 --", year: 1999, directors: ['"; drop table movie; --', "Robert'); DROP TABLE students;--"], mpa: "'--" }
      const created = await run.exchange('injection: POST /movies', 'POST', '/movies', movie, { kind: 'status', status: 201 })
      const id = (created.json as { id: number }).id
      const read = await run.exchange('injection: GET the movie', 'GET', `/movies/${id}`, undefined, { kind: 'status', status: 200 })
      t.strictSame(read.json, { id, ...movie, theatre: false }, 'the movie reads back verbatim')
      // Only the page's items are compared across dialects: the total counts what the earlier cases stored.
      const list = await run.exchange('injection: GET /movies', 'GET', '/movies?perPage=1', undefined, { kind: 'status', status: 200 }, (json) => (json as { items?: unknown }).items)
      t.strictSame((list.json as { items: unknown[] }).items, [{ id, ...movie, theatre: false }], 'listed first, verbatim')

      const user = { username: "admin'--", email: 'injection@example.com', password: PASSWORD }
      const newUser = await run.exchange('injection: POST /users', 'POST', '/users', user, { kind: 'status', status: 201 })
      const userId = (newUser.json as { id: number }).id
      const readUser = await run.exchange('injection: GET the user', 'GET', `/users/${userId}`, undefined, { kind: 'status', status: 200 })
      t.strictSame(readUser.json, { id: userId, username: user.username, email: user.email, profile: null }, 'the user reads back verbatim')

      const post = { title: '1; delete from post', body: '\' union select password_hash from "user" --', tags: ["' or 1=1 --", 'x\'); drop table tag; --'] }
      const newPost = await run.exchange('injection: POST a post', 'POST', `/users/${seeds.user}/posts`, post, { kind: 'status', status: 201 })
      const postId = (newPost.json as { id: number }).id
      for (const tag of post.tags) {
        const byTag = await run.exchange(`injection: GET /tags/${tag}/posts`, 'GET', `/tags/${encodeURIComponent(tag)}/posts`, undefined, { kind: 'status', status: 200 })
        const found = (byTag.json as Array<{ id: number, title: string, body: string, tags: string[] }>).find((item) => item.id === postId)
        t.strictSame(found && { title: found.title, body: found.body, tags: [...found.tags].sort() }, { title: post.title, body: post.body, tags: [...post.tags].sort() }, `the post reads back verbatim by tag ${tag}`)
      }

      const counts: Record<string, number> = {}
      for (const table of TABLES) {
        const { rows } = await sql<{ n: number | string | bigint }>`select count(*) as n from ${sql.table(table)}`.execute(http.app.db.kysely)
        counts[table] = Number(rows[0]?.n)
      }
      t.ok(TABLES.every((table) => (counts[table] ?? 0) > 0), `every table exists and has rows: ${JSON.stringify(counts)}`)
      t.equal((await run.send('GET', '/health')).status, 200, 'the app still answers')
    }))

    await t.test('deleting the seeds to delete: 204, then 404', (t) => run.within(t, async () => {
      const before = run.failed
      const notFound: Expectation = { kind: 'status', status: 404, code: 'ORM_NOT_FOUND' }
      await run.exchange('delete: DELETE the movie', 'DELETE', `/movies/${seeds.movieToDelete}`, undefined, { kind: 'status', status: 204 })
      await run.exchange('delete: DELETE the movie again', 'DELETE', `/movies/${seeds.movieToDelete}`, undefined, notFound)
      await run.exchange('delete: GET the deleted movie', 'GET', `/movies/${seeds.movieToDelete}`, undefined, notFound)
      await run.exchange('delete: DELETE the user', 'DELETE', `/users/${seeds.userToDelete}`, undefined, { kind: 'status', status: 204 })
      await run.exchange('delete: GET the deleted user', 'GET', `/users/${seeds.userToDelete}`, undefined, notFound)
      await run.exchange('delete: GET the deleted user\'s posts', 'GET', `/users/${seeds.userToDelete}/posts`, undefined, notFound)
      await run.exchange('delete: GET /tags/doomed-tag/posts', 'GET', '/tags/doomed-tag/posts', undefined, { kind: 'status', status: 200 })
      t.equal(run.failed - before, 0, 'every exchange answered as expected')
    }))

    t.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false, 'Object.prototype is not polluted')
    t.equal(({} as Record<string, unknown>).polluted, undefined, 'a fresh object has no "polluted"')
    assertNoSecrets(t, http)
    const serverErrors = [...run.statuses].filter(([status]) => status >= 500).reduce((sum, [, count]) => sum + count, 0)
    t.equal(serverErrors, 0, `no 5xx among ${run.requests} responses`)
    const byStatus = [...run.statuses.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(', ')
    t.comment(`${database.dialect}: ${run.requests} requests in ${((Date.now() - dialectStarted) / 1000).toFixed(1)} s; by status: ${byStatus}; ${run.failed} failing requests`)
  })

  const dialects = [...results.keys()]
  const alone = dialects.length < 2 ? `only ${dialects.join(', ')} ran: nothing to compare (set TEST_POSTGRES_URL and TEST_MYSQL_URL)` : false
  await t.test('every dialect gives the same answer to the same request', { skip: alone }, async (t) => {
    // Requests name the seed rows by id: equal ids are what makes the answers comparable.
    t.strictSame(dialects.map((dialect) => seedIds.get(dialect)), dialects.map(() => seedIds.get(dialects[0] as string)), 'the seed rows have the same ids everywhere')
    const keys = [...new Set(dialects.flatMap((dialect) => [...(results.get(dialect)?.keys() ?? [])]))]
    let compared = 0
    let differing = 0
    for (const key of keys) {
      const answers = dialects.map((dialect) => results.get(dialect)?.get(key))
      if (answers.some((answer) => answer === undefined)) {
        if (key.includes(READ_BACK)) continue // only read when the write succeeded: that difference is reported on the write
        differing++
        const missing = dialects.filter((_, index) => answers[index] === undefined)
        failures.push({ dialect: 'all', key, expected: 'sent on every dialect', answer: '', problems: [`not sent on ${missing.join(', ')}`] })
        t.fail(`${key}: not sent on ${missing.join(', ')}`)
        continue
      }
      compared++
      const shown = answers.map((answer) => show(answer))
      if (shown.every((text) => text === shown[0])) continue
      differing++
      const lines = dialects.map((dialect, index) => {
        const answer = answers[index] as Recorded
        return `${dialect} → ${answer.status} ${answer.code ?? ''} ${answer.message === undefined ? '' : show(answer.message)}${answer.echo === undefined ? '' : ` ${answer.echo}`}`.replace(/ {2,}/g, ' ')
      })
      failures.push({ dialect: 'all', key, expected: 'the same answer on every dialect', answer: '', problems: lines })
      t.fail(`${key}: ${lines.join(' | ')}`)
    }
    t.equal(differing, 0, `${compared} requests compared on ${dialects.join(', ')}; none differ`)
    t.ok(compared > 1000, 'the comparison covered the fuzzed requests')
    t.comment(`${compared} requests compared on ${dialects.join(', ')}; ${differing} differ`)
  })

  t.comment(`fuzz run: ${((Date.now() - started) / 1000).toFixed(1)} s, ${failures.length} failures and differences`)
  if (process.env.FUZZ_REPORT) {
    // Every failure, and what each dialect answered to each failing request.
    const failing = [...new Set(failures.map((failure) => failure.key.split(READ_BACK)[0] as string))]
    const answers = Object.fromEntries(failing.map((key) => [key, Object.fromEntries([...results].map(([dialect, recorded]) => [dialect, recorded.get(key)]))]))
    writeFileSync(process.env.FUZZ_REPORT, JSON.stringify({ failures, answers }, null, 2))
  }
})
