import type { EntityMapper } from '../mapping/entity-mapper.ts'

/** What the unit of work knows of one tracked object. */
export interface EntityState {
  readonly mapper: EntityMapper
  status: 'new' | 'persistent' | 'deleted'
  /** Column values when loaded or last flushed (persistent entities only). */
  snapshot: unknown[] | undefined
  key: string | undefined
}
