import t, { type Test } from 'tap'
import { resolveConfig, type DatabaseOptions } from '../../src/config/resolve-config.ts'
import { ConfigurationError } from '../../src/errors.ts'

// resolveConfig takes its environment as an argument; these tests pass frozen objects, so a
// write to the environment would throw, and process.env is never touched except in the one
// test of the default argument, which restores it.
const env = (vars: Record<string, string> = {}): NodeJS.ProcessEnv => Object.freeze({ ...vars })

function configurationError (t: Test, fn: () => unknown, message: RegExp, what: string): void {
  t.throws(fn, ConfigurationError, what)
  try {
    fn()
  } catch (error) {
    t.match((error as Error).message, message, `${what}: message`)
    t.notOk((error as Error).message.includes('hunter2'), `${what}: no password`)
  }
}

t.test('url: the option wins over DATABASE_URL', async (t) => {
  const both = resolveConfig({ url: 'sqlite://' }, env({ DATABASE_URL: 'postgresql://db/app' }))
  t.equal(both.default.url.dialect, 'sqlite')

  const envOnly = resolveConfig({}, env({ DATABASE_URL: 'postgresql://db/app' }))
  t.equal(envOnly.default.url.dialect, 'postgres')

  // the env var is not even parsed when the option is given
  const badEnv = resolveConfig({ url: 'sqlite://' }, env({ DATABASE_URL: 'oracle://scott:hunter2@db/orcl' }))
  t.equal(badEnv.default.url.dialect, 'sqlite')
})

t.test('url: missing, empty or not a string', async (t) => {
  const noUrl = /No database URL: pass \{ url \} to the fastify-orm plugin or set DATABASE_URL\. Accepted forms: sqlite:\/\/\/relative\/path\.db.*postgresql:\/\/.*mysql:\/\//
  configurationError(t, () => resolveConfig({}, env()), noUrl, 'neither option nor env var')
  configurationError(t, () => resolveConfig({}, env({ DATABASE_URL: '' })), noUrl, 'empty DATABASE_URL')
  configurationError(t, () => resolveConfig({ url: undefined }, env()), noUrl, 'url: undefined')
  configurationError(t, () => resolveConfig({ url: '' }, env({ DATABASE_URL: 'sqlite://' })), /Malformed database URL ""/, 'url: ""')
  configurationError(t, () => resolveConfig({ url: 5432 } as unknown as DatabaseOptions, env()), /The url option must be a string, got number/, 'url: a number')
  configurationError(t, () => resolveConfig({ url: new URL('postgresql://db/app') } as unknown as DatabaseOptions, env()), /must be a string, got object/, 'url: a URL object')
})

t.test('url: an invalid URL from either source is a ConfigurationError without the password', async (t) => {
  configurationError(t, () => resolveConfig({ url: 'oracle://scott:hunter2@db/orcl' }, env()), /Unknown database URL scheme "oracle:" in "oracle:\/\/scott:\*\*\*@db\/orcl"/, 'option')
  configurationError(t, () => resolveConfig({}, env({ DATABASE_URL: 'postgresql+psycopg2://app:hunter2@db/app' })), /Unsupported driver "\+psycopg2"/, 'env var')
})

t.test('relative SQLite paths resolve against the cwd argument', async (t) => {
  const config = resolveConfig({ url: 'sqlite:///data/app.db', binds: { cache: 'sqlite:///cache.db' } }, env(), '/srv/app')
  t.strictSame(config.default.url, { dialect: 'sqlite', filename: '/srv/app/data/app.db', readonly: false })
  t.strictSame(config.binds.cache?.url, { dialect: 'sqlite', filename: '/srv/app/cache.db', readonly: false })
})

t.test('redactedUrl and name', async (t) => {
  const config = resolveConfig({ url: 'postgresql://app:hunter2@db:5432/app?sslmode=require', binds: { stats: 'mysql://root:hunter2@stats/stats' } }, env())
  t.equal(config.default.name, 'default')
  t.equal(config.default.redactedUrl, 'postgresql://app:***@db:5432/app?sslmode=require')
  t.equal(config.binds.stats?.name, 'stats')
  t.equal(config.binds.stats?.redactedUrl, 'mysql://root:***@stats/stats')
  // the password is still there for the driver
  t.equal(config.default.url.dialect === 'postgres' ? config.default.url.password : undefined, 'hunter2')
})

