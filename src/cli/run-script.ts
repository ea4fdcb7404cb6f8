import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { importTypescript } from './typescript-loader.ts'
import { UsageError } from './usage-error.ts'

/** What a script run by `fastify-orm run` default-exports. */
export type ScriptFunction = (app: FastifyInstance, args: readonly string[]) => unknown

/**
 * Imports a script for `fastify-orm run` before the app is opened: a wrong path or a
 * module without a default-exported function is a usage error, and no database is touched.
 * `.ts` scripts load as the app module does (Node's type stripping, or tsx).
 *
 * @example
 * ```ts
 * const script = await loadScript('scripts/populate.ts')
 * ```
 */
export async function loadScript (path: string, debug?: (line: string) => void): Promise<ScriptFunction> {
  const file = resolve(path)
  if (!existsSync(file)) throw new UsageError(`The script ${path} does not exist.`)
  const exports = await importTypescript(pathToFileURL(file).href, debug, true)
  if (typeof exports.default !== 'function') {
    throw new UsageError(`The script ${path} has no default-exported function. Write: export default async function (app, args) { … }`)
  }
  return exports.default as ScriptFunction
}

/**
 * `fastify-orm run SCRIPT [ARGS…]`, Flask's custom commands: calls the script's default
 * export with the ready app (`app.db` is the engine) and the arguments after the script's
 * path, and awaits it. A number it returns is the exit code; otherwise 0. The caller closes
 * the app afterwards, when the script throws too.
 *
 * @example
 * ```ts
 * process.exitCode = await runScript(await loadScript('scripts/populate.ts'), app, ['--count', '10'])
 * ```
 */
export async function runScript (script: ScriptFunction, app: FastifyInstance, args: readonly string[]): Promise<number> {
  const result = await script(app, args)
  if (typeof result === 'number' && Number.isInteger(result) && result >= 0 && result <= 255) return result
  return 0
}
