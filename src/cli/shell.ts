import { start } from 'node:repl'
import type { FastifyInstance } from 'fastify'
import type { CliOutput } from './cli-output.ts'

/**
 * `flask shell`: a REPL whose globals are the app module's exports (the models), `app` (a
 * Fastify app with fastify-orm registered, so `app.db` is the engine) and `db` (a session
 * from `app.db.session()`, closed on exit). Top-level `await` works, as in Node's REPL.
 *
 * @example
 * ```ts
 * await startShell(app, output, { Movie, User })
 * // > await db.query(Movie).count()
 * ```
 */
export async function startShell (app: FastifyInstance, output: CliOutput, globals: Readonly<Record<string, unknown>>): Promise<void> {
  const db = app.db.session()
  const names = Object.keys(globals).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name))
  output.out(`fastify-orm shell (${app.db.dialect}). Globals: app, db, ${names.join(', ')}. Exit with .exit or Ctrl-D.`)
  const repl = start({ prompt: 'orm> ', useGlobal: false, terminal: process.stdin.isTTY === true, ignoreUndefined: true })
  for (const name of names) repl.context[name] = globals[name]
  repl.context.app = app
  repl.context.db = db
  await new Promise<void>((resolve) => repl.once('exit', resolve))
  await db.close()
}
