// Shared by the README snippet tests (not a test file itself): type-checks in-memory files
// with the TypeScript compiler API, as the project's own tsconfig.json does, `fastify-orm`
// resolving to the package's public entry (src/index.ts, what dist/index.d.ts is built from).
import { join } from 'node:path'
import ts from 'typescript'
import { ROOT, type Block } from './readme.ts'

/** Where the in-memory files live: inside the repository (for node_modules), never on disk. */
export const SNIPPETS = join(ROOT, '.tap/readme-snippets')

/** A file to compile; when it holds a README block, `block` and `offset` map its lines back to the README's. */
export interface SnippetFile {
  /** File name relative to {@link SNIPPETS}, e.g. `prelude.ts`. */
  readonly name: string
  readonly source: string
  readonly block?: Block
  /** How many lines precede the block's code in `source`. */
  readonly offset?: number
  /** false: compiled for the others' sake, its errors not reported (they are reported by another program). */
  readonly report?: boolean
}

const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config as object
const { options: projectOptions } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT)
const options: ts.CompilerOptions = {
  ...projectOptions,
  noEmit: true,
  paths: { 'fastify-orm': [join(ROOT, 'src/index.ts')] }
}

// Parsed files of the repository and node_modules, shared by every program of this process.
const cache = new Map<string, ts.SourceFile>()

/**
 * Type-checks `files` as one program and returns its errors, each as `README.md:LINE: message`
 * for a block's line, or `FILE:LINE: message` for a line outside the blocks.
 */
export function typeCheck (files: readonly SnippetFile[]): string[] {
  const byPath = new Map(files.map((file) => [join(SNIPPETS, file.name), file]))
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (name, version, ...rest) => {
    const file = byPath.get(name)
    if (file) return ts.createSourceFile(name, file.source, version)
    const cached = cache.get(name)
    if (cached) return cached
    const parsed = getSourceFile(name, version, ...rest)
    if (parsed) cache.set(name, parsed)
    return parsed
  }
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (name) => byPath.has(name) || fileExists(name)
  const directoryExists = host.directoryExists?.bind(host)
  host.directoryExists = (name) => SNIPPETS === name || SNIPPETS.startsWith(`${name}/`) || (directoryExists?.(name) ?? true)
  const readFile = host.readFile.bind(host)
  host.readFile = (name) => byPath.get(name)?.source ?? readFile(name)
  const program = ts.createProgram([...byPath.keys()], options, host)
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...byPath].filter(([, file]) => file.report !== false).flatMap(([name]) => {
      const sourceFile = program.getSourceFile(name)
      return sourceFile ? [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)] : []
    })
  ]
  return diagnostics.map((diagnostic) => `${where(diagnostic, byPath)}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`)
}

function where (diagnostic: ts.Diagnostic, byPath: ReadonlyMap<string, SnippetFile>): string {
  if (!diagnostic.file || diagnostic.start === undefined) return 'tsc'
  const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line
  const file = byPath.get(diagnostic.file.fileName)
  if (file?.block && line >= (file.offset ?? 0)) return `README.md:${file.block.line + line - (file.offset ?? 0)}`
  return `${file ? file.name : diagnostic.file.fileName}:${line + 1}`
}
