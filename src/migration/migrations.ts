import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Kysely } from 'kysely'
import type { OrmDialect } from '../dialect/orm-dialect.ts'
import { MigrationError, OrmError } from '../errors.ts'
import type { RegisteredTable } from '../model/registry.ts'
import { VERSION_LOCK_TABLE, VERSION_TABLE } from '../introspection/introspected-schema.ts'
import { autogenerate, type AutogenerateOptions, type DetectedChange } from './autogenerate/autogenerate.ts'
import { renderRevision } from './autogenerate/render.ts'
import { guardInitialRevision } from './initial-revision.ts'
import { createMigrationContext } from './migration-context.ts'
import { SqlRecorder } from './offline-sql.ts'
import { newRevisionId, revisionFileName, type Revision } from './revision.ts'
import { loadRevisionGraph, type RevisionGraph } from './revision-graph.ts'

/** Options of {@link Migrations}. */
export interface MigrationsOptions {
  /** The folder of revision files. Default `migrations` (relative to the working directory). */
  dir?: string
}

/** One line of {@link Migrations.history}. */
export interface HistoryEntry {
  readonly revision: string
  /** The revisions this one builds on: none for a first revision, two or more for a merge. */
  readonly parents: readonly string[]
  /** The revisions that build on this one. */
  readonly children: readonly string[]
  readonly message: string
  readonly createdAt: string | undefined
  readonly file: string
  readonly applied: boolean
  /** Applied, and none of its children is: where the database is (one per unmerged branch). */
  readonly current: boolean
  /** No revision builds on it. */
  readonly head: boolean
}

/** What {@link Migrations.generate} did. */
export interface GeneratedRevision {
  /** Every difference found, in the order the revision applies them; empty: no file was written. */
  readonly changes: readonly DetectedChange[]
  /** The file written, when there were changes. */
  readonly file: string | undefined
  readonly revision: string | undefined
}

/** One revision being applied or reverted, as {@link MigrationProgress} sees it. */
export interface MigrationStep {
  readonly direction: 'up' | 'down'
  readonly revision: Revision
  /** Where the step starts: the revision's parents for an upgrade, the revision for a downgrade. */
  readonly from: readonly string[]
  /** Where it ends: the revision for an upgrade, its parents for a downgrade. */
  readonly to: readonly string[]
}

/** Called as each revision runs (the CLI prints its progress lines from these). */
export interface MigrationProgress {
  /** The revision starts (inside its transaction, after the lock is taken). */
  start? (step: MigrationStep): void
  /** The revision is committed, `ms` after it started. */
  done? (step: MigrationStep, ms: number): void
}

/** A revision file written by {@link Migrations.revision} or {@link Migrations.merge}. */
export interface WrittenRevision {
  readonly revision: string
  readonly parents: readonly string[]
  readonly file: string
}

/** The version table's rows: one per applied revision, `0002_3f2a9c1b7d20` (position in the order, then id). */
type VersionRow = { name: string }

const LOCK_ROW_ID = 'migration_lock'

/**
 * Flask-Migrate's commands as a library: autogenerate revisions from the models, apply
 * and revert them, stamp, check, merge branches. Revisions form a graph (a merge revision
 * has several parents); the version table `fastify_orm_version` holds one row per applied
 * revision, so every branch's state is known and a merged branch is never skipped nor
 * applied twice. Each revision runs under the migration lock (Kysely's, or the dialect's
 * own taken inside the revision's transaction, see {@link OrmDialect.enterRevision}), in
 * its own transaction where the database has transactional DDL, so a failing revision
 * leaves the database as it was before it. Under the lock each revision reads the version
 * table again: another process may have run it meanwhile.
 * The CLI only parses arguments and prints what these methods return.
 *
 * @example
 * ```ts
 * const migrations = app.db.migrations({ dir: 'migrations' })
 * await migrations.generate('Add mpa to movie')
 * await migrations.upgrade() // to head
 * await migrations.downgrade('-1')
 * ```
 */
