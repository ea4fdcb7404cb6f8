import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { HistoryEntry, Migrations, MigrationProgress, MigrationStep } from '../migration/migrations.ts'
import { drawHistory } from './history-graph.ts'
import type { CliOutput } from './cli-output.ts'
import { UsageError } from './usage-error.ts'

/**
 * The commands on the revision graph: `upgrade`/`downgrade` with their progress lines,
 * `history`, `heads`, `branches`, `merge`, `show`, `edit`, `revision` and
 * `migrate --empty`. Returns the exit code, or `undefined` for another command.
 *
 * @example
 * ```ts
 * const code = await runRevisionCommand('heads', migrations, {}, [], STDIO, process.env)
 * ```
 */
export async function runRevisionCommand (
  command: string, migrations: Migrations, values: Record<string, unknown>, positionals: readonly string[], output: CliOutput, env: NodeJS.ProcessEnv
): Promise<number | undefined> {
  const language = values.js === true ? 'js' : undefined
  switch (command) {
    case 'upgrade':
    case 'downgrade': {
      const started = performance.now()
      const progress = progressPrinter(output)
      let done: string[]
      try {
        done = command === 'upgrade' ? await migrations.upgrade(positionals[0], progress) : await migrations.downgrade(positionals[0], progress)
      } finally {
        progress.close()
      }
      const ms = performance.now() - started
      const verb = command === 'upgrade' ? 'Upgraded' : 'Downgraded'
      output.out(done.length === 0
        ? `Nothing to ${command}`
        : `${verb} ${done.length} revision${done.length === 1 ? '' : 's'} in ${Math.round(ms)} ms`)
      output.out(`The database is at ${(await migrations.currentHeads()).join(', ') || 'base'}`)
      return 0
    }
    case 'current': {
      const heads = await migrations.currentHeads()
      output.out(heads.length === 0 ? 'base' : heads.join('\n'))
      return 0
    }
    case 'history': {
      const entries = await migrations.history()
      if (entries.length === 0) output.out('No revisions yet.')
      for (const line of drawHistory(entries, historyLine)) output.out(line)
      return 0
    }
    case 'heads': {
      const heads = await migrations.heads()
      if (heads.length === 0) output.out('No revisions yet.')
      for (const head of heads) output.out(`${head.revision} (head), ${head.message}`)
      return 0
    }
    case 'branches': {
      const branches = await migrations.branches()
      if (branches.length === 0) output.out('No branch points.')
      for (const { revision, children } of branches) {
        output.out(`${revision.revision} (branchpoint), ${revision.message}`)
        for (const child of children) output.out(`  -> ${child.revision}, ${child.message}`)
      }
      return 0
    }
    case 'merge': {
      const written = await migrations.merge(requireMessage(values, 'merge -m "Merge heads" [REVISION...]'), positionals, { language })
      output.out(`Generated ${written.file} (merges ${written.parents.join(', ')})`)
      return 0
    }
    case 'revision':
    case 'migrate': {
      if (command === 'migrate' && values.empty !== true) return undefined
      const message = requireMessage(values, `${command === 'migrate' ? 'migrate --empty' : 'revision'} -m "Backfill titles"`)
      const written = await migrations.revision(message, { head: values.head as string | undefined, language })
      output.out(`Generated ${written.file} (empty: write its up and down)`)
      return 0
    }
    case 'show': {
      const revision = await migrations.find(positionals[0] as string)
      output.out(`Revision: ${revision.revision}`)
      output.out(`Parents: ${revision.parents.join(', ') || '<base>'}`)
      output.out(`Message: ${revision.message}`)
      output.out(`Path: ${revision.file}`)
      output.out('')
      output.out(functionsSource(readFileSync(revision.file, 'utf8')))
      return 0
    }
    case 'edit': {
      const revision = await migrations.find(positionals[0] as string)
      const editor = nonEmpty(env.VISUAL) ?? nonEmpty(env.EDITOR)
      if (editor === undefined) throw new UsageError(`No editor: set EDITOR or VISUAL (e.g. EDITOR=vim), or open ${revision.file} yourself.`)
      // Through the shell, as git does: EDITOR may carry arguments ("code --wait").
      const result = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'sh', revision.file], { stdio: 'inherit', env })
      if (result.error !== undefined || result.status !== 0) {
        output.err(`fastify-orm: error: the editor (${editor}) exited with ${result.error?.message ?? `code ${result.status}`}.`)
        return 1
      }
      return 0
    }
  }
  return undefined
}

