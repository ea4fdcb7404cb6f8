// Shared by the migration tests (not a test file itself: tap only runs *.test.ts).
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The package's own entry point as revisions in temp folders import it. */
export const ORM_ENTRY = pathToFileURL(fileURLToPath(new URL('../../src/index.ts', import.meta.url))).href

/** The built bin (`npm test` builds before tap runs). */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

/** A hand-written revision file; `up` and `down` are the bodies of the two functions. */
export function writeRevision (dir: string, spec: { id: string, parent: string | null | readonly string[], message: string, up: string, down: string, name?: string }): string {
  const file = join(dir, spec.name ?? `${spec.id}_${spec.message.toLowerCase().replace(/\W+/g, '_')}.ts`)
  writeFileSync(file, `// ${spec.message}
import { c, type MigrationContext } from '${ORM_ENTRY}'

export const revision = '${spec.id}'
export const parent: string | null | string[] = ${JSON.stringify(spec.parent)}
export const message = '${spec.message}'
export const createdAt = '2026-12-02T00:00:00.000Z'

export async function up ({ db, t, op }: MigrationContext): Promise<void> {
  void c; void t; void op
${spec.up}
}

export async function down ({ db, t, op }: MigrationContext): Promise<void> {
  void c; void t; void op
${spec.down}
}
`)
  return file
}

/** Runs the built CLI in a child process; never throws, returns the exit code and output. */
export async function cli (args: readonly string[], options: { cwd?: string, env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number, stdout?: string, stderr?: string }
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

/** An app module with the movies tutorial's model; `extra` adds columns. */
export const movieModule = (extra: string) => `import { c, defineModel } from 'fastify-orm'

export const Movie = defineModel('Movie', {
  id: c.integer().primaryKey(),
  title: c.string(120),
  year: c.integer(),
  directors: c.array(c.string(100)),
  theatre: c.boolean().default(true)${extra}
})

export const models = { Movie }
`

/** The CLI's own code in this process, its output captured (for steps that need no child process). */
export async function runInProcess (args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number, stdout: string, stderr: string }> {
  const { runCli } = await import('../../src/cli/run.ts')
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(args, { out: (line) => { out.push(line) }, err: (line) => { err.push(line) } }, { ...process.env, ...env })
  return { code, stdout: out.map((line) => `${line}\n`).join(''), stderr: err.map((line) => `${line}\n`).join('') }
}
