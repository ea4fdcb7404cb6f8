// Driver errors become OrmErrors on every dialect: constraint violations are 409/400 with
// the names (never the values) the database reports, everything else a value-free 500.
// Real statements on real databases: SQLite always, PostgreSQL and MySQL when configured.
import Database from 'better-sqlite3'
import Fastify, { type FastifyInstance } from 'fastify'
import { sql, type Kysely } from 'kysely'
import t, { type Test } from 'tap'
import fastifyOrm, {
  CheckViolationError,
  type ConstraintDetails,
  ConstraintViolationError,
  DatabaseError,
  type DialectName,
  ForeignKeyViolationError,
  InvalidValueError,
  NotNullViolationError,
  OrmError,
  UniqueViolationError
} from '../../src/index.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'

type Db = Kysely<Record<string, Record<string, unknown>>>

// Values that must never reach an error message.
const TAKEN_USERNAME = 'taken-user-Zq81'
const TAKEN_EMAIL = 'taken-Zq81@example.test'
const TAKEN_CODE = 'CODE-Zq81'
const MISSING_PARENT = 424242
const RAW_PARAM = 'raw-param-Zq81'

/** The driver's own identification of an error: SQLite's code, PostgreSQL's SQLSTATE, MySQL's errno. */
const DRIVER_CODES = {
  pk: { sqlite: 'SQLITE_CONSTRAINT_PRIMARYKEY', postgres: '23505', mysql: 1062 },
  unique: { sqlite: 'SQLITE_CONSTRAINT_UNIQUE', postgres: '23505', mysql: 1062 },
  foreignKeyInsert: { sqlite: 'SQLITE_CONSTRAINT_FOREIGNKEY', postgres: '23503', mysql: 1452 },
  foreignKeyDelete: { sqlite: 'SQLITE_CONSTRAINT_FOREIGNKEY', postgres: '23503', mysql: 1451 },
  notNull: { sqlite: 'SQLITE_CONSTRAINT_NOTNULL', postgres: '23502', mysql: 1048 },
  notNullMissing: { sqlite: 'SQLITE_CONSTRAINT_NOTNULL', postgres: '23502', mysql: 1364 },
  // 3819 is MySQL 8's, 4025 MariaDB's
  check: { sqlite: 'SQLITE_CONSTRAINT_CHECK', postgres: '23514', mysql: [3819, 4025] },
  syntax: { sqlite: 'SQLITE_ERROR', postgres: '42601', mysql: 1064 },
  unknownTable: { sqlite: 'SQLITE_ERROR', postgres: '42P01', mysql: 1146 }
} satisfies Record<string, Record<DialectName, string | number | number[]>>

async function startApp (t: Test, database: TestDatabase): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fastifyOrm, { url: database.url })
  await app.ready()
  t.teardown(() => app.close())
  await createSchema(app.db.kysely as Db, database.dialect)
  return app
}

async function createSchema (db: Db, dialect: DialectName): Promise<void> {
  await db.schema.createTable('account')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('username', 'varchar(60)', (c) => c.notNull())
    .addColumn('email', 'varchar(100)', (c) => c.notNull())
    .addColumn('tenant', 'integer')
    .addColumn('code', 'varchar(20)')
    .addColumn('price', 'integer', (c) => c.check(sql`price >= 0`))
    .addColumn('discount', 'integer')
    .addUniqueConstraint('account_username_uq', ['username'])
    .addUniqueConstraint('account_tenant_code_uq', ['tenant', 'code'])
    .addCheckConstraint('account_discount_range', sql`discount between 0 and 100`)
    .execute()
  // MariaDB has no expression indexes.
  if (dialect !== 'mysql') {
    await db.schema.createIndex('account_email_lower_uq').unique().on('account').expression(sql`lower(email)`).execute()
  }
  await db.schema.createTable('post')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addForeignKeyConstraint('post_account_fk', ['account_id'], 'account', ['id'])
    .execute()
  await db.insertInto('account').values({ id: 1, username: TAKEN_USERNAME, email: TAKEN_EMAIL, tenant: 7, code: TAKEN_CODE }).execute()
  await db.insertInto('post').values({ id: 1, account_id: 1 }).execute()
}

