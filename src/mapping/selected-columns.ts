import { sql, type AliasedRawBuilder } from 'kysely'

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `"column"` or `"table"."column"`, read under the column's name; a column name Kysely would parse (a dot, ` as `) is quoted as it is. */
export function selectedColumn (column: string, table: string | undefined): string | AliasedRawBuilder<unknown, string> {
  if (PLAIN_NAME.test(column)) return table === undefined ? column : `${table}.${column}`
  // A table may be schema-qualified (`schema.table`), as Kysely reads it in selectFrom.
  return (table === undefined ? sql.id(column) : sql.id(...table.split('.'), column)).as(column)
}
