// Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`; the server's main thread
// is the CPU.*.0.*.cpuprofile of each directory):
//   npx tsx bench/tools/profile-summary.ts bench/results/profiles/<run>/CPU.….0.001.cpuprofile [--top 25] [--match text] [--requests N]
// Prints where the busy (non-idle) time went: by package, the top functions by self time, and
// the inclusive time of every function whose file URL contains --match (default: fastify-orm's
// own files, src/ or dist/). Frames in dist/ are shown at their place in src/ (file:line),
// through the .js.map files tsc writes next to them.
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap, type SourceMapPayload } from 'node:module'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number, columnNumber: number }
  children?: number[]
  /** Samples per source line (1-based) of this node's own time. */
  positionTicks?: Array<{ line: number, ticks: number }>
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string' }, match: { type: 'string' }, requests: { type: 'string' } } })
/** With --requests N (how many requests the profile covers), times are also shown in µs per request. */
const requests = values.requests === undefined ? undefined : Number(values.requests)
const top = Number(values.top ?? 25)
const ROOT = new URL('../../', import.meta.url).href
const match = values.match ?? ROOT
const file = positionals[0]
if (file === undefined) throw new Error('Usage: profile-summary.ts <file.cpuprofile> [--top N] [--match text]')

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

// Self time per node, from the sample stream (µs).
const self = new Map<number, number>()
profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)))
const IDLE = new Set(['(idle)', '(program)'])
const busy = [...self].filter(([id]) => !IDLE.has(byId.get(id)!.callFrame.functionName)).reduce((sum, [, us]) => sum + us, 0)

// dist/…/x.js → src/…/x.ts through x.js.map (null: no map, or no entry there).
const sourceMaps = new Map<string, SourceMap | null>()
const ROOT_PATH = fileURLToPath(ROOT)
function original (url: string, line: number, column: number): { file: string, line: number } | null {
  if (!url.startsWith(`${ROOT}dist/`)) return null
  const file = fileURLToPath(url)
  let map = sourceMaps.get(file)
  if (map === undefined) {
    map = existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload) : null
    sourceMaps.set(file, map)
  }
  const entry = map?.findEntry(line, column) as { originalSource?: string, originalLine?: number } | undefined
  if (entry?.originalSource === undefined || entry.originalLine === undefined) return null
  const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : resolve(dirname(file), entry.originalSource)
  return { file: relative(ROOT_PATH, source), line: entry.originalLine + 1 }
}

// A generated line (1-based) → its source line: the mapping at the line's first non-blank column.
const generatedLines = new Map<string, string[]>()
function originalLine (url: string, line: number): string | null {
  if (!url.startsWith(`${ROOT}dist/`)) return null
  let lines = generatedLines.get(url)
  if (lines === undefined) generatedLines.set(url, lines = readFileSync(fileURLToPath(url), 'utf8').split('\n'))
  const text = lines[line - 1] ?? ''
  const source = original(url, line - 1, text.length - text.trimStart().length)
  return source === null ? null : `${source.file}:${source.line}`
}

const frameKey = (node: ProfileNode): string => {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame
  const source = original(url, lineNumber, columnNumber)
  const short = source === null ? url.replace(/^.*node_modules\//, '').replace(ROOT, '') : source.file
  return `${functionName || '(anonymous)'} ${short === '' ? '' : `${short}:${source?.line ?? lineNumber + 1}`}`.trim()
}
const pkg = (url: string): string => {
  if (url === '') return '(native/gc)'
  if (url.startsWith('node:')) return 'node:*'
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (dependency) return dependency[1]!
  return url.startsWith(ROOT) ? `fastify-orm ${url.slice(ROOT.length).split('/')[0]}/` : url
}

const percent = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%${requests === undefined ? '' : `  ${(us / requests).toFixed(1).padStart(6)} µs/req`}`
const print = (title: string, entries: Map<string, number>, limit = Infinity): void => {
  console.log(`\n${title}`)
  for (const [key, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, limit)) console.log(`  ${percent(us)}  ${key}`)
}
const add = (map: Map<string, number>, key: string, us: number): void => { map.set(key, (map.get(key) ?? 0) + us) }

const packages = new Map<string, number>()
const functions = new Map<string, number>()
const inclusive = new Map<string, number>()
const hotLines = new Map<string, number>()
for (const [id, us] of self) {
  const node = byId.get(id)!
  if (IDLE.has(node.callFrame.functionName)) continue
  add(packages, pkg(node.callFrame.url), us)
  add(functions, frameKey(node), us)
  // fastify-orm's own self time, spread over its source lines by their sample counts.
  const ticks = node.positionTicks ?? []
  const totalTicks = ticks.reduce((sum, { ticks: n }) => sum + n, 0)
  for (const { line, ticks: n } of ticks) {
    const where = originalLine(node.callFrame.url, line)
    if (where !== null) add(hotLines, `${where} (${node.callFrame.functionName || 'anonymous'})`, (us * n) / totalTicks)
  }
  // Credit every matching frame on the stack once (recursion counted once).
  const seen = new Set<string>()
  for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
    const frame = byId.get(cursor)!
    const key = frameKey(frame)
    const { url } = frame.callFrame
    if (url.includes(match) && !url.includes('node_modules') && !url.includes('/bench/') && !seen.has(key)) {
      seen.add(key)
      add(inclusive, key, us)
    }
  }
}

console.log(`${file}\nbusy time ${(busy / 1e6).toFixed(2)} s${requests === undefined ? '' : `, ${(busy / requests).toFixed(1)} µs per request over ${requests}`} (percentages below are of busy time)`)
print('Self time by package', packages)
print(`Top ${top} functions by self time`, functions, top)
print(`Inclusive time of frames matching "${match}"`, inclusive, top)
if (hotLines.size > 0) print('Self time of fastify-orm\'s source lines (dist/ mapped to src/)', hotLines, top)
