import { fork } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { getScenario } from '../scenarios/index.ts'
import type { Target } from './databases.ts'
import type { ServerMode } from './options.ts'

/** What a server process needs to build its app. Plain data (sent as JSON). */
export interface ServerSpec {
  readonly scenario: string
  readonly variant: string
  readonly target: Target
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string
  /**
   * CPU time (user + system, µs) the server process has used so far, and its peak resident
   * memory (KB); null when it shares this process.
   */
  usage (): Promise<ServerUsage | null>
  close (): Promise<void>
}

export type ParentMessage = 'cpu' | 'close'
export interface ServerUsage { readonly micros: number, readonly maxRssKb: number }
export type ChildMessage = { type: 'listening', url: string } | ({ type: 'cpu' } & ServerUsage)

export const PROFILE_DIR = fileURLToPath(new URL('../results/profiles/', import.meta.url))
const CHILD_ENTRY = fileURLToPath(new URL('./server-child.ts', import.meta.url))
const CLOSE_TIMEOUT_MS = 10_000

/** Loopback only, on a free port the OS picks. */
export async function listen (app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 })
}

export async function startServer (spec: ServerSpec, mode: ServerMode, cpuProf: boolean): Promise<RunningServer> {
  if (mode === 'inprocess') {
    const app = await getScenario(spec.scenario).createApp(spec.variant, spec.target)
    return { url: await listen(app), usage: async () => null, close: () => app.close() }
  }
  return startChild(spec, cpuProf)
}

/**
 * The app runs in its own Node process (tsx loader), so it has a whole event loop to itself
 * while autocannon runs in this one.
 */
function startChild (spec: ServerSpec, cpuProf: boolean): Promise<RunningServer> {
  const execArgv = ['--import', import.meta.resolve('tsx')]
  if (cpuProf) {
    // One directory per server: Node writes a profile per thread (main, tsx's loader hooks),
    // named CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile; the main thread's is thread 0.
    const directory = `${PROFILE_DIR}${spec.scenario}-${spec.target.dialect}-${spec.variant}-${Date.now()}`
    mkdirSync(directory, { recursive: true })
    execArgv.push('--cpu-prof', '--cpu-prof-dir', directory)
  }
  const child = fork(CHILD_ENTRY, [JSON.stringify(spec)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const send = (message: ParentMessage): void => { child.send(message) }
  let cpuWaiter: ((usage: ServerUsage) => void) | undefined
  return new Promise((resolve, reject) => {
    void exited.then((code) => reject(new Error(`server ${spec.scenario}/${spec.variant} exited with code ${code} before listening`)))
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'cpu') {
        cpuWaiter?.({ micros: message.micros, maxRssKb: message.maxRssKb })
        return
      }
      resolve({
        url: message.url,
        usage: () => new Promise((resolve) => {
          cpuWaiter = resolve
          send('cpu')
        }),
        close: async () => {
          if (child.exitCode === null) send('close')
          const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS)
          await exited
          clearTimeout(timer)
        }
      })
    })
  })
}
