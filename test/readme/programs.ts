// Shared by the README snippet tests (not a test file itself): which README block is compiled
// how. Blocks that export are modules of their own, compiled as written; the other ts blocks
// are fragments of the README's app, compiled each in a file of its own after one import
// from an explicit prelude of what the README defines elsewhere or plainly presumes.
import type { SnippetFile } from './compile.ts'
import type { Block } from './readme.ts'

/** A revision file: compiled (and run) as a module of its own. */
export const isRevision = (block: Block): boolean => /^export const revision = /m.test(block.code)

/** A block that exports is a module of its own (the quickstart, the models, a revision). */
export const isModule = (block: Block): boolean => /^export /m.test(block.code)

/** The quickstart: the first ts block of the "Quickstart" section. */
export function quickstartBlock (blocks: readonly Block[]): Block {
  const block = blocks.find((b) => b.lang === 'ts' && b.section === 'Quickstart')
  if (!block) throw new Error('README.md has no ts block under "## Quickstart"')
  return block
}

/** The models of the "Models" section (Movie). */
export function modelsBlock (blocks: readonly Block[]): Block {
  const block = blocks.find((b) => b.lang === 'ts' && b.section === 'Models')
  if (!block) throw new Error('README.md has no ts block under "## Models"')
  return block
}

const AUGMENTATION = /^declare module 'fastify-orm' \{[\s\S]*?^\}\n/m

/**
 * The names the prelude provides and what each is. The app is the quickstart's, with every
 * model the README declares registered (the quickstart's User and Post and their
 * relationships, the Models section's Movie), plus the one table a fragment uses that the
 * README gives no model for: the transfer example's `account` (`id`, `balance`).
 */
const PRELUDE = `// The README's app, as its fragments presume it.
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify'
import { c, defineModel } from 'fastify-orm'
import { Post, User, postRelations, userRelations } from './quickstart.ts'
import { Movie } from './models.ts'

export { Movie, Post, User }

// The table the transfer example updates; the README shows no model for it.
export const Account = defineModel('Account', { id: c.integer().primaryKey(), balance: c.integer() })

export const models = { User, Post, userRelations, postRelations, Movie, Account }

declare module 'fastify-orm' {
  interface Register { models: typeof models }
}

// The quickstart's app (Fastify's default type provider), a request in one of its routes,
// and a route handler (the TypeBox example passes one).
export declare const app: FastifyInstance
export declare const request: FastifyRequest
export declare const handler: RouteHandlerMethod
`

const PRELUDE_NAMES = ['app', 'request', 'handler', 'models', 'User', 'Post', 'Movie']

/** The file name a revision block is written to, as the CLI names it. */
export function revisionFileName (block: Block): string {
  const id = /^export const revision = '(\w+)'/m.exec(block.code)?.[1]
  const message = /^export const message = '([^']*)'/m.exec(block.code)?.[1] ?? 'revision'
  return `${id}_${message.toLowerCase().replace(/\W+/g, '_')}.ts`
}

/** The quickstart alone, exactly as written: its own Register augmentation types its routes. */
export function quickstartProgram (blocks: readonly Block[]): SnippetFile[] {
  const block = quickstartBlock(blocks)
  return [{ name: 'quickstart.ts', source: block.code, block, offset: 0 }]
}

/**
 * Every other ts block. The quickstart is in it too, as the prelude's source of User and Post,
 * with its Register augmentation blanked (lines kept) since the prelude registers the whole app.
 */
export function fragmentsProgram (blocks: readonly Block[]): SnippetFile[] {
  const quickstart = quickstartBlock(blocks)
  const models = modelsBlock(blocks)
  if (!AUGMENTATION.test(quickstart.code)) throw new Error(`README.md:${quickstart.line}: the quickstart no longer has its "declare module 'fastify-orm'" block`)
  const files: SnippetFile[] = [
    { name: 'quickstart.ts', source: quickstart.code.replace(AUGMENTATION, (text) => text.replace(/[^\n]/g, '')), block: quickstart, offset: 0, report: false },
    { name: 'models.ts', source: models.code, block: models, offset: 0 },
    { name: 'prelude.ts', source: PRELUDE }
  ]
  for (const block of blocks) {
    if (block.lang !== 'ts' || block === quickstart || block === models) continue
    if (isModule(block)) {
      files.push({ name: isRevision(block) ? revisionFileName(block) : `module-${block.line}.ts`, source: block.code, block, offset: 0 })
      continue
    }
    const names = PRELUDE_NAMES.filter((name) => new RegExp(`\\b${name}\\b`).test(block.code))
    const header = names.length > 0 ? `import { ${names.join(', ')} } from './prelude.ts'\n` : 'export {}\n'
    files.push({ name: `fragment-${block.line}.ts`, source: header + block.code, block, offset: 1 })
  }
  return files
}
