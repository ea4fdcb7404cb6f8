import { CheckViolationError, ConnectionError, DatabaseError, ForeignKeyViolationError, InvalidValueError, NotNullViolationError, type OrmError, UniqueViolationError } from '../../errors.ts'

interface PgErrorFields {
  code?: unknown
  table?: unknown
  column?: unknown
  constraint?: unknown
  detail?: unknown
  message?: unknown
}

// Node's network error codes: the server is unreachable rather than the statement wrong.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE'])

/**
 * Maps pg errors by SQLSTATE: 23505 unique, 23503 foreign key, 23502 not null, 23514 check,
 * and the data errors a client's value causes (out of range, too long, not valid) to 400.
 * Column names come from pg's `column` field or the "Key (a, b)=(…)" detail; values never.
 *
 * @example
 * ```ts
 * translatePostgresError(err) // UniqueViolationError { table: 'user', columns: ['email'] }
 * ```
 */
export function translatePostgresError (error: unknown): OrmError {
  const fields = error as PgErrorFields
  const table = asString(fields.table)
  const constraint = asString(fields.constraint)
  switch (fields.code) {
    case '23505':
      return new UniqueViolationError({ table, constraint, columns: keyColumns(fields.detail) }, error)
    case '23503': {
      // On a delete of a referenced row the detail's key is the parent's ("Key (id)=(1) is
      // still referenced from table …") while `table` is the child: pairing them would name
      // a column the child does not have.
      const stillReferenced = typeof fields.detail === 'string' && fields.detail.includes('is still referenced')
      return new ForeignKeyViolationError({ table, constraint, columns: stillReferenced ? undefined : keyColumns(fields.detail) }, error)
    }
    case '23502': {
      const column = asString(fields.column)
      return new NotNullViolationError({ table, columns: column ? [column] : undefined }, error)
    }
    case '23514':
      return new CheckViolationError({ table, constraint }, error)
    case '22003': // numeric_value_out_of_range
    case '22001': // string_data_right_truncation
    case '22P02': // invalid_text_representation
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
      return new InvalidValueError(error)
    default:
      if (typeof fields.code === 'string' && (NETWORK_CODES.has(fields.code) || fields.code.startsWith('08'))) {
        return new ConnectionError('The database connection failed; see the server log for details', { cause: error })
      }
      return new DatabaseError(error)
  }
}

function keyColumns (detail: unknown): string[] | undefined {
  const list = typeof detail === 'string' ? /^Key \((.+?)\)=/.exec(detail)?.[1] : undefined
  // An expression index reports its expressions ("Key (lower(email::text))=…"), not columns.
  if (list === undefined || list.includes('(')) return undefined
  return list.split(',').map((column) => column.trim().replace(/^"|"$/g, ''))
}

function asString (value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}
