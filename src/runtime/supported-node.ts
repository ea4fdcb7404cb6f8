import { UnsupportedNodeError } from '../errors.ts'

/**
 * The Node.js versions fastify-orm runs on, as package.json's `engines.node` states them (a
 * test keeps the two equal). The floors are where each line loads ES modules through
 * `require()` without a flag, so a CommonJS app can `require('fastify-orm')`; 21 and 23
 * are short-lived lines that ended before their successors (and better-sqlite3 12 has no
 * build for 21). There is no upper bound: a newer Node is tried rather than refused.
 */
export const SUPPORTED_NODE_RANGE = '^20.19.0 || ^22.12.0 || >=24.0.0'

/** The same range as data: a major line and its lowest minor; the last entry covers every later major. */
const LINES: ReadonlyArray<{ readonly major: number, readonly minor: number }> = [
  { major: 20, minor: 19 },
  { major: 22, minor: 12 },
  { major: 24, minor: 0 }
]

/** The supported versions in words, for messages: "20.19+, 22.12+, 24 or later". */
export const SUPPORTED_NODE_TEXT = LINES.map((line, index) =>
  index === LINES.length - 1 ? `${line.major} or later` : `${line.major}.${line.minor}+`).join(', ')

/**
 * Why `version` (a `process.versions.node` or `process.version` string) cannot run
 * fastify-orm, or `undefined` when it is supported.
 *
 * @example
 * ```ts
 * unsupportedNodeReason('24.11.1') // undefined
 * unsupportedNodeReason('v18.20.4') // 'fastify-orm supports Node.js 20.19+, 22.12+, 24 or later; this is Node.js 18.20.4. …'
 * ```
 */
export function unsupportedNodeReason (version: string): string | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)
  if (match !== null) {
    const [major, minor] = [Number(match[1]), Number(match[2])]
    const last = LINES[LINES.length - 1] as { major: number, minor: number }
    const line = LINES.find((candidate) => candidate.major === major)
    if (major > last.major || (line !== undefined && minor >= line.minor)) return undefined
  }
  return `fastify-orm supports Node.js ${SUPPORTED_NODE_TEXT}; this is Node.js ${version.replace(/^v/, '')}. ` +
    'Install a supported version (the current LTS is the safest choice) and run again.'
}

/**
 * Throws an {@link UnsupportedNodeError} when this process's Node.js is not supported: the
 * plugin and the CLI call it first, so that an old Node fails with the versions to install
 * rather than later, deep in a dependency.
 *
 * @example
 * ```ts
 * assertSupportedNode() // on Node 18: UnsupportedNodeError: fastify-orm supports Node.js 20.19+, …
 * ```
 */
export function assertSupportedNode (version: string = process.versions.node): void {
  const reason = unsupportedNodeReason(version)
  if (reason !== undefined) throw new UnsupportedNodeError(reason)
}
