import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

/**
 * The layers of `src/`, bottom first: a file may import from its own layer and the layers
 * listed before it, never from one listed after it. Each layer is a list of paths relative
 * to `src/` (a folder ends with `/`); a file belongs to the layer of its longest matching path.
 */
export const LAYERS: ReadonlyArray<{ readonly name: string, readonly paths: readonly string[] }> = [
  { name: 'errors', paths: ['errors.ts', 'errors/'] },
  { name: 'runtime (supported Node.js versions)', paths: ['runtime/'] },
  { name: 'config', paths: ['config/'] },
  { name: 'model', paths: ['model/'] },
  { name: 'diagram (the models drawn)', paths: ['diagram/'] },
  { name: 'introspection vocabulary', paths: ['introspection/'] },
  { name: 'dialect', paths: ['dialect/'] },
  { name: 'engine (pool, Kysely, capabilities)', paths: ['engine/'] },
  { name: 'schema DDL', paths: ['schema/'] },
  { name: 'migration', paths: ['migration/'] },
  { name: 'mapping', paths: ['mapping/'] },
  { name: 'query', paths: ['query/'] },
  { name: 'session', paths: ['session/'] },
  { name: 'database façade (app.db)', paths: ['database/'] },
  { name: 'plugin', paths: ['plugin.ts', 'plugin/', 'types.ts', 'index.ts'] },
  { name: 'cli', paths: ['cli/'] }
]

/** File → the files it imports (type-only imports and re-exports included), paths relative to the root. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>

/** Every relative import of every `.ts` file under `root`, read with the TypeScript compiler's pre-processor. */
export function importGraph (root: string): ImportGraph {
  const graph = new Map<string, string[]>()
  for (const file of tsFiles(root)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => toKey(root, resolve(dirname(file), specifier)))
    graph.set(toKey(root, file), [...new Set(targets)])
  }
  return graph
}

function tsFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return tsFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

function toKey (root: string, path: string): string {
  return relative(root, path).split(sep).join('/')
}

/** The index in {@link LAYERS} of a file, or undefined when no layer claims it. */
export function layerOf (file: string, layers = LAYERS): number | undefined {
  let best: { index: number, length: number } | undefined
  layers.forEach((layer, index) => {
    for (const path of layer.paths) {
      const matches = path.endsWith('/') ? file.startsWith(path) : file === path
      if (matches && (best === undefined || path.length > best.length)) best = { index, length: path.length }
    }
  })
  return best?.index
}

/**
 * What breaks the layering, one line each: a file no layer claims, an import of a file that
 * does not exist, an import from a higher layer, and every import cycle (a strongly
 * connected component of the graph, type-only imports included).
 */
export function layerViolations (graph: ImportGraph, layers = LAYERS): string[] {
  const problems: string[] = []
  for (const [file, targets] of graph) {
    const from = layerOf(file, layers)
    if (from === undefined) {
      problems.push(`${file} belongs to no layer: add its folder to LAYERS`)
      continue
    }
    for (const target of targets) {
      if (!graph.has(target)) {
        problems.push(`${file} imports ${target}, which does not exist`)
        continue
      }
      const to = layerOf(target, layers)
      if (to !== undefined && to > from) {
        problems.push(`${file} (${layers[from]?.name}) imports ${target} from a higher layer (${layers[to]?.name})`)
      }
    }
  }
  for (const cycle of importCycles(graph)) problems.push(`import cycle among ${cycle.join(', ')}`)
  return problems
}

/** The graph's cycles: Tarjan's strongly connected components of more than one file, and files importing themselves. */
export function importCycles (graph: ImportGraph): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  let next = 0
  const visit = (file: string): void => {
    index.set(file, next)
    low.set(file, next)
    next++
    stack.push(file)
    onStack.add(file)
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue
      if (!index.has(target)) {
        visit(target)
        low.set(file, Math.min(low.get(file) as number, low.get(target) as number))
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) as number, index.get(target) as number))
      }
    }
    if (low.get(file) !== index.get(file)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop() as string
      onStack.delete(member)
      component.push(member)
    } while (member !== file)
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort())
  }
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file)
  return cycles
}