async function isMariaDb (db: Db): Promise<boolean> {
  const { rows } = await sql<{ v: string }>`select version() as v`.execute(db)
  return /mariadb/i.test(rows[0]?.v ?? '')
}

/** The error `work` rejects with; the test fails if it resolves. */
async function failure (t: Test, work: Promise<unknown>): Promise<unknown> {
  try {
    await work
  } catch (error) {
    return error
  }
  t.fail('the statement was expected to fail')
  return undefined
}

function driverCode (cause: unknown): unknown {
  const { code, errno } = cause as { code?: unknown, errno?: unknown }
  return typeof errno === 'number' ? errno : code
}

/** The driver error that `error` wraps: an original, untranslated driver error. */
function assertDriverCause (t: Test, error: OrmError, dialect: DialectName, expected: Record<DialectName, string | number | number[]>): void {
  const cause = error.cause
  t.ok(cause instanceof Error, 'the driver error is kept as cause')
  t.notOk(cause instanceof OrmError, 'the cause is the driver error, not a translation')
  if (dialect === 'sqlite') t.ok(cause instanceof Database.SqliteError, 'cause is better-sqlite3\'s SqliteError')
  const want = expected[dialect]
  if (Array.isArray(want)) t.ok(want.includes(driverCode(cause) as number), `driver code ${String(driverCode(cause))} is one of ${want.join(', ')}`)
  else t.equal(driverCode(cause), want, 'driver code')
}

interface ViolationExpectation {
  type: typeof UniqueViolationError | typeof ForeignKeyViolationError | typeof NotNullViolationError | typeof CheckViolationError
  statusCode: number
  code: string
  details: ConstraintDetails
  driverCodes: Record<DialectName, string | number | number[]>
  /** Strings (the offending values) the message must not contain. */
  hidden: string[]
}

function assertViolation (t: Test, error: unknown, dialect: DialectName, expected: ViolationExpectation): void {
  t.ok(error instanceof expected.type, `${expected.type.name}, got ${String(error)}`)
  if (!(error instanceof ConstraintViolationError)) return
  t.ok(error instanceof OrmError)
  t.equal(error.name, expected.type.name)
  t.equal(error.statusCode, expected.statusCode)
  t.equal(error.code, expected.code)
  t.same({ table: error.table, columns: error.columns, constraint: error.constraint }, expected.details, 'names recovered from the driver error')
  for (const value of expected.hidden) t.notOk(error.message.includes(value), `message does not contain ${value}: ${error.message}`)
  assertDriverCause(t, error, dialect, expected.driverCodes)
}

function assertDatabaseError (t: Test, error: unknown, dialect: DialectName, driverCodes: Record<DialectName, string | number | number[]>, hidden: string[]): void {
  t.ok(error instanceof DatabaseError, `DatabaseError, got ${String(error)}`)
  if (!(error instanceof DatabaseError)) return
  t.notOk(error instanceof ConstraintViolationError)
  t.equal(error.statusCode, 500)
  t.equal(error.code, 'ORM_DATABASE_ERROR')
  t.equal(error.message, 'Database error; see the server log for details')
  for (const value of hidden) t.notOk(error.message.toLowerCase().includes(value.toLowerCase()), `message does not contain ${value}`)
  assertDriverCause(t, error, dialect, driverCodes)
}

