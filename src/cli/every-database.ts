import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Engine } from '../database/engine.ts'
import { MigrationError } from '../errors.ts'
import type { Migrations } from '../migration/migrations.ts'
import { checkCommand, declaresRenames, migrateCommand } from './autogenerate-commands.ts'
import type { CliOutput } from './cli-output.ts'
import { noBindFolder, type CliDatabase } from './databases.ts'
import { runRevisionCommand } from './revision-commands.ts'
import { UsageError } from './usage-error.ts'

/**
 * Whether a command without `--bind` runs on every database of an app with binds: `upgrade`
 * to head (a revision id or +N belongs to one chain, so those stay on the default
 * database), `current`, `check` and `migrate -m`. The others act on the default database.
 *
 * @example
 * ```ts
 * runsOnEveryDatabase('upgrade', {}, []) // true
 * ```
 */
export function runsOnEveryDatabase (command: string, values: Record<string, unknown>, positionals: readonly string[]): boolean {
  switch (command) {
    case 'upgrade': return values.sql !== true && [undefined, 'head', 'heads'].includes(positionals[0])
    case 'current':
    case 'check': return true
    case 'migrate': return values.empty !== true
  }
  return false
}

/**
 * Runs `command` on the default database, then on each bind, in order: `upgrade` and
 * `migrate` print each database's lines under a `== NAME ==` heading, `current` one
 * `NAME: revision` line per database, `check` each database's differences under its
 * heading. Returns 1 when any database differs (`check`) or has no folder, else 0.
 *
 * @example
 * ```ts
 * await runOnEveryDatabase('current', app.db, databases, {}, [], STDIO, process.env)
 * ```
 */
export async function runOnEveryDatabase (
  command: string, db: Pick<Engine, 'bind'>, databases: readonly CliDatabase[], values: Record<string, unknown>, positionals: readonly string[],
  output: CliOutput, env: NodeJS.ProcessEnv
): Promise<number> {
  if (command === 'migrate' && declaresRenames(values)) {
    throw new UsageError('Renames name the tables of one database: add --bind NAME (or --bind default) to migrate.')
  }
  const missing = databases.filter((database) => database.name !== 'default' && !existsSync(resolve(database.dir)))
  // Half an upgrade would leave the databases at revisions of different ages: none, then.
  if (command === 'upgrade' && missing.length > 0) throw new MigrationError(missing.map(noBindFolder).join('; '))
  let code = 0
  for (const database of databases) {
    if (command !== 'current') output.out(`== ${database.name} ==`)
    if (missing.includes(database)) {
      output.err(`fastify-orm: error: ${noBindFolder(database)}`)
      if (command === 'current') output.out(`${database.name}: no migrations folder`)
      code = 1
      continue
    }
    const migrations = db.bind(database.name).migrations()
    switch (command) {
      case 'current':
        output.out(`${database.name}: ${(await migrations.currentHeads()).join(', ') || 'base'}`)
        break
      case 'check':
        code = Math.max(code, await checkOne(migrations, database, output))
        break
      case 'migrate':
        code = Math.max(code, await migrateCommand(migrations, values, output))
        break
      default:
        code = Math.max(code, await runRevisionCommand(command, migrations, values, positionals, output, env) ?? 0)
    }
  }
  return code
}

/** One database's check; a database behind its revisions is reported and the others still checked. */
async function checkOne (migrations: Migrations, database: CliDatabase, output: CliOutput): Promise<number> {
  try {
    return await checkCommand(migrations, output, database.name)
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error
    output.err(`fastify-orm: ${database.name}: ${error.message}`)
    return 1
  }
}
