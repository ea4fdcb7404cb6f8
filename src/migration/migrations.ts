import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely'
import type { OrmDialect } from '../dialect/orm-dialect.ts'
import { MigrationError, OrmError } from '../errors.ts'
import type { RegisteredTable } from '../model/registry.ts'
import { VERSION_LOCK_TABLE, VERSION_TABLE } from '../introspection/introspected-schema.ts'
import { autogenerate, type AutogenerateOptions, type DetectedChange } from './autogenerate/autogenerate.ts'
import { renderRevision } from './autogenerate/render.ts'
import { guardInitialRevision } from './initial-revision.ts'
import { createMigrationContext } from './migration-context.ts'
import { SqlRecorder } from './offline-sql.ts'
import { loadRevisionChain, newRevisionId, revisionFileName, type Revision } from './revision.ts'
import { resolveTarget } from './targets.ts'

/** Options of {@link Migrations}. */
export interface MigrationsOptions {
  /** The folder of revision files. Default `migrations` (relative to the working directory). */
  dir?: string
}

/** One line of {@link Migrations.history}. */
export interface HistoryEntry {
  readonly revision: string
  readonly parent: string | null
  readonly message: string
  readonly createdAt: string | undefined
  readonly file: string
  readonly applied: boolean
  readonly current: boolean
}

/** What {@link Migrations.generate} did. */
export interface GeneratedRevision {
  /** Every difference found, in the order the revision applies them; empty: no file was written. */
  readonly changes: readonly DetectedChange[]
  /** The file written, when there were changes. */
  readonly file: string | undefined
  readonly revision: string | undefined
}

