/** What the graph needs of a revision: its id and the ids it builds on. */
export interface GraphNode {
  readonly revision: string
  readonly parents: readonly string[]
}

/**
 * `history`'s lines with the revision graph drawn in front of them, as `git log --graph`
 * draws commits: newest first, one column per line of descent, `*` the revision, `|` a
 * branch passing by, `|\` a merge's second parent leaving, `|/` two branches meeting at
 * their branch point. A linear history gets no columns: its lines are returned as they are.
 *
 * @example
 * ```ts
 * drawHistory(entries, (entry) => `${entry.revision}, ${entry.message}`)
 * // ['* m, Merge', '|\\', '| * c, Branch C', '* | b, Branch B', '|/', '* a, Base']
 * ```
 */
export function drawHistory<T extends GraphNode> (entries: readonly T[], text: (entry: T) => string): string[] {
  const branched = entries.some((entry) => entry.parents.length > 1) ||
    new Set(entries.flatMap((entry) => entry.parents)).size < entries.reduce((sum, entry) => sum + entry.parents.length, 0)
  if (!branched) return entries.map(text)
  const lines: string[] = []
  // Each column holds the revision it waits for (the parent of the last revision drawn in it).
  let columns: string[] = []
  // A column's mark sits at 2 × its index; a diagonal (a column arriving or leaving) one
  // place to its left, between it and its neighbour, as git draws them.
  const draw = (marks: (column: number) => string): string => {
    const line = Array.from({ length: columns.length * 2 }, () => ' ')
    columns.forEach((_, column) => {
      const mark = marks(column)
      line[mark === '/' || mark === '\\' ? column * 2 - 1 : column * 2] = mark
    })
    return line.join('').trimEnd()
  }
  for (const entry of entries) {
    let at = columns.indexOf(entry.revision)
    if (at === -1) {
      // A head: a new column.
      columns.push(entry.revision)
      at = columns.length - 1
    }
    if (columns.lastIndexOf(entry.revision) !== at) {
      // Children on several columns: those columns meet here (its branch point).
      lines.push(draw((column) => column !== at && columns[column] === entry.revision ? '/' : '|'))
      columns = columns.filter((id, column) => column === at || id !== entry.revision)
    }
    lines.push(`${draw((column) => column === at ? '*' : '|')} ${text(entry)}`)
    const [first, ...others] = entry.parents
    if (first === undefined) {
      columns.splice(at, 1)
      continue
    }
    columns[at] = first
    if (others.length > 0) {
      // A merge: each other parent leaves on a new column to the right.
      columns.splice(at + 1, 0, ...others)
      lines.push(draw((column) => column <= at ? '|' : '\\'))
    }
  }
  return lines
}
