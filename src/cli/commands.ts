/** One CLI command: its usage line, what it does, and the options it takes besides the global ones. */
export interface CommandSpec {
  readonly usage: string
  readonly summary: string
  readonly options: Readonly<Record<string, { type: 'string' | 'boolean', short?: string, multiple?: boolean, help: string }>>
  /** Positional arguments: how many at most, and how many at least. */
  readonly positionals: readonly [min: number, max: number]
  /** Needs the app module (models). */
  readonly needsApp: boolean
  /** Everything after the first positional is that positional's own arguments, not parsed here (`run SCRIPT ARGS…`). */
  readonly passesArguments?: boolean
}

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  app: { type: 'string', help: 'the module exporting `models` (.ts or .js); env FASTIFY_ORM_APP' },
  url: { type: 'string', help: 'database URL; env DATABASE_URL, else the module\'s `databaseUrl` export (with --bind: that bind\'s)' },
  dir: { type: 'string', help: 'migrations folder; default the module\'s `migrationsDir` export, else ./migrations' },
  bind: { type: 'string', help: 'the migration commands work on this bind (the module\'s `binds` export) and its folder DIR/NAME; env DATABASE_URL_NAME' },
  help: { type: 'boolean', short: 'h', help: 'show this help' }
} as const

const sql = { type: 'boolean', help: 'print the SQL instead of running it; the database is not touched. TARGET may be FROM:TO' } as const

/** Flask-Migrate's `flask db …` commands, plus `shell`, `create-all`, `drop-all` and `diagram`. */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  init: {
    usage: 'init [--multidb]',
    summary: 'create the migrations folder (--dir, else the app module\'s `migrationsDir`, else ./migrations)',
    options: { multidb: { type: 'boolean', help: 'also a folder DIR/NAME for each bind the app module exports (run again after adding a bind)' } },
    positionals: [0, 0],
    needsApp: false
  },
  migrate: {
    usage: 'migrate -m MESSAGE [--rename-table OLD:NEW] [--rename-column TABLE.OLD:NEW] [--js] [--from-empty]',
    summary: 'autogenerate a revision from the differences between the models and the database',
    options: {
      message: { type: 'string', short: 'm', help: 'the revision\'s message (required)' },
      'rename-table': { type: 'string', multiple: true, help: 'a table renamed from OLD to NEW (renames are never guessed)' },
      'rename-column': { type: 'string', multiple: true, help: 'a column of TABLE renamed from OLD to NEW' },
      js: { type: 'boolean', help: 'write the revision as .js (default .ts, or what the last revision is)' },
      empty: { type: 'boolean', help: 'write an empty revision to fill in by hand (as the revision command), without comparing' },
      head: { type: 'string', help: 'with --empty: the head the revision follows, when there are several' },
      'from-empty': { type: 'boolean', help: 'first revision only: compare with an empty schema, so it creates every table (then stamp head where they exist)' }
    },
    positionals: [0, 0],
    needsApp: true
  },
  revision: {
    usage: 'revision -m MESSAGE [--head REVISION] [--js]',
    summary: 'write an empty revision after the head, to fill in by hand (a data migration)',
    options: {
      message: { type: 'string', short: 'm', help: 'the revision\'s message (required)' },
      head: { type: 'string', help: 'the head the revision follows, when there are several' },
      js: { type: 'boolean', help: 'write the revision as .js (default .ts, or what the last revision is)' }
    },
    positionals: [0, 0],
    needsApp: true
  },
  merge: {
    usage: 'merge -m MESSAGE [REVISION...] [--js]',
    summary: 'write a revision joining REVISIONs (default: every head) into one head; its up and down are empty',
    options: {
      message: { type: 'string', short: 'm', help: 'the merge revision\'s message (required)' },
      js: { type: 'boolean', help: 'write the revision as .js (default .ts, or what the last revision is)' }
    },
    positionals: [0, 64],
    needsApp: true
  },
  upgrade: { usage: 'upgrade [TARGET] [--sql]', summary: 'apply revisions up to TARGET: head (default), heads (every branch), a revision id, +N', options: { sql }, positionals: [0, 1], needsApp: true },
  downgrade: { usage: 'downgrade [TARGET] [--sql]', summary: 'revert revisions down to TARGET: -1 (default), -N, a revision id, base', options: { sql }, positionals: [0, 1], needsApp: true },
  current: { usage: 'current', summary: 'print the database\'s revision (one line per unmerged branch)', options: {}, positionals: [0, 0], needsApp: true },
  history: { usage: 'history', summary: 'list the revisions, newest first, marking heads, branch points, merge points, the current and the pending ones', options: {}, positionals: [0, 0], needsApp: true },
  heads: { usage: 'heads', summary: 'list the heads: the revisions no other one builds on', options: {}, positionals: [0, 0], needsApp: true },
  branches: { usage: 'branches', summary: 'list the branch points (revisions with several children) and their children', options: {}, positionals: [0, 0], needsApp: true },
  show: { usage: 'show REVISION', summary: 'print a revision: id, parents, message, file, and its up and down', options: {}, positionals: [1, 1], needsApp: true },
  edit: { usage: 'edit REVISION', summary: 'open a revision file in $VISUAL or $EDITOR', options: {}, positionals: [1, 1], needsApp: true },
  stamp: { usage: 'stamp TARGET', summary: 'set the database\'s revision without running anything', options: {}, positionals: [1, 1], needsApp: true },
  check: { usage: 'check', summary: 'exit 1 and list the differences when the models and the database differ', options: {}, positionals: [0, 0], needsApp: true },
  'create-all': { usage: 'create-all', summary: 'create the missing tables (app.db.createAll())', options: {}, positionals: [0, 0], needsApp: true },
  'drop-all': { usage: 'drop-all', summary: 'drop the models\' tables (app.db.dropAll())', options: {}, positionals: [0, 0], needsApp: true },
  diagram: {
    usage: 'diagram [--format svg|mermaid]',
    summary: 'print the models\' diagram (tables, keys, relationships) as SVG or Mermaid; no database needed',
    options: { format: { type: 'string', help: 'svg (default): a standalone SVG document; mermaid: a Mermaid erDiagram' } },
    positionals: [0, 0],
    needsApp: true
  },
  shell: {
    usage: 'shell [-c CODE]',
    summary: 'a REPL with the models, `db` (a session), `app` and top-level await; inputs run in order',
    options: { command: { type: 'string', short: 'c', help: 'run CODE as the only input, print its value and exit (1 and the message on stderr if it throws)' } },
    positionals: [0, 0],
    needsApp: true
  },
  run: {
    usage: 'run SCRIPT [ARGS...]',
    summary: 'run SCRIPT (.ts or .js), which default-exports async function (app, args), with the app ready; closed after',
    options: {},
    positionals: [1, 1],
    needsApp: true,
    passesArguments: true
  }
}

