// Every snippet of README.md, checked: each ts block type-checks against the package's public
// entry; the quickstart, the script, the revision file, the shell session and the curl lines
// run; every `npm run X` is a script and every `fastify-orm COMMAND` (with its options) a command.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import Fastify, { type FastifyInstance } from 'fastify'
import { sql, type Kysely } from 'kysely'
import t from 'tap'
import fastifyOrm from '../../src/index.ts'
import { CLI, cli, ORM_ENTRY, writeRevision } from '../migration/support.ts'
import { typeCheck } from './compile.ts'
import { fragmentsProgram, isRevision, quickstartBlock, quickstartProgram, revisionFileName } from './programs.ts'
import { inlineCode, readmeBlocks, readmeProse, ROOT, type Block } from './readme.ts'

const blocks = readmeBlocks()
const at = (block: Block): string => `README.md:${block.line}`

/** A block's code as a file run in this process: `fastify-orm` is the package's source entry, like the other tests'. */
const runnable = (code: string): string => code.replaceAll("from 'fastify-orm'", `from '${ORM_ENTRY}'`)

/** `code` with `from` replaced by `to`, failing when the README no longer has `from`. */
function replaceOnce (block: Block, code: string, from: string, to: string): string {
  if (!code.includes(from)) throw new Error(`${at(block)}: the block no longer contains ${from}; update test/readme/snippets.test.ts`)
  return code.replace(from, to)
}

t.test('every block is of a kind this test checks', async (t) => {
  for (const block of blocks) {
    const shellSession = block.lang === '' && block.code.startsWith('orm> ')
    // The example app's Mermaid diagram: test/diagram/example-diagrams.test.ts checks it.
    const exampleDiagram = block.lang === 'mermaid' && block.section === 'Model diagrams'
    t.ok(block.lang === 'ts' || block.lang === 'sh' || shellSession || exampleDiagram, `${at(block)}: a \`\`\`${block.lang} block`)
  }
  t.ok(blocks.filter((block) => block.lang === 'ts').length >= 10, 'the ts blocks are found')
})

t.test('every ts block type-checks against fastify-orm', async (t) => {
  const quickstart = quickstartProgram(blocks)
  const fragments = fragmentsProgram(blocks)
  const checked = new Set([...quickstart, ...fragments].flatMap((file) => file.block ? [file.block] : []))
  t.strictSame(blocks.filter((block) => block.lang === 'ts' && !checked.has(block)).map(at), [], 'no ts block is left out')
  t.strictSame(typeCheck(quickstart), [], 'the quickstart, as written (its own Register augmentation)')
  t.strictSame(typeCheck(fragments), [], 'the other blocks, each after the prelude of test/readme/programs.ts')
})

t.test('the quickstart runs: POST /users, GET /users/:id with its posts, then the populate script', async (t) => {
  const quickstart = quickstartBlock(blocks)
  let code = runnable(quickstart.code)
  code = replaceOnce(quickstart, code, "url: 'sqlite:///app.db'", "url: 'sqlite://'")
  code = replaceOnce(quickstart, code, 'Fastify({ logger: true })', 'Fastify({ logger: false })')
  const populate = blocks.find((block) => block.lang === 'ts' && block.code.startsWith('const db = app.db.session()'))
  if (!populate) throw new Error('README.md has no populate script block (const db = app.db.session() …)')
  const dir = t.testdir({
    'quickstart.ts': `${code}\nexport { app }\n`,
    'populate.ts': `import { app, User } from './quickstart.ts'\n${runnable(populate.code)}`
  })
  const { app } = await import(pathToFileURL(join(dir, 'quickstart.ts')).href) as { app: FastifyInstance }
  t.teardown(() => app.close())

  const created = await app.inject({ method: 'POST', url: '/users', payload: { username: 'grace', email: 'grace@example.com' } })
  t.equal(created.statusCode, 201, created.body)
  t.strictSame(created.json(), { id: 1, username: 'grace' })
  t.equal((await app.inject({ method: 'POST', url: '/users', payload: { username: 'grace' } })).statusCode, 400, 'the body is validated by User.schemas.insert')

  const db = app.db.kysely as Kysely<unknown>
  await sql`insert into post (title, body, user_id) values ('Hello', 'First post', 1), ('Again', 'Second post', 1)`.execute(db)
  const user = await app.inject({ method: 'GET', url: '/users/1' })
  t.equal(user.statusCode, 200, user.body)
  t.match(user.json(), {
    id: 1,
    username: 'grace',
    email: 'grace@example.com',
    passwordHash: null,
    createdAt: String,
    posts: [{ id: 1, title: 'Hello', body: 'First post', userId: 1 }, { id: 2, title: 'Again', body: 'Second post', userId: 1 }]
  })
  t.equal((await app.inject({ method: 'GET', url: '/users/99' })).statusCode, 404, 'getOr404')

  await import(pathToFileURL(join(dir, 'populate.ts')).href)
  const { rows } = await sql<{ username: string }>`select username from "user" order by id`.execute(db)
  t.strictSame(rows.map((row) => row.username), ['grace', 'ada', 'alan'], `${at(populate)}: the script's users are committed`)
})

