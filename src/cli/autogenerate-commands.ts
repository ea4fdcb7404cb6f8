import type { AutogenerateOptions } from '../migration/autogenerate/autogenerate.ts'
import type { Migrations } from '../migration/migrations.ts'
import type { CliOutput } from './cli-output.ts'
import { UsageError } from './usage-error.ts'

/** What `migrate --from-empty` prints after the file: the revision creates tables this database has. */
export const FROM_EMPTY_NEXT = 'Where the tables exist already, record this database as up to date: fastify-orm stamp head. A fresh database gets them with: fastify-orm upgrade'

/**
 * `migrate -m MESSAGE` on one database: compares its models with it and writes a revision
 * in its folder when they differ. Returns the exit code.
 *
 * @example
 * ```ts
 * await migrateCommand(app.db.migrations(), { message: 'Add mpa' }, STDIO)
 * ```
 */
export async function migrateCommand (migrations: Migrations, values: Record<string, unknown>, output: CliOutput): Promise<number> {
  const message = values.message as string | undefined
  if (!message) throw new UsageError('migrate needs a message: fastify-orm migrate -m "Add mpa to movie"')
  const fromEmpty = values['from-empty'] === true
  const result = await migrations.generate(message, { renames: renames(values), language: values.js === true ? 'js' : undefined, fromEmpty })
  if (result.file === undefined) {
    output.out('No changes detected')
    return 0
  }
  for (const change of result.changes) output.out(`Detected ${change.text}`)
  output.out(`Generated ${result.file}`)
  if (fromEmpty) output.out(FROM_EMPTY_NEXT)
  return 0
}

/**
 * `check` on one database: 0 when its models and it agree, else 1 with the differences
 * (`database` names it in the summary when there are several).
 *
 * @example
 * ```ts
 * process.exitCode = await checkCommand(app.db.migrations(), STDIO)
 * ```
 */
export async function checkCommand (migrations: Migrations, output: CliOutput, database?: string): Promise<number> {
  const changes = await migrations.check()
  if (changes.length === 0) {
    output.out('No changes detected: the database matches the models.')
    return 0
  }
  for (const change of changes) output.out(change.text)
  const where = database === undefined ? 'the database' : `the database ${database}`
  const bind = database === undefined || database === 'default' ? '' : ` --bind ${database}`
  output.err(`fastify-orm: ${changes.length} difference(s) between the models and ${where}: run fastify-orm migrate -m "…"${bind}`)
  return 1
}

/** Whether `migrate` declares renames: those name the tables of one database. */
export function declaresRenames (values: Record<string, unknown>): boolean {
  return values['rename-table'] !== undefined || values['rename-column'] !== undefined
}

function renames (values: Record<string, unknown>): AutogenerateOptions['renames'] {
  const tables: Record<string, string> = {}
  const columns: Record<string, Record<string, string>> = {}
  for (const pair of (values['rename-table'] as string[] | undefined) ?? []) {
    const [from, to] = pair.split(':')
    if (!from || !to) throw new UsageError(`--rename-table takes OLD:NEW, got "${pair}"`)
    tables[from] = to
  }
  for (const pair of (values['rename-column'] as string[] | undefined) ?? []) {
    const match = /^([^.:]+)\.([^.:]+):([^.:]+)$/.exec(pair)
    if (!match) throw new UsageError(`--rename-column takes TABLE.OLD:NEW, got "${pair}"`)
    const [, table, from, to] = match as unknown as [string, string, string, string]
    columns[table] = { ...columns[table], [from]: to }
  }
  return { tables, columns }
}
