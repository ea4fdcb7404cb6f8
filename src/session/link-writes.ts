import { sql, type RawBuilder, type SqlBool } from 'kysely'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import type { ResolvedRelation } from '../model/registry.ts'
import { chunksOf, MAX_PARAMETERS, type FlushTarget } from './flush-statements.ts'
import { membersOf, type Entity, type TrackedGraph } from './object-graph.ts'

/**
 * Many-to-many: inserts the association rows of members added to loaded collections and
 * deletes those of members removed; a deleted object loses all its links. At most one
 * DELETE and one INSERT per association table, whichever side the change was made on (a
 * link added on both sides is one row). Returns the updates of the other side's loaded
 * collections, applied once the whole flush has succeeded.
 */
export async function writeLinks (target: FlushTarget, graph: TrackedGraph): Promise<Array<() => void>> {
  const tables = new Map<string, LinkChanges>()
  const changesOf = (table: string): LinkChanges => {
    let changes = tables.get(table)
    if (!changes) tables.set(table, changes = { inserts: new Map(), removals: new Map(), owners: new Map() })
    return changes
  }
  const followUps: Array<() => void> = []
  for (const [entity, state] of graph.entries()) {
    for (const relation of state.mapper.relations) {
      if (relation.kind !== 'manyToMany') continue
      const through = relation.through as NonNullable<ResolvedRelation['through']>
      const changes = changesOf(through.table.tableName)
      const sourceKey = entity[state.mapper.keyColumns[0]?.property as string]
      if (state.status === 'deleted') {
        let keys = changes.owners.get(through.source.column)
        if (!keys) changes.owners.set(through.source.column, keys = new Set())
        keys.add(sourceKey)
        continue
      }
      if (!state.mapper.isLoaded(entity, relation.name)) continue
      const targetMapper = graph.mapperOfRelation(relation)
      const current = membersOf(state.mapper, entity, relation)
      const previous = graph.collectionSnapshot(entity, relation.name) ?? []
      const row = (member: Entity): Record<string, unknown> =>
        ({ [through.source.column]: sourceKey, [through.target.column]: member[targetMapper.keyColumns[0]?.property as string] })
      const before = new Set(previous)
      const now = new Set(current)
      for (const member of current) {
        if (before.has(member)) continue
        changes.inserts.set(linkKey(row(member)), row(member))
        followUps.push(() => mirrorLink(graph, relation, targetMapper, member, entity, 'add'))
      }
      for (const member of previous) {
        if (now.has(member)) continue
        changes.removals.set(linkKey(row(member)), row(member))
        followUps.push(() => mirrorLink(graph, relation, targetMapper, member, entity, 'remove'))
      }
    }
  }
  for (const [table, { inserts, removals, owners }] of tables) {
    const conditions: Array<{ readonly sql: RawBuilder<SqlBool>, readonly parameters: number }> = []
    for (const [column, keys] of owners) {
      for (const chunk of chunksOf([...keys], MAX_PARAMETERS)) conditions.push({ sql: sql<SqlBool>`${sql.ref(column)} in (${sql.join(chunk)})`, parameters: chunk.length })
    }
    for (const link of removals.values()) {
      const pairs = Object.entries(link).map(([column, value]) => sql`${sql.ref(column)} = ${value}`)
      conditions.push({ sql: sql<SqlBool>`(${sql.join(pairs, sql` and `)})`, parameters: pairs.length })
    }
    for (const chunk of chunksOf(conditions, MAX_PARAMETERS, (condition) => condition.parameters)) {
      await target.execute(target.builder.deleteFrom(table).where(sql<SqlBool>`${sql.join(chunk.map((condition) => condition.sql), sql` or `)}`).compile())
    }
    for (const chunk of chunksOf([...inserts.values()], MAX_PARAMETERS, (row) => Object.keys(row).length)) {
      await target.execute(target.builder.insertInto(table).values(chunk).compile())
    }
  }
  return followUps
}

/** The other side of a many-to-many, when loaded, shows a link written from this side. */
function mirrorLink (graph: TrackedGraph, relation: ResolvedRelation, targetMapper: EntityMapper, member: Entity, source: Entity, change: 'add' | 'remove'): void {
  if (relation.inverse === undefined || !graph.isTracked(member) || !targetMapper.isLoaded(member, relation.inverse)) return
  const others = member[relation.inverse]
  if (!Array.isArray(others)) return
  const index = others.indexOf(source)
  if (change === 'add' && index < 0) others.push(source)
  else if (change === 'remove' && index >= 0) others.splice(index, 1)
}

/** One association table's pending rows: to insert, to delete, and every row of deleted owners (by column). */
interface LinkChanges {
  readonly inserts: Map<string, Record<string, unknown>>
  readonly removals: Map<string, Record<string, unknown>>
  readonly owners: Map<string, Set<unknown>>
}

/** The same link seen from either side gives the same key. */
function linkKey (row: Readonly<Record<string, unknown>>): string {
  return Object.keys(row).sort().map((column) => `${column}=${String(row[column])}`).join('\u0000')
}
