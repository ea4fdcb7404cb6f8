// Shared by the autogenerate tests (not a test file itself: tap only runs *.test.ts).
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Kysely, sql } from 'kysely'
import type { AnyModel, MigrationContext, ModelRelations } from '../../../src/index.ts'
import { ModelRegistry, type RegisteredTable } from '../../../src/model/registry.ts'
import { resolveConfig } from '../../../src/config/resolve-config.ts'
import { createOrmDialect } from '../../../src/dialect/create-orm-dialect.ts'
import type { OrmDialect } from '../../../src/dialect/orm-dialect.ts'
import { autogenerate, type AutogenerateOptions } from '../../../src/migration/autogenerate/autogenerate.ts'
import type { Operation } from '../../../src/migration/autogenerate/operations.ts'
import { renderRevision } from '../../../src/migration/autogenerate/render.ts'
import { createMigrationContext } from '../../../src/migration/migration-context.ts'
import { buildApp } from '../../helpers/app.ts'
import type { TapTest, TestDatabase } from '../../helpers/databases.ts'

type Models = Record<string, AnyModel | ModelRelations>

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/** What generated revisions import instead of the package name, so they resolve from a temp dir. */
export const IMPORT_FROM = pathToFileURL(join(ROOT, 'src/index.ts')).href

/** An app on `database` with `models` registered, and the database's OrmDialect (closed with the test). */
export async function openOrm (t: TapTest, database: TestDatabase, models: Models) {
  const app = await buildApp(t, database, { models })
  // The engine keeps its OrmDialect private: make another one. Only its column types and
  // migration operations are used, but mysql2's pool starts a timer at once: end it.
  const dialect = await createOrmDialect(resolveConfig({ url: database.url }).default, () => {})
  t.teardown(async () => {
    const own = new Kysely<unknown>({ dialect: dialect.kyselyDialect })
    await sql`select 1`.execute(own)
    await own.destroy()
  })
  return { app, db: app.db.kysely as Kysely<unknown>, dialect }
}

/** The registered tables of a set of models, parents first, as the plugin registers them. */
export function tablesOf (models: Models): RegisteredTable[] {
  return new ModelRegistry(models).tablesOf('default')
}

/** The description lines autogenerate reports for `models` against the database. */
export async function detect (db: Kysely<unknown>, dialect: OrmDialect, models: Models, options?: AutogenerateOptions): Promise<string[]> {
  return (await autogenerate(db, dialect, tablesOf(models), options)).changes.map((change) => change.text)
}

/** A module written by {@link renderRevision}, imported. */
export interface RevisionModule {
  readonly revision: string
  readonly parent: string | null
  readonly message: string
  readonly createdAt: string
  up (context: MigrationContext): Promise<void>
  down (context: MigrationContext): Promise<void>
}

/**
 * Renders `operations` into a revision file in a temp dir and imports it. The dir links the
 * repository's node_modules, so `import { sql } from 'kysely'` resolves as in an app.
 */
export async function writeRevision (t: TapTest, operations: readonly Operation[], language: 'ts' | 'js' = 'ts', message = 'Test revision'): Promise<{ module: RevisionModule, source: string, file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'orm-revision-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  const source = renderRevision({
    revision: '3f2a9c1b7d20', parent: null, message, createdAt: '2026-12-02T01:00:00.000Z', operations, language, importFrom: IMPORT_FROM
  })
  const file = join(dir, `3f2a9c1b7d20_test_revision.${language}`)
  writeFileSync(file, source)
  return { module: await import(pathToFileURL(file).href) as RevisionModule, source, file }
}

/**
 * Runs a revision's `up` or `down` as the migrations runner does: the dialect's guards
 * around it (SQLite: foreign keys off outside the transaction, checked before commit),
 * inside a transaction where DDL is transactional.
 */
export async function runRevision (db: Kysely<unknown>, dialect: OrmDialect, fn: (context: MigrationContext) => Promise<void>): Promise<void> {
  const guards = dialect.revisionGuards
  const apply = async (trx: Kysely<unknown>): Promise<void> => {
    await fn(createMigrationContext(trx, dialect, { offline: false }))
    await guards?.verify(trx)
  }
  await guards?.before(db)
  try {
    if (dialect.capabilities.supportsTransactionalDdl) await db.transaction().execute(apply)
    else await apply(db)
  } finally {
    await guards?.after(db)
  }
}

/** Options of {@link roundTrip}. */
export interface RoundTrip {
  readonly v1: Models
  readonly v2: Models
  /** The description lines autogenerate must report, in order. */
  readonly expected: readonly string[]
  readonly renames?: AutogenerateOptions['renames']
  /** Runs after createAll of v1 (e.g. to insert rows that must survive). */
  readonly seed?: (db: Kysely<unknown>) => Promise<void>
  /** Runs after `up` and after `down`. */
  readonly verify?: (t: TapTest, db: Kysely<unknown>, state: 'up' | 'down') => Promise<void>
}

/**
 * The autogenerate cycle of one change: createAll the v1 models, detect exactly `expected`
 * against v2, render and import the revision, run `up` (then nothing is left to detect
 * against v2), run `down` (then nothing is left to detect against v1). The v1 tables are
 * dropped before and after, so that subtests may share a database.
 */
export async function roundTrip (t: TapTest, database: TestDatabase, options: RoundTrip): Promise<readonly Operation[]> {
  const { app, db, dialect } = await openOrm(t, database, options.v1)
  await app.db.dropAll()
  await app.db.createAll()
  await options.seed?.(db)
  const { operations, changes } = await autogenerate(db, dialect, tablesOf(options.v2), { renames: options.renames })
  t.strictSame(changes.map((change) => change.text), options.expected, 'detects exactly the change')
  const { module } = await writeRevision(t, operations)
  await runRevision(db, dialect, module.up)
  t.strictSame(await detect(db, dialect, options.v2), [], 'after up, the database matches v2')
  await options.verify?.(t, db, 'up')
  await runRevision(db, dialect, module.down)
  t.strictSame(await detect(db, dialect, options.v1), [], 'after down, the database matches v1 again')
  await options.verify?.(t, db, 'down')
  await app.db.dropAll()
  return operations
}
