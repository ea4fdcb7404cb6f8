import { sqlLiterals } from '../sql-literals.ts'

/** PostgreSQL: `$1` placeholders, real booleans, bytea in hex; a backslash is an ordinary character. */
export const postgresSqlLiterals = sqlLiterals({
  numberedPlaceholders: true,
  boolean: (value) => String(value),
  bytes: (hex) => `'\\x${hex}'::bytea`,
  backslashEscapes: false
})