t.test('the revision file runs up and down on SQLite after the revision it names as parent', async (t) => {
  const block = blocks.find(isRevision)
  if (!block) throw new Error('README.md has no revision file block (export const revision = …)')
  const header = (name: string): string => {
    const value = new RegExp(`^export const ${name}(?:: [^=]+)? = '([^']*)'`, 'm').exec(block.code)?.[1]
    if (value === undefined) throw new Error(`${at(block)}: no ${name} export`)
    return value
  }
  const [revision, parent] = [header('revision'), header('parent')]
  const dir = t.testdir({})
  writeRevision(dir, {
    id: parent,
    parent: null,
    message: 'Initial migration',
    up: "  await db.schema.createTable('movie').addColumn('id', ...t.column(c.integer().autoincrement())).addColumn('title', ...t.column(c.string(200))).addColumn('year', ...t.column(c.integer())).addPrimaryKeyConstraint('pk_movie', ['id']).execute()",
    down: "  await db.schema.dropTable('movie').execute()"
  })
  writeFileSync(join(dir, revisionFileName(block)), runnable(block.code))

  const app = Fastify({ logger: false })
  await app.register(fastifyOrm, { url: `sqlite:///${join(dir, 'movies.db')}` })
  t.teardown(() => app.close())
  await app.ready()
  const db = app.db.kysely as Kysely<unknown>
  const columns = async (): Promise<string[]> => (await sql<{ name: string }>`select name from pragma_table_info('movie')`.execute(db)).rows.map((row) => row.name)
  const migrations = app.db.migrations({ dir })

  t.strictSame(await migrations.upgrade(parent), [parent])
  await sql`insert into movie (title, year) values ('Alien', 1979), ('Up', 2009)`.execute(db)
  t.strictSame(await migrations.upgrade(), [revision], 'upgrade applies the README revision')
  t.equal(await migrations.current(), revision)
  t.strictSame(await columns(), ['id', 'title', 'year', 'mpa'], 'the mpa column is added')
  t.strictSame((await sql`select title, mpa from movie order by id`.execute(db)).rows, [{ title: 'Alien', mpa: 'PG' }, { title: 'Up', mpa: null }], 'the data migration ran')

  t.strictSame(await migrations.downgrade(), [revision], 'downgrade reverts it')
  t.equal(await migrations.current(), parent)
  t.strictSame(await columns(), ['id', 'title', 'year'], 'the mpa column is gone')
  t.strictSame((await sql`select title from movie order by id`.execute(db)).rows, [{ title: 'Alien' }, { title: 'Up' }], 'rows are kept')
})

// The shell commands: what they name must exist.

const shBlocks = blocks.filter((block) => block.lang === 'sh')
const shCommands = shBlocks.flatMap((block) => block.code.replace(/\\\n/g, ' ').split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean))
const prose = readmeProse()
const spans = inlineCode(prose)