t.test('unique violations', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await startApp(t, database)
    const db = app.db.kysely as Db
    const { dialect } = database
    const mariaDb = dialect === 'mysql' && await isMariaDb(db)
    // MySQL 8 says "for key 'account.account_username_uq'", MariaDB only the key's name.
    const mysqlTable = mariaDb ? undefined : 'account'

    await t.test('primary key', async (t) => {
      const error = await failure(t, db.insertInto('account').values({ id: 1, username: 'pk-user', email: 'pk@example.test' }).execute())
      assertViolation(t, error, dialect, {
        type: UniqueViolationError,
        statusCode: 409,
        code: 'ORM_UNIQUE_VIOLATION',
        details: {
          sqlite: { table: 'account', columns: ['id'], constraint: undefined },
          postgres: { table: 'account', columns: ['id'], constraint: 'account_pkey' },
          mysql: { table: mysqlTable, columns: undefined, constraint: 'PRIMARY' }
        }[dialect],
        driverCodes: DRIVER_CODES.pk,
        hidden: ['pk-user', 'pk@example.test']
      })
      t.notMatch((error as Error).message, /\d/, 'the duplicate id is not in the message')
    })

    await t.test('single-column unique', async (t) => {
      const error = await failure(t, db.insertInto('account').values({ id: 2, username: TAKEN_USERNAME, email: 'other@example.test' }).execute())
      assertViolation(t, error, dialect, {
        type: UniqueViolationError,
        statusCode: 409,
        code: 'ORM_UNIQUE_VIOLATION',
        details: {
          sqlite: { table: 'account', columns: ['username'], constraint: undefined },
          postgres: { table: 'account', columns: ['username'], constraint: 'account_username_uq' },
          mysql: { table: mysqlTable, columns: undefined, constraint: 'account_username_uq' }
        }[dialect],
        driverCodes: DRIVER_CODES.unique,
        hidden: [TAKEN_USERNAME, 'other@example.test']
      })
      t.match((error as Error).message, dialect === 'mysql' ? /account_username_uq/ : /account\.username/, 'the message names the column or constraint')
    })

    await t.test('unique violated by an UPDATE', async (t) => {
      await db.insertInto('account').values({ id: 3, username: 'free-user', email: 'free@example.test' }).execute()
      const error = await failure(t, db.updateTable('account').set({ username: TAKEN_USERNAME }).where('id', '=', 3).execute())
      assertViolation(t, error, dialect, {
        type: UniqueViolationError,
        statusCode: 409,
        code: 'ORM_UNIQUE_VIOLATION',
        details: {
          sqlite: { table: 'account', columns: ['username'], constraint: undefined },
          postgres: { table: 'account', columns: ['username'], constraint: 'account_username_uq' },
          mysql: { table: mysqlTable, columns: undefined, constraint: 'account_username_uq' }
        }[dialect],
        driverCodes: DRIVER_CODES.unique,
        hidden: [TAKEN_USERNAME]
      })
    })

    await t.test('composite unique', async (t) => {
      const error = await failure(t, db.insertInto('account').values({ id: 4, username: 'composite-user', email: 'c@example.test', tenant: 7, code: TAKEN_CODE }).execute())
      assertViolation(t, error, dialect, {
        type: UniqueViolationError,
        statusCode: 409,
        code: 'ORM_UNIQUE_VIOLATION',
        details: {
          sqlite: { table: 'account', columns: ['tenant', 'code'], constraint: undefined },
          postgres: { table: 'account', columns: ['tenant', 'code'], constraint: 'account_tenant_code_uq' },
          mysql: { table: mysqlTable, columns: undefined, constraint: 'account_tenant_code_uq' }
        }[dialect],
        driverCodes: DRIVER_CODES.unique,
        hidden: [TAKEN_CODE, 'composite-user']
      })
      // the same code under another tenant is fine: the constraint is on the pair
      await db.insertInto('account').values({ id: 5, username: 'other-tenant', email: 'o@example.test', tenant: 8, code: TAKEN_CODE }).execute()
    })

    if (dialect !== 'mysql') {
      await t.test('unique index on an expression is reported by its name, not as columns', async (t) => {
        const error = await failure(t, db.insertInto('account').values({ id: 6, username: 'expr-user', email: TAKEN_EMAIL.toUpperCase() }).execute())
        assertViolation(t, error, dialect, {
          type: UniqueViolationError,
          statusCode: 409,
          code: 'ORM_UNIQUE_VIOLATION',
          details: {
            sqlite: { table: undefined, columns: undefined, constraint: 'account_email_lower_uq' },
            postgres: { table: 'account', columns: undefined, constraint: 'account_email_lower_uq' },
            mysql: {}
          }[dialect],
          driverCodes: DRIVER_CODES.unique,
          hidden: [TAKEN_EMAIL, TAKEN_EMAIL.toUpperCase()]
        })
        t.match((error as Error).message, /constraint "account_email_lower_uq"/)
      })
    }

    const { rows } = await sql<{ n: number | string }>`select count(*) as n from account`.execute(db)
    t.equal(Number(rows[0]?.n), 3, 'no failed insert left a row')
  })
})

