import { Kysely, type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type QueryResult } from 'kysely'
import type { SqlLiterals } from '../dialect/sql-literals.ts'

/**
 * A Kysely whose driver never connects: every statement is compiled by the database's own
 * compiler and written down, with its parameters inlined as the database's SQL literals, for
 * `upgrade --sql` / `downgrade --sql`. Queries return no rows.
 *
 * @example
 * ```ts
 * const recorder = new SqlRecorder(dialect.kyselyDialect, dialect.sqlLiterals)
 * await recorder.db.schema.createTable('movie').addColumn('id', 'integer').execute()
 * recorder.statements // ['create table "movie" ("id" integer)']
 * ```
 */
export class SqlRecorder {
  readonly statements: string[] = []
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- revisions see every table
  readonly db: Kysely<any>

  constructor (dialect: Dialect, literals: SqlLiterals) {
    const record = (query: CompiledQuery): void => { this.statements.push(literals.inlineParameters(query.sql, query.parameters)) }
    const connection: DatabaseConnection = {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => { record(query); return { rows: [] } },
      // eslint-disable-next-line require-yield -- a stream that ends at once: nothing is read offline
      streamQuery: async function * () { throw new Error('Streaming is not available when only printing SQL (--sql).') }
    }
    const statement = (text: string) => async (): Promise<void> => { this.statements.push(text) }
    const driver: Driver = {
      init: async () => {},
      acquireConnection: async () => connection,
      beginTransaction: statement('begin'),
      commitTransaction: statement('commit'),
      rollbackTransaction: statement('rollback'),
      releaseConnection: async () => {},
      destroy: async () => {}
    }
    this.db = new Kysely({
      dialect: {
        createAdapter: () => dialect.createAdapter(),
        createDriver: () => driver,
        createIntrospector: (db) => dialect.createIntrospector(db),
        createQueryCompiler: () => dialect.createQueryCompiler()
      }
    })
  }

  /** The statements as a script: each ends with `;`, one per line or block. */
  script (): string {
    return this.statements.map((text) => `${text.trim()};`).join('\n\n') + (this.statements.length > 0 ? '\n' : '')
  }
}
