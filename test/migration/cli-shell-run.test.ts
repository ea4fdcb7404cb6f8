// `fastify-orm shell` with piped input and -c, and `fastify-orm run SCRIPT`, through the built bin,
// on every database. What does not depend on the database (input order, statements, errors,
// exit codes, --app) is checked on SQLite only: each CLI call costs a process start. The app module is plain
// JavaScript (app.js) but where a test loads TypeScript on purpose: a .ts app or script makes
// the child load tsx on Node 20 (~0.5 s of CPU per process); cli-typescript covers that loading.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { eachDb } from '../helpers/databases.ts'
import { CLI, cli, runInProcess } from './support.ts'

/** Users and their posts; the table names are this file's own. */
const appModule = `import { c, defineModel, relations } from 'fastify-orm'

export const Writer = defineModel('Writer', {
  id: c.integer().primaryKey(),
  username: c.string(80).unique()
}, { tableName: 'shell_run_writer' })

export const Article = defineModel('Article', {
  id: c.integer().primaryKey(),
  title: c.string(120),
  writerId: c.integer().references('shell_run_writer.id', { onDelete: 'cascade' })
}, { tableName: 'shell_run_article' })

export const writerRelations = relations(Writer, ({ hasMany }) => ({
  articles: hasMany(() => Article, 'writerId', { inverse: 'writer' })
}))
export const articleRelations = relations(Article, ({ belongsTo }) => ({
  writer: belongsTo(() => Writer, 'writerId', { inverse: 'articles' })
}))

export const models = { Writer, Article, writerRelations, articleRelations }
`

/** The bin with `input` written to its stdin at once, as `printf … | fastify-orm shell` does. */
function piped (args: readonly string[], input: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.on('error', reject)
    child.on('close', (code) => { resolve({ code, stdout, stderr }) })
    child.stdin.end(input)
  })
}

t.test('shell: piped inputs run in order, objects print readably, .models, -c', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'app.js': appModule })
    const env = { ...process.env, DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, 'app.js') }
    // Setting up and dropping the tables needs no child process of its own.
    t.equal((await runInProcess(['create-all'], env)).code, 0)

    const sqlite = database.dialect === 'sqlite'
    if (sqlite) {
      const ordered = await piped(['shell'], "await new Promise((resolve) => setTimeout(resolve, 300)); 'first'\n'second'\n", env)
      t.equal(ordered.code, 0, ordered.stderr)
      t.ok(ordered.stdout.indexOf("'first'") >= 0 && ordered.stdout.indexOf("'first'") < ordered.stdout.indexOf("'second'"), `the slow first input prints first: ${ordered.stdout}`)
    }

    const session = await piped(['shell'], [
      "const alice = db.add(Writer, { username: 'alice' })",
      'await db.commit()',
      "db.add(Article, { title: 'Hello', writerId: alice.id })",
      'await db.commit()',
      'const loaded = await db.query(Writer).with({ articles: true }).first()',
      'loaded',
      'function twice (n) {',
      '  return n * 2',
      '}',
      'twice(21)',
      '.models',
      '.exit',
      "'never read'"
    ].join('\n') + '\n', env)
    t.equal(session.code, 0, session.stderr)
    t.match(session.stdout, '<Writer 1 alice articles=[<Article 1 Hello', 'the object and its loaded relationship')
    t.match(session.stdout, '42', 'a function typed over several lines')
    t.match(session.stdout, 'Writer -> table shell_run_writer: id, username; relationships: articles (hasMany Article)')
    t.match(session.stdout, 'Article -> table shell_run_article: id, title, writerId; relationships: writer (belongsTo Writer)')
    t.notMatch(session.stdout, 'never read', '.exit ends the shell')

    if (sqlite) {
      const failing = await piped(['shell'], "throw new Error('boom')\n'still running'\n", env)
      t.equal(failing.code, 1, 'an input that threw: exit 1 once the input ends')
      t.match(failing.stdout, 'boom')
      t.match(failing.stdout, "'still running'", 'the inputs after it still ran')
    }

    const counted = await cli(['shell', '-c', 'await db.query(Writer).count()'], { env })
    t.equal(counted.code, 0, counted.stderr)
    t.equal(counted.stdout, '1\n', 'an expression: its value, nothing else')
    if (sqlite) {
      const statements = await cli(['shell', '-c', "const writer = await db.get(Writer, 1)\nconsole.log('name=' + writer.username)"], { env })
      t.equal(statements.code, 0, statements.stderr)
      t.equal(statements.stdout, 'name=alice\n')
      const broken = await cli(['shell', '-c', 'await db.query(Writer).filterBy({ nope: 1 }).all()'], { env })
      t.equal(broken.code, 1)
      t.equal(broken.stdout, '')
      t.match(broken.stderr, /^fastify-orm: error: .*nope/)
      const undefinedName = await cli(['shell', '-c', 'missingName + 1'], { env })
      t.equal(undefinedName.code, 1)
      t.match(undefinedName.stderr, 'fastify-orm: error: ReferenceError: missingName is not defined')
    }

    t.equal((await runInProcess(['drop-all'], env)).code, 0)
  })
})