t.test('every npm script the README names is in package.json', async (t) => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  const named = new Set<string>()
  for (const text of [...shCommands, ...spans]) {
    for (const match of text.matchAll(/\bnpm run ([\w:-]+)/g)) named.add(match[1]!)
    if (/\bnpm test\b/.test(text)) named.add('test')
  }
  t.ok(named.size > 0, `named: ${[...named].join(', ')}`)
  for (const name of named) t.ok(name in scripts, `npm run ${name}`)
})

/** The CLI commands the README names, each with the options shown with it. */
function cliMentions (): Map<string, Set<string>> {
  const mentions = new Map<string, Set<string>>()
  const add = (commands: readonly string[], words: readonly string[]): void => {
    const options = words.filter((word) => /^--?[a-z][\w-]*$/.test(word) && word !== '--')
    for (const command of commands) {
      const known = mentions.get(command) ?? new Set<string>()
      for (const option of options) known.add(option)
      mentions.set(command, known)
    }
  }
  // `npx fastify-orm upgrade --app …` in sh blocks and inline code; `npm run db -- history …`.
  for (const text of [...shCommands, ...spans]) {
    const match = /(?:^|\s)(?:npx )?fastify-orm ([a-z][\w-]*)(.*)|\bnpm run db -- ([a-z][\w-]*)(.*)/.exec(text)
    if (match) add([match[1] ?? match[3]!], (match[2] ?? match[4]!).split(/\s+/))
  }
  // The command table: `upgrade/downgrade --sql [FROM:]TO`, `current` / `history`, and the
  // options its "does" column names (`--rename-table OLD:NEW`).
  const table = /^\| command \| does \|\n\|[-|]+\|\n((?:\|.*\n)+)/m.exec(prose)
  if (!table) throw new Error('README.md has no "| command | does |" table')
  for (const row of table[1]!.trim().split('\n')) {
    const [, first = '', does = ''] = row.split(/(?<!\\)\|/)
    const commands = inlineCode(first).flatMap((span) => span.split(' ')[0]!.split('/'))
    add(commands, [...inlineCode(first), ...inlineCode(does)].flatMap((span) => span.split(' ')))
  }
  return mentions
}

/** The built CLI's `runCli` (dist/cli/run.js, what the bin runs), in this process, its output captured. */
async function builtCli (args: readonly string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  // Imported by URL, untyped: the type check must not depend on a build.
  const { runCli } = await import(pathToFileURL(join(ROOT, 'dist/cli/run.js')).href) as {
    runCli: (argv: readonly string[], output: { out (line: string): void, err (line: string): void }) => Promise<number>
  }
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, { out: (line) => { stdout += `${line}\n` }, err: (line) => { stderr += `${line}\n` } })
  return { code, stdout, stderr }
}

t.test('every fastify-orm command the README names exists, with the options it shows', async (t) => {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: npm run build (npm test builds first)')
  const mentions = cliMentions()
  t.ok(mentions.size >= 5, `named: ${[...mentions.keys()].join(', ')}`)
  // The bin once, as a child process; each command's --help through the same built code in this process.
  const overview = await cli(['--help'])
  t.equal(overview.code, 0, `node dist/cli/main.js --help exits 0${overview.code === 0 ? '' : `: ${overview.stderr}`}`)
  const listed = /Commands:\n((?: {2}\S.*\n)+)/.exec(overview.stdout)?.[1]?.split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/)[0]!)
  t.strictSame([...mentions.keys()].sort(), [...listed ?? []].sort(), 'the README names every command of the CLI, and no other')
  for (const [command, options] of mentions) {
    const help = await builtCli([command, '--help'])
    t.equal(help.code, 0, `fastify-orm ${command} --help exits 0${help.code === 0 ? '' : `: ${help.stderr}`}`)
    for (const option of options) t.match(help.stdout, new RegExp(`(^|[\\s,])${option}\\b`), `fastify-orm ${command} ${option}`)
  }
})

