import { CompiledQuery, sql, type Kysely, type QueryResult } from 'kysely'
import type { EntityMapper } from '../mapping/entity-mapper.ts'
import type { EmptyInsertForm } from '../dialect/orm-dialect.ts'
import type { InsertStatements } from '../mapping/insert-statements.ts'
import { keyCondition } from '../mapping/key-condition.ts'
import type { AnyDatabase } from '../model/infer.ts'
import { append, type Entity } from './object-graph.ts'

/** What the unit of work needs from its database. */
export interface FlushTarget {
  /** Builds and compiles statements (the engine's Kysely); it never runs them. */
  readonly builder: Kysely<AnyDatabase>
  /** Runs a compiled statement in the session's transaction. */
  readonly execute: (query: CompiledQuery) => Promise<QueryResult<unknown>>
  /** The engine's cache of INSERT texts. */
  readonly inserts: InsertStatements
  readonly supportsReturning: boolean
  /** `UPDATE … RETURNING`: generated columns read back in the UPDATE itself. */
  readonly supportsUpdateReturning: boolean
  /**
   * Rows per INSERT statement; undefined: as many as the parameter limit allows (fewest
   * round trips, for servers). SQLite, in process, is faster with a short statement it
   * prepares once and runs again than with one huge statement it must parse.
   */
  readonly rowsPerInsert: number | undefined
  /** How this database writes a row that gives no column (see `DialectCapabilities.emptyInsert`). */
  readonly emptyInsert: EmptyInsertForm
  /** Tables in foreign-key order (parents first); inserts follow it, deletes reverse it. */
  readonly tableOrder: readonly string[]
}

// Bound parameters per statement: under SQLite's 32,766, PostgreSQL's and MySQL's 65,535.
export const MAX_PARAMETERS = 30_000

/**
 * INSERTs new objects of one table and fills them in from the database: generated keys,
 * server defaults and normalised values (RETURNING, or a SELECT per row where the database
 * has no RETURNING).
 */
export async function insertRows (target: FlushTarget, mapper: EntityMapper, entities: Entity[]): Promise<void> {
  const table = mapper.table.tableName
  if (!target.supportsReturning) {
    // One statement per row: the insert id of a multi-row insert is only reliable under
    // some InnoDB lock modes, and this path only serves MySQL (MariaDB has RETURNING).
    for (const entity of entities) {
      const values = mapper.insertValues(entity)
      const result = await target.execute(Object.keys(values).length === 0
        ? CompiledQuery.raw(target.inserts.defaultValuesSql(table, (mapper.columns[0] as EntityMapper['columns'][number]).name, 1, [], target.emptyInsert))
        : target.builder.insertInto(table).values(values).compile())
      const generated = mapper.columns.find((column) => column.autoincrement)
      if (generated && entity[generated.property] === undefined && result.insertId !== undefined) {
        entity[generated.property] = generated.config.kind === 'bigInteger' ? result.insertId : Number(result.insertId)
      }
      const { rows: [row] } = await target.execute(target.builder.selectFrom(table).selectAll().where(keyCondition(mapper, entity)).compile())
      if (row) mapper.hydrate(row as Record<string, unknown>, entity)
    }
    return
  }
  // Rows with the same columns go in one statement; RETURNING gives back generated keys,
  // server defaults and normalised values, in the order of the VALUES list.
  for (const group of groupByColumns(mapper, entities)) {
    const plan = mapper.insertPlan(group[0] as Entity)
    // A row without columns is `DEFAULT VALUES`, one row per statement where that is the only form.
    const perStatement = plan.names.length === 0 && target.emptyInsert === 'defaultValues'
      ? 1
      : target.rowsPerInsert ?? Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, plan.names.length)))
    for (let start = 0; start < group.length; start += perStatement) {
      const chunk = start === 0 && group.length <= perStatement ? group : group.slice(start, start + perStatement)
      let query: CompiledQuery
      if (plan.names.length === 0) {
        // Every column from its default: each database has its own form of that.
        query = CompiledQuery.raw(target.inserts.defaultValuesSql(table, (mapper.columns[0] as EntityMapper['columns'][number]).name, chunk.length, plan.returning, target.emptyInsert))
      } else {
        const parameters: unknown[] = []
        for (const entity of chunk) mapper.pushInsertParameters(entity, plan.indexes, parameters)
        query = CompiledQuery.raw(target.inserts.sql(table, plan, chunk.length), parameters)
      }
      const { rows } = await target.execute(query)
      if (rows.length !== chunk.length) throw new Error(`INSERT into ${table} returned ${rows.length} rows for ${chunk.length}`)
      for (let i = 0; i < rows.length; i++) mapper.hydrate(rows[i] as Record<string, unknown>, chunk[i] as Entity)
    }
  }
}

/** UPDATEs the changed columns of one row, and reads back its generated columns (the database recomputed them). */
export async function updateRow (target: FlushTarget, mapper: EntityMapper, entity: Entity, changes: Record<string, unknown>): Promise<void> {
  const table = mapper.table.tableName
  const update = target.builder.updateTable(table).set(changes).where(keyCondition(mapper, entity))
  const generated = mapper.generatedColumns.map((column) => column.name)
  if (generated.length === 0) {
    await target.execute(update.compile())
    return
  }
  let row: unknown
  if (target.supportsUpdateReturning) {
    row = (await target.execute(update.returning(generated).compile())).rows[0]
  } else {
    // MySQL and MariaDB: a second statement reads them.
    await target.execute(update.compile())
    row = (await target.execute(target.builder.selectFrom(table).select(generated).where(keyCondition(mapper, entity)).compile())).rows[0]
  }
  if (row !== undefined) mapper.hydrate(row as Record<string, unknown>, entity)
}

/** DELETEs rows by primary key: `in (…)` lists for a single-column key, a statement per row otherwise. */
export async function deleteRows (target: FlushTarget, mapper: EntityMapper, entities: readonly Entity[]): Promise<void> {
  const [single] = mapper.keyColumns
  if (mapper.keyColumns.length === 1 && single) {
    for (let start = 0; start < entities.length; start += MAX_PARAMETERS) {
      const keys = entities.slice(start, start + MAX_PARAMETERS).map((entity) => entity[single.property])
      await target.execute(target.builder.deleteFrom(mapper.table.tableName).where(sql.ref(single.name), 'in', keys).compile())
    }
    return
  }
  for (const entity of entities) {
    await target.execute(target.builder.deleteFrom(mapper.table.tableName).where(keyCondition(mapper, entity)).compile())
  }
}

/** New objects grouped by the columns they have values for (one INSERT column list each). */
function groupByColumns (mapper: EntityMapper, entities: readonly Entity[]): Entity[][] {
  const groups = new Map<number | string, Entity[]>()
  for (const entity of entities) append(groups, mapper.insertSignature(entity), entity)
  return [...groups.values()]
}

/** Splits items into runs whose weights (bound parameters) add up to at most `limit`. */
export function chunksOf<T> (items: readonly T[], limit: number, weight: (item: T) => number = () => 1): T[][] {
  const chunks: T[][] = []
  let current: T[] = []
  let total = 0
  for (const item of items) {
    const size = weight(item)
    if (current.length > 0 && total + size > limit) {
      chunks.push(current)
      current = []
      total = 0
    }
    current.push(item)
    total += size
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}
