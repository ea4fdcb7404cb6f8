/** Catalog rows of (table, column) pairs, grouped by table (each dialect's `tableColumns`). */
export function columnsByTable (rows: ReadonlyArray<{ table_name: string, column_name: string }>): Map<string, Set<string>> {
  const tables = new Map<string, Set<string>>()
  for (const row of rows) {
    const columns = tables.get(row.table_name)
    if (columns) columns.add(row.column_name)
    else tables.set(row.table_name, new Set([row.column_name]))
  }
  return tables
}
