// The Fastify app with fastify-orm that most tests start from (not a test file itself:
// tap only runs *.test.ts).
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Test } from 'tap'
import fastifyOrm, { type FastifyOrmOptions } from '../../src/index.ts'
import type { TestDatabase } from './databases.ts'

/** How the app around the plugin is made. */
export interface AppOptions {
  /** Fastify's own options (`logger: false` unless given). */
  readonly server?: FastifyServerOptions
  /** Wait for `app.ready()` before returning; leave it off to add routes first. */
  readonly ready?: boolean
}

/**
 * A Fastify app with fastify-orm registered on `database` (with `options`), closed at the
 * end of the test.
 *
 * @example
 * ```ts
 * const app = await buildApp(t, database, { models }, { ready: true })
 * ```
 */
export async function buildApp (t: Test, database: Pick<TestDatabase, 'url'> & Partial<TestDatabase>, options: Omit<FastifyOrmOptions, 'url'> = {},
  { server = {}, ready = false }: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...server })
  await app.register(fastifyOrm, { url: database.url, ...options })
  t.teardown(() => app.close())
  if (ready) await app.ready()
  return app
}
