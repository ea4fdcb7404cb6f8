// Shared by the README snippet tests (not a test file itself: tap only runs *.test.ts).
// Reads README.md into its fenced blocks, each with the README line it starts on and the
// section it is in.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const README = fileURLToPath(new URL('../../README.md', import.meta.url))

/** One fenced block of the README. */
export interface Block {
  /** The fence's info string: `ts`, `sh`, or `''` for a bare fence. */
  readonly lang: string
  /** The README line (1-based) of the block's first line of code, just below the opening fence. */
  readonly line: number
  /** The code, without the fences, ending with a newline. */
  readonly code: string
  /** The `##`/`###` heading the block is under. */
  readonly section: string
}

/** Every fenced block of `text` (the README's own text by default), in order. */
export function readmeBlocks (text = readFileSync(README, 'utf8')): Block[] {
  const lines = text.split('\n')
  const blocks: Block[] = []
  let section = ''
  for (let i = 0; i < lines.length; i++) {
    const heading = /^#{2,} (.*)/.exec(lines[i]!)
    if (heading) section = heading[1]!
    const open = /^```(\S*)\s*$/.exec(lines[i]!)
    if (!open) continue
    const start = i + 1
    let end = start
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++
    if (end === lines.length) throw new Error(`README.md:${i + 1}: a fence that is never closed`)
    blocks.push({ lang: open[1]!, line: start + 1, code: lines.slice(start, end).map((l) => `${l}\n`).join(''), section })
    i = end
  }
  return blocks
}

/** The README text outside fenced blocks (the prose and tables), fences blanked. */
export function readmeProse (text = readFileSync(README, 'utf8')): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, (block) => block.replace(/[^\n]/g, ''))
}

/** Inline code spans of `text` (`` `…` ``, possibly wrapped over a line break), whitespace collapsed. */
export function inlineCode (text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1]!.replace(/\s+/g, ' ').trim())
}