export class Migrations {
  readonly dir: string
  readonly #db: Kysely<unknown> | undefined
  readonly #dialect: OrmDialect
  readonly #tables: readonly RegisteredTable[]

  /** `db` undefined: offline, only {@link sql}, {@link init} and the file commands work (`--sql` never connects). */
  constructor (db: Kysely<unknown> | undefined, dialect: OrmDialect, tables: readonly RegisteredTable[], options: MigrationsOptions = {}) {
    this.dir = resolve(options.dir ?? 'migrations')
    this.#db = db
    this.#dialect = dialect
    this.#tables = tables
  }

  /** `flask db init`: creates the migrations folder; see {@link initMigrations}. */
  init (): string {
    return initMigrations(this.dir)
  }

  /** The revision files as a graph (heads, branch points, ancestors). */
  graph (): Promise<RevisionGraph> {
    return loadRevisionGraph(this.dir)
  }

  /** The revision files in the order an upgrade applies them (parents first). */
  async chain (): Promise<Revision[]> {
    return [...(await this.graph()).order]
  }

  /** The revisions no other one builds on: one, unless branches are not merged yet. */
  async heads (): Promise<Revision[]> {
    return (await this.graph()).heads()
  }

  /** The branch points: revisions with more than one child, with their children. */
  async branches (): Promise<Array<{ revision: Revision, children: readonly Revision[] }>> {
    const graph = await this.graph()
    return graph.branchPoints().map((revision) => ({ revision, children: graph.children(revision.revision) }))
  }

  /** The revision `target` names (an id or a unique prefix of one). */
  async find (target: string): Promise<Revision> {
    return (await this.graph()).resolve(target.trim())
  }

  /**
   * The database's revision: the last one applied, `null` at base. With several branches
   * applied and not merged, their ids separated by spaces ({@link currentHeads} lists them).
   */
  async current (): Promise<string | null> {
    const heads = await this.currentHeads()
    return heads.length === 0 ? null : heads.join(' ')
  }

