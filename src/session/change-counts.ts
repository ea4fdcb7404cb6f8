/** Writes of one model that were not committed, for the warning of a session that ends with them. */
export interface ModelChanges {
  readonly model: string
  new: number
  changed: number
  deleted: number
}

/** A session's changes that no COMMIT made permanent: never flushed, or flushed in a transaction still open. */
export interface UncommittedChanges {
  readonly unflushed: readonly ModelChanges[]
  readonly flushed: readonly ModelChanges[]
}

/** Adds `by` changes of one kind to a model's counts. */
export function countChange (counts: Map<string, ModelChanges>, model: string, kind: 'new' | 'changed' | 'deleted', by = 1): void {
  let entry = counts.get(model)
  if (entry === undefined) counts.set(model, entry = { model, new: 0, changed: 0, deleted: 0 })
  entry[kind] += by
}
