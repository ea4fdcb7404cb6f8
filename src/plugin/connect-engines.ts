import { resolveConfig, type DatabaseOptions, type ResolvedConfig } from '../config/resolve-config.ts'
import { Engine } from '../database/engine.ts'
import type { EngineLogger } from '../engine/database-pool.ts'
import { ConfigurationError } from '../errors.ts'
import { bindMigrationsDir } from '../migration/bind-folder.ts'
import type { AnyModel } from '../model/define-model.ts'
import type { RegisteredDatabase } from '../model/register.ts'
import { ModelRegistry } from '../model/registry.ts'
import type { ModelRelations } from '../model/relations.ts'

/** The engines of one set of options: `db` (the default database) first, then every bind's. */
export interface ConnectedEngines {
  readonly db: Engine<RegisteredDatabase>
  readonly all: readonly Engine[]
  /** The options resolved (URL, pool, observation), defaults and env vars applied. */
  readonly config: ResolvedConfig
  /** The models, tables and relationships of the options. */
  readonly registry: ModelRegistry
}

/**
 * Connects the default database and every bind of the options, with the models' tables:
 * what the plugin decorates as `app.db`, and what the CLI's migration commands use without
 * building a Fastify app. When one fails, those already open are closed.
 *
 * @example
 * ```ts
 * const { db, all } = await connectEngines({ url: 'sqlite://', models }, logger)
 * ```
 */
export async function connectEngines (
  options: DatabaseOptions & { models?: Readonly<Record<string, AnyModel | ModelRelations>>, migrations?: { dir?: string } },
  logger: EngineLogger
): Promise<ConnectedEngines> {
  const config = resolveConfig(options)
  const registry = new ModelRegistry(options.models ?? {})
  for (const bind of registry.binds) {
    if (bind !== 'default' && !(bind in config.binds)) {
      throw new ConfigurationError(`A model is bound to "${bind}", which is not in the plugin's binds option. Add binds: { ${bind}: 'postgresql://…' }.`)
    }
  }
  const binds = new Map<string, Engine>()
  const engines: Engine[] = []
  try {
    for (const [name, bindConfig] of Object.entries(config.binds)) {
      const engine = await Engine.connect(bindConfig, logger, { tables: registry.tablesOf(name), migrationsDir: bindMigrationsDir(options.migrations?.dir, name) })
      engines.push(engine)
      binds.set(name, engine)
    }
    engines.unshift(await Engine.connect<RegisteredDatabase>(config.default, logger, {
      binds, tables: registry.tablesOf('default'), migrationsDir: options.migrations?.dir
    }) as Engine)
  } catch (error) {
    await Promise.allSettled(engines.map((engine) => engine.close()))
    throw error
  }
  return { db: engines[0] as Engine<RegisteredDatabase>, all: engines, config, registry }
}