/** The commands that work on one database's revisions: `--bind NAME` says which. */
export const MIGRATION_COMMANDS: ReadonlySet<string> = new Set([
  'migrate', 'revision', 'merge', 'upgrade', 'downgrade', 'current', 'history', 'heads', 'branches', 'show', 'edit', 'stamp', 'check'
])

/**
 * The help text of one command, or of the whole CLI when `command` is undefined.
 *
 * @example
 * ```ts
 * console.log(helpText('upgrade'))
 * ```
 */
export function helpText (command?: string): string {
  const options = (entries: CommandSpec['options']): string[] => Object.entries(entries).map(([name, option]) =>
    `  ${`${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'string' ? ' VALUE' : ''}`.padEnd(28)}${option.help}`)
  const spec = command === undefined ? undefined : COMMANDS[command]
  if (spec) {
    const bind = MIGRATION_COMMANDS.has(command as string) ? ' [--bind NAME]' : ''
    return [`Usage: fastify-orm ${spec.usage} [--app MODULE] [--url URL] [--dir DIR]${bind}`, '', spec.summary, '', 'Options:', ...options(spec.options), ...options(GLOBAL_OPTIONS)].join('\n')
  }
  return [
    'Usage: fastify-orm COMMAND [options]', '',
    'Flask-Migrate for fastify-orm: migrations autogenerated from your models, a shell, and a diagram of the models.', '',
    'Commands:', ...Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(12)}${entry.summary}`), '',
    'Global options:', ...options(GLOBAL_OPTIONS), '',
    'With binds, upgrade, current, check and migrate work on every database unless --bind names one; the other commands on the default database.',
    'Run fastify-orm COMMAND --help for a command\'s options. Exit codes: 0 success, 1 failure or a check difference, 2 usage error.'
  ].join('\n')
}
