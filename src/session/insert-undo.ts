import type { EntityMapper } from '../mapping/entity-mapper.ts'
import type { Entity } from './object-graph.ts'

/** The new objects of one table in a flush, with what each looked like before it. */
export interface InsertedBatch {
  readonly mapper: EntityMapper
  readonly entities: readonly Entity[]
  readonly undo: readonly InsertUndo[]
}

/** A new object's state before a flush: its column values and its loaded relationships. */
export interface InsertUndo {
  readonly values: readonly unknown[]
  readonly relations: Readonly<Record<string, unknown>> | undefined
}

export function undoOf (mapper: EntityMapper, entity: Entity): InsertUndo {
  let relations: Record<string, unknown> | undefined
  for (const relation of mapper.relations) {
    if (mapper.isLoaded(entity, relation.name)) (relations ??= {})[relation.name] = entity[relation.name]
  }
  return { values: mapper.columnValues(entity), relations }
}

/** Puts back what a failed flush changed on a new object (keys, defaults, foreign keys, parents). */
export function restore (mapper: EntityMapper, entity: Entity, undo: InsertUndo): void {
  mapper.columns.forEach((column, i) => {
    const value = undo.values[i]
    if (value === undefined) delete entity[column.property]
    else entity[column.property] = value
  })
  for (const relation of mapper.relations) {
    if (undo.relations !== undefined && relation.name in undo.relations) {
      // Unchanged, left as is: assigning would put a new object's untouched relationship in its JSON.
      if (entity[relation.name] !== undo.relations[relation.name]) entity[relation.name] = undo.relations[relation.name]
    } else if (mapper.isLoaded(entity, relation.name)) delete entity[relation.name]
  }
}