/**
 * The commands that read or write revision files only, never the database.
 *
 * @example
 * ```ts
 * isFileCommand('merge', {}) // true
 * ```
 */
export function isFileCommand (command: string, values: Record<string, unknown>): boolean {
  return ['heads', 'branches', 'merge', 'show', 'edit', 'revision'].includes(command) || (command === 'migrate' && values.empty === true)
}

/**
 * `Running upgrade a1b2 -> c3d4, message (12 ms)`: the start of the line as the revision
 * starts, its time when it ends. On a terminal the time is dim, and a revision that runs
 * for more than a second shows its elapsed seconds, rewritten in place every second (a
 * long data migration is visibly alive); piped, the output is plain lines.
 */
function progressPrinter (output: CliOutput): MigrationProgress & { close (): void } {
  const label = (step: MigrationStep): string => {
    const side = (ids: readonly string[]): string => ids.join(', ') || '<base>'
    return `Running ${step.direction === 'up' ? 'upgrade' : 'downgrade'} ${side(step.from)} -> ${side(step.to)}, ${step.revision.message.replace(/\s*\n\s*/g, ' ')}`
  }
  const tty = output.tty === true
  const time = (ms: number): string => tty ? ` ${DIM}(${Math.round(ms)} ms)${UNDIM}` : ` (${Math.round(ms)} ms)`
  const write = output.write
  if (write === undefined) return { done: (step, ms) => { output.out(`${label(step)}${time(ms)}`) }, close: () => {} }
  let open = false
  let ticker: NodeJS.Timeout | undefined
  let ticked = false
  const stopTicker = (): void => {
    clearInterval(ticker)
    ticker = undefined
  }
  return {
    start: (step) => {
      write(label(step))
      open = true
      ticked = false
      if (!tty) return
      const started = performance.now()
      ticker = setInterval(() => {
        write(`\r${CLEAR_LINE}${label(step)} ${DIM}… ${Math.floor((performance.now() - started) / 1000)} s${UNDIM}`)
        ticked = true
      }, 1000)
      // The CLI exits when its work is done, not when the ticker would next fire.
      ticker.unref()
    },
    done: (step, ms) => {
      stopTicker()
      write(ticked ? `\r${CLEAR_LINE}${label(step)}${time(ms)}\n` : `${time(ms)}\n`)
      open = false
    },
    // A failed revision leaves its line open: end it before the error.
    close: () => {
      stopTicker()
      if (open) write('\n')
    }
  }
}

const DIM = '\u001b[2m'
const UNDIM = '\u001b[22m'
/** Erases the terminal line from the cursor on. */
const CLEAR_LINE = '\u001b[K'

/** One line per revision, newest first, with Alembic's markers. */
function historyLine (entry: HistoryEntry): string {
  const markers = [
    entry.head ? ' (head)' : '',
    entry.current ? ' (current)' : '',
    entry.children.length > 1 ? ' (branchpoint)' : '',
    entry.parents.length > 1 ? ' (mergepoint)' : '',
    entry.applied ? '' : ' (pending)'
  ].join('')
  return `${entry.parents.join(', ') || '<base>'} -> ${entry.revision}${markers}, ${entry.message}`
}

/** The file from its `up` function on (with its JSDoc line in a .js revision): what the revision does. */
function functionsSource (source: string): string {
  const lines = source.split('\n')
  const up = lines.findIndex((line) => /^export\s+(async\s+)?function\s+up\b/.test(line))
  if (up === -1) return source.trimEnd()
  const start = up > 0 && /^\s*\/\*\*.*\*\/\s*$/.test(lines[up - 1] as string) ? up - 1 : up
  return lines.slice(start).join('\n').trimEnd()
}

function requireMessage (values: Record<string, unknown>, usage: string): string {
  const message = values.message as string | undefined
  if (!message) throw new UsageError(`A message is needed: fastify-orm ${usage}`)
  return message
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}