t.test('the shell session runs as shown, on the example app', async (t) => {
  const session = blocks.find((block) => block.lang === '' && block.code.startsWith('orm> '))
  if (!session) throw new Error('README.md has no shell session block (orm> …)')
  const command = spans.find((span) => span.startsWith('npx fastify-orm shell '))
  t.equal(command, 'npx fastify-orm shell --app example-app/app.ts', 'the command the README gives for it')
  const url = `sqlite:///${join(t.testdir({}), 'example.db')}`
  const upgraded = await builtCli(['upgrade', '--app', join(ROOT, 'example-app/app.ts'), '--url', url])
  t.equal(upgraded.code, 0, upgraded.stderr)

  const inputs = session.code.split('\n').filter((line) => line.startsWith('orm> ')).map((line) => line.slice('orm> '.length))
  const child = spawn(process.execPath, [CLI, 'shell', '--app', 'example-app/app.ts', '--url', url], { cwd: ROOT })
  let output = ''
  let waiting: (() => void) | undefined
  const onOutput = (chunk: Buffer): void => {
    output += chunk.toString()
    if (output.endsWith('orm> ')) waiting?.()
  }
  child.stdout.on('data', onOutput)
  child.stderr.on('data', onOutput)
  const prompt = (): Promise<void> => new Promise((resolve) => { waiting = resolve; if (output.endsWith('orm> ')) resolve() })
  for (const input of inputs) {
    await prompt()
    output += `${input}\n` // the REPL does not echo without a terminal: show it as typed
    child.stdin.write(`${input}\n`)
  }
  await prompt()
  child.stdin.end('.exit\n')
  t.equal(await new Promise<number | null>((resolve) => child.on('close', resolve)), 0, output)
  const transcript = output.slice(output.indexOf('orm> ')).replace(/orm> $/, '')
  t.equal(transcript, session.code, `${at(session)}: the same lines, the same output`)
})

/** A curl command line as an inject request: `-X`, `-H`, `-d` and the URL. */
function curlRequest (line: string): { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: string } {
  const words = [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!).slice(1)
  const request: ReturnType<typeof curlRequest> = { method: 'GET', url: '', headers: {} }
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (word === '-s') continue
    if (word.startsWith('-X')) {
      request.method = word.slice(2) as typeof request.method
    } else if (word === '-H') {
      const [name = '', ...value] = words[++i]!.split(':')
      request.headers[name] = value.join(':').trim()
    } else if (word === '-d') {
      request.payload = words[++i]!
    } else if (word.startsWith('-')) {
      throw new Error(`curl option ${word} is not understood by test/readme/snippets.test.ts`)
    } else {
      const url = new URL(`http://${word}`)
      request.url = url.pathname + url.search
    }
  }
  return request
}

t.test('the curl lines work against the example app', async (t) => {
  const requests = shCommands.filter((line) => line.startsWith('curl ')).map(curlRequest)
  t.equal(requests.length, 2)
  // Imported by URL: the example app is type-checked by its own tsconfig (it imports fastify-orm's build).
  const { buildApp } = await import(pathToFileURL(join(ROOT, 'example-app/app.ts')).href) as { buildApp: (options: object) => Promise<FastifyInstance> }
  const app = await buildApp({ logger: false, databaseUrl: `sqlite:///${join(t.testdir({}), 'example.db')}` })
  t.teardown(() => app.close())
  const replies = []
  for (const request of requests) {
    const reply = await app.inject(request)
    replies.push({ statusCode: reply.statusCode, json: reply.json() as unknown })
  }
  t.match(replies[0], { statusCode: 201, json: { id: Number, title: 'Alien', year: 1979, directors: ['Ridley Scott'] } }, 'the movie is created')
  t.match(replies[1], { statusCode: 200, json: { page: 1, perPage: 20, items: [{ title: 'Alien' }] } }, 'and listed')
})
