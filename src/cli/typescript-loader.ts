import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { UsageError } from './usage-error.ts'

/**
 * How this process imports a `.ts` file: `loader` when one is registered already (the CLI
 * runs under tsx), `native` when Node strips types itself (22.18+ and 24: the fast way, with
 * tsx only for files that need more), `tsx` when tsx must be registered first (Node 20).
 */
export type TypescriptLoading = 'loader' | 'native' | 'tsx'

/** What {@link typescriptLoading} reads from a process: `process` itself, or a test's stand-in. */
export interface ProcessFacts {
  /** `process.features`; `typescript` is there from Node 22.10 (@types/node stays at 20, the oldest Node supported). */
  readonly features: object
  readonly execArgv: readonly string[]
  readonly env: Readonly<Record<string, string | undefined>>
}

/**
 * Which way `.ts` files are imported in a process with these facts.
 *
 * @example
 * ```ts
 * typescriptLoading(process) // 'native' on Node 24, 'tsx' on Node 20
 * ```
 */
export function typescriptLoading (facts: ProcessFacts): TypescriptLoading {
  const tsx = (text: string | undefined): boolean => text !== undefined && /\btsx\b/.test(text)
  if (facts.execArgv.some(tsx) || tsx(facts.env.NODE_OPTIONS) || facts.env.TSX_TSCONFIG_PATH !== undefined) return 'loader'
  // `strip` (Node 22.18+, 23.6+, 24) or `transform` (with --experimental-transform-types).
  const native = (facts.features as { typescript?: unknown }).typescript
  return native === 'strip' || native === 'transform' ? 'native' : 'tsx'
}

/**
 * The error codes of an import that failed because Node's own TypeScript support cannot load
 * the file, where tsx can: syntax that needs transforming (enums, namespaces, parameter
 * properties), `.ts` files under node_modules, import specifiers written without `.ts` (or
 * with `.js` for a `.ts` file, or a tsconfig path alias), and type stripping turned off.
 */
const TSX_CAN_LOAD = new Set([
  'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX',
  'ERR_INVALID_TYPESCRIPT_SYNTAX',
  'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING',
  'ERR_MODULE_NOT_FOUND',
  'ERR_UNSUPPORTED_DIR_IMPORT',
  'ERR_UNKNOWN_FILE_EXTENSION'
])

/**
 * Whether an import that Node's type stripping failed on is worth a second try through tsx.
 * A SyntaxError counts too: stripping leaves decorators, which Node cannot parse.
 *
 * @example
 * ```ts
 * needsTsx(Object.assign(new Error('TypeScript enum is not supported in strip-only mode'), { code: 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' })) // true
 * ```
 */
export function needsTsx (error: unknown): boolean {
  if (error instanceof SyntaxError) return true
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && TSX_CAN_LOAD.has(code)
}

let loading: TypescriptLoading | undefined
let tsxRegistration: Promise<void> | undefined
/** Set once tsx is registered: from then on tsx loads every `.ts` file of the process. */
let tsxRegistered = false

/**
 * Imports a module by URL. A `.ts` module is loaded by Node's own type stripping where Node
 * has it, and through tsx where it does not or where the file needs more than stripping
 * (tsx is then registered for the rest of the process, revisions included). `debug`, when
 * given, is told which way a `.ts` file was loaded (the CLI passes it with FASTIFY_ORM_DEBUG).
 * With `restart`, when even tsx cannot load the file in this process (Node 22 keeps a file
 * that failed to strip in its module cache), the whole command runs again in a new process
 * with tsx from the start, and this one exits with its exit code.
 *
 * @example
 * ```ts
 * const app = await importTypescript(pathToFileURL('example-app/app.ts').href)
 * ```
 */
export async function importTypescript (url: string, debug?: (line: string) => void, restart = false): Promise<Record<string, unknown>> {
  const path = new URL(url).pathname
  if (!/\.[mc]?ts$/.test(path)) return await import(url) as Record<string, unknown>
  const loaded = (how: string): void => debug?.(`${decodeURIComponent(path)} loaded ${how}`)
  loading ??= typescriptLoading(process)
  if (loading !== 'native' || tsxRegistered) {
    if (loading === 'tsx') await registerTsx()
    const module = await import(url) as Record<string, unknown>
    loaded(loading === 'loader'
      ? 'by the TypeScript loader this process runs with'
      : loading === 'tsx' ? `through tsx (Node.js ${process.versions.node} does not strip types)` : 'through tsx (registered for an earlier file)')
    return module
  }
  try {
    const module = await import(url) as Record<string, unknown>
    loaded('by Node.js\'s type stripping')
    return module
  } catch (error) {
    if (!needsTsx(error)) throw error
    // A module graph that failed to load or link ran none of its code, so it can be imported
    // again, now through tsx. Not by the same URL: Node 22 keeps the failed import of that
    // URL in its cache (the failed files it imported are tried anew).
    try {
      await registerTsx()
    } catch (missing) {
      const file = fileURLToPath(url)
      throw new UsageError(
        `Node.js ${process.versions.node} strips TypeScript types but cannot load ${file} ` +
        `(${(error as Error).message.split('\n')[0]}). Install tsx (npm install -D tsx), which the CLI then uses for such files, ` +
        'or keep to syntax that only needs its types removed: no enums, namespaces or parameter properties, and `.ts` extensions on relative imports.',
        { cause: missing }
      )
    }
    const retry = new URL(url)
    retry.searchParams.set('loader', 'tsx')
    let module: Record<string, unknown>
    try {
      module = await import(retry.href) as Record<string, unknown>
    } catch (again) {
      if (!restart || !needsTsx(again)) throw again
      debug?.(`${decodeURIComponent(path)} needs tsx, and Node.js ${process.versions.node} keeps its failed import: running the command again through tsx`)
      restartWithTsx()
    }
    loaded(`through tsx (Node.js's type stripping could not: ${(error as Error).message.split('\n')[0]})`)
    return module
  }
}

/** Runs this process's command line again with tsx's loader from the start, then exits with its code. */
function restartWithTsx (): never {
  const tsx = import.meta.resolve('tsx')
  const child = spawnSync(process.execPath, [...process.execArgv, '--import', tsx, ...process.argv.slice(1)], { stdio: 'inherit' })
  process.exit(child.status ?? 1)
}

/** Registers tsx's loader in this process, once (tsx must be installed, as it is for `tsx server.ts`). */
function registerTsx (): Promise<void> {
  tsxRegistration ??= (async () => {
    let api: { register: () => unknown }
    try {
      api = await import('tsx/esm/api') as { register: () => unknown }
    } catch (error) {
      throw new UsageError('Loading a .ts app or revision here needs tsx: npm install -D tsx (or compile to .js and point --app at that).', { cause: error })
    }
    // fastify-orm itself (Kysely and TypeBox with it) loaded before tsx's hooks are in place:
    // the app and its revisions import it, and each module loaded after register() would
    // pass through tsx's resolve and load hooks, which took longer than the rest of a command.
    await import('../index.ts')
    api.register()
    tsxRegistered = true
  })()
  return tsxRegistration
}
