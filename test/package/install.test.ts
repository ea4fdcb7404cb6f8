// The package as a user gets it: `npm pack`, the tarball installed into a new app outside
// the repository with only fastify-orm's runtime dependencies plus `fastify` and `pg` (no
// better-sqlite3, mysql2 or tsx), then its types, source maps, a route on PostgreSQL and
// the CLI, all run in that app. Packs the dist/ that `npm run build` made (`npm test` builds
// first) without running `prepare`, so that no other test sees dist/ rewritten under it.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { createTestDatabase } from '../helpers/databases.ts'
import { ROOT } from '../readme/readme.ts'

const run = promisify(execFile)

/** The environment of the app's commands: none of the npm settings of the `npm test` running this. */
function appEnv (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_globalconfig'])
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|init_cwd$|node_options$|database_url$|fastify_orm_)/i.test(name) && !keep.has(name.toLowerCase())) continue
    env[name] = value
  }
  return { ...env, ...extra }
}

async function sh (file: string, args: readonly string[], cwd: string, extra?: NodeJS.ProcessEnv): Promise<{ stdout: string, stderr: string }> {
  try {
    return await run(file, args, { cwd, env: appEnv(extra), timeout: 120_000, maxBuffer: 16 * 1024 * 1024 })
  } catch (error) {
    const failed = error as Error & { stdout?: string, stderr?: string }
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`)
  }
}

const version = (name: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string, dependencies: Record<string, string> }

if (!existsSync(join(ROOT, 'dist/index.js'))) throw new Error('dist/ is not built: run `npm run build` (npm test does) before this test')

const app = mkdtempSync(join(tmpdir(), 'fastify-orm-app-'))
t.teardown(() => rmSync(app, { recursive: true, force: true }))
const installed = join(app, 'node_modules', manifest.name)
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

t.before(async () => {
  const packed = JSON.parse((await sh(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', app], ROOT)).stdout) as Array<{ filename: string }>
  const tarball = join(app, packed[0]!.filename)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-app', version: '1.0.0', private: true, type: 'module' }, null, 2))
  // The versions this repository tests with, so that an npm cache that holds them is enough.
  await sh(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', '--loglevel=error',
    tarball, `fastify@${version('fastify')}`, `pg@${version('pg')}`], app)
})

t.test('only the runtime dependencies, fastify and pg are installed', async (t) => {
  const present = (name: string): boolean => existsSync(join(app, 'node_modules', name, 'package.json'))
  for (const name of [...Object.keys(manifest.dependencies), 'fastify', 'pg']) t.ok(present(name), `${name} is installed`)
  t.ok(present('typebox'), 'typebox, a required peer dependency, is installed with it')
  for (const name of ['better-sqlite3', 'mysql2', 'tsx', 'typescript', '@opentelemetry/api']) t.notOk(present(name), `${name} is not installed`)
  t.notOk(existsSync(join(installed, 'node_modules')), 'nothing is nested under fastify-orm')
})

t.test('the package holds the build, its sources and no tests', async (t) => {
  const top = readdirSync(installed).sort()
  t.strictSame(top, ['LICENSE', 'README.md', 'dist', 'package.json', 'src'])
  t.ok(existsSync(join(installed, 'dist/cli/main.js')), 'the CLI')
  t.ok(existsSync(join(installed, 'dist/index.d.ts')), 'the types')
})

t.test('every source map points at files that are in the package', async (t) => {
  const maps = readdirSync(join(installed, 'dist'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.map'))
  t.ok(maps.length > 50, `${maps.length} maps (.js.map and .d.ts.map)`)
  const missing: string[] = []
  for (const file of maps) {
    const path = join(installed, 'dist', file)
    const map = JSON.parse(readFileSync(path, 'utf8')) as { sources: string[], sourceRoot?: string }
    for (const source of map.sources) {
      const target = resolve(dirname(path), map.sourceRoot ?? '', source)
      if (!target.startsWith(installed) || !existsSync(target)) missing.push(`${file} → ${source}`)
    }
  }
  t.strictSame(missing, [], 'no source is missing')
})

t.test('the types compile in the app, and the published declarations in themselves; internals are not in them', async (t) => {
  writeFileSync(join(app, 'check.ts'), `import Fastify from 'fastify'
import fastifyOrm, { c, defineModel, fastifyOrm as named, type MigrationContext } from 'fastify-orm'
// @ts-expect-error not part of the public API
import type { ModelRegistry } from 'fastify-orm'

export const Note = defineModel('Note', { id: c.integer().primaryKey(), body: c.string(200) })
export const models = { Note }
declare module 'fastify-orm' {
  interface Register { models: typeof models }
}

const app = Fastify()
await app.register(fastifyOrm, { url: 'postgresql://app@db/app', models })
app.get('/notes/:id', async (request) => {
  const note = await request.db.getOr404(Note, (request.params as { id: string }).id)
  const body: string = note.body
  const rows: Array<{ id: number, body: string }> = await request.db.kysely.selectFrom('note').select(['id', 'body']).execute()
  // @ts-expect-error an @internal member of the engine
  void app.db.mapperOf
  return { body, rows }
})
export const up = async ({ db }: MigrationContext): Promise<void> => { await db.schema.dropTable('note').execute() }
export const same: typeof fastifyOrm = named
`)
  // The app's view: 'fastify-orm' resolved from its node_modules. Every declaration file of
  // the package is checked, reachable from its entry or not (skipLibCheck: false), but not
  // the other libraries', which would take longer.
  const { default: ts } = await import('typescript')
  const { options, fileNames, errors } = ts.parseJsonConfigFileContent({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], strict: true, noEmit: true,
      skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')]
    },
    files: ['check.ts']
  }, ts.sys, app)
  const declarations = readdirSync(join(installed, 'dist'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.d.ts'))
  const fromEntry = ts.createProgram(fileNames, options)
  const reachable = new Set(fromEntry.getSourceFiles().map((file) => resolve(file.fileName)))
  const program = ts.createProgram([...fileNames, ...declarations.map((file) => join(installed, 'dist', file))], options, undefined, fromEntry)
  const own = (file: { fileName: string }): boolean => resolve(file.fileName) === join(app, 'check.ts') || resolve(file.fileName).startsWith(installed + sep)
  const files = program.getSourceFiles().filter(own)
  t.ok(files.filter((file) => file.isDeclarationFile).length === declarations.length, `the package's ${declarations.length} declaration files are in the program (${files.length} files checked)`)
  // The driver adapters are typed with @types/pg and @types/better-sqlite3, which an app need
  // not install: that they are missing is fine in files the entry does not reach.
  const driverTypesMissing = (diagnostic: import('typescript').Diagnostic): boolean =>
    diagnostic.code === 7016 && diagnostic.file !== undefined && !reachable.has(resolve(diagnostic.file.fileName)) &&
    /module '(pg|better-sqlite3|mysql2)(\/.*)?'/.test(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
  const diagnostics = [...errors, ...program.getOptionsDiagnostics(), ...files.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)])]
    .filter((diagnostic) => !driverTypesMissing(diagnostic))
  const host = { getCanonicalFileName: (name: string) => name, getCurrentDirectory: () => app, getNewLine: () => '\n' }
  t.equal(ts.formatDiagnostics(diagnostics, host), '', 'no type error')
})

