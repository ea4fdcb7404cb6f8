#!/usr/bin/env node
// The `fastify-orm` bin: parses nothing itself, see run.ts.
import { runCli } from './run.ts'

process.exitCode = await runCli(process.argv.slice(2))