t.test('echo: option, DATABASE_ECHO, default', async (t) => {
  const echo = (options: DatabaseOptions, vars: Record<string, string>): boolean =>
    resolveConfig({ url: 'sqlite://', ...options }, env(vars)).default.echo

  t.equal(echo({}, {}), false, 'default off')
  t.equal(echo({ echo: true }, {}), true)
  t.equal(echo({ echo: false }, {}), false)
  for (const [value, expected] of [['1', true], ['true', true], ['TRUE', true], ['True', true], ['0', false], ['false', false], ['FALSE', false], ['', false]] as const) {
    t.equal(echo({}, { DATABASE_ECHO: value }), expected, `DATABASE_ECHO=${JSON.stringify(value)}`)
  }
  t.equal(echo({ echo: false }, { DATABASE_ECHO: '1' }), false, 'option false wins over env 1')
  t.equal(echo({ echo: true }, { DATABASE_ECHO: '0' }), true, 'option true wins over env 0')
  t.equal(echo({ echo: true }, { DATABASE_ECHO: 'loud' }), true, 'an invalid env var is ignored when the option is given')

  for (const value of ['yes', 'on', '2', ' 1', 'loud']) {
    configurationError(t, () => echo({}, { DATABASE_ECHO: value }),
      new RegExp(`DATABASE_ECHO must be 1, true, 0 or false, got "${value}"`), `DATABASE_ECHO=${JSON.stringify(value)}`)
  }
})

t.test('preparedStatements: option, DATABASE_PREPARED_STATEMENTS, default on', async (t) => {
  const prepared = (options: DatabaseOptions, vars: Record<string, string>): boolean =>
    resolveConfig({ url: 'postgresql://db/app', ...options }, env(vars)).default.preparedStatements

  t.equal(prepared({}, {}), true, 'default on')
  t.equal(prepared({ preparedStatements: false }, {}), false)
  t.equal(prepared({}, { DATABASE_PREPARED_STATEMENTS: '0' }), false)
  t.equal(prepared({}, { DATABASE_PREPARED_STATEMENTS: 'false' }), false)
  t.equal(prepared({}, { DATABASE_PREPARED_STATEMENTS: 'TRUE' }), true)
  t.equal(prepared({ preparedStatements: true }, { DATABASE_PREPARED_STATEMENTS: '0' }), true, 'the option wins')
  configurationError(t, () => prepared({}, { DATABASE_PREPARED_STATEMENTS: 'off' }),
    /DATABASE_PREPARED_STATEMENTS must be 1, true, 0 or false, got "off"/, 'invalid env var')
  configurationError(t, () => prepared({ preparedStatements: 'no' as unknown as boolean }, {}),
    /The preparedStatements option must be true or false, got "no"/, 'invalid option')
  const config = resolveConfig({ url: 'postgresql://db/app', preparedStatements: false, binds: { other: 'postgresql://db/other' } }, env())
  t.equal(config.binds.other?.preparedStatements, false, 'binds share it')
})