/**
 * Flask-Migrate's commands as a library: autogenerate revisions from the models, apply
 * and revert them, stamp, check. Revisions run through Kysely's Migrator (its lock, or
 * the dialect's own in {@link OrmDialect.enterRevision}; its version table
 * `fastify_orm_version`), one revision per transaction where the database has
 * transactional DDL, so a failing revision leaves the database at the one before. Under
 * the lock each revision checks that it is still to be run: another process may have
 * run it meanwhile.
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

  /** `db` undefined: offline, only {@link sql} and {@link init} work (`--sql` never connects). */
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

  /** The revision files, first to last, checked to form one chain. */
  chain (): Promise<Revision[]> {
    return loadRevisionChain(this.dir)
  }

  /** The database's revision: the last one applied, `null` at base. */
  async current (): Promise<string | null> {
    const chain = await this.chain()
    return chain[(await this.#appliedCount(chain)) - 1]?.revision ?? null
  }

  /** Every revision, newest first, with whether it is applied and which is current. */
  async history (): Promise<HistoryEntry[]> {
    const chain = await this.chain()
    const applied = await this.#appliedCount(chain)
    return chain.map((revision, index) => ({
      revision: revision.revision,
      parent: revision.parent,
      message: revision.message,
      createdAt: revision.createdAt,
      file: revision.file,
      applied: index < applied,
      current: index === applied - 1
    })).reverse()
  }

  /**
   * Applies revisions up to `target` (`head`, a revision id or a unique prefix of one,
   * `+N`), each in its own transaction. Returns the ids applied, in order.
   */
  async upgrade (target = 'head'): Promise<string[]> {
    const chain = await this.chain()
    const from = await this.#appliedCount(chain)
    const to = resolveTarget(target, chain, from)
    if (to < from) throw new MigrationError(`${target} is below the current revision ${chain[from - 1]?.revision}: use downgrade.`)
    return this.#step(chain, to, 'up')
  }

  /** Reverts revisions down to `target` (`-1` by default, `-N`, `base`, a revision id). Returns the ids reverted. */
  async downgrade (target = '-1'): Promise<string[]> {
    const chain = await this.chain()
    const from = await this.#appliedCount(chain)
    const to = resolveTarget(target, chain, from)
    if (to > from) throw new MigrationError(`${target} is above the current revision ${chain[from - 1]?.revision ?? 'base'}: use upgrade.`)
    return this.#step(chain, to, 'down')
  }

  /** Records `target` as the database's revision without running anything. */
  async stamp (target: string): Promise<void> {
    const chain = await this.chain()
    const db = this.#requireDb()
    await this.#ensureVersionTable(db)
    const to = resolveTarget(target, chain, await this.#appliedCount(chain, { lenient: true }))
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom(VERSION_TABLE as never).execute()
      const rows = chain.slice(0, to).map((revision, index) => ({ name: migrationName(index, revision), timestamp: new Date().toISOString() }))
      if (rows.length > 0) await trx.insertInto(VERSION_TABLE as never).values(rows as never).execute()
    })
  }

  /** The differences between the models and the database (empty when in sync); the database must be at head. */
  async check (options: AutogenerateOptions = {}): Promise<DetectedChange[]> {
    await this.#assertAtHead(await this.chain())
    return (await autogenerate(this.#requireDb(), this.#dialect, this.#tables, options)).changes
  }

  /**
   * `flask db migrate -m`: compares the models with the database (which must be at head)
   * and writes a revision with the operations found and their reverse. Writes nothing
   * when there is no change. A first revision is refused where the models' tables exist
   * already, unless `fromEmpty` (see {@link guardInitialRevision}).
   */
  async generate (message: string, options: AutogenerateOptions & { language?: 'ts' | 'js', importFrom?: string } = {}): Promise<GeneratedRevision> {
    const chain = await this.chain()
    await this.#assertAtHead(chain)
    await guardInitialRevision(this.#requireDb(), this.#dialect, this.#tables, chain.length, options.fromEmpty)
    const { operations, changes } = await autogenerate(this.#requireDb(), this.#dialect, this.#tables, options)
    if (operations.length === 0) return { changes, file: undefined, revision: undefined }
    const revision = newRevisionId()
    const language = options.language ?? (chain.at(-1)?.file.endsWith('.js') ? 'js' : 'ts')
    const file = join(this.dir, revisionFileName(revision, message, language))
    const source = renderRevision({
      revision,
      parent: chain.at(-1)?.revision ?? null,
      message,
      createdAt: new Date().toISOString(),
      operations,
      language,
      importFrom: options.importFrom
    })
    writeFileSync(file, source)
    return { changes, file, revision }
  }

  /**
   * The SQL of an upgrade or downgrade, without connecting: `from` defaults to base for an
   * upgrade and head for a downgrade (the database is not read to find out).
   */
  async sql (direction: 'up' | 'down', target: string, from?: string): Promise<string> {
    const chain = await this.chain()
    const start = resolveTarget(from ?? (direction === 'up' ? 'base' : 'head'), chain, 0)
    const end = resolveTarget(target, chain, start)
    if (direction === 'up' ? end < start : end > start) {
      throw new MigrationError(`${target} is ${direction === 'up' ? 'below' : 'above'} ${from ?? 'the start'}: nothing to ${direction === 'up' ? 'upgrade' : 'downgrade'}.`)
    }
    const recorder = new SqlRecorder(this.#dialect.kyselyDialect, this.#dialect.sqlLiterals)
    const { db } = recorder
    if (start === 0 && direction === 'up') {
      await db.schema.createTable(VERSION_TABLE).ifNotExists()
        .addColumn('name', 'varchar(255)', (column) => column.notNull().primaryKey())
        .addColumn('timestamp', 'varchar(255)', (column) => column.notNull())
        .execute()
    }
    const context = createMigrationContext(db, this.#dialect, { offline: true })
    const transactional = this.#dialect.capabilities.supportsTransactionalDdl
    const indexes = direction === 'up' ? range(start, end) : range(end, start).reverse()
    for (const index of indexes) {
      const revision = chain[index] as Revision
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

  /** Runs revisions one at a time, each through Kysely's Migrator in its own transaction. */
  async #step (chain: readonly Revision[], to: number, direction: 'up' | 'down'): Promise<string[]> {
    const db = this.#requireDb()
    const migrator = this.#migrator(db, chain, await this.#dialect.currentSchema?.(db))
    const guards = this.#dialect.revisionGuards
    const done: string[] = []
    for (;;) {
      // Re-read: another process may have moved the database while this one waited for the lock.
      const at = await this.#appliedCount(chain)
      if (direction === 'up' ? at >= to : at <= to) return done
      await guards?.before(db)
      let result: MigrationResultSet
      try {
        result = direction === 'up' ? await migrator.migrateUp() : await migrator.migrateDown()
      } finally {
        await guards?.after(db)
      }
      if (result.error instanceof AlreadyDone) continue // another process ran it while this one waited for the lock
      const failed = result.results?.find((entry) => entry.status === 'Error')
      if (result.error !== undefined || failed) {
        const revision = chain[direction === 'up' ? at : at - 1] as Revision
        throw this.#failure(revision, direction, chain[direction === 'up' ? at - 1 : at]?.revision ?? null, result.error)
      }
      const ran = result.results?.filter((entry) => entry.status === 'Success') ?? []
      if (ran.length === 0) return done // the other process got there first
      done.push(...ran.map((entry) => revisionIdOf(entry.migrationName)))
    }
  }

  #failure (revision: Revision, direction: 'up' | 'down', previous: string | null, cause: unknown): MigrationError {
    // The database's own message: a DatabaseError keeps it for the log only, but the one
    // running a migration is the developer, who needs it.
    const root = cause instanceof OrmError && cause.cause instanceof Error ? cause.cause : cause
    const reason = root instanceof Error ? root.message : String(root)
    const where = this.#dialect.capabilities.supportsTransactionalDdl
      ? `It was rolled back: the database is still at ${direction === 'up' ? (previous ?? 'base') : revision.revision}.`
      : `${this.#dialect.name} cannot roll back DDL: statements of the revision that ran before the error stay applied; repair them by hand, then run the command again.`
    return new MigrationError(`Revision ${revision.revision} (${revision.message}) failed in ${direction === 'up' ? 'upgrade' : 'downgrade'}: ${reason}. ${where}`, { cause })
  }

  #migrator (db: Kysely<unknown>, chain: readonly Revision[], schema: string | undefined): Migrator {
    const dialect = this.#dialect
    const migrations: Record<string, Migration> = {}
    chain.forEach((revision, index) => {
      const name = migrationName(index, revision)
      const run = (direction: 'up' | 'down') => async (trx: Kysely<unknown>): Promise<void> => {
        const leave = await dialect.enterRevision?.(trx)
        try {
          // The Migrator read its state before the dialect's lock (PostgreSQL's is taken in
          // here): another process may have run this revision meanwhile.
          const recorded = await trx.selectFrom(VERSION_TABLE as never).select('name' as never).where('name' as never, '=', name as never).executeTakeFirst()
          if ((recorded !== undefined) === (direction === 'up')) throw new AlreadyDone()
          await revision[direction](createMigrationContext(trx, dialect, { offline: false }))
          await dialect.revisionGuards?.verify(trx)
        } finally {
          await leave?.()
        }
      }
      migrations[name] = { up: run('up'), down: run('down') }
    })
    return new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: VERSION_TABLE,
      migrationLockTableName: VERSION_LOCK_TABLE,
      migrationTableSchema: schema
    })
  }

  /**
   * How many revisions of the chain are applied, after checking that the version table
   * holds exactly the first N of them: a revision applied here but missing from the files,
   * or a file inserted before an applied revision (a merged branch), is an error rather
   * than something to skip.
   */
  async #appliedCount (chain: readonly Revision[], options: { lenient?: boolean } = {}): Promise<number> {
    const db = this.#requireDb()
    if (!(await this.#dialect.introspector.tableNames(db)).has(VERSION_TABLE)) return 0
    const rows = await db.selectFrom(VERSION_TABLE as never).select('name' as never).execute() as Array<{ name: string }>
    const applied = new Set(rows.map((row) => revisionIdOf(row.name)))
    const count = chain.findIndex((revision) => !applied.has(revision.revision))
    const prefix = count === -1 ? chain.length : count
    if (options.lenient === true) return prefix
    const missing = [...applied].find((id) => !chain.some((revision) => revision.revision === id))
    if (missing !== undefined) {
      throw new MigrationError(`The database has revision ${missing} applied, which no file in ${this.dir} defines. Restore its file, or set the database's revision with: fastify-orm stamp <revision>.`)
    }
    if (prefix < applied.size) {
      const skipped = chain[prefix] as Revision
      const later = chain.slice(prefix).filter((revision) => applied.has(revision.revision)).map((revision) => revision.revision)
      throw new MigrationError(
        `Revision ${skipped.revision} (${skipped.message}) is not applied, but ${later.join(', ')} after it in the chain ${later.length === 1 ? 'is' : 'are'} ` +
        '(it came from a merged branch). It is never skipped: downgrade below it, then upgrade; or apply its changes by hand and stamp.'
      )
    }
    // Kysely's Migrator orders by the recorded name, so the numbers must match the chain too.
    const names = new Set(rows.map((row) => row.name))
    const renumbered = chain.slice(0, prefix).find((revision, index) => !names.has(migrationName(index, revision)))
    if (renumbered !== undefined) {
      throw new MigrationError(`Revision ${renumbered.revision} was applied at another position than it has in the chain now (a revision was removed before it). Set the database's revision again with: fastify-orm stamp ${chain[prefix - 1]?.revision}.`)
    }
    return prefix
  }

  async #assertAtHead (chain: readonly Revision[]): Promise<void> {
    const applied = await this.#appliedCount(chain)
    if (applied < chain.length) {
      throw new MigrationError(`The database is not up to date (at ${chain[applied - 1]?.revision ?? 'base'}, head is ${chain.at(-1)?.revision}). Run fastify-orm upgrade first.`)
    }
  }

  async #ensureVersionTable (db: Kysely<unknown>): Promise<void> {
    if ((await this.#dialect.introspector.tableNames(db)).has(VERSION_TABLE)) return
    // The same table Kysely's Migrator creates, so that either may come first.
    await db.schema.createTable(VERSION_TABLE).ifNotExists()
      .addColumn('name', 'varchar(255)', (column) => column.notNull().primaryKey())
      .addColumn('timestamp', 'varchar(255)', (column) => column.notNull())
      .execute()
  }

  #requireDb (): Kysely<unknown> {
    if (this.#db === undefined) throw new MigrationError('This command needs a database connection; only --sql works offline.')
    return this.#db
  }
}

/** A revision found applied (or reverted) by another process once this one held the lock. */
class AlreadyDone extends Error {}

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
 * The name Kysely's Migrator records for a revision: its position (the Migrator orders by
 * name) and its id, `0002_3f2a9c1b7d20`.
 */
function migrationName (index: number, revision: Revision): string {
  return `${String(index + 1).padStart(4, '0')}_${revision.revision}`
}

function revisionIdOf (name: string): string {
  return name.replace(/^\d{4}_/, '')
}

function range (from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, index) => from + index)
}
