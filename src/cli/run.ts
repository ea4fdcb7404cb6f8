import { parseArgs } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import { resolveConfig } from '../config/resolve-config.ts'
import { createOrmDialect } from '../dialect/create-orm-dialect.ts'
import { MigrationError, OrmError } from '../errors.ts'
import type { AutogenerateOptions } from '../migration/autogenerate/autogenerate.ts'
import { Migrations } from '../migration/migrations.ts'
import { ModelRegistry } from '../model/registry.ts'
import fastifyOrm from '../plugin.ts'
import { STDIO, type CliOutput } from './cli-output.ts'
import { COMMANDS, GLOBAL_OPTIONS, helpText, type CommandSpec } from './commands.ts'
import { diagramFormat, printDiagram } from './diagram-command.ts'
import { FROM_EMPTY_NEXT, initCommand } from './init-command.ts'
import { loadAppModule, preloadRevisions, type AppModule } from './load-app.ts'
import { isFileCommand, runRevisionCommand } from './revision-commands.ts'
import { startShell } from './shell.ts'
import { UsageError } from './usage-error.ts'


/**
 * Runs one `fastify-orm` command line and returns its exit code: 0 success, 1 failure or a
 * `check` difference, 2 usage error. Every error is one line on stderr (the stack only
 * with FASTIFY_ORM_DEBUG=1).
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['upgrade', '--app', 'app.ts'])
 * ```
 */
export async function runCli (argv: readonly string[], output: CliOutput = STDIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    return await dispatch(argv, output, env)
  } catch (error) {
    const usage = error instanceof UsageError
    output.err(`fastify-orm: ${usage ? 'usage error' : 'error'}: ${oneLine(error)}`)
    if (usage) output.err('Run fastify-orm --help for the commands and options.')
    if (env.FASTIFY_ORM_DEBUG) output.err(String((error as Error).stack))
    return usage ? 2 : 1
  }
}

async function dispatch (argv: readonly string[], output: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    output.out(helpText(rest[0]))
    return 0
  }
  const spec = COMMANDS[command]
  if (!spec) throw new UsageError(`Unknown command "${command}". Commands: ${Object.keys(COMMANDS).join(', ')}.`)
  const { values, positionals } = parseCommand(spec, rest)
  if (values.help === true) {
    output.out(helpText(command))
    return 0
  }
  const dirOption = values.dir as string | undefined
  if (command === 'init') return initCommand(dirOption, (values.app as string | undefined) ?? env.FASTIFY_ORM_APP, output)
  // A wrong --format is a usage error before the app is loaded.
  const format = command === 'diagram' ? diagramFormat(values.format) : undefined
  const appPath = (values.app as string | undefined) ?? env.FASTIFY_ORM_APP
  if (!appPath) throw new UsageError('Which app? Pass --app path/to/app.ts (a module exporting `models`) or set FASTIFY_ORM_APP.')
  // FASTIFY_ORM_DEBUG: say how each .ts module was loaded (Node's type stripping or tsx).
  const debug = env.FASTIFY_ORM_DEBUG ? (line: string) => { output.err(`fastify-orm: debug: ${line}`) } : undefined
  const app = await loadAppModule(appPath, debug)
  // The models alone: no database, no migrations folder.
  if (format !== undefined) return printDiagram(app, format, output)
  const url = (values.url as string | undefined) ?? nonEmpty(env.DATABASE_URL) ?? app.databaseUrl
  const dir = dirOption ?? app.migrationsDir ?? 'migrations'
  // Revisions may be .ts even when the app is .js, and may need tsx where the app did not.
  await preloadRevisions(dir, debug)

  if ((command === 'upgrade' || command === 'downgrade') && values.sql === true) {
    const config = resolveConfig({ url }).default
    const dialect = await createOrmDialect(config, () => undefined)
    try {
      const migrations = new Migrations(undefined, dialect, new ModelRegistry(app.models).tablesOf('default'), { dir })
      const [from, to] = splitRange(positionals[0] ?? (command === 'upgrade' ? 'head' : '-1'))
      output.out(await migrations.sql(command === 'upgrade' ? 'up' : 'down', to, from))
      return 0
    } finally {
      await dialect.closeUnused()
    }
  }

  if (isFileCommand(command, values)) {
    // The revision files alone (heads, merge, show…): no connection, as Flask-Migrate's.
    // The dialect is never used by these; an app without a URL still gets one.
    const dialect = await createOrmDialect(resolveConfig({ url: url ?? 'sqlite://:memory:' }).default, () => undefined)
    try {
      return await runRevisionCommand(command, new Migrations(undefined, dialect, [], { dir }), values, positionals, output, env) ?? 0
    } finally {
      await dialect.closeUnused()
    }
  }

  const fastify = await openApp(app, url, dir)
  try {
    return await runOnline(command, fastify, app, values, positionals, output, env)
  } finally {
    await fastify.close()
  }
}

