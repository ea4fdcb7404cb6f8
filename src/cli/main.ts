#!/usr/bin/env node
// The `fastify-orm` bin: checks the Node.js version before anything else is loaded (an old
// Node would otherwise fail somewhere inside a dependency), then hands the command line to
// run.ts, which parses it.
import { unsupportedNodeReason } from '../runtime/supported-node.ts'

const unsupported = unsupportedNodeReason(process.versions.node)
if (unsupported === undefined) {
  const { runCli } = await import('./run.ts')
  process.exitCode = await runCli(process.argv.slice(2))
} else {
  process.stderr.write(`fastify-orm: error: ${unsupported}\n`)
  process.exitCode = 1
}
