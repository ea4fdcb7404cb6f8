import type { CompiledQuery, Kysely } from 'kysely'
import type { ArrayRowsQuery } from '../dialect/array-rows.ts'
import { ConfigurationError } from '../errors.ts'
import type { AnyModel } from '../model/define-model.ts'
import type { AnyDatabase } from '../model/infer.ts'
import type { RegisteredTable } from '../model/registry.ts'
import { EntityMapper } from './entity-mapper.ts'
import { InsertStatements } from './insert-statements.ts'
import { keyCondition } from './key-condition.ts'
import { selectedColumn } from './selected-columns.ts'

/**
 * What the sessions of one database share about its models, each made once: the row ↔
 * object mapper of every model, the compiled `SELECT … WHERE pk = ?` of every table, the
 * texts of the unit of work's INSERTs and the order of the tables.
 *
 * @example
 * ```ts
 * const mappings = new Mappings('default', tables, app.db.kysely)
 * const query = mappings.selectByKey(mappings.mapperOf(Movie), [42])
 * ```
 */
export class Mappings {
  /** The registered tables stored in this database, parents first. */
  readonly tables: readonly RegisteredTable[]
  readonly #database: string
  readonly #builder: Kysely<AnyDatabase>
  readonly #mappers = new Map<AnyModel, EntityMapper>()
  readonly #selectByKey = new Map<EntityMapper, CompiledQuery>()
  #insertStatements: InsertStatements | undefined
  #tableOrder: readonly string[] | undefined

  /** `database` is `'default'` or a bind's name; `builder` compiles statements and never runs them. */
  constructor (database: string, tables: readonly RegisteredTable[], builder: Kysely<AnyDatabase>) {
    this.#database = database
    this.tables = tables
    this.#builder = builder
  }

  /** The row ↔ entity mapper of a model stored in this database (built once). */
  mapperOf (model: AnyModel): EntityMapper {
    let mapper = this.#mappers.get(model)
    if (mapper) return mapper
    const table = this.tables.find((candidate) => candidate.model === model)
    if (!table) {
      const bind = model.table.bind
      throw new ConfigurationError(bind === this.#database
        ? `Model ${model.name} is not registered: add it to the plugin's models option.`
        : `Model ${model.name} is stored in bind "${bind}": use app.db.bind('${bind}').session() for it.`)
    }
    mapper = new EntityMapper(table)
    this.#mappers.set(model, mapper)
    return mapper
  }

  /**
   * `SELECT <the model's columns> … WHERE pk = ?` for a key, its row read by position (see
   * `withArrayRows`): compiled once per table, then only the parameters change (building
   * and compiling the query tree is most of a query's cost).
   */
  selectByKey (mapper: EntityMapper, values: readonly unknown[]): ArrayRowsQuery {
    let compiled = this.#selectByKey.get(mapper)
    if (!compiled) {
      compiled = this.#builder.selectFrom(mapper.table.tableName).select(mapper.columnNames.map((column) => selectedColumn(column, undefined)))
        .where(keyCondition(mapper, Object.fromEntries(mapper.keyColumns.map((column, i) => [column.property, values[i]])))).compile()
      this.#selectByKey.set(mapper, compiled)
    }
    // Spelled out: a spread copies by enumerating, which costs more on this hot path.
    return { query: compiled.query, queryId: compiled.queryId, sql: compiled.sql, parameters: values, arrayRows: true }
  }

  /** The texts of the unit of work's INSERTs, made once per table, columns and row count. */
  get insertStatements (): InsertStatements {
    this.#insertStatements ??= new InsertStatements(this.#builder)
    return this.#insertStatements
  }

  /** The registered tables' names, parents first (the order of a flush's inserts). */
  get tableOrder (): readonly string[] {
    this.#tableOrder ??= this.tables.map((table) => table.tableName)
    return this.#tableOrder
  }
}