t.test('the entry exports the public API only, and a SQLite URL names the driver to install', async (t) => {
  writeFileSync(join(app, 'exports.js'), `import * as orm from 'fastify-orm'
import Fastify from 'fastify'
const app = Fastify()
const error = await app.register(orm.default, { url: 'sqlite://', models: {} }).ready().then(() => null, (error) => error)
console.log(JSON.stringify({ names: Object.keys(orm), same: orm.default === orm.fastifyOrm, error: { name: error?.name, message: error?.message } }))
`)
  const { names, same, error } = JSON.parse((await sh(process.execPath, ['exports.js'], app)).stdout) as { names: string[], same: boolean, error: { name: string, message: string } }
  t.ok(same, 'fastifyOrm is the default export')
  for (const name of ['default', 'fastifyOrm', 'c', 'defineModel', 'defineTable', 'relations', 'Session', 'Query', 'Pagination', 'OrmError', 'NotFoundError', 'MigrationError']) {
    t.ok(names.includes(name), `${name} is exported`)
  }
  for (const name of ['ModelRegistry', 'resolveConfig', 'parseDatabaseUrl', 'redactUrl', 'snakeCase', 'constraintName', 'resolvePageRequest', 'assertPageInRange']) {
    t.notOk(names.includes(name), `${name} is not exported`)
  }
  t.equal(error.name, 'DriverNotInstalledError')
  t.match(error.message, 'Run: npm install better-sqlite3')
})

t.test('the CLI runs without tsx', async (t) => {
  const { stdout } = await sh(npm, ['exec', '--no', '--', 'fastify-orm', '--help'], app)
  t.match(stdout, /^Usage: fastify-orm COMMAND/, 'npx fastify-orm --help prints the usage')
})

