import { parseArgs } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { MigrationError, OrmError } from '../errors.ts'
import { STDIO, type CliOutput } from './cli-output.ts'
import { COMMANDS, GLOBAL_OPTIONS, helpText, MIGRATION_COMMANDS, type CommandSpec } from './commands.ts'
import type { CliDatabase } from './databases.ts'
import type { AppModule } from './load-app.ts'
import { UsageError } from './usage-error.ts'

// Start-up: `--help` and a wrong command line import nothing beyond the modules above (no
// Fastify, Kysely, driver or TypeBox), and each command imports what it needs with
// `import()` where it runs. Keep it so: import only types statically here.

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
  const [own, passed] = spec.passesArguments === true ? splitPassed(rest) : [rest, []]
  const { values, positionals } = parseCommand(spec, own)
  if (values.help === true) {
    output.out(helpText(command))
    return 0
  }
  const dirOption = values.dir as string | undefined
  const bind = values.bind as string | undefined
  if (bind !== undefined && !MIGRATION_COMMANDS.has(command)) {
    throw new UsageError(`--bind is for the migration commands (${[...MIGRATION_COMMANDS].join(', ')}); ${command} works on ${command === 'init' ? 'the folders of every database with --multidb' : 'every database'}.`)
  }
  if (command === 'init') {
    const { initCommand, initMultidbCommand } = await import('./init-command.ts')
    const init = values.multidb === true ? initMultidbCommand : initCommand
    return await init(dirOption, (values.app as string | undefined) ?? env.FASTIFY_ORM_APP, output)
  }
  // A wrong --format is a usage error before the app is loaded.
  const diagram = command === 'diagram' ? await import('./diagram-command.ts') : undefined
  const format = diagram?.diagramFormat(values.format)
  const appPath = (values.app as string | undefined) ?? env.FASTIFY_ORM_APP
  if (!appPath) throw new UsageError('Which app? Pass --app path/to/app.ts (a module exporting `models`) or set FASTIFY_ORM_APP.')
  // FASTIFY_ORM_DEBUG: say how each .ts module was loaded (Node's type stripping or tsx).
  const debug = env.FASTIFY_ORM_DEBUG ? (line: string) => { output.err(`fastify-orm: debug: ${line}`) } : undefined
  const { loadAppModule, preloadRevisions } = await import('./load-app.ts')
  const app = await loadAppModule(appPath, debug, { shared: command === 'run' })
  // The models alone: no database, no migrations folder.
  if (diagram !== undefined && format !== undefined) return diagram.printDiagram(app, format, output)
  // --url is the URL of the database the command works on: with --bind NAME, that bind's.
  const bindUrl = bind === undefined || bind === 'default' ? undefined : values.url as string | undefined
  const url = (bindUrl === undefined ? values.url as string | undefined : undefined) ?? nonEmpty(env.DATABASE_URL) ?? app.databaseUrl
  const dir = dirOption ?? app.migrationsDir ?? 'migrations'
  const { bindsOption, cliDatabases, requireBindFolder, selectDatabase } = await import('./databases.ts')
  const databases = cliDatabases(app, url, dir, env, bindUrl === undefined ? undefined : { [bind as string]: bindUrl })
  // --bind NAME: that database's URL, folder and tables; else the default database's.
  const target = selectDatabase(databases, bind)
  if (MIGRATION_COMMANDS.has(command)) requireBindFolder(target)
  const everyDatabase = bind === undefined && databases.length > 1 &&
    (await import('./every-database.ts')).runsOnEveryDatabase(command, values, positionals)
  // Revisions may be .ts even when the app is .js, and may need tsx where the app did not.
  for (const database of everyDatabase ? databases : [target]) await preloadRevisions(database.dir, debug)

  if ((command === 'upgrade' || command === 'downgrade') && values.sql === true) {
    const [{ resolveConfig }, { createOrmDialect }, { Migrations }, { ModelRegistry }] = await Promise.all([
      import('../config/resolve-config.ts'), import('../dialect/create-orm-dialect.ts'), import('../migration/migrations.ts'), import('../model/registry.ts')
    ])
    const config = resolveConfig({ url: target.url }).default
    const dialect = await createOrmDialect(config, () => undefined)
    try {
      const migrations = new Migrations(undefined, dialect, new ModelRegistry(app.models).tablesOf(target.name), { dir: target.dir })
      const [from, to] = splitRange(positionals[0] ?? (command === 'upgrade' ? 'head' : '-1'))
      output.out(await migrations.sql(command === 'upgrade' ? 'up' : 'down', to, from))
      return 0
    } finally {
      await dialect.closeUnused()
    }
  }

  const revisionCommands = await import('./revision-commands.ts')
  if (revisionCommands.isFileCommand(command, values)) {
    // The revision files alone (heads, merge, show…): no connection, as Flask-Migrate's.
    // The dialect is never used by these; an app without a URL still gets one.
    const [{ resolveConfig }, { createOrmDialect }, { Migrations }] = await Promise.all([
      import('../config/resolve-config.ts'), import('../dialect/create-orm-dialect.ts'), import('../migration/migrations.ts')
    ])
    const dialect = await createOrmDialect(resolveConfig({ url: target.url ?? 'sqlite://:memory:' }).default, () => undefined)
    try {
      return await revisionCommands.runRevisionCommand(command, new Migrations(undefined, dialect, [], { dir: target.dir }), values, positionals, output, env) ?? 0
    } finally {
      await dialect.closeUnused()
    }
  }

  // The shell and scripts get a Fastify app; the other commands need only the engine.
  if (command === 'shell' || command === 'run') {
    const script = command === 'run' ? await (await import('./run-script.ts')).loadScript(positionals[0] as string, debug) : undefined
    const fastify = await openApp(app, url, dir, bindsOption(databases))
    try {
      if (script !== undefined) return await (await import('./run-script.ts')).runScript(script, fastify, passed)
      const { startShell } = await import('./shell.ts')
      // The models by name too (`Movie`, not only `models.Movie`), as flask shell's app context has them.
      return await startShell(fastify, output, { ...app.exports, ...app.models }, { command: values.command as string | undefined, models: app.models })
    } finally {
      await fastify.close()
    }
  }
  const { connectEngines } = await import('../plugin/connect-engines.ts')
  const engines = await connectEngines({ url, binds: bindsOption(databases), models: app.models, migrations: { dir } }, SILENT)
  try {
    if (everyDatabase) return await (await import('./every-database.ts')).runOnEveryDatabase(command, engines.db, databases, values, positionals, output, env)
    return await runOnline(command, engines, target, values, positionals, output, env)
  } finally {
    await Promise.all(engines.all.map((engine) => engine.close()))
  }
}