async function runOnline (
  command: string, app: FastifyInstance, module: AppModule, values: Record<string, unknown>, positionals: string[], output: CliOutput, env: NodeJS.ProcessEnv
): Promise<number> {
  const migrations = app.db.migrations()
  const graphCode = await runRevisionCommand(command, migrations, values, positionals, output, env)
  if (graphCode !== undefined) return graphCode
  switch (command) {
    case 'migrate': {
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
    case 'stamp':
      await migrations.stamp(positionals[0] as string)
      output.out(`Stamped the database at ${(await migrations.current()) ?? 'base'}`)
      return 0
    case 'check': {
      const changes = await migrations.check()
      if (changes.length === 0) {
        output.out('No changes detected: the database matches the models.')
        return 0
      }
      for (const change of changes) output.out(change.text)
      output.err(`fastify-orm: ${changes.length} difference(s) between the models and the database: run fastify-orm migrate -m "…"`)
      return 1
    }
    case 'create-all': {
      const created = await app.db.createAll()
      output.out(created.length > 0 ? `Created tables: ${created.join(', ')}` : 'Every table exists already.')
      return 0
    }
    case 'drop-all': {
      const dropped = await app.db.dropAll()
      output.out(dropped.length > 0 ? `Dropped tables: ${dropped.join(', ')}` : 'No table to drop.')
      return 0
    }
    case 'shell':
      // The models by name too (`Movie`, not only `models.Movie`), as flask shell's app context has them.
      await startShell(app, output, { ...module.exports, ...module.models })
      return 0
  }
  throw new UsageError(`Unknown command "${command}".`)
}

/** A Fastify app with fastify-orm registered on the module's models: what every online command uses. */
async function openApp (app: AppModule, url: string | undefined, dir: string): Promise<FastifyInstance> {
  const fastify = Fastify({ logger: false })
  // No schema check: these commands are how a database behind its models is brought up to date.
  await fastify.register(fastifyOrm, { url, models: app.models, migrations: { dir }, checkSchema: false })
  await fastify.ready()
  return fastify
}

function parseCommand (spec: CommandSpec, args: readonly string[]): { values: Record<string, unknown>, positionals: string[] } {
  let parsed
  try {
    parsed = parseArgs({ args: [...args], options: { ...GLOBAL_OPTIONS, ...spec.options }, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError(oneLine(error))
  }
  const [min, max] = spec.positionals
  if (parsed.values.help !== true && (parsed.positionals.length < min || parsed.positionals.length > max)) {
    throw new UsageError(`Usage: fastify-orm ${spec.usage}`)
  }
  return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals }
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

/** `FROM:TO` for offline SQL, or a lone TO. */
function splitRange (target: string): [string | undefined, string] {
  const parts = target.split(':')
  if (parts.length === 2 && parts[0] && parts[1]) return [parts[0], parts[1]]
  if (parts.length === 1) return [undefined, target]
  throw new UsageError(`A --sql target is TO or FROM:TO, got "${target}"`)
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

function oneLine (error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const kind = error instanceof OrmError || error instanceof UsageError || error instanceof MigrationError ? '' : error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : ''
  return (kind + message).replace(/\s*\n\s*/g, ' ')
}
