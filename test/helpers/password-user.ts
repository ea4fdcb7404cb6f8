import { randomUUID } from 'node:crypto'
import type { TestDatabase } from './databases.ts'

/** The password of the users made by {@link withPasswordUser}; tests assert it is never shown. */
export const TEST_PASSWORD = 'S3cretPw!'

/** Every spelling of {@link TEST_PASSWORD} that could end up in a log or a body. */
export const PASSWORD_SPELLINGS = [TEST_PASSWORD, encodeURIComponent(TEST_PASSWORD)]

/**
 * A URL of `database` that logs in as a fresh user with {@link TEST_PASSWORD}, allowed to
 * create tables in the test's schema (PostgreSQL) or database (MySQL); `drop` removes the
 * user and what it owns. SQLite has no users: `undefined`. With PostgreSQL's trust
 * authentication the password is not checked, but it is in the URL, which is what must be
 * redacted.
 */
export async function withPasswordUser (database: TestDatabase): Promise<{ url: string, drop: () => Promise<void> } | undefined> {
  const user = `orm_pw_${randomUUID().replace(/-/g, '').slice(0, 10)}`
  const url = new URL(database.url)
  if (database.dialect === 'postgres') {
    const schema = /search_path=(\w+)/.exec(url.searchParams.get('options') ?? '')?.[1]
    if (!schema) throw new Error(`no search_path in ${database.url}`)
    const admin = await postgresAdmin()
    await admin(`create role ${user} login password '${TEST_PASSWORD}'`)
    await admin(`grant usage, create on schema ${schema} to ${user}`)
    url.username = user
    url.password = TEST_PASSWORD
    // drop owned also revokes the grants, whether or not the schema is already gone
    return { url: url.toString(), drop: () => admin(`drop owned by ${user}`).then(() => admin(`drop role ${user}`)) }
  }
  if (database.dialect === 'mysql') {
    const name = url.pathname.slice(1)
    const admin = await mysqlAdmin()
    await admin(`create user '${user}'@'%' identified by '${TEST_PASSWORD}'`)
    await admin(`grant all on \`${name}\`.* to '${user}'@'%'`)
    url.username = user
    url.password = TEST_PASSWORD
    return { url: url.toString(), drop: () => admin(`drop user '${user}'@'%'`) }
  }
  return undefined
}

async function postgresAdmin (): Promise<(sql: string) => Promise<void>> {
  const { default: pg } = await import('pg')
  return async (sql) => {
    const client = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL })
    await client.connect()
    try { await client.query(sql) } finally { await client.end() }
  }
}

async function mysqlAdmin (): Promise<(sql: string) => Promise<void>> {
  const { default: mysql } = await import('mysql2/promise')
  const base = new URL(process.env.TEST_MYSQL_URL ?? '')
  return async (sql) => {
    const connection = await mysql.createConnection({
      host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username), password: decodeURIComponent(base.password)
    })
    try { await connection.query(sql) } finally { await connection.end() }
  }
}