/** The engines' logger in the CLI: quiet, as Fastify's `logger: false` was. */
const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined }

/** One database's command: the default database's, or the one `--bind` names. */
async function runOnline (
  command: string, app: Pick<FastifyInstance, 'db'>, target: CliDatabase, values: Record<string, unknown>, positionals: string[],
  output: CliOutput, env: NodeJS.ProcessEnv
): Promise<number> {
  const migrations = app.db.bind(target.name).migrations()
  const { runRevisionCommand } = await import('./revision-commands.ts')
  const graphCode = await runRevisionCommand(command, migrations, values, positionals, output, env)
  if (graphCode !== undefined) return graphCode
  switch (command) {
    case 'migrate':
      return await (await import('./autogenerate-commands.ts')).migrateCommand(migrations, values, output)
    case 'stamp':
      await migrations.stamp(positionals[0] as string)
      output.out(`Stamped the database at ${(await migrations.current()) ?? 'base'}`)
      return 0
    case 'check':
      return await (await import('./autogenerate-commands.ts')).checkCommand(migrations, output, target.name === 'default' ? undefined : target.name)
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
  }
  throw new UsageError(`Unknown command "${command}".`)
}

/** A Fastify app with fastify-orm registered on the module's models and binds: what `shell` and `run` use. */
async function openApp (app: AppModule, url: string | undefined, dir: string, binds: Record<string, string>): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: fastifyOrm }] = await Promise.all([import('fastify'), import('../plugin.ts')])
  const fastify = Fastify({ logger: false })
  // No schema check: these commands are how a database behind its models is brought up to date.
  await fastify.register(fastifyOrm, { url, binds, models: app.models, migrations: { dir }, checkSchema: false })
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

/**
 * `run SCRIPT ARGS…`: the command's own options come before SCRIPT; SCRIPT and everything
 * after it are returned apart, so the script's `--flags` are not taken for the CLI's.
 */
function splitPassed (args: readonly string[]): [own: string[], passed: string[]] {
  const takesValue = new Set(Object.entries(GLOBAL_OPTIONS).filter(([, option]) => option.type === 'string').map(([name]) => `--${name}`))
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string
    if (arg === '--') return [[...args.slice(0, index), ...args.slice(index, index + 2)], args.slice(index + 2)]
    if (!arg.startsWith('-')) return [args.slice(0, index + 1), args.slice(index + 1)]
    if (takesValue.has(arg)) index++
  }
  return [[...args], []]
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
