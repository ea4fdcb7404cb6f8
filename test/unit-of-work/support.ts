// Shared by the unit-of-work tests (not a test file itself: only *.test.ts files run).
// Every app logs its statements (echo: true) into a SqlLog through Fastify's logger, so
// statement counts are read from what the database driver was actually given.
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { FastifyOrmOptions, Session } from '../../src/index.ts'
import type { Kysely } from 'kysely'
import { Employee, Tag, User, type Movie, type Post, type Profile, type postTag } from '../fixtures/seed-models.ts'
import { seedModelsWithRelations } from '../fixtures/seed-relations.ts'
import { buildApp } from '../helpers/app.ts'
import type { TestDatabase } from '../helpers/databases.ts'


/** One echoed statement. */
export interface Statement {
  /** The SQL as sent. */
  readonly sql: string
  /** Its first keyword, lower-cased: select, insert, update, delete, begin, commit, … */
  readonly kind: string
  readonly reqId: string | undefined
  /** How many parameters were bound. */
  readonly params: number
  readonly failed: boolean
}

const TRANSACTION_CONTROL = new Set(['begin', 'start', 'commit', 'rollback', 'savepoint', 'release'])

/** The statements an app's echo logged, read back from its logger's stream. */
export class SqlLog {
  readonly all: Statement[] = []
  readonly stream = {
    write: (line: string): void => {
      const entry = JSON.parse(line) as { sql?: unknown, reqId?: string, params?: number, failed?: boolean }
      if (typeof entry.sql !== 'string') return
      const sql = entry.sql.trim()
      this.all.push({ sql, kind: (sql.split(/\s+/)[0] ?? '').toLowerCase(), reqId: entry.reqId, params: entry.params ?? -1, failed: entry.failed === true })
    }
  }

  clear (): void {
    this.all.length = 0
  }

  /** Statements other than transaction control (BEGIN, COMMIT, ROLLBACK, savepoints). */
  get statements (): Statement[] {
    return this.all.filter((statement) => !TRANSACTION_CONTROL.has(statement.kind))
  }

  /** The kinds of {@link statements}, in order. */
  get kinds (): string[] {
    return this.statements.map((statement) => statement.kind)
  }

  /** Every kind, transaction control included. */
  get allKinds (): string[] {
    return this.all.map((statement) => statement.kind)
  }

  /** The statements of one kind. */
  of (kind: string): Statement[] {
    return this.statements.filter((statement) => statement.kind === kind)
  }

  /** Runs `fn` and returns what it logged (the log is cleared first). */
  async during (fn: () => Promise<unknown>): Promise<Statement[]> {
    this.clear()
    await fn()
    return this.statements
  }
}

/**
 * A Fastify app with fastify-orm on `db`, the seeds' models and relationships created,
 * echo on into a {@link SqlLog}; closed at the end of the test. Routes may be added
 * before `app.ready()` (the caller's job, or the first inject's).
 */
export async function seedApp (t: Test, db: TestDatabase, options: Omit<FastifyOrmOptions, 'url'> = {}): Promise<{ app: FastifyInstance, log: SqlLog }> {
  const log = new SqlLog()
  const app = await buildApp(t, db, { models: seedModelsWithRelations, echo: true, ...options }, { server: { logger: { level: 'info', stream: log.stream } } })
  await app.db.createAll()
  log.clear()
  return { app, log }
}

/** Lower-cased SQL with identifier quotes removed, for pattern checks that hold on every dialect. */
/** `open(t)`: a new session of `app`, closed when test `t` ends. */
export function sessionOpener (app: FastifyInstance): (t: Test) => Session {
  return (t) => {
    const s = app.db.session() as Session
    t.teardown(() => s.close())
    return s
  }
}

export function plain (sql: string): string {
  return sql.toLowerCase().replace(/[`"]/g, '')
}

/** Untyped Kysely on the app's pool: reads that bypass every session. */
export function raw (app: FastifyInstance): Kysely<Record<string, Record<string, unknown>>> {
  return app.db.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>
}

/** Number of rows in a table, read through the pool (never through a session). */
export async function countRows (app: FastifyInstance, table: string): Promise<number> {
  const row = await raw(app).selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Empties every seed table (children first), so that a subtest starts from nothing. */
export async function emptyTables (app: FastifyInstance): Promise<void> {
  for (const table of ['post_tag', 'profile', 'post', 'tag', 'user', 'employee', 'movie']) {
    await raw(app).deleteFrom(table).execute()
  }
}

// The seeds' entities with their relationships, as the session hands them out. Without a
// `Register` augmentation (these tests register no app-wide types) a query returns the
// model's row type, so tests name the loaded shape they expect.
export type UserRow = typeof User.$row
export type PostRow = typeof Post.$row
export type TagRow = typeof Tag.$row
export type ProfileRow = typeof Profile.$row
export type EmployeeRow = typeof Employee.$row
export type MovieRow = typeof Movie.$row
export type PostTagRow = typeof postTag.$row
export type UserE = UserRow & { posts: PostE[], profile: ProfileE | null }
export type PostE = PostRow & { author: UserE | null, tags: TagE[] }
export type TagE = TagRow & { posts: PostE[] }
export type ProfileE = ProfileRow & { user: UserE | null }
export type EmployeeE = EmployeeRow & { manager: EmployeeE | null, reports: EmployeeE[] }

/** An entity seen with its relationships (a cast: the shape is what the test checks). */
export const as = <T>(entity: unknown): T => entity as T

/** A new related object pushed into a collection: only its columns (the session completes it at flush). */
export const fresh = <T>(values: Record<string, unknown>): T => values as T

/** Empties the tables, then Boss manages Lead and Solo, and Lead manages Dev1 and Dev2. */
export async function seedEmployees (app: FastifyInstance): Promise<void> {
  await emptyTables(app)
  const setup = app.db.session()
  try {
    const boss = as<EmployeeE>(setup.add(Employee, { name: 'Boss' }))
    const lead = as<EmployeeE>(setup.add(Employee, { name: 'Lead' }))
    boss.reports.push(lead, fresh({ name: 'Solo' }))
    lead.reports.push(fresh({ name: 'Dev1' }), fresh({ name: 'Dev2' }))
    await setup.commit()
  } finally {
    await setup.close()
  }
}

/** ada: posts p1 (tags x, y), p2 (tag y), a profile; alan: post p3 (no tag); bob: nothing. Tag z unused. */
export async function seedBlog (app: FastifyInstance): Promise<void> {
  await emptyTables(app)
  const s = app.db.session()
  const [ada, alan] = s.addAll(User, [
    { username: 'ada', email: 'ada@example.com' },
    { username: 'alan', email: 'alan@example.com' },
    { username: 'bob', email: 'bob@example.com' }
  ]) as [UserE, UserE, UserE]
  const [x, y] = s.addAll(Tag, [{ name: 'x' }, { name: 'y' }, { name: 'z' }]) as [TagE, TagE, TagE]
  ada.posts.push(fresh({ title: 'p1', body: 'one', tags: [x, y] }), fresh({ title: 'p2', body: 'two', tags: [y] }))
  alan.posts.push(fresh({ title: 'p3', body: 'three' }))
  ada.profile = fresh({ bio: 'Countess' })
  await s.commit()
  await s.close()
}
