// The supported Node.js versions: the pure check on version strings, package.json's engines
// kept equal to it, and the two places that refuse an unsupported Node at start — the plugin
// (in this process, with process.versions.node replaced for the test) and the CLI (a real
// child process whose version is replaced before the bin runs).
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import Fastify from 'fastify'
import t from 'tap'
import fastifyOrm, { UnsupportedNodeError } from '../../src/index.ts'
import { SUPPORTED_NODE_RANGE, assertSupportedNode, unsupportedNodeReason } from '../../src/runtime/supported-node.ts'
import { CLI } from '../migration/support.ts'

const run = promisify(execFile)

t.test('which versions are supported', async (t) => {
  for (const version of ['20.19.0', '20.20.2', 'v20.19.5', '22.12.0', '22.23.5', '24.0.0', 'v24.22.3', '25.9.0', '26.12.1', '30.0.0-nightly20300101abc']) {
    t.equal(unsupportedNodeReason(version), undefined, `${version} is supported`)
  }
  for (const version of ['18.20.4', 'v16.0.0', '20.0.0', '20.18.3', '21.7.3', '22.0.0', '22.11.0', '23.11.1', '19.9.0', '0.12.18', 'nonsense']) {
    const reason = unsupportedNodeReason(version)
    t.type(reason, 'string', `${version} is not`)
    t.match(reason, `fastify-orm supports Node.js 20.19+, 22.12+, 24 or later; this is Node.js ${version.replace(/^v/, '')}.`)
  }
  t.doesNotThrow(() => { assertSupportedNode() }, 'this Node is supported')
  t.throws(() => { assertSupportedNode('18.20.4') }, { name: 'UnsupportedNodeError', code: 'ORM_UNSUPPORTED_NODE' })
})

t.test('package.json states the same range', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }
  t.equal(pkg.engines.node, SUPPORTED_NODE_RANGE)
})

t.test('the plugin refuses an unsupported Node when it is registered', async (t) => {
  const real = Object.getOwnPropertyDescriptor(process.versions, 'node') as PropertyDescriptor
  Object.defineProperty(process.versions, 'node', { ...real, value: '18.20.4' })
  let error: unknown
  try {
    const app = Fastify()
    app.register(fastifyOrm, { url: 'sqlite://' })
    error = await app.ready().then(() => undefined, (caught: unknown) => caught)
    await app.close()
  } finally {
    Object.defineProperty(process.versions, 'node', real)
  }
  t.type(error, UnsupportedNodeError)
  t.match((error as Error).message, /^fastify-orm supports Node\.js 20\.19\+, 22\.12\+, 24 or later; this is Node\.js 18\.20\.4\./)
})

t.test('the CLI refuses an unsupported Node before it loads anything else', async (t) => {
  // The version is replaced by a module imported ahead of the bin: a real process, as an old
  // Node would run it, with one line on stderr, exit code 1 and no stack trace.
  const fake = `data:text/javascript,Object.defineProperty(process.versions, 'node', { value: '21.7.3' })`
  const refused = await run(process.execPath, ['--import', fake, CLI, 'history', '--app', 'example-app/app.ts'], { cwd: new URL('../..', import.meta.url) })
    .then(() => ({ code: 0, stderr: '' }), (error: { code: number, stderr: string }) => error)
  t.equal(refused.code, 1)
  t.equal(refused.stderr, 'fastify-orm: error: fastify-orm supports Node.js 20.19+, 22.12+, 24 or later; this is Node.js 21.7.3. ' +
    'Install a supported version (the current LTS is the safest choice) and run again.\n')
  const help = await run(process.execPath, [CLI, '--help'])
  t.match(help.stdout, /^Usage: fastify-orm COMMAND/, `and runs on this Node (${process.version})`)
})
