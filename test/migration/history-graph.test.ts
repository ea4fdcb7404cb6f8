// history's graph: columns for branches, `|\` where a merge's parents leave, `|/` where
// branches meet; a linear history is printed without columns.
import t from 'tap'
import { drawHistory, type GraphNode } from '../../src/cli/history-graph.ts'

const node = (revision: string, ...parents: string[]): GraphNode => ({ revision, parents })
const text = (entry: GraphNode): string => `${entry.parents.join(', ') || '<base>'} -> ${entry.revision}`

t.test('a linear history has no columns', async (t) => {
  t.strictSame(drawHistory([node('c', 'b'), node('b', 'a'), node('a')], text), ['b -> c', 'a -> b', '<base> -> a'])
})

t.test('two branches and their merge', async (t) => {
  t.strictSame(drawHistory([node('m', 'b', 'c'), node('c', 'a'), node('b', 'a'), node('a')], text), [
    '* b, c -> m',
    '|\\',
    '| * a -> c',
    '* | a -> b',
    '|/',
    '* <base> -> a'
  ])
})

t.test('two heads not merged yet', async (t) => {
  t.strictSame(drawHistory([node('h2', 'c'), node('h1', 'b'), node('c', 'a'), node('b', 'a'), node('a')], text), [
    '* c -> h2',
    '| * b -> h1',
    '* | a -> c',
    '| * a -> b',
    '|/',
    '* <base> -> a'
  ])
})

t.test('a merge of a merge with a third branch: every revision once, columns meeting at the base', async (t) => {
  const lines = drawHistory([node('m2', 'm1', 'd'), node('d', 'a'), node('m1', 'b', 'c'), node('c', 'a'), node('b', 'a'), node('a')], text)
  t.strictSame(lines, [
    '* m1, d -> m2',
    '|\\',
    '| * a -> d',
    '* | b, c -> m1',
    '|\\ \\',
    '| * | a -> c',
    '* | | a -> b',
    '|/ /',
    '* <base> -> a'
  ])
  t.equal(lines.filter((line) => line.includes('*')).length, 6, 'one star per revision')
})
