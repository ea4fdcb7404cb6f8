#!/usr/bin/env node
// The `fastify-orm` bin: checks the Node.js version before anything else is loaded (an old
// Node would otherwise fail somewhere inside a dependency), then hands the command line to
// run.ts, which parses it.
import module from 'node:module'
import { unsupportedNodeReason } from '../runtime/supported-node.ts'

// Node 22.1+ keeps the compiled code of the modules a command loads (Fastify, Kysely, the
// app) in a cache on disk, so the next command starts faster; Node 20 has no such cache.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()

const unsupported = unsupportedNodeReason(process.versions.node)
if (unsupported === undefined) {
  const { runCli } = await import('./run.ts')
  process.exitCode = await runCli(process.argv.slice(2))
} else {
  process.stderr.write(`fastify-orm: error: ${unsupported}\n`)
  process.exitCode = 1
}
