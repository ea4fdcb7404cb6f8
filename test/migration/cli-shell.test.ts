// `fastify-orm shell`: the models, `db` (a session) and top-level await, fed through stdin.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { eachDb } from '../helpers/databases.ts'
import { CLI, movieModule, runInProcess } from './support.ts'

t.test('the shell: models, db and top-level await', async (t) => {
  await eachDb(t, async (t, database) => {
    const dir = t.testdir({ 'app.ts': movieModule('') })
    const env = { ...process.env, DATABASE_URL: database.url, FASTIFY_ORM_APP: join(dir, 'app.ts') }
    // The tables are set up and dropped in this process: the child process here is the shell's.
    t.equal((await runInProcess(['create-all'], env)).code, 0)
    const child = spawn(process.execPath, [CLI, 'shell'], { env })
    let stdout = ''
    let waiting: (() => void) | undefined
    const onOutput = (chunk: Buffer): void => {
      stdout += chunk.toString()
      if (stdout.endsWith('orm> ')) waiting?.()
    }
    child.stdout.on('data', onOutput)
    child.stderr.on('data', onOutput)
    // Typed one line at a time, each after the prompt, as a person would.
    const prompt = (): Promise<void> => new Promise((resolve) => { waiting = resolve; if (stdout.endsWith('orm> ')) resolve() })
    for (const line of [
      "const movie = db.add(Movie, { title: 'Up', year: 2009, directors: ['Pete Docter'] })",
      'await db.commit()',
      'console.log("count=" + await db.query(Movie).count() + " id=" + movie.id)',
      '(await db.query(Movie).all()).map((row) => `${row.title} (${row.year})`)'
    ]) {
      await prompt()
      stdout = stdout.replace(/orm> $/, 'orm>\n')
      child.stdin.write(`${line}\n`)
    }
    await prompt()
    child.stdin.end('.exit\n')
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    t.equal(code, 0, stdout)
    t.match(stdout, 'Globals: app, db, Movie')
    t.match(stdout, 'count=1 id=1', 'one row, its id read back after the commit')
    t.match(stdout, "[ 'Up (2009)' ]", 'rows printed by the REPL')
    t.equal((await runInProcess(['drop-all'], env)).stdout.trim(), 'Dropped tables: movie')
  })
})
