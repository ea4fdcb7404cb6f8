// Dependencies in src/ point one way, down the layers declared in import-graph.ts, with no
// import cycle (type-only imports count: they tie the modules' declarations together too).
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { importCycles, importGraph, layerViolations, LAYERS } from './import-graph.ts'

const src = fileURLToPath(new URL('../../src/', import.meta.url))

t.test('src/ has no upward import and no import cycle', async (t) => {
  const graph = importGraph(src)
  t.ok(graph.size > 50, `read ${graph.size} files`)
  t.strictSame(layerViolations(graph), [])
})

t.test('every layer holds at least one file (a renamed folder is noticed)', async (t) => {
  const graph = importGraph(src)
  for (const layer of LAYERS) {
    const files = [...graph.keys()].filter((file) => layer.paths.some((path) => path.endsWith('/') ? file.startsWith(path) : file === path))
    t.ok(files.length > 0, layer.name)
  }
})

t.test('the check reports a cycle, an upward import, a missing file and an unassigned file', async (t) => {
  const graph = new Map([
    ['errors.ts', []],
    ['session/a.ts', ['session/b.ts', 'errors.ts']],
    ['session/b.ts', ['session/c.ts']],
    ['session/c.ts', ['session/a.ts']],
    ['query/q.ts', ['session/a.ts']],
    ['mapping/m.ts', ['mapping/m.ts', 'mapping/gone.ts']],
    ['elsewhere/x.ts', []]
  ])
  t.strictSame(importCycles(graph), [['mapping/m.ts'], ['session/a.ts', 'session/b.ts', 'session/c.ts']])
  t.strictSame(layerViolations(graph), [
    'query/q.ts (query) imports session/a.ts from a higher layer (session)',
    'mapping/m.ts imports mapping/gone.ts, which does not exist',
    'elsewhere/x.ts belongs to no layer: add its folder to LAYERS',
    'import cycle among mapping/m.ts',
    'import cycle among session/a.ts, session/b.ts, session/c.ts'
  ])
})
