import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { MigrationError } from '../errors.ts'
import { importRevision, revisionFiles, type Revision } from './revision.ts'

/**
 * The revisions as a graph: each points at its parents (none for a first revision, two
 * or more for a merge). Heads are the revisions no other one builds on; a branch point
 * is a revision with more than one child. `order` is a topological order (every parent
 * before its children), stable for the same files, which upgrades follow.
 *
 * @example
 * ```ts
 * const graph = new RevisionGraph(revisions)
 * graph.heads() // ['a1b2c3d4e5f6', '0f9e8d7c6b5a'] before their merge
 * ```
 */
export class RevisionGraph {
  /** Every revision, parents before children. */
  readonly order: readonly Revision[]
  readonly #byId: ReadonlyMap<string, Revision>
  readonly #children: ReadonlyMap<string, readonly Revision[]>

  constructor (revisions: readonly Revision[]) {
    const byId = new Map<string, Revision>()
    for (const revision of revisions) {
      const clash = byId.get(revision.revision)
      if (clash) throw new MigrationError(`Two revision files have the id ${revision.revision}: ${clash.file} and ${revision.file}. Give one of them a new id.`)
      byId.set(revision.revision, revision)
    }
    const children = new Map<string, Revision[]>()
    for (const revision of revisions) {
      for (const parent of revision.parents) {
        if (!byId.has(parent)) throw new MigrationError(`Revision ${revision.revision} (${revision.file}) names parent ${parent}, which no revision file defines.`)
        children.set(parent, [...children.get(parent) ?? [], revision])
      }
    }
    this.#byId = byId
    this.#children = children
    this.order = topologicalOrder(revisions, children)
  }

  get (id: string): Revision | undefined {
    return this.#byId.get(id)
  }

  children (id: string): readonly Revision[] {
    return this.#children.get(id) ?? []
  }

  /** The revisions no other one has as parent, in {@link order}. */
  heads (): Revision[] {
    return this.order.filter((revision) => this.children(revision.revision).length === 0)
  }

  /** The revisions with more than one child, in {@link order}. */
  branchPoints (): Revision[] {
    return this.order.filter((revision) => this.children(revision.revision).length > 1)
  }

  /** `id` and every revision it builds on. */
  ancestors (id: string): Set<string> {
    return this.#walk(id, (revision) => revision.parents)
  }

  /** `id` and every revision that builds on it. */
  descendants (id: string): Set<string> {
    return this.#walk(id, (revision) => this.children(revision.revision).map((child) => child.revision))
  }

  /**
   * The revision a command line names: its id or a unique prefix of it (4 characters at
   * least).
   */
  resolve (text: string): Revision {
    const exact = this.#byId.get(text)
    if (exact) return exact
    const matches = text.length >= 4 ? this.order.filter((revision) => revision.revision.startsWith(text)) : []
    if (matches.length > 1) throw new MigrationError(`Revision prefix ${text} is ambiguous: ${matches.map((revision) => revision.revision).join(', ')}.`)
    const [match] = matches
    if (match === undefined) {
      throw new MigrationError(`Unknown revision ${text}. Use head, heads, base, +N, -N or a revision id (fastify-orm history lists them).`)
    }
    return match
  }

  /** The heads of an applied set: applied revisions none of whose children is applied, in {@link order}. */
  appliedHeads (applied: ReadonlySet<string>): string[] {
    return this.order
      .filter((revision) => applied.has(revision.revision) && !this.children(revision.revision).some((child) => applied.has(child.revision)))
      .map((revision) => revision.revision)
  }

  #walk (id: string, next: (revision: Revision) => readonly string[]): Set<string> {
    const seen = new Set<string>()
    const stack = [id]
    for (let current = stack.pop(); current !== undefined; current = stack.pop()) {
      if (seen.has(current)) continue
      seen.add(current)
      const revision = this.#byId.get(current)
      if (revision) stack.push(...next(revision))
    }
    return seen
  }
}

/**
 * Imports every revision file of `dir` and returns them as a graph, after checking it:
 * unique ids, every parent known, no cycle. Several heads are allowed here (two branches
 * that both added a revision); `upgrade` to `head` refuses them until they are merged.
 *
 * @example
 * ```ts
 * const graph = await loadRevisionGraph('migrations')
 * graph.order // [initial, addMpa]
 * ```
 */
export async function loadRevisionGraph (dir: string): Promise<RevisionGraph> {
  const folder = resolve(dir)
  if (!existsSync(folder)) {
    throw new MigrationError(`The migrations folder ${folder} does not exist. Create it with: fastify-orm init --dir ${dir}`)
  }
  const revisions = await Promise.all(revisionFiles(folder).map((file) => importRevision(file)))
  return new RevisionGraph(revisions)
}

/**
 * Kahn's algorithm, taking among the ready revisions the one that comes first by date,
 * then id: the same files always give the same order, and a branch's revisions stay
 * roughly where they were written.
 */
function topologicalOrder (revisions: readonly Revision[], children: ReadonlyMap<string, readonly Revision[]>): Revision[] {
  const waiting = new Map(revisions.map((revision) => [revision.revision, new Set(revision.parents).size]))
  const before = (a: Revision, b: Revision): number => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.revision.localeCompare(b.revision)
  const ready = revisions.filter((revision) => revision.parents.length === 0).sort(before)
  const order: Revision[] = []
  while (ready.length > 0) {
    const revision = ready.shift() as Revision
    order.push(revision)
    for (const child of new Set(children.get(revision.revision) ?? [])) {
      const left = (waiting.get(child.revision) ?? 0) - 1
      waiting.set(child.revision, left)
      if (left === 0) {
        ready.push(child)
        ready.sort(before)
      }
    }
  }
  if (order.length !== revisions.length) {
    const stray = revisions.filter((revision) => !order.includes(revision)).map((revision) => revision.revision)
    throw new MigrationError(`Revisions ${stray.join(', ')} form a cycle of parents and cannot be ordered.`)
  }
  return order
}
