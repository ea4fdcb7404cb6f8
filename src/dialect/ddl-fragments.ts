import { sql, type ColumnDefinitionBuilder, type ForeignKeyConstraintBuilder, type RawBuilder } from 'kysely'
import type { ColumnConfig } from '../model/column.ts'
import type { ForeignKeyDefinition } from '../model/registry.ts'
import type { ColumnTypes } from './orm-dialect.ts'

/** Applies a foreign key's ON DELETE / ON UPDATE actions to Kysely's constraint builder. */
export function withActions (fk: Pick<ForeignKeyDefinition, 'onDelete' | 'onUpdate'>): (constraint: ForeignKeyConstraintBuilder) => ForeignKeyConstraintBuilder {
  return (constraint) => {
    let result = constraint
    if (fk.onDelete) result = result.onDelete(fk.onDelete)
    if (fk.onUpdate) result = result.onUpdate(fk.onUpdate)
    return result
  }
}

/** An enumeration's CHECK, `"column" in ('a', 'b')`, quoted by the database's compiler. */
export function enumCheck (column: string, values: readonly string[]): RawBuilder<unknown> {
  return sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`
}

/**
 * A column's server default as DDL writes it (Kysely's `defaultTo`, `setDefault`, or inside
 * a `sql` template): a literal inlined as an SQL literal, or `{ sql }` as this database
 * needs it (`serverDefaultSql`); undefined when the column has none.
 *
 * @example
 * ```ts
 * serverDefaultValue(c.string(10).serverDefault("it's").config, types) // sql.lit("it's") → 'it''s'
 * ```
 */
export function serverDefaultValue (config: ColumnConfig, types: ColumnTypes): RawBuilder<unknown> | undefined {
  const value = config.serverDefault
  if (value === undefined) return undefined
  return typeof value === 'object' ? sql.raw(types.serverDefaultSql?.(config, value.sql) ?? value.sql) : sql.lit(value)
}

/**
 * The rest of a column definition after its type, as createAll and a revision's `t.column`
 * write it: NOT NULL (never on a generated column), autoincrement (the declared identity kind), `GENERATED ALWAYS AS
 * (…) STORED|VIRTUAL`, the server default and, where the database takes it inline, the comment.
 *
 * @example
 * ```ts
 * db.schema.createTable('line').addColumn('total', 'numeric(12, 2)', columnDefinition(c.numeric(12, 2).generatedAs('price * qty').config, true, types))
 * ```
 */
export function columnDefinition (config: ColumnConfig, autoincrement: boolean, types: ColumnTypes): (builder: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return (builder) => {
    // Never NOT NULL when generated: MariaDB refuses it there, and the expression decides.
    let result = config.nullable || config.generated !== undefined ? builder : builder.notNull()
    if (autoincrement) result = types.autoincrement(result, config)
    if (config.generated !== undefined) {
      result = result.generatedAlwaysAs(sql.raw(config.generated.expression))
      // Kysely writes no VIRTUAL; it is what SQLite and MySQL assume without STORED.
      if (config.generated.stored) result = result.stored()
    }
    const value = serverDefaultValue(config, types)
    if (value !== undefined) result = result.defaultTo(value)
    return config.comment === undefined || types.comment === undefined ? result : types.comment(result, config.comment)
  }
}