t.test('pool: defaults, option, DATABASE_POOL_MAX', async (t) => {
  const pool = (options: DatabaseOptions, vars: Record<string, string> = {}): unknown =>
    resolveConfig({ url: 'postgresql://db/app', ...options }, env(vars)).default.pool

  t.strictSame(pool({}), { max: 10, idleTimeoutMs: 10_000, acquireTimeoutMs: 30_000 }, 'defaults')
  t.strictSame(pool({ pool: {} }), { max: 10, idleTimeoutMs: 10_000, acquireTimeoutMs: 30_000 }, 'empty pool option')
  t.strictSame(pool({}, { DATABASE_POOL_MAX: '25' }), { max: 25, idleTimeoutMs: 10_000, acquireTimeoutMs: 30_000 }, 'env var')
  t.strictSame(pool({}, { DATABASE_POOL_MAX: '' }), { max: 10, idleTimeoutMs: 10_000, acquireTimeoutMs: 30_000 }, 'empty env var: default')
  t.strictSame(pool({ pool: { max: 3 } }, { DATABASE_POOL_MAX: '25' }), { max: 3, idleTimeoutMs: 10_000, acquireTimeoutMs: 30_000 }, 'option wins')
  t.strictSame(pool({ pool: { max: 3 } }, { DATABASE_POOL_MAX: 'lots' }), { max: 3, idleTimeoutMs: 10_000, acquireTimeoutMs: 30_000 }, 'invalid env var ignored under an option')
  t.strictSame(pool({ pool: { idleTimeoutMs: 0, acquireTimeoutMs: 500 } }, { DATABASE_POOL_MAX: '4' }), { max: 4, idleTimeoutMs: 0, acquireTimeoutMs: 500 }, 'partial option merged')
  t.strictSame(pool({ pool: { max: 1, idleTimeoutMs: 1, acquireTimeoutMs: 0 } }), { max: 1, idleTimeoutMs: 1, acquireTimeoutMs: 0 }, 'smallest values')

  for (const value of ['0', '-1', '1.5', 'abc', '10abc', '1e3', '0x10', ' 5', 'Infinity']) {
    configurationError(t, () => pool({}, { DATABASE_POOL_MAX: value }),
      new RegExp(`^DATABASE_POOL_MAX must be a positive integer, got ${escape(JSON.stringify(value))}$`), `DATABASE_POOL_MAX=${JSON.stringify(value)}`)
  }
  for (const max of [0, -3, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    configurationError(t, () => pool({ pool: { max } }), /^pool\.max must be a positive integer, got /, `pool.max=${max}`)
  }
  configurationError(t, () => pool({ pool: { max: '5' as unknown as number } }), /^pool\.max must be a positive integer, got "5"$/, 'pool.max as a string')
  configurationError(t, () => pool({ pool: { idleTimeoutMs: -1 } }), /^pool\.idleTimeoutMs must be a non-negative integer, got -1$/, 'idleTimeoutMs -1')
  configurationError(t, () => pool({ pool: { acquireTimeoutMs: 1.5 } }), /^pool\.acquireTimeoutMs must be a non-negative integer, got 1\.5$/, 'acquireTimeoutMs 1.5')
})

t.test('binds', async (t) => {
  const config = resolveConfig({
    url: 'sqlite://',
    echo: true,
    pool: { max: 4 },
    binds: { analytics: 'postgresql://app:hunter2@stats:5432/analytics', cache: 'sqlite:////var/cache.db' }
  }, env())
  t.strictSame(Object.keys(config.binds), ['analytics', 'cache'])
  t.equal(config.binds.analytics?.url.dialect, 'postgres')
  t.equal(config.binds.cache?.url.dialect, 'sqlite')
  t.equal(config.binds.analytics?.echo, true, 'binds share echo')
  t.equal(config.binds.analytics?.pool.max, 4, 'binds share the pool settings')
  t.strictSame(resolveConfig({ url: 'sqlite://' }, env()).binds, {}, 'no binds')

  configurationError(t, () => resolveConfig({ url: 'sqlite://', binds: { analytics: 'oracle://scott:hunter2@db/orcl' } }, env()),
    /^Bind "analytics": Unknown database URL scheme "oracle:" in "oracle:\/\/scott:\*\*\*@db\/orcl"/, 'bind with an unknown scheme')
  configurationError(t, () => resolveConfig({ url: 'sqlite://', binds: { analytics: 'postgresql://' } }, env()),
    /^Bind "analytics": Malformed database URL/, 'malformed bind URL')
  configurationError(t, () => resolveConfig({ url: 'sqlite://', binds: { analytics: '' } }, env()),
    /Bind "analytics" needs a database URL string, e\.g\. binds: \{ analytics: 'postgresql:\/\/…' \}/, 'empty bind URL')
  configurationError(t, () => resolveConfig({ url: 'sqlite://', binds: { analytics: 42 } } as unknown as DatabaseOptions, env()),
    /Bind "analytics" needs a database URL string/, 'bind URL not a string')
  configurationError(t, () => resolveConfig({ url: 'sqlite://', binds: { default: 'sqlite://' } }, env()),
    /A bind cannot be named "default"/, 'bind named default')
  // binds do not replace the default database
  configurationError(t, () => resolveConfig({ binds: { analytics: 'sqlite://' } }, env()), /No database URL/, 'binds without a default URL')
})

t.test('the result is frozen all the way down', async (t) => {
  const config = resolveConfig({ url: 'postgresql://db/app?sslmode=require', binds: { cache: 'sqlite://' } }, env())
  for (const [path, value] of Object.entries({
    config,
    'config.default': config.default,
    'config.default.url': config.default.url,
    'config.default.url.params': config.default.url.dialect === 'sqlite' ? undefined : config.default.url.params,
    'config.default.pool': config.default.pool,
    'config.binds': config.binds,
    'config.binds.cache': config.binds.cache,
    'config.binds.cache.url': config.binds.cache?.url
  })) {
    t.ok(value !== undefined && Object.isFrozen(value), `${path} is frozen`)
  }
  // ES modules are strict: writing to a frozen object throws
  t.throws(() => { (config.default as { echo: boolean }).echo = true }, TypeError)
  t.throws(() => { (config.default.pool as { max: number }).max = 99 }, TypeError)
  t.throws(() => { (config.binds as Record<string, unknown>).extra = config.default }, TypeError)
  t.equal(config.default.echo, false)
  t.equal(config.default.pool.max, 10)
})

t.test('each call builds a new config: frozen options objects are never written to', async (t) => {
  const options: DatabaseOptions = Object.freeze({ url: 'sqlite://', pool: Object.freeze({ max: 2 }), binds: Object.freeze({ cache: 'sqlite://' }) })
  const a = resolveConfig(options, env())
  const b = resolveConfig(options, env())
  t.not(a, b)
  t.strictSame(a, b)
})

t.test('without an env argument it reads process.env', async (t) => {
  const saved = { DATABASE_URL: process.env.DATABASE_URL, DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX }
  t.teardown(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  })
  process.env.DATABASE_URL = 'mysql://root@db/app'
  process.env.DATABASE_POOL_MAX = '7'
  const config = resolveConfig({})
  t.equal(config.default.url.dialect, 'mysql')
  t.equal(config.default.pool.max, 7)
})

