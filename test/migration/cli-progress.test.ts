// upgrade's progress lines: on a terminal a revision running for more than a second shows
// its elapsed seconds, rewritten in place, and its line ends with its time; piped, the
// same run prints plain lines without carriage returns or escape codes.
import { join } from 'node:path'
import t from 'tap'
import type { CliOutput } from '../../src/cli/cli-output.ts'
import type { TapTest } from '../helpers/databases.ts'
import { movieModule } from './support.ts'

const ESC = '\u001b'

const SLOW_REVISION = `export const revision = 'aa11bb22cc33'
export const parent = null
export const message = 'Slow data migration'
export const createdAt = '2026-12-07T10:00:00.000Z'

export async function up () {
  await new Promise((resolve) => setTimeout(resolve, 2300))
}

export async function down () {}
`

async function upgrade (t: TapTest, tty: boolean): Promise<{ code: number, written: string }> {
  const dir = t.testdir({ 'app.ts': movieModule(''), migrations: { 'aa11bb22cc33_slow_data_migration.ts': SLOW_REVISION } })
  let written = ''
  const output: CliOutput = {
    out: (line) => { written += `${line}\n` },
    err: (line) => { written += `${line}\n` },
    write: (text) => { written += text },
    tty
  }
  const { runCli } = await import('../../src/cli/run.ts')
  const code = await runCli(['upgrade', '--app', join(dir, 'app.ts'), '--dir', join(dir, 'migrations'), '--url', `sqlite:///${join(dir, 'app.db')}`], output, { ...process.env, DATABASE_URL: '' })
  return { code, written }
}

t.test('on a terminal: elapsed seconds while the revision runs, then its time on the same line', async (t) => {
  const { code, written } = await upgrade(t, true)
  t.equal(code, 0, written)
  const label = 'Running upgrade <base> -> aa11bb22cc33, Slow data migration'
  // Ticks are timers: on a starved machine one may come late, so the seconds are read, not assumed.
  const shown = [...written.matchAll(new RegExp(`\r${ESC}\\[K${label} ${ESC}\\[2m… (\\d+) s${ESC}\\[22m`, 'g'))].map((match) => Number(match[1]))
  t.ok(shown.length >= 1 && shown[0]! >= 1, `elapsed seconds shown while it runs: ${shown.join(', ')}`)
  t.strictSame(shown, [...shown].sort((a, b) => a - b), 'counting up')
  const final = written.split(`\r${ESC}[K`).at(-1) ?? ''
  t.match(final, new RegExp(`^${label} ${ESC}\\[2m\\(\\d+ ms\\)${ESC}\\[22m\n`), 'the line rewritten with the time at the end')
  t.match(written, /Upgraded 1 revision in \d+ ms/)
})

t.test('piped: plain lines only', async (t) => {
  const { code, written } = await upgrade(t, false)
  t.equal(code, 0, written)
  t.notOk(written.includes('\r') || written.includes(ESC), 'no carriage return, no escape code')
  t.match(written, /^Running upgrade <base> -> aa11bb22cc33, Slow data migration \(\d+ ms\)$/m)
})
