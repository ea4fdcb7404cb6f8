// Shared by the migration-operation tests (not a test file itself: tap only runs *.test.ts).
import { MysqlDialect, PostgresDialect, sql, SqliteDialect, type Dialect, type Kysely } from 'kysely'
import type { AnyModel, DialectName } from '../../../src/index.ts'
import { ModelRegistry, type RegisteredTable } from '../../../src/model/registry.ts'
import { mysqlMigrationOperations } from '../../../src/dialect/mysql/mysql-alter.ts'
import type { OrmDialect } from '../../../src/dialect/orm-dialect.ts'
import { postgresMigrationOperations } from '../../../src/dialect/postgres/postgres-alter.ts'
import { sqliteMigrationOperations } from '../../../src/dialect/sqlite/sqlite-alter.ts'
import { mysqlSqlLiterals } from '../../../src/dialect/mysql/mysql-sql-literals.ts'
import { postgresSqlLiterals } from '../../../src/dialect/postgres/postgres-sql-literals.ts'
import { sqliteSqlLiterals } from '../../../src/dialect/sqlite/sqlite-sql-literals.ts'
import { createMigrationContext, type MigrationContext } from '../../../src/migration/migration-context.ts'
import { SqlRecorder } from '../../../src/migration/offline-sql.ts'
import { DIALECTS } from '../../introspection/support.ts'

type ContextDialect = Pick<OrmDialect, 'name' | 'columnTypes' | 'introspector' | 'migrationOperations' | 'sqlLiterals'>

const OPERATIONS: Record<DialectName, OrmDialect['migrationOperations']> = {
  sqlite: sqliteMigrationOperations,
  postgres: postgresMigrationOperations,
  mysql: mysqlMigrationOperations
}

const SQL_LITERALS: Record<DialectName, OrmDialect['sqlLiterals']> = {
  sqlite: sqliteSqlLiterals,
  postgres: postgresSqlLiterals,
  mysql: mysqlSqlLiterals
}

/** What createMigrationContext (and the tests, to read the schema back) need of a dialect, without opening a second pool. */
export function contextDialect (name: DialectName): ContextDialect {
  return { name, ...DIALECTS[name], migrationOperations: OPERATIONS[name], sqlLiterals: SQL_LITERALS[name] }
}

/**
 * Runs `fn` as the migrations runner runs a revision: in a transaction, and on SQLite with
 * foreign keys switched off outside it (and back on after), unless `foreignKeysOn`.
 */
export async function migrate (db: Kysely<unknown>, name: DialectName, fn: (context: MigrationContext) => Promise<void>, options: { foreignKeysOn?: boolean } = {}): Promise<void> {
  const sqlite = name === 'sqlite' && options.foreignKeysOn !== true
  if (sqlite) await sql`pragma foreign_keys = off`.execute(db)
  try {
    await db.transaction().execute((trx) => fn(createMigrationContext(trx, contextDialect(name), { offline: false })))
  } finally {
    if (sqlite) await sql`pragma foreign_keys = on`.execute(db)
  }
}

// Kysely dialects whose connections are never opened: the recorder only compiles.
const never = async (): Promise<never> => { throw new Error('offline: no connection') }
const KYSELY_DIALECTS: Record<DialectName, () => Dialect> = {
  sqlite: () => new SqliteDialect({ database: never }),
  postgres: () => new PostgresDialect({ pool: never }),
  mysql: () => new MysqlDialect({ pool: never })
}

/** An offline context (`--sql`) and the recorder of the SQL it prints. */
export function offlineContext (name: DialectName): { context: MigrationContext, recorder: SqlRecorder } {
  const recorder = new SqlRecorder(KYSELY_DIALECTS[name](), SQL_LITERALS[name])
  return { context: createMigrationContext(recorder.db, contextDialect(name), { offline: true }), recorder }
}

/** The registered table of `model`, resolved against `others` (its foreign keys' targets). */
export function tableOf (model: AnyModel, others: Record<string, AnyModel> = {}): RegisteredTable {
  return new ModelRegistry({ ...others, model }).tableOf(model)
}