function escape (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

t.test('replicas: the option, DATABASE_REPLICA_URLS and binds', async (t) => {
  const fromOption = resolveConfig({ url: 'postgresql://app:hunter2@primary/app', replicas: ['postgresql://app:hunter2@r1/app'], replicaMaxLagMs: 700 }, env())
  t.equal(fromOption.default.replicas?.servers.length, 1)
  t.equal(fromOption.default.replicas?.servers[0]?.redactedUrl, 'postgresql://app:***@r1/app', 'redacted like the primary')
  t.equal(fromOption.default.replicas?.maxLagMs, 700)
  t.equal(fromOption.default.replicas?.checkIntervalMs, 2000, 'default check interval')

  const fromEnv = resolveConfig({ url: 'postgresql://primary/app' }, env({ DATABASE_REPLICA_URLS: ' postgresql://r1/app, postgresql://r2/app ,' }))
  t.same(fromEnv.default.replicas?.servers.map((server) => server.redactedUrl), ['postgresql://r1/app', 'postgresql://r2/app'], 'comma-separated, trimmed, empty entries ignored')
  t.equal(fromEnv.default.replicas?.maxLagMs, 5000, 'default lag bound')

  const optionWins = resolveConfig({ url: 'postgresql://primary/app', replicas: [] }, env({ DATABASE_REPLICA_URLS: 'postgresql://r1/app' }))
  t.equal(optionWins.default.replicas, undefined, 'replicas: [] wins over the env var')

  const bind = resolveConfig({ url: 'sqlite://', binds: { reports: { url: 'postgresql://p/reports', replicas: ['postgresql://r/reports'] }, plain: 'postgresql://p/plain' } }, env())
  t.equal(bind.binds.reports?.replicas?.servers[0]?.redactedUrl, 'postgresql://r/reports')
  t.equal(bind.binds.plain?.replicas, undefined)
  t.equal(bind.default.replicas, undefined)

  configurationError(t, () => resolveConfig({ url: 'mysql://db/app', replicas: ['mysql://r/app'] }, env()), /supported on PostgreSQL/, 'MySQL replicas')
  configurationError(t, () => resolveConfig({ url: 'postgresql://app:hunter2@db/app', replicas: ['sqlite://'] }, env()), /not a PostgreSQL URL/, 'a replica of another kind')
  configurationError(t, () => resolveConfig({ url: 'sqlite://', binds: { reports: { url: '' } } }, env()), /Bind "reports" needs a database URL string/, 'a bind without url')
})

t.test('observation: recordQueries, slowQueryMs and nPlusOne defaults and env vars', async (t) => {
  const development = resolveConfig({ url: 'sqlite://' }, env()).default.observation
  t.same(development, { recordQueries: true, slowQueryMs: undefined, nPlusOne: 'warn', nPlusOneThreshold: 5 })
  const production = resolveConfig({ url: 'sqlite://' }, env({ NODE_ENV: 'production' })).default.observation
  t.same(production, { recordQueries: false, slowQueryMs: undefined, nPlusOne: 'off', nPlusOneThreshold: 5 })
  const fromEnv = resolveConfig({ url: 'sqlite://' }, env({ NODE_ENV: 'production', DATABASE_RECORD_QUERIES: 'true', DATABASE_SLOW_QUERY_MS: '250', DATABASE_N_PLUS_ONE: 'error' })).default.observation
  t.same(fromEnv, { recordQueries: true, slowQueryMs: 250, nPlusOne: 'error', nPlusOneThreshold: 5 })
  const options = resolveConfig({ url: 'sqlite://', recordQueries: false, nPlusOne: false, slowQueryMs: 0, nPlusOneThreshold: 2 }, env({ DATABASE_RECORD_QUERIES: '1' })).default.observation
  t.same(options, { recordQueries: false, slowQueryMs: 0, nPlusOne: 'off', nPlusOneThreshold: 2 }, 'options win')
  configurationError(t, () => resolveConfig({ url: 'sqlite://' }, env({ DATABASE_SLOW_QUERY_MS: 'fast' })), /DATABASE_SLOW_QUERY_MS must be a number/, 'bad slow env')
  configurationError(t, () => resolveConfig({ url: 'sqlite://' }, env({ DATABASE_N_PLUS_ONE: 'loud' })), /DATABASE_N_PLUS_ONE must be warn, error or off/, 'bad n+1 env')
})