t.test('foreign key violations', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await startApp(t, database)
    const db = app.db.kysely as Db
    const { dialect } = database
    const childDetails = {
      sqlite: {},
      postgres: { table: 'post', columns: ['account_id'], constraint: 'post_account_fk' },
      mysql: { table: 'post', columns: ['account_id'], constraint: 'post_account_fk' }
    }[dialect]

    await t.test('inserting a child whose parent is missing', async (t) => {
      const error = await failure(t, db.insertInto('post').values({ id: 2, account_id: MISSING_PARENT }).execute())
      assertViolation(t, error, dialect, {
        type: ForeignKeyViolationError,
        statusCode: 409,
        code: 'ORM_FOREIGN_KEY_VIOLATION',
        details: { table: undefined, columns: undefined, constraint: undefined, ...childDetails },
        driverCodes: DRIVER_CODES.foreignKeyInsert,
        hidden: [String(MISSING_PARENT)]
      })
    })

    await t.test('pointing an existing child at a missing parent', async (t) => {
      const error = await failure(t, db.updateTable('post').set({ account_id: MISSING_PARENT }).where('id', '=', 1).execute())
      assertViolation(t, error, dialect, {
        type: ForeignKeyViolationError,
        statusCode: 409,
        code: 'ORM_FOREIGN_KEY_VIOLATION',
        details: { table: undefined, columns: undefined, constraint: undefined, ...childDetails },
        driverCodes: DRIVER_CODES.foreignKeyInsert,
        hidden: [String(MISSING_PARENT)]
      })
    })

    await t.test('deleting a parent that is still referenced', async (t) => {
      const error = await failure(t, db.deleteFrom('account').where('id', '=', 1).execute())
      assertViolation(t, error, dialect, {
        type: ForeignKeyViolationError,
        statusCode: 409,
        code: 'ORM_FOREIGN_KEY_VIOLATION',
        details: {
          sqlite: { table: undefined, columns: undefined, constraint: undefined },
          // PostgreSQL's detail names the parent's key ("Key (id)=(1)") while its table is
          // the child's: no columns rather than the nonexistent post.id
          postgres: { table: 'post', columns: undefined, constraint: 'post_account_fk' },
          mysql: { table: 'post', columns: ['account_id'], constraint: 'post_account_fk' }
        }[dialect],
        driverCodes: DRIVER_CODES.foreignKeyDelete,
        hidden: [TAKEN_USERNAME]
      })
      if (dialect === 'postgres') t.notMatch((error as Error).message, /post\.id/)
      const parent = await db.selectFrom('account').select('id').where('id', '=', 1).executeTakeFirst()
      t.same(parent, { id: 1 }, 'the parent is still there')
    })
  })
})

