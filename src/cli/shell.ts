import type { EventEmitter } from 'node:events'
import { createInterface } from 'node:readline'
import { Recoverable, start, type REPLEval, type REPLServer } from 'node:repl'
import { PassThrough, type Readable, type Writable } from 'node:stream'
import { inspect } from 'node:util'
import type { FastifyInstance } from 'fastify'
import type { AnyModel } from '../model/define-model.ts'
import { ModelRegistry } from '../model/registry.ts'
import type { ModelRelations } from '../model/relations.ts'
import type { CliOutput } from './cli-output.ts'

/** Where the shell reads and writes, and whether it runs one input (`-c`) instead of reading. */
export interface ShellOptions {
  /** `shell -c CODE`: run CODE alone (no REPL), print its value; what it throws is thrown. */
  readonly command?: string
  /** The models object of the app module, for `.models`. */
  readonly models: Readonly<Record<string, AnyModel | ModelRelations>>
  readonly input?: Readable & { isTTY?: boolean }
  readonly output?: Writable
}

const PROMPT = 'orm> '

/**
 * `flask shell`: a REPL whose globals are the app module's exports (the models), `app` (a
 * Fastify app with fastify-orm registered, so `app.db` is the engine) and `db` (a session
 * from `app.db.session()`, closed on exit). Top-level `await` works, as in Node's REPL.
 *
 * Inputs are evaluated one after the other, each awaited before the next is read: lines
 * piped in run in order (Node's REPL alone would start the next line while an `await` of
 * the previous one is pending). Returns the exit code: 1 when an input piped in threw (the
 * REPL printed it and went on), else 0. With `command` (`-c`), CODE is the only input and
 * what it throws is thrown, for the CLI to print and exit 1.
 *
 * @example
 * ```ts
 * await startShell(app, output, { Movie, User }, { models })
 * // orm> await db.query(Movie).count()
 * ```
 */
export async function startShell (
  app: FastifyInstance, output: CliOutput, globals: Readonly<Record<string, unknown>>, options: ShellOptions
): Promise<number> {
  const input = options.input ?? process.stdin
  const db = app.db.session()
  const names = Object.keys(globals).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name))
  if (options.command !== undefined) {
    try {
      const value = await runCode(options.command, { ...pick(globals, names), app, db })
      if (value !== undefined) output.out(inspect(value, { colors: false }))
      return 0
    } finally {
      await db.close()
    }
  }
  const interactive = input.isTTY === true
  output.out(`fastify-orm shell (${app.db.dialect}). Globals: app, db, ${names.join(', ')}. Models: .models. Exit with .exit or Ctrl-D.`)
  // A terminal is Node's REPL on stdin as is (line editing, history): a person types one
  // input at a time. Anything else is fed to it line by line through `feed`.
  const feed = interactive ? undefined : new PassThrough()
  const repl = start({
    prompt: PROMPT,
    input: feed ?? input,
    output: options.output ?? process.stdout,
    useGlobal: false,
    terminal: interactive,
    ignoreUndefined: true
  })
  for (const name of names) repl.context[name] = globals[name]
  repl.context.app = app
  repl.context.db = db
  repl.defineCommand('models', {
    help: 'List the registered models: table, columns and relationships',
    action () {
      for (const line of modelLines(options.models)) this.output.write(`${line}\n`)
      this.displayPrompt()
    }
  })
  const errors: unknown[] = []
  watchErrors(repl, errors)
  const exited = new Promise<void>((resolve) => repl.once('exit', resolve))
  try {
    if (feed !== undefined) {
      await feedInOrder(repl, feed, createInterface({ input, crlfDelay: Infinity }), exited)
      feed.end()
    }
    await exited
  } finally {
    await db.close()
  }
  return errors.length > 0 && !interactive ? 1 : 0
}

/**
 * Writes each line to the REPL once it shows its prompt again, i.e. once the previous input
 * (and every `await` in it) is done. The REPL shows a prompt after every evaluation, after
 * an incomplete line (`... `) and after a dot-command; `.exit` ends the feed.
 */
async function feedInOrder (
  repl: REPLServer, feed: PassThrough, lines: AsyncIterable<string>, exited: Promise<void>
): Promise<void> {
  let ready: (() => void) | undefined
  const display = repl.displayPrompt.bind(repl)
  repl.displayPrompt = (preserveCursor?: boolean) => {
    display(preserveCursor)
    const resolve = ready
    ready = undefined
    resolve?.()
  }
  let closed = false
  void exited.then(() => { closed = true; ready?.() })
  for await (const line of lines) {
    if (closed) return
    const shown = new Promise<void>((resolve) => { ready = resolve })
    feed.write(`${line}\n`)
    await shown
  }
}

/**
 * Keeps the errors the inputs threw (not an incomplete line's: the REPL waits for the rest),
 * for the exit code. The REPL reports a synchronous throw and a rejected `await` to its
 * domain rather than to the evaluation's callback, so both are watched; it prints them.
 */
function watchErrors (repl: REPLServer, errors: unknown[]): void {
  const evaluate = repl.eval
  const wrapped: REPLEval = function (this: REPLServer, code, context, file, callback) {
    evaluate.call(this, code, context, file, (error, result) => {
      if (error !== null && error !== undefined && !(error instanceof Recoverable)) errors.push(error)
      callback(error, result)
    })
  }
  // Node's type has `eval` read-only; the REPL itself calls `this.eval`, so replacing it works.
  ;(repl as { eval: REPLEval }).eval = wrapped
  ;(repl as unknown as { _domain?: EventEmitter })._domain?.on('error', (error: unknown) => { errors.push(error) })
}

const AsyncFunction = (async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>

/**
 * `shell -c CODE`: CODE as an expression (its value is returned, so printed) when it is one,
 * else as statements; `await` works in both. The globals are the function's parameters.
 */
async function runCode (code: string, globals: Readonly<Record<string, unknown>>): Promise<unknown> {
  // A reserved word (an app module's `default` export) cannot be a parameter: left out.
  const names = Object.keys(globals).filter(isParameterName)
  let run: (...values: unknown[]) => Promise<unknown>
  try {
    run = new AsyncFunction(...names, `return (\n${code}\n)`)
  } catch {
    run = new AsyncFunction(...names, code)
  }
  return await run(...names.map((name) => globals[name]))
}

function isParameterName (name: string): boolean {
  try {
    void new Function(name, '') // parses the name, runs nothing
    return true
  } catch {
    return false
  }
}

function pick (values: Readonly<Record<string, unknown>>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((name) => [name, values[name]]))
}

/** `.models`: one line per registered table, grouped by bind. */
function modelLines (models: ShellOptions['models']): string[] {
  const registry = new ModelRegistry(models)
  const lines: string[] = []
  for (const bind of registry.binds) {
    for (const table of registry.tablesOf(bind)) {
      const relations = [...table.relations.values()].map((relation) => `${relation.name} (${relation.kind} ${relation.target.modelName})`)
      lines.push(
        `${table.modelName} -> table ${table.tableName}${bind === 'default' ? '' : ` (bind ${bind})`}: ` +
        table.columns.map((column) => column.property).join(', ') +
        (relations.length > 0 ? `; relationships: ${relations.join(', ')}` : '')
      )
    }
  }
  return lines
}
