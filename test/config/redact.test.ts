import t from 'tap'
import { redactSecret, redactUrl } from '../../src/config/redact.ts'

t.equal(redactUrl('postgresql://app:s3cret@db:5432/app'), 'postgresql://app:***@db:5432/app')
t.equal(redactUrl('mysql://root@localhost/test'), 'mysql://root@localhost/test')

t.test('redactUrl keeps everything but the password', async (t) => {
  const cases: Array<[url: string, redacted: string, password: string]> = [
    ['postgresql://app:s3cret@db:5432/app', 'postgresql://app:***@db:5432/app', 's3cret'],
    ['postgres://app:s3cret@db/app', 'postgres://app:***@db/app', 's3cret'],
    ['postgresql+pg://app:s3cret@db/app', 'postgresql+pg://app:***@db/app', 's3cret'],
    ['mysql://root:s3cret@localhost:3306/test', 'mysql://root:***@localhost:3306/test', 's3cret'],
    ['mariadb://root:s3cret@localhost/test', 'mariadb://root:***@localhost/test', 's3cret'],
    ['postgresql://app:s3cret@db/app?sslmode=require&application_name=api', 'postgresql://app:***@db/app?sslmode=require&application_name=api', 's3cret'],
    ['postgresql://app:s3cret@[::1]:5432/app', 'postgresql://app:***@[::1]:5432/app', 's3cret'],
    // characters that have a meaning in URLs, unencoded in the password
    ['postgresql://app:p@ss@db/app', 'postgresql://app:***@db/app', 'p@ss'],
    ['postgresql://app:a:b:c@db:5432/app', 'postgresql://app:***@db:5432/app', 'a:b:c'],
    ['postgresql://app:a/b@db/app', 'postgresql://app:***@db/app', 'a/b'],
    ['postgresql://app:a?b#c@db/app', 'postgresql://app:***@db/app', 'a?b#c'],
    ['mysql://root:p@:/?#x@db:3306/app?charset=utf8mb4', 'mysql://root:***@db:3306/app?charset=utf8mb4', 'p@:/?#x'],
    // percent-encoded: the encoded form is the one in the text
    ['postgresql://app:p%40ss%2F@db/app', 'postgresql://app:***@db/app', 'p%40ss%2F'],
    // no user name, an empty password, a user name with an unencoded "@"
    ['postgresql://:s3cret@db/app', 'postgresql://:***@db/app', 's3cret'],
    ['postgresql://app:@db/app', 'postgresql://app:***@db/app', ''],
    ['postgresql://me@corp.com:s3cret@db/app', 'postgresql://me@corp.com:***@db/app', 's3cret'],
    // surrounding whitespace, as in a pasted env var
    ['  postgresql://app:s3cret@db/app\n', '  postgresql://app:***@db/app\n', 's3cret']
  ]
  for (const [url, redacted, password] of cases) {
    const result = redactUrl(url)
    t.equal(result, redacted, url)
    if (password !== '') t.notOk(result.includes(password), `${url}: no password`)
  }
})

t.test('redactUrl leaves URLs without a password unchanged', async (t) => {
  for (const url of [
    '',
    'sqlite://',
    'sqlite://:memory:',
    'sqlite:///relative/path.db',
    'sqlite:////abs/path.db?mode=ro',
    'postgresql://db/app',
    'postgresql://db:5432/app',
    'postgresql://app@db:5432/app',
    'postgresql://app@[::1]:5432/app',
    'postgresql:///app?host=/run/postgresql',
    'mysql://root@localhost/test',
    'mysql://root@localhost:3306/test?charset=utf8mb4',
    'not a url',
    'oracle://scott@db/orcl'
  ]) {
    t.equal(redactUrl(url), url, JSON.stringify(url))
  }
})

t.test('redactUrl hides the password of malformed URLs too', async (t) => {
  // It prints the URLs that failed to parse, so it cannot rely on them being well formed.
  const cases: Array<[url: string, redacted: string]> = [
    // the scheme forgotten
    ['app:s3cret@db:5432/app', 'app:***@db:5432/app'],
    ['app:s3cret@db', 'app:***@db'],
    // "//" forgotten or short
    ['postgresql:app:s3cret@db/app', 'postgresql:***@db/app'],
    ['postgresql:/app:s3cret@db/app', 'postgresql:***@db/app'],
    ['postgresql//app:s3cret@db/app', 'postgresql//app:***@db/app'],
    ['://app:s3cret@db/app', ':***@db/app'],
    // an unknown scheme, a Python driver, a stray "%"
    ['oracle://scott:s3cret@db:1521/orcl', 'oracle://scott:***@db:1521/orcl'],
    ['postgresql+psycopg2://app:s3cret@db/app', 'postgresql+psycopg2://app:***@db/app'],
    ['postgresql://app:s3cret%zz@db/app', 'postgresql://app:***@db/app'],
    ['sqlite://app:s3cret@db/app.db', 'sqlite://app:***@db/app.db']
  ]
  for (const [url, redacted] of cases) {
    const result = redactUrl(url)
    t.equal(result, redacted, url)
    t.notOk(result.includes('s3cret'), `${url}: no password`)
  }
})

t.test('redactSecret', async (t) => {
  t.equal(redactSecret('auth failed for s3cret', 's3cret'), 'auth failed for ***')
  t.equal(redactSecret('s3cret, again s3cret', 's3cret'), '***, again ***', 'every occurrence')
  t.equal(redactSecret('password authentication failed for user "app"', 's3cret'), 'password authentication failed for user "app"', 'absent: unchanged')
  t.equal(redactSecret('connect ECONNREFUSED', undefined), 'connect ECONNREFUSED', 'no password: unchanged')
  // an empty password must not turn every character gap into ***
  t.equal(redactSecret('connect ECONNREFUSED', ''), 'connect ECONNREFUSED', 'empty password: unchanged')
  // the secret is literal text, not a pattern
  t.equal(redactSecret('p.s* and pXss', 'p.s*'), '*** and pXss')
  t.equal(redactSecret('a$&b and a$&b', 'a$&b'), '*** and ***')
  t.equal(redactSecret('user p@ss:w/rd', 'p@ss:w/rd'), 'user ***')
})
