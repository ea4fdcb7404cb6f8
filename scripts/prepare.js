// The `prepare` script: npm runs it after `npm install` in a clone and before packing the
// package from a git URL (with the dev dependencies installed). It builds dist/ when
// TypeScript is installed; without it (`npm install --omit=dev` in a clone) it says so and
// leaves dist/ as it is instead of failing the install.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import process from 'node:process'
import { URL } from 'node:url'

const root = new URL('..', import.meta.url)
let tsc
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
} catch {
  const built = existsSync(new URL('dist/index.js', root))
  process.stderr.write(`fastify-orm: TypeScript is not installed (dev dependencies omitted), so dist/ was not ${built ? 're' : ''}built; ` +
    'run `npm install` with the dev dependencies, then `npm run build`.\n')
  process.exit(0)
}
const { status, signal } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
process.exit(status ?? (signal ? 1 : 0))
