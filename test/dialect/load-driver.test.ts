import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { loadDriver } from '../../src/dialect/load-driver.ts'
import { DriverNotInstalledError, OrmError } from '../../src/errors.ts'

t.test('an installed driver arrives as its CommonJS export', async (t) => {
  const pg = await loadDriver<typeof import('pg')>('pg', 'postgresql')
  t.equal(pg, (await import('pg')).default, 'pg')
  t.type(pg.Pool, 'function')

  const mysql = await loadDriver<typeof import('mysql2')>('mysql2', 'mysql')
  t.equal(mysql, (await import('mysql2')).default, 'mysql2')
  t.type(mysql.createPool, 'function')

  const Database = await loadDriver<typeof import('better-sqlite3')>('better-sqlite3', 'sqlite')
  t.equal(Database, (await import('better-sqlite3')).default, 'better-sqlite3')
  const memory = new Database(':memory:')
  t.strictSame(memory.prepare('select 1 as one').get(), { one: 1 }, 'and it works')
  memory.close()
})

t.test('a package that is not installed is a DriverNotInstalledError naming the npm install', async (t) => {
  const name = 'fastify-orm-no-such-driver'
  const error = await loadDriver(name, 'postgresql').then(() => undefined, (caught: unknown) => caught)
  t.type(error, DriverNotInstalledError)
  t.type(error, OrmError)
  if (!(error instanceof DriverNotInstalledError)) return
  t.equal(error.packageName, name)
  t.equal(error.code, 'ORM_DRIVER_NOT_INSTALLED')
  t.equal(error.statusCode, 500)
  t.equal(error.name, 'DriverNotInstalledError')
  t.equal(error.message, `The postgresql URL needs the "${name}" package, which is not installed. Run: npm install ${name}`)
  // the resolver's error stays available for the server log (loader hooks such as tsx may
  // rethrow it without its `code`, so the message is what is certain)
  t.match(error.cause, { message: /Cannot find (package|module) 'fastify-orm-no-such-driver'/ })
})

t.test('other import failures are not disguised as a missing driver', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'orm-load-driver-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))

  // A driver that is installed but one of whose own dependencies is missing: "npm install
  // <driver>" would be the wrong advice, so the resolver's error must come through.
  const brokenDependency = join(dir, 'broken-dependency.mjs')
  writeFileSync(brokenDependency, "import 'fastify-orm-missing-dependency'\nexport default 1\n")
  const missing = await loadDriver(pathToFileURL(brokenDependency).href, 'postgresql').then(() => undefined, (caught: unknown) => caught)
  t.notOk(missing instanceof DriverNotInstalledError, 'not a DriverNotInstalledError')
  t.match(missing, { message: /Cannot find (package|module) 'fastify-orm-missing-dependency'/ })

  // A driver that throws while loading (a native module built for another Node, say).
  const throwing = join(dir, 'throwing.mjs')
  writeFileSync(throwing, "throw new Error('native module built for another Node version')\n")
  const thrown = await loadDriver(pathToFileURL(throwing).href, 'sqlite').then(() => undefined, (caught: unknown) => caught)
  t.notOk(thrown instanceof OrmError, 'not an OrmError')
  t.match(thrown, { message: 'native module built for another Node version' })
})

t.test('an ES module without a default export arrives as its namespace', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'orm-load-driver-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'named-only.mjs')
  writeFileSync(file, 'export const connect = () => 42\n')
  const driver = await loadDriver<{ connect: () => number }>(pathToFileURL(file).href, 'sqlite')
  t.equal(driver.connect(), 42)
})
