import { existsSync } from 'node:fs'
import type { Engine } from '../database/engine.ts'

/** One revision as the dev page lists it. */
export interface RevisionStatus {
  readonly revision: string
  /** None for a first revision, several for a merge. */
  readonly parents: readonly string[]
  readonly message: string
  readonly applied: boolean
  readonly current: boolean
}

/** One database's migration status, or why there is none. */
export type MigrationStatus =
  /** No migrations folder: the app's tables come from createAll or elsewhere. */
  | { readonly state: 'no folder', readonly dir: string }
  /** The chain could not be read or checked (two heads, a revision applied but missing, a file that fails to load). */
  | { readonly state: 'error', readonly dir: string, readonly message: string }
  | {
    readonly state: 'ok'
    readonly dir: string
    /** The last revision applied; null at base. */
    readonly current: string | null
    /** The last revision of the chain; null when the folder holds none. */
    readonly head: string | null
    /** Not applied yet, in the order they apply. */
    readonly pending: readonly RevisionStatus[]
    /** Every revision, newest first. */
    readonly revisions: readonly RevisionStatus[]
  }

/** One database's migration status on the page, labelled by its name (`default` or the bind's). */
export interface DatabaseMigrations {
  readonly name: string
  readonly dialect: string
  /** Its URL with the password as `***`. */
  readonly database: string
  readonly status: MigrationStatus
}

/**
 * The migration status of every database, in order (the default first, then the binds):
 * each bind has its own chain in its own folder, as `fastify-orm current` shows per database.
 */
export async function migrationStatuses (engines: readonly Engine[]): Promise<DatabaseMigrations[]> {
  return Promise.all(engines.map(async (engine) => ({
    name: engine.name, dialect: engine.dialect, database: engine.redactedUrl, status: await migrationStatus(engine)
  })))
}

/**
 * Reads the migration status of `engine` the way `fastify-orm current` and `history` do.
 * Never throws: what goes wrong becomes an `error` state with the reason, which is what the
 * developer looking at the page needs to see.
 */
export async function migrationStatus (engine: Engine): Promise<MigrationStatus> {
  const migrations = engine.migrations()
  const dir = migrations.dir
  if (!existsSync(dir)) return { state: 'no folder', dir }
  try {
    const history = await migrations.history()
    const revisions = history.map(({ revision, parents, message, applied, current }) => ({ revision, parents, message, applied, current }))
    // Several of each while branches are not merged.
    const current = history.filter((entry) => entry.current).map((entry) => entry.revision)
    const heads = history.filter((entry) => entry.head).map((entry) => entry.revision)
    return {
      state: 'ok',
      dir,
      current: current.length === 0 ? null : current.join(', '),
      head: heads.length === 0 ? null : heads.join(', '),
      pending: revisions.filter((revision) => !revision.applied).reverse(),
      revisions
    }
  } catch (error) {
    return { state: 'error', dir, message: error instanceof Error ? error.message : String(error) }
  }
}
