// How the CLI loads .ts app modules and revisions: by Node's own type stripping where the
// Node running it has it (22.18+, 24), through tsx where it has not (20) or where a file
// needs more than its types removed. The bin runs as a child process on the Node that runs
// this test, with FASTIFY_ORM_DEBUG=1 so that it says which way each file was loaded.
import { join } from 'node:path'
import t from 'tap'
import { needsTsx, typescriptLoading } from '../../src/cli/typescript-loader.ts'
import { cli } from './support.ts'

const NATIVE = typescriptLoading({ features: process.features, execArgv: [], env: {} }) === 'native'
const STRIPPED = "loaded by Node.js's type stripping"
const TSX_ONLY = `loaded through tsx (Node.js ${process.versions.node} does not strip types)`
/** What the debug line says for a file Node's stripping cannot load: the fallback, or tsx from the start on Node 20. */
const fellBack = (reason: RegExp): RegExp => NATIVE ? new RegExp(`loaded through tsx \\(Node\\.js's type stripping could not: ${reason.source}`) : /loaded through tsx \(Node\.js [\d.]+ does not strip types\)/

const MODELS = `import { c, defineModel } from 'fastify-orm'
import type { AnyModel } from 'fastify-orm'

export const Note = defineModel('Note', { id: c.integer().primaryKey(), body: c.text() })
export const models: Record<string, AnyModel> = { Note }
`

/** A revision creating the note table; `extra` is added at the top level. */
const revision = (extra = '') => `import type { MigrationContext } from 'fastify-orm'
${extra}
export const revision = 'a1b2c3d4e5f6'
export const parent: string | null = null
export const message = 'Create note'

export async function up ({ db }: MigrationContext): Promise<void> {
  await db.schema.createTable('note').addColumn('id', 'integer', (col) => col.primaryKey()).addColumn('body', 'text').execute()
}

export async function down ({ db }: MigrationContext): Promise<void> {
  await db.schema.dropTable('note').execute()
}
`

/** `history` on an app folder, with the debug lines: exit code, stdout and the debug lines by file name. */
async function history (dir: string, app = 'app.ts'): Promise<{ code: number, stdout: string, stderr: string, loaded: Record<string, string> }> {
  // NODE_OPTIONS cleared: a loader inherited from the shell would decide instead of the CLI.
  const result = await cli(['history', '--app', join(dir, app), '--url', `sqlite:///${join(dir, 'app.db')}`, '--dir', join(dir, 'migrations')],
    { env: { FASTIFY_ORM_DEBUG: '1', NODE_OPTIONS: '' } })
  const loaded: Record<string, string> = {}
  for (const match of result.stderr.matchAll(/^fastify-orm: debug: .*\/([^/]+) (loaded .*)$/gm)) loaded[match[1] as string] = match[2] as string
  return { ...result, loaded }
}

t.test('which way a process loads .ts', async (t) => {
  t.equal(typescriptLoading({ features: { typescript: 'strip' }, execArgv: [], env: {} }), 'native')
  t.equal(typescriptLoading({ features: { typescript: 'transform' }, execArgv: [], env: {} }), 'native')
  t.equal(typescriptLoading({ features: {}, execArgv: [], env: {} }), 'tsx', 'Node 20 has no process.features.typescript')
  t.equal(typescriptLoading({ features: { typescript: false }, execArgv: [], env: {} }), 'tsx', '--no-experimental-strip-types')
  t.equal(typescriptLoading({ features: { typescript: 'strip' }, execArgv: ['--import', 'tsx'], env: {} }), 'loader', 'run under tsx')
  t.equal(typescriptLoading({ features: {}, execArgv: [], env: { NODE_OPTIONS: '--import tsx' } }), 'loader')
  t.equal(typescriptLoading({ features: {}, execArgv: [], env: { NODE_OPTIONS: '--max-old-space-size=4096' } }), 'tsx')
  t.equal(NATIVE, ['strip', 'transform'].includes(String((process.features as { typescript?: unknown }).typescript)), `this Node (${process.version})`)

  const coded = (code: string) => Object.assign(new Error(code), { code })
  for (const code of ['ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX', 'ERR_MODULE_NOT_FOUND', 'ERR_UNKNOWN_FILE_EXTENSION', 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING']) {
    t.ok(needsTsx(coded(code)), `${code}: tsx may load it`)
  }
  t.ok(needsTsx(new SyntaxError('Invalid or unexpected token')), 'a decorator left by stripping')
  t.notOk(needsTsx(new Error('boom')), 'an error the module throws is its own')
  t.notOk(needsTsx(coded('ECONNREFUSED')))
  t.notOk(needsTsx(undefined))
})

t.test('a strippable app and revision load without tsx where Node strips types', async (t) => {
  const dir = t.testdir({
    'app.ts': "import { models } from './models.ts'\nexport { models }\nexport const label: string = 'notes'\n",
    'models.ts': MODELS,
    migrations: { 'a1b2c3d4e5f6_create_note.ts': revision() }
  })
  const result = await history(dir)
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, '<base> -> a1b2c3d4e5f6 (head) (pending), Create note')
  t.equal(result.loaded['app.ts'], NATIVE ? STRIPPED : TSX_ONLY)
  t.equal(result.loaded['a1b2c3d4e5f6_create_note.ts'], NATIVE ? STRIPPED : TSX_ONLY)
})