t.test('not-null violations', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await startApp(t, database)
    const db = app.db.kysely as Db
    const { dialect } = database
    // MySQL names the column but not its table: the table is the statement's, the same everywhere
    const details = { table: 'account', columns: ['email'], constraint: undefined }
    const expectation = (driverCodes: Record<DialectName, string | number>): ViolationExpectation => ({
      type: NotNullViolationError, statusCode: 400, code: 'ORM_NOT_NULL_VIOLATION', details, driverCodes, hidden: ['null-user']
    })

    await t.test('an explicit NULL', async (t) => {
      const error = await failure(t, db.insertInto('account').values({ id: 2, username: 'null-user', email: null }).execute())
      assertViolation(t, error, dialect, expectation(DRIVER_CODES.notNull))
      t.match((error as Error).message, /email must have a value/, 'the message names the column')
    })

    await t.test('a missing value', async (t) => {
      const error = await failure(t, db.insertInto('account').values({ id: 2, username: 'null-user' }).execute())
      assertViolation(t, error, dialect, expectation(DRIVER_CODES.notNullMissing))
      t.match((error as Error).message, /email must have a value/)
    })

    await t.test('an UPDATE to NULL', async (t) => {
      const error = await failure(t, db.updateTable('account').set({ email: null }).where('id', '=', 1).execute())
      assertViolation(t, error, dialect, expectation(DRIVER_CODES.notNull))
    })
  })
})

t.test('check violations', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await startApp(t, database)
    const db = app.db.kysely as Db
    const { dialect } = database
    const mariaDb = dialect === 'mysql' && await isMariaDb(db)

    await t.test('a named CHECK constraint', async (t) => {
      const error = await failure(t, db.insertInto('account').values({ id: 2, username: 'check-user', email: 'k@example.test', discount: 250 }).execute())
      assertViolation(t, error, dialect, {
        type: CheckViolationError,
        statusCode: 400,
        code: 'ORM_CHECK_VIOLATION',
        details: {
          sqlite: { table: undefined, columns: undefined, constraint: 'account_discount_range' },
          postgres: { table: 'account', columns: undefined, constraint: 'account_discount_range' },
          // MariaDB names the table ("failed for `db`.`account`"), MySQL 8 does not
          mysql: { table: mariaDb ? 'account' : undefined, columns: undefined, constraint: 'account_discount_range' }
        }[dialect],
        driverCodes: DRIVER_CODES.check,
        hidden: ['250', 'check-user']
      })
      t.match((error as Error).message, /account_discount_range/)
    })

    await t.test('an unnamed column CHECK', async (t) => {
      const error = await failure(t, db.updateTable('account').set({ price: -17 }).where('id', '=', 1).execute())
      t.ok(error instanceof CheckViolationError, `CheckViolationError, got ${String(error)}`)
      if (!(error instanceof CheckViolationError)) return
      t.equal(error.statusCode, 400)
      t.equal(error.code, 'ORM_CHECK_VIOLATION')
      t.type(error.constraint, 'string', 'the generated constraint name (or SQLite\'s expression) is recovered')
      t.notMatch(error.message, /17/, 'the rejected value is not in the message')
      assertDriverCause(t, error, dialect, DRIVER_CODES.check)
      const row = await db.selectFrom('account').select('price').where('id', '=', 1).executeTakeFirst()
      t.same(row, { price: null }, 'the update did not happen')
    })
  })
})

t.test('other database errors are value-free 500s', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await startApp(t, database)
    const db = app.db.kysely as Db
    const { dialect } = database

    await t.test('a syntax error in raw SQL', async (t) => {
      const error = await failure(t, sql`selec ${RAW_PARAM} from account`.execute(db))
      assertDatabaseError(t, error, dialect, DRIVER_CODES.syntax, ['selec', 'account', RAW_PARAM])
      t.match(String((error as Error).cause), /syntax/i, 'the driver message stays in the cause, for the server log')
    })

    await t.test('an unknown table', async (t) => {
      const error = await failure(t, db.selectFrom('no_such_table_zq').selectAll().where('name', '=', RAW_PARAM).execute())
      assertDatabaseError(t, error, dialect, DRIVER_CODES.unknownTable, ['no_such_table_zq', 'select', RAW_PARAM])
    })

    await t.test('a failing streamed query', async (t) => {
      const error = await failure(t, (async () => {
        for await (const row of db.selectFrom('no_such_table_zq').selectAll().stream()) t.fail(`unexpected row ${JSON.stringify(row)}`)
      })())
      t.ok(error instanceof DatabaseError, `DatabaseError, got ${String(error)}`)
      t.equal((error as OrmError).statusCode, 500)
      t.notMatch((error as Error).message, /no_such_table_zq/)
      // PostgreSQL streams need pg-cursor, which is not configured: Kysely's own error, translated too
      if (dialect !== 'postgres') assertDriverCause(t, error as OrmError, dialect, DRIVER_CODES.unknownTable)
    })

    await t.test('the connection still works after the errors', async (t) => {
      const { rows } = await sql<{ n: number | string }>`select count(*) as n from account`.execute(db)
      t.equal(Number(rows[0]?.n), 1)
    })
  })
})

