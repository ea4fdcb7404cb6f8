#!/usr/bin/env node
// `npm run diagrams`: draws the example app's models into docs/example-models.svg and the
// Mermaid block of README.md (between its example-models:mermaid markers). Needs dist/
// (`npm run build`). test/diagram/example-diagrams.test.ts fails when the committed files
// are not what this script writes.
import { readFileSync, writeFileSync } from 'node:fs'
import { URL, fileURLToPath, pathToFileURL } from 'node:url'
import { loadAppModule } from '../dist/cli/load-app.js'
import { modelGraph, renderMermaid, renderSvg } from '../dist/index.js'

export const ROOT = fileURLToPath(new URL('../', import.meta.url))
export const SVG_FILE = fileURLToPath(new URL('../docs/example-models.svg', import.meta.url))
export const README_FILE = fileURLToPath(new URL('../README.md', import.meta.url))
const MODELS = fileURLToPath(new URL('../example-app/models.ts', import.meta.url))
const OPEN = '<!-- example-models:mermaid -->'
const CLOSE = '<!-- /example-models:mermaid -->'

/** The example app's diagram, as SVG and as Mermaid. */
export async function exampleDiagrams () {
  const graph = modelGraph((await loadAppModule(MODELS)).models)
  return { svg: renderSvg(graph), mermaid: renderMermaid(graph) }
}

/** `readme` with the fenced Mermaid block between the markers replaced; throws when the markers are missing. */
export function withMermaidBlock (readme, mermaid) {
  const start = readme.indexOf(OPEN)
  const end = readme.indexOf(CLOSE)
  if (start < 0 || end < start) throw new Error(`README.md needs the markers ${OPEN} and ${CLOSE}, in that order`)
  return `${readme.slice(0, start + OPEN.length)}\n\`\`\`mermaid\n${mermaid}\`\`\`\n${readme.slice(end)}`
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { svg, mermaid } = await exampleDiagrams()
  writeFileSync(SVG_FILE, svg)
  writeFileSync(README_FILE, withMermaidBlock(readFileSync(README_FILE, 'utf8'), mermaid))
  process.stdout.write('Wrote docs/example-models.svg and the Mermaid block of README.md\n')
}
