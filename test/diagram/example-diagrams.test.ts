// The example app's diagram committed in docs/example-models.svg and README.md is what
// `npm run diagrams` writes from the example app's models today: regenerated in memory here.
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { parseXml } from './xml.ts'

interface ExampleDiagrams {
  exampleDiagrams (): Promise<{ svg: string, mermaid: string }>
  withMermaidBlock (readme: string, mermaid: string): string
  SVG_FILE: string
  README_FILE: string
}

// Imported by URL, untyped: the script runs on dist/ (npm run build), as `npm run diagrams` does.
const script = await import(pathToFileURL(new URL('../../scripts/example-diagrams.mjs', import.meta.url).pathname).href) as ExampleDiagrams
const { svg, mermaid } = await script.exampleDiagrams()

t.test('docs/example-models.svg is the diagram of the example app\'s models (else: npm run diagrams)', async (t) => {
  t.equal(readFileSync(script.SVG_FILE, 'utf8'), svg)
  t.equal(parseXml(svg).name, 'svg')
  for (const table of ['movie', 'user', 'profile', 'post', 'tag', 'post_tag', 'employee']) t.match(svg, `data-table="${table}"`)
})

t.test('README.md\'s Mermaid block is the diagram of the example app\'s models (else: npm run diagrams)', async (t) => {
  const readme = readFileSync(script.README_FILE, 'utf8')
  t.equal(script.withMermaidBlock(readme, mermaid), readme)
  t.match(readme, `<!-- example-models:mermaid -->\n\`\`\`mermaid\n${mermaid}\`\`\`\n<!-- /example-models:mermaid -->`)
  t.match(readme, '![The example app\'s models](docs/example-models.svg)', 'the README shows the SVG')
  t.match(mermaid, 'post }o..o{ tag : "tags / posts (post_tag)"')
})

t.test('the comparison can fail: a changed diagram or missing markers', async (t) => {
  const readme = readFileSync(script.README_FILE, 'utf8')
  t.not(script.withMermaidBlock(readme, `${mermaid}  extra {\n    integer id PK\n  }\n`), readme)
  t.throws(() => script.withMermaidBlock('no markers here', mermaid), /needs the markers/)
})
