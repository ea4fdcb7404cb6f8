#!/usr/bin/env node
// Runs a TypeScript entry point (`npm run example`) the way the fastify-orm CLI loads apps:
// by Node's own type stripping where Node has it (22.18+, 24), through tsx on Node 20 or
// where the file needs more than its types removed. Needs dist/ (`npm run build`).
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { importTypescript } from '../dist/cli/typescript-loader.js'

const [file] = process.argv.slice(2)
if (file === undefined) {
  console.error('Usage: node scripts/run-typescript.mjs FILE.ts')
  process.exit(2)
}
await importTypescript(pathToFileURL(resolve(file)).href)
