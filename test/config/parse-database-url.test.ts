import { resolve } from 'node:path'
import t from 'tap'
import { parseDatabaseUrl, type ParsedDatabaseUrl } from '../../src/config/parse-database-url.ts'
import { ConfigurationError } from '../../src/errors.ts'

// Every rejected URL below that carries a password uses this one, so that one check proves
// no message ever shows it.
const PASSWORD = 'hunter2'
const CWD = '/srv/app'

const ACCEPTED: Array<[url: string, expected: ParsedDatabaseUrl]> = [
  // SQLite: three slashes are relative to the cwd, four are absolute (SQLAlchemy's forms)
  ['sqlite:///relative/path.db', { dialect: 'sqlite', filename: '/srv/app/relative/path.db', readonly: false }],
  ['sqlite:///app.db', { dialect: 'sqlite', filename: '/srv/app/app.db', readonly: false }],
  ['sqlite:///../up.db', { dialect: 'sqlite', filename: '/srv/up.db', readonly: false }],
  ['sqlite:////abs/path.db', { dialect: 'sqlite', filename: '/abs/path.db', readonly: false }],
  ['sqlite:///dir%20with%20space/x.db', { dialect: 'sqlite', filename: '/srv/app/dir with space/x.db', readonly: false }],
  ['sqlite://', { dialect: 'sqlite', filename: ':memory:', readonly: false }],
  ['sqlite://:memory:', { dialect: 'sqlite', filename: ':memory:', readonly: false }],
  ['sqlite:///:memory:', { dialect: 'sqlite', filename: ':memory:', readonly: false }],
  ['  sqlite://  ', { dialect: 'sqlite', filename: ':memory:', readonly: false }],
  ['SQLite:///x.db', { dialect: 'sqlite', filename: '/srv/app/x.db', readonly: false }],
  ['sqlite+pysqlite:///x.db', { dialect: 'sqlite', filename: '/srv/app/x.db', readonly: false }],
  ['sqlite+better-sqlite3:///x.db', { dialect: 'sqlite', filename: '/srv/app/x.db', readonly: false }],
  ['sqlite:///x.db?mode=ro', { dialect: 'sqlite', filename: '/srv/app/x.db', readonly: true }],
  ['sqlite:////abs/x.db?mode=ro', { dialect: 'sqlite', filename: '/abs/x.db', readonly: true }],
  ['sqlite:///x.db?mode=rw', { dialect: 'sqlite', filename: '/srv/app/x.db', readonly: false }],
  ['sqlite:///x.db?mode=rwc', { dialect: 'sqlite', filename: '/srv/app/x.db', readonly: false }],
  ['sqlite:///x.db?check_same_thread=False', { dialect: 'sqlite', filename: '/srv/app/x.db', readonly: false }],
  ['sqlite:///x.db?check_same_thread=False&mode=ro&uri=true', { dialect: 'sqlite', filename: '/srv/app/x.db', readonly: true }],

  // PostgreSQL
  ['postgresql://user:pass@db.example.com:5432/app', {
    dialect: 'postgres', host: 'db.example.com', port: 5432, user: 'user', password: 'pass', database: 'app', params: {},
    driverUrl: 'postgresql://user:pass@db.example.com:5432/app'
  }],
  ['postgres://user:pass@db.example.com:5433/app', {
    dialect: 'postgres', host: 'db.example.com', port: 5433, user: 'user', password: 'pass', database: 'app', params: {},
    driverUrl: 'postgresql://user:pass@db.example.com:5433/app'
  }],
  ['postgresql+pg://user:pass@localhost/app', {
    dialect: 'postgres', host: 'localhost', port: undefined, user: 'user', password: 'pass', database: 'app', params: {},
    driverUrl: 'postgresql://user:pass@localhost/app'
  }],
  ['POSTGRESQL://localhost', {
    dialect: 'postgres', host: 'localhost', port: undefined, user: undefined, password: undefined, database: undefined, params: {},
    driverUrl: 'postgresql://localhost'
  }],
  ['postgresql://postgres@127.0.0.1:5432/test', {
    dialect: 'postgres', host: '127.0.0.1', port: 5432, user: 'postgres', password: undefined, database: 'test', params: {},
    driverUrl: 'postgresql://postgres@127.0.0.1:5432/test'
  }],
  // percent-encoded password: decoded in `password`, still encoded in the driver's URL
  ['postgresql://app:p%40ss%2Fw%3Ard%25@db/app', {
    dialect: 'postgres', host: 'db', port: undefined, user: 'app', password: 'p@ss/w:rd%', database: 'app', params: {},
    driverUrl: 'postgresql://app:p%40ss%2Fw%3Ard%25@db/app'
  }],
  // an unencoded "@" in the password: the last "@" ends the user info
  ['postgresql://app:p@ss@db/app', {
    dialect: 'postgres', host: 'db', port: undefined, user: 'app', password: 'p@ss', database: 'app', params: {},
    driverUrl: 'postgresql://app:p%40ss@db/app'
  }],
  ['postgresql://app:s3cret@db:5432/app?sslmode=require&application_name=my%20app', {
    dialect: 'postgres', host: 'db', port: 5432, user: 'app', password: 's3cret', database: 'app',
    params: { sslmode: 'require', application_name: 'my app' },
    driverUrl: 'postgresql://app:s3cret@db:5432/app?sslmode=require&application_name=my%20app'
  }],
  ['postgresql://app@[::1]:5432/app', {
    dialect: 'postgres', host: '::1', port: 5432, user: 'app', password: undefined, database: 'app', params: {},
    driverUrl: 'postgresql://app@[::1]:5432/app'
  }],
  // a Unix socket directory given as ?host= with an empty authority (libpq's form)
  ['postgresql:///app?host=/run/postgresql', {
    dialect: 'postgres', host: '', port: undefined, user: undefined, password: undefined, database: 'app',
    params: { host: '/run/postgresql' },
    driverUrl: 'postgresql:///app?host=/run/postgresql'
  }],

  // MySQL / MariaDB
  ['mysql://root:pw@localhost:3306/test', {
    dialect: 'mysql', host: 'localhost', port: 3306, user: 'root', password: 'pw', database: 'test', params: {},
    driverUrl: 'mysql://root:pw@localhost:3306/test'
  }],
  ['mariadb://root:pw@db:3307/shop', {
    dialect: 'mysql', host: 'db', port: 3307, user: 'root', password: 'pw', database: 'shop', params: {},
    driverUrl: 'mysql://root:pw@db:3307/shop'
  }],
  ['mysql+mysql2://root@db/shop?charset=utf8mb4&connectTimeout=5000', {
    dialect: 'mysql', host: 'db', port: undefined, user: 'root', password: undefined, database: 'shop',
    params: { charset: 'utf8mb4', connectTimeout: '5000' },
    driverUrl: 'mysql://root@db/shop?charset=utf8mb4&connectTimeout=5000'
  }],
  ['mysql://app:a%3Ab%40c@db/shop', {
    dialect: 'mysql', host: 'db', port: undefined, user: 'app', password: 'a:b@c', database: 'shop', params: {},
    driverUrl: 'mysql://app:a%3Ab%40c@db/shop'
  }]
]