t.test('an app that needs more than type stripping falls back to tsx, and its revisions follow', async (t) => {
  const dir = t.testdir({
    'enum-app.ts': "import { models } from './enum-models.ts'\nexport { models }\n",
    'enum-models.ts': `${MODELS}export enum Mood { Happy = 'happy', Sad = 'sad' }\n`,
    'extensionless-app.ts': "import { models } from './models'\nexport { models }\n",
    'models.ts': MODELS,
    migrations: { 'a1b2c3d4e5f6_create_note.ts': revision() }
  })
  const enumApp = await history(dir, 'enum-app.ts')
  t.equal(enumApp.code, 0, enumApp.stderr)
  t.match(enumApp.stdout, '<base> -> a1b2c3d4e5f6 (head) (pending), Create note')
  if (/running the command again through tsx/.test(enumApp.stderr)) {
    // Node 22: the module that failed to strip stays in its cache; the command ran again under tsx.
    t.match(enumApp.stderr, /enum-app\.ts needs tsx, and Node\.js 22\.[\d.]+ keeps its failed import/)
    t.equal(enumApp.loaded['enum-app.ts'], 'loaded by the TypeScript loader this process runs with')
    t.equal(enumApp.loaded['a1b2c3d4e5f6_create_note.ts'], 'loaded by the TypeScript loader this process runs with')
  } else {
    t.match(enumApp.loaded['enum-app.ts'], fellBack(/TypeScript enum is not supported in strip-only mode/))
    t.equal(enumApp.loaded['a1b2c3d4e5f6_create_note.ts'], NATIVE ? 'loaded through tsx (registered for an earlier file)' : TSX_ONLY, 'tsx stays registered')
  }
  const extensionless = await history(dir, 'extensionless-app.ts')
  t.equal(extensionless.code, 0, extensionless.stderr)
  t.match(extensionless.loaded['extensionless-app.ts'], fellBack(/Cannot find module '.*\/models' imported from/))
})

t.test('a revision that needs more than type stripping falls back to tsx alone', async (t) => {
  const dir = t.testdir({
    'app.ts': MODELS,
    migrations: { 'a1b2c3d4e5f6_create_note.ts': revision('enum Unused { A }\nvoid Unused.A\n') }
  })
  const result = await history(dir)
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, '<base> -> a1b2c3d4e5f6 (head) (pending), Create note')
  t.equal(result.loaded['app.ts'], NATIVE ? STRIPPED : TSX_ONLY)
  t.match(result.loaded['a1b2c3d4e5f6_create_note.ts'], fellBack(/TypeScript enum is not supported in strip-only mode/))
})

t.test('an error the app throws is reported as it is, not retried through tsx', async (t) => {
  const dir = t.testdir({ 'app.ts': "export const models: object = {}\nthrow new Error('the app module failed on purpose')\n" })
  const result = await history(dir)
  t.equal(result.code, 1)
  t.match(result.stderr, /^fastify-orm: error: the app module failed on purpose$/m)
  t.notMatch(result.stderr, /loaded/, 'nothing was loaded')
})