  /** The database's revisions: the applied revisions none of whose children is applied. */
  async currentHeads (): Promise<string[]> {
    const graph = await this.graph()
    return graph.appliedHeads(await this.#applied(graph))
  }

  /** Every revision, newest first (children before parents), with whether it is applied and which are current. */
  async history (): Promise<HistoryEntry[]> {
    const graph = await this.graph()
    const applied = await this.#applied(graph)
    const current = new Set(graph.appliedHeads(applied))
    return graph.order.map((revision) => {
      const children = graph.children(revision.revision).map((child) => child.revision)
      return {
        revision: revision.revision,
        parents: revision.parents,
        children,
        message: revision.message,
        createdAt: revision.createdAt,
        file: revision.file,
        applied: applied.has(revision.revision),
        current: current.has(revision.revision),
        head: children.length === 0
      }
    }).reverse()
  }

  /**
   * Applies revisions up to `target`, parents before children, each in its own transaction:
   * `head` (refused while there are several heads), `heads` (every branch), a revision id
   * or a unique prefix of one (it and everything it builds on), `+N`. Returns the ids
   * applied, in order.
   */
  async upgrade (target = 'head', progress: MigrationProgress = {}): Promise<string[]> {
    const graph = await this.graph()
    const applied = await this.#applied(graph)
    const wanted = this.#wanted(graph, target, applied, 'up')
    const below = [...applied].find((id) => !wanted.has(id))
    if (below !== undefined) throw new MigrationError(`${target} is below the current revision ${graph.appliedHeads(applied).join(', ')}: use downgrade.`)
    const plan = graph.order.filter((revision) => wanted.has(revision.revision) && !applied.has(revision.revision))
    return this.#run(graph, plan, 'up', progress)
  }

  /**
   * Reverts revisions down to `target`, children before parents: `-1` by default (a merge
   * revision goes back to its parents, which become heads again), `-N`, `base`, a
   * revision id (every applied revision that builds on it is reverted). Returns the ids reverted.
   */
  async downgrade (target = '-1', progress: MigrationProgress = {}): Promise<string[]> {
    const graph = await this.graph()
    const applied = await this.#applied(graph)
    const wanted = this.#wanted(graph, target, applied, 'down')
    const above = [...wanted].find((id) => !applied.has(id))
    if (above !== undefined) throw new MigrationError(`${target} is above the current revision ${graph.appliedHeads(applied).join(', ') || 'base'}: use upgrade.`)
    const plan = graph.order.filter((revision) => applied.has(revision.revision) && !wanted.has(revision.revision)).reverse()
    return this.#run(graph, plan, 'down', progress)
  }

  /** Records `target` as the database's revision without running anything (`heads` for every branch). */
  async stamp (target: string): Promise<void> {
    const graph = await this.graph()
    const db = this.#requireDb()
    await this.#ensureVersionTable(db)
    const current = await this.#applied(graph, { lenient: true })
    const trimmed = target.trim()
    const wanted = /^[+-]\d+$/.test(trimmed) || trimmed === 'head' || trimmed === 'heads' || trimmed === 'base'
      ? this.#wanted(graph, trimmed, current, trimmed.startsWith('-') ? 'down' : 'up')
      : graph.ancestors(graph.resolve(trimmed).revision)
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom(VERSION_TABLE as never).execute()
      const rows = graph.order.flatMap((revision, index) => wanted.has(revision.revision) ? [{ name: migrationName(index, revision), timestamp: new Date().toISOString() }] : [])
      if (rows.length > 0) await trx.insertInto(VERSION_TABLE as never).values(rows as never).execute()
    })
  }

  /** The differences between the models and the database (empty when in sync); the database must be at head. */
  async check (options: AutogenerateOptions = {}): Promise<DetectedChange[]> {
    await this.#assertAtHead(await this.graph())
    return (await autogenerate(this.#requireDb(), this.#dialect, this.#tables, options)).changes
  }

  /**
   * `flask db migrate -m`: compares the models with the database (which must be at head)
   * and writes a revision with the operations found and their reverse. Writes nothing
   * when there is no change. A first revision is refused where the models' tables exist
   * already, unless `fromEmpty` (see {@link guardInitialRevision}).
   */
  async generate (message: string, options: AutogenerateOptions & { language?: 'ts' | 'js', importFrom?: string } = {}): Promise<GeneratedRevision> {
    const graph = await this.graph()
    await this.#assertAtHead(graph)
    await guardInitialRevision(this.#requireDb(), this.#dialect, this.#tables, graph.order.length, options.fromEmpty)
    const { operations, changes } = await autogenerate(this.#requireDb(), this.#dialect, this.#tables, options)
    if (operations.length === 0) return { changes, file: undefined, revision: undefined }
    const head = graph.heads()[0]
    const written = this.#write(graph, message, head ? [head.revision] : [], operations, options)
    return { changes, file: written.file, revision: written.revision }
  }

  /**
   * `flask db revision -m`: writes an empty revision to fill in by hand (a data migration),
   * after the head, or after `options.head` when there are several heads. Needs no database.
   */
  async revision (message: string, options: { head?: string, language?: 'ts' | 'js', importFrom?: string } = {}): Promise<WrittenRevision> {
    const graph = await this.graph()
    const heads = graph.heads()
    if (options.head === undefined && heads.length > 1) {
      throw new MigrationError(
        `Multiple heads: ${ids(heads)}. Say which one the new revision follows with --head <revision>, or merge them first: fastify-orm merge -m "Merge heads".`
      )
    }
    const parent = options.head === undefined ? heads[0] : graph.resolve(options.head.trim())
    return this.#write(graph, message, parent ? [parent.revision] : [], [], options)
  }

  /**
   * `flask db merge`: writes a revision whose parents are `revisions` (default: every
   * head), with empty `up` and `down`, joining the branches into one head again.
   */
  async merge (message: string, revisions: readonly string[] = [], options: { language?: 'ts' | 'js', importFrom?: string } = {}): Promise<WrittenRevision> {
    const graph = await this.graph()
    const parents = revisions.length === 0 ? graph.heads() : revisions.map((text) => graph.resolve(text.trim()))
    const unique = [...new Set(parents.map((revision) => revision.revision))]
    if (unique.length < 2) {
      throw new MigrationError(revisions.length === 0
        ? `Nothing to merge: there is one head (${ids(parents) || 'no revision yet'}).`
        : 'A merge needs two revisions or more: fastify-orm merge -m "Merge" <revision> <revision>.')
    }
    for (const id of unique) {
      const later = unique.find((other) => other !== id && graph.ancestors(other).has(id))
      if (later !== undefined) throw new MigrationError(`Revision ${id} is already an ancestor of ${later}: merge revisions on different branches only.`)
    }
    return this.#write(graph, message, unique, [], options)
  }

  /**
   * The SQL of an upgrade or downgrade, without connecting: `from` defaults to base for an
   * upgrade and every head for a downgrade (the database is not read to find out).
   */
  async sql (direction: 'up' | 'down', target: string, from?: string): Promise<string> {
    const graph = await this.graph()
    const everything = new Set(graph.order.map((revision) => revision.revision))
    const start = from === undefined ? (direction === 'up' ? new Set<string>() : everything) : this.#wanted(graph, from, new Set(), 'up')
    const end = this.#wanted(graph, target, start, direction)
    const wrongWay = direction === 'up' ? [...start].some((id) => !end.has(id)) : [...end].some((id) => !start.has(id))
    if (wrongWay) {
      throw new MigrationError(`${target} is ${direction === 'up' ? 'below' : 'above'} ${from ?? 'the start'}: nothing to ${direction === 'up' ? 'upgrade' : 'downgrade'}.`)
    }
    const recorder = new SqlRecorder(this.#dialect.kyselyDialect, this.#dialect.sqlLiterals)
    const { db } = recorder
    if (start.size === 0 && direction === 'up') {
      await db.schema.createTable(VERSION_TABLE).ifNotExists()
        .addColumn('name', 'varchar(255)', (column) => column.notNull().primaryKey())
        .addColumn('timestamp', 'varchar(255)', (column) => column.notNull())
        .execute()
    }
    const context = createMigrationContext(db, this.#dialect, { offline: true })
    const transactional = this.#dialect.capabilities.supportsTransactionalDdl
    const positions = graph.order.map((revision, index) => ({ revision, index }))
    const steps = direction === 'up'
      ? positions.filter(({ revision }) => end.has(revision.revision) && !start.has(revision.revision))
      : positions.filter(({ revision }) => start.has(revision.revision) && !end.has(revision.revision)).reverse()
    for (const { revision, index } of steps) {
      recorder.statements.push(`-- ${direction === 'up' ? 'Upgrade to' : 'Downgrade from'} ${revision.revision}: ${revision.message}`.replace(/\n/g, ' '))
      const apply = async (): Promise<void> => {
        await revision[direction](context)
        if (direction === 'up') {
          await db.insertInto(VERSION_TABLE).values({ name: migrationName(index, revision), timestamp: new Date().toISOString() }).execute()
        } else {
          await db.deleteFrom(VERSION_TABLE).where('name', '=', migrationName(index, revision)).execute()
        }
      }
      if (transactional) await db.transaction().execute(apply)
      else await apply()
    }
    return recorder.script().replace(/^(-- .*);$/gm, '$1')
  }

  /**
   * The set of applied revisions `target` asks for, from `applied`: always closed under
   * ancestors (a revision is never applied without its parents).
   */
  #wanted (graph: RevisionGraph, target: string, applied: ReadonlySet<string>, direction: 'up' | 'down'): Set<string> {
    const text = target.trim()
    const everything = new Set(graph.order.map((revision) => revision.revision))
    if (text === 'heads') return everything
    if (text === 'head') {
      const heads = graph.heads()
      if (heads.length > 1) {
        throw new MigrationError(
          `Multiple heads: ${ids(heads)} (branches that each added a revision). Merge them with fastify-orm merge -m "Merge heads", ` +
          'then upgrade; or apply every branch as it is with fastify-orm upgrade heads.'
        )
      }
      return everything
    }
    if (text === 'base') return new Set()
    const relative = /^([+-])(\d+)$/.exec(text)
    if (relative) {
      const count = Number(relative[2])
      const pool = relative[1] === '+'
        ? graph.order.filter((revision) => !applied.has(revision.revision))
        : graph.order.filter((revision) => applied.has(revision.revision)).reverse()
      if (count > pool.length) {
        throw new MigrationError(`Target ${text} is out of range: ${applied.size} of ${graph.order.length} revisions are applied.`)
      }
      const moved = pool.slice(0, count).map((revision) => revision.revision)
      return relative[1] === '+' ? new Set([...applied, ...moved]) : new Set([...applied].filter((id) => !moved.includes(id)))
    }
    const revision = graph.resolve(text)
    if (direction === 'up') return new Set([...applied, ...graph.ancestors(revision.revision)])
    if (!applied.has(revision.revision)) return new Set([...applied, revision.revision])
    const later = graph.descendants(revision.revision)
    later.delete(revision.revision)
    return new Set([...applied].filter((id) => !later.has(id)))
  }

  /** Runs `plan` one revision at a time; returns the ids this process ran (another one may have run some). */
  async #run (graph: RevisionGraph, plan: readonly Revision[], direction: 'up' | 'down', progress: MigrationProgress): Promise<string[]> {
    if (plan.length === 0) return []
    const db = this.#requireDb()
    await this.#ensureVersionTable(db)
    const schema = await this.#dialect.currentSchema?.(db)
    const done: string[] = []
    for (const revision of plan) {
      if (await this.#runOne(db, graph, revision, direction, schema, progress)) done.push(revision.revision)
    }
    return done
  }

  /**
   * One revision under the migration lock, in its own transaction where DDL is
   * transactional. The version table is read again under the lock: another process may
   * have run the revision while this one waited (then it is skipped, never run twice).
   */
  async #runOne (db: Kysely<unknown>, graph: RevisionGraph, revision: Revision, direction: 'up' | 'down', schema: string | undefined, progress: MigrationProgress): Promise<boolean> {
    const dialect = this.#dialect
    const guards = dialect.revisionGuards
    const adapter = db.getExecutor().adapter
    const lock = { lockTable: VERSION_LOCK_TABLE, lockRowId: LOCK_ROW_ID, lockTableSchema: schema }
    const id = revision.revision
    const step: MigrationStep = direction === 'up'
      ? { direction, revision, from: revision.parents, to: [id] }
      : { direction, revision, from: [id], to: revision.parents }
    let before: string[] = []
    let started = 0
    const body = async (trx: Kysely<unknown>): Promise<boolean> => {
      // The dialect's own lock (PostgreSQL's, transaction-scoped) and settings, before the version table is read.
      const leave = await dialect.enterRevision?.(trx)
      try {
        return await runLocked(trx)
      } finally {
        await leave?.()
      }
    }
    const runLocked = async (trx: Kysely<unknown>): Promise<boolean> => {
      const rows = await trx.selectFrom(VERSION_TABLE as never).select('name' as never).execute() as VersionRow[]
      const applied = new Set(rows.map((row) => revisionIdOf(row.name)))
      before = graph.appliedHeads(applied)
      if (direction === 'up' ? applied.has(id) : !applied.has(id)) return false
      const blocking = direction === 'up'
        ? revision.parents.filter((parent) => !applied.has(parent))
        : graph.children(id).map((child) => child.revision).filter((child) => applied.has(child))
      if (blocking.length > 0) {
        throw new MigrationError(`Another process moved the database while this one waited: ${direction === 'up' ? 'the parents' : 'the children'} ${blocking.join(', ')} of ${id} ${direction === 'up' ? 'are not' : 'are'} applied. Run the command again.`)
      }
      progress.start?.(step)
      started = performance.now()
      await revision[direction](createMigrationContext(trx, dialect, { offline: false }))
      await guards?.verify(trx)
      if (direction === 'up') {
        await trx.insertInto(VERSION_TABLE as never).values({ name: migrationName(graph.order.indexOf(revision), revision), timestamp: new Date().toISOString() } as never).execute()
      } else {
        const names = rows.filter((row) => revisionIdOf(row.name) === id).map((row) => row.name)
        await trx.deleteFrom(VERSION_TABLE as never).where('name' as never, 'in', names as never).execute()
      }
      return true
    }
    let ran: boolean
    try {
      ran = await db.connection().execute(async (connection) => {
        await adapter.acquireMigrationLock(connection, lock)
        try {
          await guards?.before(connection)
          try {
            return dialect.capabilities.supportsTransactionalDdl ? await connection.transaction().execute(body) : await body(connection)
          } finally {
            await guards?.after(connection)
          }
        } finally {
          await adapter.releaseMigrationLock(connection, lock)
        }
      })
    } catch (error) {
      if (error instanceof MigrationError && started === 0) throw error
      throw this.#failure(revision, direction, before, error)
    }
    if (ran) progress.done?.(step, performance.now() - started)
    return ran
  }

  #failure (revision: Revision, direction: 'up' | 'down', before: readonly string[], cause: unknown): MigrationError {
    // The database's own message: a DatabaseError keeps it for the log only, but the one
    // running a migration is the developer, who needs it.
    const root = cause instanceof OrmError && cause.cause instanceof Error ? cause.cause : cause
    const reason = root instanceof Error ? root.message : String(root)
    const where = this.#dialect.capabilities.supportsTransactionalDdl
      ? `It was rolled back: the database is still at ${before.join(', ') || 'base'}.`
      : `${this.#dialect.name} cannot roll back DDL: statements of the revision that ran before the error stay applied; repair them by hand, then run the command again.`
    return new MigrationError(`Revision ${revision.revision} (${revision.message}) failed in ${direction === 'up' ? 'upgrade' : 'downgrade'}: ${reason}. ${where}`, { cause })
  }

  /**
   * The applied revisions, after checking the version table against the files: a revision
   * applied here but missing from the files, or a revision not applied under one that is
   * (a revision inserted before applied ones), is an error rather than something to skip.
   */
  async #applied (graph: RevisionGraph, options: { lenient?: boolean } = {}): Promise<Set<string>> {
    const db = this.#requireDb()
    if (!(await this.#dialect.introspector.tableNames(db)).has(VERSION_TABLE)) return new Set()
    const rows = await db.selectFrom(VERSION_TABLE as never).select('name' as never).execute() as VersionRow[]
    const applied = new Set(rows.map((row) => revisionIdOf(row.name)))
    if (options.lenient === true) return new Set([...applied].filter((id) => graph.get(id) !== undefined))
    const missing = [...applied].find((id) => graph.get(id) === undefined)
    if (missing !== undefined) {
      throw new MigrationError(`The database has revision ${missing} applied, which no file in ${this.dir} defines. Restore its file, or set the database's revision with: fastify-orm stamp <revision>.`)
    }
    const skipped = graph.order.find((revision) => !applied.has(revision.revision) && graph.children(revision.revision).some((child) => applied.has(child.revision)))
    if (skipped !== undefined) {
      const later = [...graph.descendants(skipped.revision)].filter((id) => applied.has(id))
      throw new MigrationError(
        `Revision ${skipped.revision} (${skipped.message}) is not applied, but ${later.join(', ')} after it ${later.length === 1 ? 'is' : 'are'} ` +
        '(it was inserted before applied revisions). It is never skipped: downgrade below it, then upgrade; or apply its changes by hand and stamp.'
      )
    }
    return applied
  }

  async #assertAtHead (graph: RevisionGraph): Promise<void> {
    const heads = graph.heads()
    if (heads.length > 1) {
      throw new MigrationError(`Multiple heads: ${ids(heads)}. Merge them first: fastify-orm merge -m "Merge heads", then fastify-orm upgrade.`)
    }
    const applied = await this.#applied(graph)
    if (applied.size < graph.order.length) {
      throw new MigrationError(`The database is not up to date (at ${graph.appliedHeads(applied).join(', ') || 'base'}, head is ${heads[0]?.revision}). Run fastify-orm upgrade first.`)
    }
  }

  #write (graph: RevisionGraph, message: string, parents: readonly string[], operations: Parameters<typeof renderRevision>[0]['operations'], options: { language?: 'ts' | 'js', importFrom?: string }): WrittenRevision {
    const revision = newRevisionId()
    const language = options.language ?? (graph.order.at(-1)?.file.endsWith('.js') ? 'js' : 'ts')
    const file = join(this.dir, revisionFileName(revision, message, language))
    writeFileSync(file, renderRevision({
      revision,
      parent: parents.length === 0 ? null : parents.length === 1 ? parents[0] as string : parents,
      message,
      createdAt: new Date().toISOString(),
      operations,
      language,
      importFrom: options.importFrom
    }))
    return { revision, parents, file }
  }

  async #ensureVersionTable (db: Kysely<unknown>): Promise<void> {
    if ((await this.#dialect.introspector.tableNames(db)).has(VERSION_TABLE)) return
    // The same table Kysely's Migrator creates, so that either may come first.
    try {
      await db.schema.createTable(VERSION_TABLE).ifNotExists()
        .addColumn('name', 'varchar(255)', (column) => column.notNull().primaryKey())
        .addColumn('timestamp', 'varchar(255)', (column) => column.notNull())
        .execute()
    } catch (error) {
      // Two processes creating it at once: PostgreSQL may fail one despite `if not exists`.
      if (!(await this.#dialect.introspector.tableNames(db)).has(VERSION_TABLE)) throw error
    }
  }

  #requireDb (): Kysely<unknown> {
    if (this.#db === undefined) throw new MigrationError('This command needs a database connection; only --sql works offline.')
    return this.#db
  }
}


/**
 * `flask db init`: creates the migrations folder and returns its absolute path. Fails if
 * it exists and is not empty.
 *
 * @example
 * ```ts
 * initMigrations('migrations') // '/app/migrations'
 * ```
 */
export function initMigrations (dir: string): string {
  const folder = resolve(dir)
  if (existsSync(folder) && readdirSync(folder).length > 0) {
    throw new MigrationError(`The migrations folder ${folder} already exists and is not empty.`)
  }
  mkdirSync(folder, { recursive: true })
  return folder
}

/**
 * The name a revision's row has in the version table: its position in the order (for
 * people reading the table; only the id counts) and its id, `0002_3f2a9c1b7d20`.
 */
function migrationName (index: number, revision: Revision): string {
  return `${String(index + 1).padStart(4, '0')}_${revision.revision}`
}

function revisionIdOf (name: string): string {
  return name.replace(/^\d{4}_/, '')
}

function ids (revisions: readonly Revision[]): string {
  return revisions.map((revision) => `${revision.revision} (${revision.message})`).join(', ')
}
