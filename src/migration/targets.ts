import { MigrationError } from '../errors.ts'
import type { Revision } from './revision.ts'

/**
 * Where a target leaves the database, as the number of revisions applied (0 is base):
 * `head`, `base`, `+N` / `-N` relative to `current`, a revision id or a unique prefix of
 * one (at least 4 characters).
 *
 * @example
 * ```ts
 * resolveTarget('head', chain, 1) // chain.length
 * resolveTarget('-1', chain, 2) // 1
 * resolveTarget('3f2a', chain, 0) // the position after revision 3f2a9c1b7d20
 * ```
 */
export function resolveTarget (target: string, chain: readonly Revision[], current: number): number {
  const text = target.trim()
  if (text === 'head' || text === 'heads') return chain.length
  if (text === 'base') return 0
  const relative = /^([+-])(\d+)$/.exec(text)
  if (relative) {
    const result = current + (relative[1] === '+' ? 1 : -1) * Number(relative[2])
    if (result < 0 || result > chain.length) {
      throw new MigrationError(`Target ${text} is out of range: the database is at revision ${current} of ${chain.length}.`)
    }
    return result
  }
  const matches = text.length >= 4 ? chain.filter((revision) => revision.revision.startsWith(text)) : []
  if (matches.length > 1) throw new MigrationError(`Revision prefix ${text} is ambiguous: ${matches.map((revision) => revision.revision).join(', ')}.`)
  const [match] = matches
  if (match === undefined) {
    throw new MigrationError(`Unknown revision ${text}. Use head, base, +N, -N or a revision id (fastify-orm history lists them).`)
  }
  return chain.indexOf(match) + 1
}