t.test('a .ts app module without tsx installed', async (t) => {
  // `upgrade --sql` loads the app and prints SQL without connecting to the database.
  mkdirSync(join(app, 'no-revisions'))
  const offlineSql = (module: string) => run(join(app, 'node_modules/.bin/fastify-orm'), ['upgrade', '--sql', '--app', module, '--dir', 'no-revisions', '--url', 'postgresql://app@127.0.0.1:1/app'], { cwd: app, env: appEnv() })
    .then(({ stdout }) => ({ code: 0, stdout, stderr: '' }), (error: { code?: number, stdout?: string, stderr?: string }) => ({ code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }))
  writeFileSync(join(app, 'typed-models.ts'), `import { c, defineModel } from 'fastify-orm'
const length: number = 200
export const Note = defineModel('Note', { id: c.integer().primaryKey(), body: c.string(length) })
export const models = { Note }
`)
  writeFileSync(join(app, 'enum-models.ts'), `import { c, defineModel } from 'fastify-orm'
enum Size { Body = 200 }
export const Note = defineModel('Note', { id: c.integer().primaryKey(), body: c.string(Size.Body) })
export const models = { Note }
`)
  const stripsTypes = ['strip', 'transform'].includes(String((process.features as { typescript?: unknown }).typescript))
  const typed = await offlineSql('typed-models.ts')
  const withEnum = await offlineSql('enum-models.ts')
  if (stripsTypes) {
    t.equal(typed.code, 0, `Node.js ${process.versions.node} strips the types itself: ${typed.stderr}`)
    t.equal(withEnum.code, 2, 'an enum needs more than stripping: a usage error')
    t.match(withEnum.stderr, /strips TypeScript types but cannot load .*enum-models\.ts .*Install tsx \(npm install -D tsx\)/)
  } else {
    for (const result of [typed, withEnum]) {
      t.equal(result.code, 2, `Node.js ${process.versions.node} cannot strip types: a usage error`)
      t.match(result.stderr, /Loading a \.ts app or revision here needs tsx: npm install -D tsx/)
    }
  }
  t.notMatch(typed.stderr + withEnum.stderr, /\n\s+at /, 'no stack trace')
})

const database = await createTestDatabase('postgres')
t.test('a route on PostgreSQL, on tables made by the CLI', { skip: typeof database === 'string' ? database : false }, async (t) => {
  if (typeof database === 'string') return
  t.teardown(database.drop)
  writeFileSync(join(app, 'models.js'), `import { c, defineModel } from 'fastify-orm'
export const Note = defineModel('Note', { id: c.integer().primaryKey(), body: c.string(200), createdAt: c.dateTime().default(() => new Date()) }, { naming: 'snake_case' })
export const models = { Note }
`)
  writeFileSync(join(app, 'app.js'), `import Fastify from 'fastify'
import { fastifyOrm } from 'fastify-orm'
import { Note, models } from './models.js'

const app = Fastify()
await app.register(fastifyOrm, { models })
app.post('/notes', { schema: { body: Note.schemas.insert } }, async (request, reply) => {
  const note = request.db.add(Note, request.body)
  await request.db.commit()
  return reply.code(201).send(note)
})
app.get('/notes/:id', async (request) => request.db.getOr404(Note, request.params.id))
const created = await app.inject({ method: 'POST', url: '/notes', payload: { body: 'hello' } })
const read = await app.inject('/notes/' + created.json().id)
const missing = await app.inject('/notes/999')
console.log(JSON.stringify({ dialect: app.db.dialect, created: [created.statusCode, created.json()], read: [read.statusCode, read.json()], missing: [missing.statusCode, missing.json()] }))
await app.close()
`)
  const env = { DATABASE_URL: database.url }
  // The bin npm linked, run as npx would run it (npx itself is checked above).
  const cli = async (...args: string[]): Promise<string> => (await sh(join(app, 'node_modules/.bin/fastify-orm'), [...args, '--app', 'models.js'], app, env)).stdout
  await cli('init')
  const migrate = await cli('migrate', '-m', 'Create note', '--js')
  t.match(migrate, /\+ create table note/, 'migrate detects the table')
  const revision = /Generated .*\/([0-9a-f]{12})_create_note\.js$/m.exec(migrate)?.[1]
  t.ok(revision, 'and writes a .js revision')
  await cli('upgrade')
  t.equal((await cli('current')).trim(), revision, 'current names the revision')

  const result = JSON.parse((await sh(process.execPath, ['app.js'], app, env)).stdout) as { dialect: string, created: [number, { id: number }], read: [number, unknown], missing: [number, unknown] }
  t.equal(result.dialect, 'postgres')
  t.match(result.created, [201, { id: Number, body: 'hello', createdAt: String }], 'POST creates a row')
  t.match(result.read, [200, { id: result.created[1].id, body: 'hello' }], 'GET reads it back')
  t.match(result.missing, [404, { code: 'ORM_NOT_FOUND' }], 'an absent row is a 404')
})
