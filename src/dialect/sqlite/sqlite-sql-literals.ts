import { sqlLiterals } from '../sql-literals.ts'

/** SQLite: `?` placeholders, booleans as 1/0, X'…' blobs; a backslash is an ordinary character. */
export const sqliteSqlLiterals = sqlLiterals({
  numberedPlaceholders: false,
  boolean: (value) => value ? '1' : '0',
  bytes: (hex) => `X'${hex}'`,
  backslashEscapes: false
})
