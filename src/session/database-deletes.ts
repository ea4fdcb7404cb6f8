import type { EntityState } from './entity-state.ts'
import { append, type Entity } from './object-graph.ts'

/**
 * The database's ON DELETE actions, mirrored in memory: tracked rows whose foreign key
 * pointed at a deleted row are gone (`cascade`: returned, to be forgotten) or hold null
 * (`set null`), as the database made them — whether or not a relationship was loaded.
 */
export function followDatabaseDeletes (states: ReadonlyMap<Entity, EntityState>, deleted: readonly Entity[]): Entity[] {
  const gone = new Map<string, Entity[]>()
  for (const entity of deleted) append(gone, stateOf(states, entity).mapper.table.tableName, entity)
  // The values of a referenced column among the rows gone, as text (keys compare as text).
  const values = new Map<string, Set<string>>()
  const valuesOf = (table: string, column: string): Set<string> | undefined => {
    const rows = gone.get(table)
    if (!rows) return undefined
    let set = values.get(`${table}\u0000${column}`)
    if (!set) {
      const property = stateOf(states, rows[0] as Entity).mapper.columns.find((candidate) => candidate.name === column)?.property
      set = new Set(property === undefined ? [] : rows.map((row) => String(row[property])))
      values.set(`${table}\u0000${column}`, set)
    }
    return set
  }
  const removed = new Set<Entity>()
  let changed = gone.size > 0
  while (changed) {
    changed = false
    values.clear()
    for (const [entity, state] of states) {
      if (state.status !== 'persistent' || removed.has(entity)) continue
      for (const fk of state.mapper.table.foreignKeys) {
        if ((fk.onDelete !== 'cascade' && fk.onDelete !== 'set null') || fk.columns.length !== 1) continue
        const column = state.mapper.columns.find((candidate) => candidate.name === fk.columns[0])
        const value = column === undefined ? undefined : entity[column.property]
        if (!column || value === null || value === undefined) continue
        if (!valuesOf(fk.referencedTable, fk.referencedColumns[0] as string)?.has(String(value))) continue
        if (fk.onDelete === 'cascade') {
          removed.add(entity)
          append(gone, state.mapper.table.tableName, entity)
          changed = true
          break
        }
        entity[column.property] = null
        state.snapshot = state.mapper.snapshot(entity)
      }
    }
  }
  return [...removed]
}

/** Deleted objects leave the loaded relationships of the objects still tracked. */
export function forgetDeleted (states: ReadonlyMap<Entity, EntityState>, deleted: ReadonlySet<Entity>): void {
  if (deleted.size === 0) return
  for (const [entity, state] of states) {
    for (const relation of state.mapper.relations) {
      if (!state.mapper.isLoaded(entity, relation.name)) continue
      const value = entity[relation.name]
      if (Array.isArray(value)) {
        const kept = value.filter((member) => !deleted.has(member as Entity))
        if (kept.length !== value.length) entity[relation.name] = kept
      } else if (value !== null && deleted.has(value as Entity)) {
        entity[relation.name] = null
      }
    }
  }
}

function stateOf (states: ReadonlyMap<Entity, EntityState>, entity: Entity): EntityState {
  const state = states.get(entity)
  // Deleted objects stay tracked until the flush that deleted them has finished.
  if (!state) throw new Error('A deleted object is no longer tracked during its flush')
  return state
}
