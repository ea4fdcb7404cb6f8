import { modelGraph } from '../diagram/model-graph.ts'
import { renderMermaid } from '../diagram/mermaid.ts'
import { renderSvg } from '../diagram/svg.ts'
import type { CliOutput } from './cli-output.ts'
import type { AppModule } from './load-app.ts'
import { UsageError } from './usage-error.ts'

/** What `fastify-orm diagram --format` accepts. */
export const DIAGRAM_FORMATS = ['svg', 'mermaid'] as const

export type DiagramFormat = typeof DIAGRAM_FORMATS[number]

/** The `--format` value checked before the app is loaded: svg when absent, a usage error when unknown. */
export function diagramFormat (value: unknown): DiagramFormat {
  if (value === undefined) return 'svg'
  if (DIAGRAM_FORMATS.includes(value as DiagramFormat)) return value as DiagramFormat
  throw new UsageError(`--format takes ${DIAGRAM_FORMATS.join(' or ')}, got "${String(value)}"`)
}

/**
 * `fastify-orm diagram`: the app module's models drawn on stdout. Reads the models only,
 * so no database is opened.
 *
 * @example
 * ```ts
 * printDiagram(await loadAppModule('example-app/app.ts'), 'mermaid', STDIO)
 * ```
 */
export function printDiagram (app: AppModule, format: DiagramFormat, output: CliOutput): number {
  const graph = modelGraph(app.models)
  const text = format === 'mermaid' ? renderMermaid(graph) : renderSvg(graph)
  output.out(text.replace(/\n$/, ''))
  return 0
}
