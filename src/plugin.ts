import { existsSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { DatabaseOptions } from './config/resolve-config.ts'
import { ConfigurationError } from './errors.ts'
import type { AnyModel } from './model/define-model.ts'
import type { Engine } from './database/engine.ts'
import { connectEngines } from './plugin/connect-engines.ts'
import { installDevPage } from './plugin/dev-page.ts'
import type { DevPageOptions } from './plugin/dev-page-options.ts'
import { installExactBodies } from './plugin/exact-bodies.ts'
import { installRequestLogStats } from './plugin/request-log.ts'
import { assertSupportedNode } from './runtime/supported-node.ts'
import type { ModelRelations } from './model/relations.ts'
import { installRequestSessions } from './session/request-sessions.ts'

/** Options of the fastify-orm plugin; see the README's configuration table. */
export interface FastifyOrmOptions extends DatabaseOptions {
  /** The app's models, tables and relationship declarations, e.g. `{ User, Post, postTag, userRelations }`. */
  models?: Readonly<Record<string, AnyModel | ModelRelations>>
  /** Create missing tables and indexes when the app becomes ready (`app.db.createAll()`). */
  createAll?: boolean
  /**
   * The app's migrations: `dir` is the folder of revision files (default `migrations`;
   * each bind's are in its subfolder, `migrations/<bind>`), and `upgrade: true` applies
   * them to head when the app becomes ready — the default database's, then those of each
   * bind that has its folder — like `fastify-orm upgrade` (a failing revision fails `ready()`).
   */
  migrations?: { dir?: string, upgrade?: boolean }
  /**
   * Route bodies built from model schemas are taken as sent (default `true`): a JSON `null`
   * for a NOT NULL column, `"7"` for an integer, an array for a string, a scalar for an
   * array or a property the schema does not declare is a 400, which Fastify's default Ajv
   * options would otherwise coerce or drop. `false` leaves those bodies to Fastify alone.
   */
  exactBodies?: boolean
  /**
   * Check at `ready()` (after `createAll` and `migrations.upgrade`) that the tables and
   * columns the models need exist, failing startup with a `SchemaMismatchError` naming what
   * is missing. Default true; a database without any of the tables passes.
   */
  checkSchema?: boolean
  /**
   * A development page under `/_db` (or `prefix`): the model diagram, the migration status
   * and the last `requests` (default 50) requests that used the database, with their
   * statements and warnings. Not served when `NODE_ENV` is `production` unless `force: true`.
   */
  devPage?: boolean | DevPageOptions
}

async function fastifyOrm (app: FastifyInstance, options: FastifyOrmOptions): Promise<void> {
  assertSupportedNode()
  if (app.hasDecorator('db')) {
    throw new ConfigurationError('fastify-orm is already registered on this app (app.db exists). Register it once, at the root, and use app.db and request.db everywhere.')
  }
  const { db, all: engines, config, registry } = await connectEngines(options, app.log)
  app.decorate('db', db)
  // onClose runs after the server stopped accepting requests and in-flight ones finished.
  app.addHook('onClose', async () => {
    await Promise.all(engines.map((engine) => engine.close()))
  })
  installRequestSessions(app, (sessionOptions) => db.session(sessionOptions))
  if (config.default.observation.recordQueries) installRequestLogStats(app)
  if (options.exactBodies !== false) await installExactBodies(app)
  installDevPage(app, options.devPage, { engine: db as Engine, engines, registry, recordQueries: config.default.observation.recordQueries }, app.log)
  if (options.createAll === true && options.migrations?.upgrade === true) {
    throw new ConfigurationError('Choose createAll or migrations.upgrade, not both: with migrations, the revisions create the tables.')
  }
  if (options.createAll === true) {
    app.addHook('onReady', async () => { await db.createAll() })
  }
  if (options.migrations?.upgrade === true) {
    app.addHook('onReady', async () => {
      // The default database, then each bind that has its revision folder (`init --multidb`):
      // a bind without one gets its tables some other way.
      for (const engine of engines) {
        const migrations = engine.migrations()
        if (engine !== db && !existsSync(migrations.dir)) continue
        const applied = await migrations.upgrade()
        if (applied.length > 0) app.log.info({ database: engine.name, revisions: applied }, 'fastify-orm: database upgraded')
      }
    })
  }
  // Added last: onReady hooks run in order, so the tables createAll or upgrade make are there.
  if (options.checkSchema !== false) {
    app.addHook('onReady', async () => { await db.checkSchema() })
  }
}

/**
 * The Fastify plugin: registers `app.db` (the engine) and `request.db` (a per-request
 * session that is always closed).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import fastifyOrm from 'fastify-orm'
 *
 * const app = Fastify({ logger: true })
 * await app.register(fastifyOrm, { url: 'sqlite:///app.db' })
 * app.get('/health', async (request) => ({ ok: true, dialect: request.server.db.dialect }))
 * ```
 */
export default fp(fastifyOrm, { fastify: '5.x', name: 'fastify-orm' })
