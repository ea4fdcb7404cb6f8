// The fastify-orm CLI as a child process: help on every command, usage errors exit 2.
// Each command's --help runs the same code in this process (a child costs ~0.5 s of CPU).
import { join } from 'node:path'
import t from 'tap'
import { cli, runInProcess } from './support.ts'

t.test('usage: help on every command, exit code 2 for a wrong command line', async (t) => {
  const help = await cli(['--help'])
  t.equal(help.code, 0)
  for (const command of ['init', 'migrate', 'upgrade', 'downgrade', 'current', 'history', 'stamp', 'check', 'create-all', 'drop-all', 'shell', 'diagram']) {
    t.match(help.stdout, `\n  ${command}`, `lists ${command}`)
    // Each command's own help in this process: the child's exit codes are checked around it.
    const own = await runInProcess([command, '--help'], {})
    t.equal(own.code, 0, `${command} --help`)
    t.match(own.stdout, `Usage: fastify-orm ${command}`)
  }
  const unknown = await cli(['migrat'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /^fastify-orm: usage error: Unknown command "migrat"/)
  const noApp = await cli(['upgrade'], { env: { FASTIFY_ORM_APP: '' } })
  t.equal(noApp.code, 2)
  t.match(noApp.stderr, /Pass --app path\/to\/app.ts/)
  const badOption = await cli(['upgrade', '--frobnicate'])
  t.equal(badOption.code, 2)
  const missingModule = await cli(['current', '--app', 'no/such/app.ts'])
  t.equal(missingModule.code, 2)
  t.match(missingModule.stderr, 'The app module no/such/app.ts does not exist')
  t.notMatch(missingModule.stderr, /\n\s+at /, 'no stack trace')
})

t.test('a .js app module works as well as a .ts one', async (t) => {
  const dir = t.testdir({
    'app.js': "import { c, defineModel } from 'fastify-orm'\nexport const Note = defineModel('Note', { id: c.integer().primaryKey(), body: c.text() })\nexport const models = { Note }\n"
  })
  const checked = await cli(['check', '--app', join(dir, 'app.js'), '--url', `sqlite:///${join(dir, 'notes.db')}`, '--dir', join(dir, 'migrations')])
  t.equal(checked.code, 1, 'the missing migrations folder is an error…')
  t.match(checked.stderr, /^fastify-orm: error: The migrations folder .* does not exist. Create it with: fastify-orm init/)
  const created = await cli(['create-all', '--app', join(dir, 'app.js'), '--url', `sqlite:///${join(dir, 'notes.db')}`])
  t.equal(created.code, 0, created.stderr)
  t.equal(created.stdout.trim(), 'Created tables: note')
})