t.test('accepted URL forms', async (t) => {
  for (const [url, expected] of ACCEPTED) {
    t.strictSame(parseDatabaseUrl(url, CWD), expected, url)
  }
})

t.test('query parameters pass through to the driver URL unchanged', async (t) => {
  const parsed = parseDatabaseUrl('postgresql://app@db/app?sslmode=verify-full&application_name=api&options=-c%20search_path%3Dtenant')
  t.equal(parsed.dialect, 'postgres')
  if (parsed.dialect === 'sqlite') return
  t.strictSame(parsed.params, { sslmode: 'verify-full', application_name: 'api', options: '-c search_path=tenant' })
  // pg reads the connection string itself: it must get back exactly what the user wrote
  const driverParams = new URL(parsed.driverUrl).searchParams
  t.equal(driverParams.get('sslmode'), 'verify-full')
  t.equal(driverParams.get('application_name'), 'api')
  t.equal(driverParams.get('options'), '-c search_path=tenant')
})

t.test('relative SQLite paths resolve against the cwd given, else process.cwd()', async (t) => {
  t.strictSame(parseDatabaseUrl('sqlite:///data/app.db', '/elsewhere'), { dialect: 'sqlite', filename: '/elsewhere/data/app.db', readonly: false })
  t.strictSame(parseDatabaseUrl('sqlite:///data/app.db'), { dialect: 'sqlite', filename: resolve(process.cwd(), 'data/app.db'), readonly: false })
  // an absolute path ignores the cwd
  t.strictSame(parseDatabaseUrl('sqlite:////data/app.db', '/elsewhere'), { dialect: 'sqlite', filename: '/data/app.db', readonly: false })
})