/** populate's body, the same in its TypeScript and JavaScript versions. */
const populateBody = `  await app.db.createAll()
  const db = app.db.session()
  try {
    for (const username of args.filter((arg) => !arg.startsWith('-'))) db.add(Writer, { username })
    await db.commit()
    console.log('writers=' + await db.query(Writer).count() + ' args=' + JSON.stringify(args))
  } finally {
    await db.close()
  }
  return args.includes('--exit-3') ? 3 : undefined
`

t.test('run: a script gets the ready app and its arguments; exit codes; the app is closed after', async (t) => {
  await eachDb(t, async (t, database) => {
    // A TypeScript app and script on SQLite (the bin loads them through tsx on Node 20), the
    // same in plain JavaScript on the other databases: what is checked there is the database.
    const ts = database.dialect === 'sqlite'
    const app = ts ? 'app.ts' : 'app.js'
    const script = ts ? 'populate.ts' : 'populate.js'
    const dir = t.testdir({
      [app]: appModule,
      [script]: ts
        ? `import type { FastifyInstance } from 'fastify'
import { Writer } from './app.ts'

export default async function populate (app: FastifyInstance, args: readonly string[]): Promise<number | undefined> {
${populateBody}}
`
        : `import { Writer } from './app.js'

export default async function populate (app, args) {
${populateBody}}
`,
      'fails.js': `export default async function (app) {\n  await app.db.session().query((await import('./${app}')).Writer).filterBy({ nope: 1 }).all()\n}\n`,
      'no-default.js': 'export const value = 1\n'
    })
    const env = { ...process.env, DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, app) }
    const ran = await cli(['run', join(dir, script), 'bob', 'carol', '--verbose'], { env })
    t.equal(ran.code, 0, ran.stderr)
    t.equal(ran.stdout, 'writers=2 args=["bob","carol","--verbose"]\n', 'the options after the script are its own')
    if (ts) {
      const three = await cli(['run', '--app', join(dir, app), join(dir, script), '--exit-3'], { env: { ...env, FASTIFY_ORM_APP: '' } })
      t.equal(three.code, 3, 'a number returned is the exit code')
      t.match(three.stdout, 'writers=2')
      const failed = await cli(['run', join(dir, 'fails.js')], { env })
      t.equal(failed.code, 1, 'a script that throws: exit 1')
      t.match(failed.stderr, /^fastify-orm: error: .*nope/)
      const noDefault = await cli(['run', join(dir, 'no-default.js')], { env })
      t.equal(noDefault.code, 2)
      t.match(noDefault.stderr, 'has no default-exported function. Write: export default async function (app, args)')
      const missing = await cli(['run', join(dir, 'missing.ts')], { env })
      t.equal(missing.code, 2)
      t.match(missing.stderr, 'The script')
      const noScript = await cli(['run'], { env })
      t.equal(noScript.code, 2)
      t.match(noScript.stderr, 'Usage: fastify-orm run SCRIPT')
    }
    // The data the script committed is there for the next command: it was closed cleanly.
    const count = await cli(['shell', '-c', 'await db.query(Writer).count()'], { env })
    t.equal(count.stdout, '2\n', count.stderr)
    t.equal((await runInProcess(['drop-all'], env)).code, 0)
  })
})

t.test('--help lists shell -c and run, and answers without an app', async (t) => {
  const help = await cli(['--help'], { env: { FASTIFY_ORM_APP: '' } })
  t.equal(help.code, 0)
  t.match(help.stdout, '\n  run ')
  // The commands' own usage texts: the same code, in this process.
  const shell = await runInProcess(['shell', '--help'], {})
  t.match(shell.stdout, '-c, --command VALUE')
  const run = await runInProcess(['run', '--help'], {})
  t.equal(run.code, 0)
  t.match(run.stdout, 'Usage: fastify-orm run SCRIPT [ARGS...]')
})