t.test('errors inside transactions are translated and roll the work back', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = await startApp(t, database)
    const db = app.db.kysely as Db
    const { dialect } = database
    const ids = async (): Promise<number[]> =>
      (await db.selectFrom('account').select('id').orderBy('id').execute()).map((row) => Number(row.id))

    await t.test('app.db.kysely.transaction()', async (t) => {
      const error = await failure(t, db.transaction().execute(async (trx) => {
        await trx.insertInto('account').values({ id: 10, username: 'tx-user', email: 'tx@example.test' }).execute()
        await trx.insertInto('account').values({ id: 11, username: TAKEN_USERNAME, email: 'tx2@example.test' }).execute()
      }))
      t.ok(error instanceof UniqueViolationError, `UniqueViolationError, got ${String(error)}`)
      t.equal((error as OrmError).statusCode, 409)
      assertDriverCause(t, error as OrmError, dialect, DRIVER_CODES.unique)
      t.same(await ids(), [1], 'the first insert was rolled back')
    })

    await t.test('session.transaction(fn)', async (t) => {
      const session = app.db.session()
      t.teardown(() => session.close())
      const error = await failure(t, session.transaction(async (s) => {
        await s.kysely.insertInto('account').values({ id: 20, username: 'fk-tx-user', email: 'fk@example.test' }).execute()
        await s.kysely.insertInto('post').values({ id: 20, account_id: MISSING_PARENT }).execute()
      }))
      t.ok(error instanceof ForeignKeyViolationError, `ForeignKeyViolationError, got ${String(error)}`)
      assertDriverCause(t, error as OrmError, dialect, DRIVER_CODES.foreignKeyInsert)
      t.equal(session.inTransaction, false, 'the transaction is over')
      t.same(await ids(), [1], 'the parent insert was rolled back')
    })

    await t.test('session.begin() … rollback()', async (t) => {
      const session = app.db.session()
      t.teardown(() => session.close())
      await session.begin()
      await session.kysely.insertInto('account').values({ id: 30, username: 'begin-user', email: 'b@example.test' }).execute()
      const error = await failure(t, session.kysely.insertInto('account').values({ id: 31, username: 'begin-user-2', email: null }).execute())
      t.ok(error instanceof NotNullViolationError, `NotNullViolationError, got ${String(error)}`)
      t.same((error as NotNullViolationError).columns, ['email'])
      assertDriverCause(t, error as OrmError, dialect, DRIVER_CODES.notNull)
      t.equal(session.inTransaction, true, 'a failed statement leaves the decision to the caller')
      await session.rollback()
      t.same(await ids(), [1])
    })

    if (dialect !== 'mysql') {
      // MySQL has no deferred constraints; SQLite and PostgreSQL check these at COMMIT.
      await t.test('a violation found at COMMIT (deferred foreign key)', async (t) => {
        await db.schema.createTable('deferred_post')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('account_id', 'integer', (c) => c.notNull())
          .addForeignKeyConstraint('deferred_post_account_fk', ['account_id'], 'account', ['id'], (fk) => fk.deferrable().initiallyDeferred())
          .execute()
        const session = app.db.session()
        t.teardown(() => session.close())
        await session.begin()
        await session.kysely.insertInto('deferred_post').values({ id: 1, account_id: MISSING_PARENT }).execute()
        const error = await failure(t, session.commit())
        assertViolation(t, error, dialect, {
          type: ForeignKeyViolationError,
          statusCode: 409,
          code: 'ORM_FOREIGN_KEY_VIOLATION',
          details: {
            sqlite: { table: undefined, columns: undefined, constraint: undefined },
            postgres: { table: 'deferred_post', columns: ['account_id'], constraint: 'deferred_post_account_fk' },
            mysql: {}
          }[dialect],
          driverCodes: DRIVER_CODES.foreignKeyInsert,
          hidden: [String(MISSING_PARENT)]
        })
        t.equal(session.inTransaction, false, 'the failed commit ended the transaction')
        const rows = await db.selectFrom('deferred_post').selectAll().execute()
        t.same(rows, [], 'and rolled it back')
        // the connection went back to the pool clean: a new transaction works
        await session.transaction(async (s) => {
          await s.kysely.insertInto('deferred_post').values({ id: 2, account_id: 1 }).execute()
        })
        t.same(await db.selectFrom('deferred_post').select('id').execute(), [{ id: 2 }])
      })
    }

    await t.test('a violation inside a savepoint undoes only the savepoint', async (t) => {
      const session = app.db.session()
      t.teardown(() => session.close())
      let inner: unknown
      await session.transaction(async (s) => {
        await s.kysely.insertInto('account').values({ id: 40, username: 'outer-user', email: 'outer@example.test' }).execute()
        inner = await failure(t, s.transaction(async (s2) => {
          await s2.kysely.insertInto('account').values({ id: 41, username: 'inner-user', email: 'inner@example.test' }).execute()
          await s2.kysely.updateTable('account').set({ discount: 1000 }).where('id', '=', 41).execute()
        }))
        await s.kysely.insertInto('account').values({ id: 42, username: 'after-user', email: 'after@example.test' }).execute()
      })
      t.ok(inner instanceof CheckViolationError, `CheckViolationError, got ${String(inner)}`)
      assertDriverCause(t, inner as OrmError, dialect, DRIVER_CODES.check)
      t.same(await ids(), [1, 40, 42], 'the outer transaction committed without the savepoint\'s row')
    })

    await t.test('a session without a transaction', async (t) => {
      const session = app.db.session()
      t.teardown(() => session.close())
      const error = await failure(t, session.kysely.deleteFrom('account').where('id', '=', 1).execute())
      t.ok(error instanceof ForeignKeyViolationError, `ForeignKeyViolationError, got ${String(error)}`)
      assertDriverCause(t, error as OrmError, dialect, DRIVER_CODES.foreignKeyDelete)
      const other = await failure(t, sql`selec ${RAW_PARAM}`.execute(session.kysely))
      assertDatabaseError(t, other, dialect, DRIVER_CODES.syntax, [RAW_PARAM, 'selec'])
    })
  })
})

t.test('a value the column cannot hold is a 400 InvalidValueError, without the value', async (t) => {
  await eachDb(t, async (t, database) => {
    const app = Fastify()
    await app.register(fastifyOrm, { url: database.url })
    await app.ready()
    t.teardown(() => app.close())
    const db = app.db.kysely as Db
    await sql`create table small_value (n integer, code varchar(3))`.execute(db)
    const attempts = [
      sql`insert into small_value (n) values (${2147483648})`,
      sql`insert into small_value (code) values (${'toolong-Zq81'})`
    ]
    for (const attempt of attempts) {
      const error = await attempt.execute(db).then(() => undefined, (caught: unknown) => caught)
      if (database.dialect === 'sqlite') {
        t.equal(error, undefined, 'SQLite stores any value (dynamic typing)')
        continue
      }
      t.type(error, InvalidValueError)
      t.match(error, { statusCode: 400, code: 'ORM_INVALID_VALUE' })
      t.notMatch((error as Error).message, /2147483648|toolong/, 'the value stays out of the message')
    }
  })
})