t.test('params cannot be changed after parsing', async (t) => {
  const parsed = parseDatabaseUrl('postgresql://db/app?sslmode=require')
  if (parsed.dialect === 'sqlite') throw new Error('expected a server URL')
  t.ok(Object.isFrozen(parsed.params))
  t.throws(() => { (parsed.params as Record<string, string>).sslmode = 'disable' }, TypeError)
})

interface Rejected {
  url: string
  /** What the message must say about the problem. */
  problem: RegExp
  /** The message lists every accepted URL form. */
  listsForms: boolean
}

const REJECTED: Rejected[] = [
  // no URL worth the name
  { url: '', problem: /Malformed database URL ""/, listsForms: true },
  { url: '   ', problem: /Malformed database URL/, listsForms: true },
  { url: 'not a url', problem: /Malformed database URL "not a url"/, listsForms: true },
  { url: '/var/lib/app.db', problem: /Malformed database URL/, listsForms: true },
  { url: '://user:hunter2@db/app', problem: /Malformed database URL/, listsForms: true },
  { url: 'postgresql//user:hunter2@db/app', problem: /Malformed database URL/, listsForms: true },

  // a scheme we do not speak (or no scheme, read as one)
  { url: 'oracle://scott:hunter2@db:1521/orcl', problem: /Unknown database URL scheme "oracle:"/, listsForms: true },
  { url: 'mongodb://user:hunter2@db/app', problem: /Unknown database URL scheme "mongodb:"/, listsForms: true },
  { url: 'mongodb+srv://user:hunter2@cluster0.example.net/app', problem: /Unknown database URL scheme "mongodb:"/, listsForms: true },
  { url: 'mssql+pyodbc://sa:hunter2@db/app', problem: /Unknown database URL scheme "mssql:"/, listsForms: true },
  { url: 'http://user:hunter2@example.com/', problem: /Unknown database URL scheme "http:"/, listsForms: true },
  { url: 'localhost:5432/app', problem: /Unknown database URL scheme "localhost:"/, listsForms: true },
  // the scheme was forgotten: "app" looks like one and "hunter2@db" like the rest
  { url: 'app:hunter2@db:5432/app', problem: /Unknown database URL scheme "app:"/, listsForms: true },

  // a Python driver pasted along with the URL
  { url: 'postgresql+psycopg2://user:hunter2@db/app', problem: /Unsupported driver "\+psycopg2".*"pg".*Write postgresql:\/\/… without "\+psycopg2"/, listsForms: false },
  { url: 'postgresql+asyncpg://user:hunter2@db/app', problem: /Unsupported driver "\+asyncpg"/, listsForms: false },
  { url: 'postgres+psycopg://user:hunter2@db/app', problem: /Unsupported driver "\+psycopg".*Write postgres:\/\//, listsForms: false },
  { url: 'mysql+pymysql://root:hunter2@db/app', problem: /Unsupported driver "\+pymysql".*"mysql2".*Write mysql:\/\/… without "\+pymysql"/, listsForms: false },
  { url: 'mysql+mysqldb://root:hunter2@db/app', problem: /Unsupported driver "\+mysqldb"/, listsForms: false },
  { url: 'mariadb+mariadbconnector://root:hunter2@db/app', problem: /Unsupported driver "\+mariadbconnector".*Write mariadb:\/\//, listsForms: false },
  { url: 'sqlite+aiosqlite:///app.db', problem: /Unsupported driver "\+aiosqlite".*"better-sqlite3"/, listsForms: false },

  // a known scheme without "//"
  { url: 'postgresql:', problem: /expected "postgresql:\/\/…"/, listsForms: true },
  { url: 'postgresql:user:hunter2@db/app', problem: /expected "postgresql:\/\/…"/, listsForms: true },
  { url: 'postgresql:/user:hunter2@db/app', problem: /expected "postgresql:\/\/…"/, listsForms: true },
  { url: 'mysql:root:hunter2@db/app', problem: /expected "mysql:\/\/…"/, listsForms: true },
  { url: 'sqlite:app.db', problem: /expected "sqlite:\/\/…"/, listsForms: true },

  // server URLs without a host, or with a broken authority or path
  { url: 'postgresql://', problem: /no host\. Example: postgresql:\/\/user:pass@localhost:5432\/db/, listsForms: false },
  { url: 'postgresql:///app', problem: /no host/, listsForms: false },
  { url: 'mysql:///app', problem: /no host\. Example: mysql:\/\/user:pass@localhost:3306\/db/, listsForms: false },
  { url: 'postgresql://user:hunter2@/app', problem: /Malformed database URL/, listsForms: false },
  { url: 'mysql://root:hunter2@:3306/app', problem: /Malformed database URL/, listsForms: false },
  { url: 'postgresql://user:hunter2@db:port/app', problem: /Malformed database URL/, listsForms: true },
  { url: 'postgresql://user:hunter2@db:99999/app', problem: /Malformed database URL/, listsForms: true },
  { url: 'postgresql://user:hunter2@db/app/extra', problem: /the path must be a single database name/, listsForms: false },
  // an unencoded "/" in the password ends the authority: the rest is not a URL any more
  { url: 'postgresql://user:hunt/er2@db/app', problem: /Malformed database URL/, listsForms: true },
  // a stray "%" in a password is not percent-encoding
  { url: 'postgresql://user:hunter2%zz@db/app', problem: /invalid percent-encoding; write "%" as %25/, listsForms: false },
  { url: 'mysql://root:50%off-hunter2@db/app', problem: /invalid percent-encoding/, listsForms: false },

  // SQLite URLs have no host, and take a file name and mode=… only
  { url: 'sqlite://localhost/app.db', problem: /Malformed SQLite URL.*SQLite URLs have no host/, listsForms: false },
  { url: 'sqlite://app.db', problem: /SQLite URLs have no host.*sqlite:\/\/\/relative\/path\.db.*sqlite:\/\/\/\/absolute\/path\.db/, listsForms: false },
  { url: 'sqlite://user:hunter2@db/app.db', problem: /SQLite URLs have no host/, listsForms: false },
  { url: 'sqlite:///', problem: /no file name\. Use sqlite:\/\/\/relative\/path\.db, or sqlite:\/\/ for memory/, listsForms: false },
  { url: 'sqlite:///x.db?timeout=5', problem: /Unknown SQLite URL parameter "timeout".*Accepted: mode=ro\|rw\|rwc/, listsForms: false },
  { url: 'sqlite:///x.db?mode=memory', problem: /Unsupported SQLite mode "memory".*Accepted: mode=ro\|rw\|rwc/, listsForms: false },
  { url: 'sqlite:///x.db?mode=', problem: /Unsupported SQLite mode ""/, listsForms: false },
  { url: 'sqlite:///x%zz.db', problem: /invalid percent-encoding/, listsForms: false },
  { url: 'sqlite://?mode=ro', problem: /An in-memory SQLite database cannot be read-only/, listsForms: false },
  { url: 'sqlite://:memory:?mode=ro', problem: /An in-memory SQLite database cannot be read-only/, listsForms: false }
]

const FORMS = [
  'sqlite:///relative/path.db',
  'sqlite:////absolute/path.db',
  'sqlite:// or sqlite://:memory:',
  'postgresql://user:pass@host:5432/db',
  'postgres://',
  'postgresql+pg://',
  'mysql://user:pass@host:3306/db',
  'mariadb://',
  'mysql+mysql2://'
]

t.test('rejected URL forms', async (t) => {
  for (const { url, problem, listsForms } of REJECTED) {
    t.test(JSON.stringify(url), async (t) => {
      let error: unknown
      try {
        parseDatabaseUrl(url, CWD)
      } catch (caught) {
        error = caught
      }
      t.type(error, ConfigurationError, 'a ConfigurationError')
      if (!(error instanceof ConfigurationError)) return
      t.equal(error.code, 'ORM_CONFIGURATION')
      t.match(error.message, problem, 'names the problem')
      if (listsForms) {
        for (const form of FORMS) t.ok(error.message.includes(form), `lists ${form}`)
      }
      t.notOk(error.message.includes(PASSWORD), 'never shows the password')
      if (url.includes(PASSWORD)) t.ok(error.message.includes('***'), 'shows the URL with its password as ***')
    })
  }
})
