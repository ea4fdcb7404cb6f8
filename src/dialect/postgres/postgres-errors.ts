import { CheckViolationError, ConnectionLostError, DatabaseError, ForeignKeyViolationError, InvalidValueError, NotNullViolationError, type OrmError, StatementTimeoutError, UniqueViolationError } from '../../errors.ts'

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
// The server ended the session: 57P01 admin_shutdown (a restart, pg_terminate_backend),
// 57P02 crash_shutdown, 57P03 cannot_connect_now, 25P03 idle_in_transaction_session_timeout,
// 57P05 idle_session_timeout (PostgreSQL 14+: an idle pooled connection, read by the next
// statement sent on it when the pool handed it out before its socket's error was seen).
const SESSION_ENDED_CODES = new Set(['57P01', '57P02', '57P03', '25P03', '57P05'])
// pg's own errors for a socket that closed under a client (they carry no code).
const CLOSED_CLIENT = /^(Connection terminated|Client has encountered a connection error|Client was closed)/

/**
 * True when `error` means the connection is gone (server restart, terminated backend,
 * timeout, network): the connection must be discarded, and the statement's outcome is
 * unknown unless it never reached the server.
 */
export function isConnectionFailure (error: unknown): boolean {
  const { code, message } = error as PgErrorFields
  if (typeof code === 'string') return NETWORK_CODES.has(code) || SESSION_ENDED_CODES.has(code) || code.startsWith('08')
  return typeof message === 'string' && CLOSED_CLIENT.test(message)
}

/**
 * Maps pg errors by SQLSTATE: 23505 unique, 23503 foreign key, 23502 not null, 23514 check,
 * and the data errors a client's value causes (out of range, too long, not valid) to 400;
 * 57014 from `statement_timeout` to a 503 {@link StatementTimeoutError}.
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
    case '22021': // character_not_in_repertoire: a NUL byte in a text value
      return new InvalidValueError(error)
    case '57014': // query_canceled: by statement_timeout, or by a cancel request (pg_cancel_backend), which stays a DatabaseError
      return typeof fields.message === 'string' && fields.message.includes('statement timeout') ? new StatementTimeoutError(error) : new DatabaseError(error)
    default:
      return isConnectionFailure(error) ? new ConnectionLostError(error) : new DatabaseError(error)
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
