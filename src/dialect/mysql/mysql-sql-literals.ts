import { sqlLiterals } from '../sql-literals.ts'

/** MySQL/MariaDB: `?` placeholders, booleans as 1/0, X'…' bytes; a backslash escapes inside strings. */
export const mysqlSqlLiterals = sqlLiterals({
  numberedPlaceholders: false,
  boolean: (value) => value ? '1' : '0',
  bytes: (hex) => `X'${hex}'`,
  backslashEscapes: true
})
