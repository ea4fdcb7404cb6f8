// The example server's graceful shutdown (example-app/server.ts), on a real process: the
// server is spawned as `npm run example` starts it (`node scripts/run-typescript.mjs
// example-app/server.ts`: Node's type stripping, or tsx on Node 20) on a fresh database, 20
// slow requests (POST /users hashes with scrypt) are put in flight over keep-alive
// connections, and the process gets SIGTERM (SIGINT once). Every request must still get its
// complete 201, a new connection must be refused as soon as the close starts, the process
// must exit 0 right after the last response (its keep-alive sockets must not hold it), its log must
// name the signal and the 20 users must be in the database. A request that never ends makes
// the grace delay run out: the process exits 1 and logs the timeout.
// Needs dist/ (`npm run build`): the example imports the package by its name.
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { buildApp } from '../../example-app/app.ts'
import { User } from '../../example-app/models.ts'
import { eachDb, type TestDatabase } from '../helpers/databases.ts'
import { PASSWORD, withSession } from './support.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const HOST = '127.0.0.1'
const REQUESTS = 20
/**
 * How long the process may take to exit once the last response is out: closing the pool and
 * flushing the log. Without "Connection: close" on the responses sent while closing, the
 * keep-alive sockets would hold server.close() until the grace delay (10 s) ran out.
 */
const EXIT_AFTER_LAST_RESPONSE_MS = 3000
/** Longer than the server's grace delay (10 s): its exit, whatever its code, is always seen. */
const WAIT_FOR_EXIT_MS = 15000

/** A port nobody listens on right now (the server is told it: with PORT=0 we could not know it). */
async function freePort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `promise`'s value, or undefined once `ms` have passed (the timer never outlives it). */
function within<T> (promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(resolve, ms, undefined) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

interface LogLine { level: number, msg?: string, signal?: string, req?: { method?: string, url?: string }, [key: string]: unknown }

/** The example server as a child process, with its pino log (JSON lines on stdout) parsed. */
class ServerProcess {
  readonly lines: LogLine[] = []
  stderr = ''
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null, at: number }>
  #waiters = new Set<() => void>()
  #exitedAt: number | undefined

  readonly child: ChildProcess
  readonly port: number

  constructor (child: ChildProcess, port: number) {
    this.child = child
    this.port = port
    let buffered = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) if (line.trim() !== '') this.lines.push(JSON.parse(line) as LogLine)
      for (const wake of this.#waiters) wake()
    })
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { this.stderr += chunk })
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.#exitedAt = Date.now()
      for (const wake of this.#waiters) wake()
      resolve({ code, signal, at: this.#exitedAt })
    }))
  }

  get running (): boolean { return this.#exitedAt === undefined }

  /** Resolves with the first line from index `from` on that matches; rejects on exit or timeout. */
  waitForLine (what: string, matches: (line: LogLine) => boolean, { from = 0, timeoutMs = 10000 } = {}): Promise<LogLine> {
    return this.#waitFor(what, () => this.lines.slice(from).find(matches), timeoutMs)
  }

  /** Resolves once `count` lines from index `from` on match. */
  waitForLines (what: string, count: number, matches: (line: LogLine) => boolean, { from = 0, timeoutMs = 10000 } = {}): Promise<LogLine[]> {
    return this.#waitFor(what, () => {
      const found = this.lines.slice(from).filter(matches)
      return found.length >= count ? found : undefined
    }, timeoutMs)
  }

  #waitFor<T> (what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
      const finish = (error?: Error, value?: T) => {
        clearTimeout(timer)
        this.#waiters.delete(wake)
        if (error) reject(new Error(`${error.message}\nstderr: ${this.stderr}`))
        else resolve(value as T)
      }
      const wake = () => {
        const value = check()
        if (value !== undefined) finish(undefined, value)
        else if (!this.running) finish(new Error(`the server exited while waiting for ${what}`))
      }
      this.#waiters.add(wake)
      wake()
    })
  }
}

/** Spawns the example server on `database`; it is killed when `t` ends if still running. */
async function startServer (t: Test, database: TestDatabase, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, ['scripts/run-typescript.mjs', 'example-app/server.ts'], {
    cwd: ROOT,
    // UV_THREADPOOL_SIZE: pino's default destination writes through libuv's threadpool, as
    // scrypt does; with the default 4 threads the log lines this test waits for queue behind
    // the hashes of the 20 requests and arrive only as they finish.
    env: { ...process.env, PORT: String(port), HOST, DATABASE_URL: database.url, UV_THREADPOOL_SIZE: '32', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const server = new ServerProcess(child, port)
  t.teardown(async () => {
    if (server.running) {
      child.kill('SIGKILL')
      await server.exited
    }
  })
  // Listening once it logs so (migrations first); then /health must answer.
  await server.waitForLine('"Server listening"', (line) => line.msg?.startsWith('Server listening') === true, { timeoutMs: 30000 })
  const health = await send(port, 'GET', '/health', undefined, false)
  t.equal(health.statusCode, 200, 'GET /health answers')
  return server
}

interface Response { statusCode: number, headers: http.IncomingHttpHeaders, body: string }

/** One HTTP request; `agent` false opens a connection of its own that closes after it. */
function send (port: number, method: string, path: string, body: unknown, agent: http.Agent | false): Promise<Response> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: HOST, port, method, path, agent,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
    }, (response) => {
      let text = ''
      response.setEncoding('utf8').on('data', (chunk: string) => { text += chunk })
      response.on('end', () => resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body: text }))
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end(payload)
  })
}

/** Tries to open a new TCP connection: 'refused' (ECONNREFUSED) or 'accepted'. */
function connect (port: number): Promise<'refused' | 'accepted'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST)
    socket.once('connect', () => { socket.destroy(); resolve('accepted') })
    socket.once('error', (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error))
  })
}

/**
 * The scenario: 20 POST /users in flight over keep-alive connections, then `signal`; checks
 * the responses, the refused connection, the exit, the log and the database.
 */
async function shutdownWithRequestsInFlight (t: Test, database: TestDatabase, signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
  const server = await startServer(t, database)
  const prefix = `${signal.toLowerCase()}_${database.dialect}`
  const users = Array.from({ length: REQUESTS }, (_, i) => ({ username: `${prefix}_${i}`, email: `${prefix}_${i}@example.com`, password: PASSWORD }))

  // Keep-alive, as browsers, proxies and undici do: the sockets outlive their responses.
  const agent = new http.Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const from = server.lines.length
  let completed = 0
  let lastResponseAt = 0
  const responses = users.map(async (user) => {
    const outcome = await send(server.port, 'POST', '/users', user, agent).catch((error: Error) => error)
    completed++
    lastResponseAt = Date.now()
    return outcome
  })

  // The signal goes as soon as the server has received all 20 requests: earlier, a request
  // still on its way would get Fastify's 503 (it refuses new work while closing), or its
  // connection would be refused; each request is then in its handler, hashing.
  await server.waitForLines('20 incoming POST /users', REQUESTS, (line) => line.msg === 'incoming request' && line.req?.url === '/users', { from })
  const completedAtSignal = completed
  const signalledAt = Date.now()
  server.child.kill(signal)
  t.ok(completedAtSignal < REQUESTS, `the signal came with requests in flight (${REQUESTS - completedAtSignal} of ${REQUESTS} not answered yet)`)

  // Stopped accepting: once the server has logged the signal, new connections are refused
  // (polled briefly: the listener closes a tick after the log line), while requests are
  // still being answered.
  await server.waitForLine(`the ${signal} log line`, (line) => line.signal === signal, { from })
  let attempt: 'refused' | 'accepted' = 'accepted'
  for (let tries = 0; tries < 100 && attempt === 'accepted'; tries++) {
    attempt = await connect(server.port)
    if (attempt === 'accepted') await sleep(5)
  }
  const completedAtRefusal = completed
  t.equal(attempt, 'refused', 'a new connection after the signal is refused')
  t.ok(server.running, 'refused while the process is still running (draining), not because it has exited')
  t.comment(`${REQUESTS - completedAtRefusal} requests still in flight when the new connection was refused`)

  const settled = await Promise.all(responses)
  const failures = settled.filter((response): response is Error => response instanceof Error)
  t.strictSame(failures.map((error) => error.message), [], 'no request was reset or refused')
  const created = settled.filter((response): response is Response => !(response instanceof Error) && response.statusCode === 201)
  t.equal(created.length, REQUESTS, `${REQUESTS} of ${REQUESTS} requests got their 201`)
  t.strictSame(created.map((response) => (JSON.parse(response.body) as { username: string }).username).sort(),
    users.map((user) => user.username).sort(), 'each with its complete body')
  t.comment(`${created.filter((response) => response.headers.connection === 'close').length} responses carried "Connection: close"`)

  const exit = await within(server.exited, WAIT_FOR_EXIT_MS)
  t.ok(exit, `the process exited after ${signal}`)
  if (exit) {
    t.strictSame({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, 'with code 0: closed within the grace delay')
    t.ok(exit.at - lastResponseAt < EXIT_AFTER_LAST_RESPONSE_MS,
      `within ${EXIT_AFTER_LAST_RESPONSE_MS} ms of the last response (${exit.at - lastResponseAt} ms; ${exit.at - signalledAt} ms after ${signal})`)
  }
  const logged = server.lines.slice(from).filter((line) => line.signal === signal)
  t.equal(logged.length, 1, `the log names ${signal} once`)
  t.equal(logged[0]?.level, 30, 'at info')
  t.notOk(server.lines.some((line) => line.level >= 50), 'no error logged')

  const app = await buildApp({ databaseUrl: database.url, logger: false })
  t.teardown(() => app.close())
  await app.ready()
  const stored = await withSession(app, async (db) => (await db.query(User).all()).map((user) => user.username))
  t.strictSame(stored.sort(), users.map((user) => user.username).sort(), `the ${REQUESTS} users are in the database`)
}

t.test('graceful shutdown of the example server', async (t) => {
  await eachDb(t, async (t, database) => {
    await t.test('SIGTERM with 20 requests in flight', (t) => shutdownWithRequestsInFlight(t, database, 'SIGTERM'))
  })

  await eachDb(t, async (t, database) => {
    await t.test('SIGINT (Ctrl-C) with 20 requests in flight', (t) => shutdownWithRequestsInFlight(t, database, 'SIGINT'))
  }, ['sqlite'])

  await eachDb(t, async (t, database) => {
    await t.test('a request that never ends: the grace delay runs out, exit 1', async (t) => {
      const server = await startServer(t, database, { FASTIFY_CLOSE_GRACE_DELAY: '300' })
      // A POST whose body never finishes arriving keeps its request open for good.
      const from = server.lines.length
      const socket = net.connect(server.port, HOST)
      t.teardown(() => socket.destroy())
      socket.on('error', () => {}) // reset when the process exits
      socket.write(`POST /users HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user`)
      await server.waitForLine('the incoming POST', (line) => line.msg === 'incoming request' && line.req?.url === '/users', { from })

      const signalledAt = Date.now()
      server.child.kill('SIGTERM')
      const exit = await within(server.exited, WAIT_FOR_EXIT_MS)
      t.ok(exit, 'the process exited')
      if (!exit) return
      t.strictSame({ code: exit.code, signal: exit.signal }, { code: 1, signal: null }, 'with code 1')
      t.ok(exit.at - signalledAt >= 300, `after the grace delay (${exit.at - signalledAt} ms)`)
      t.ok(server.lines.some((line) => line.level === 50 && line.msg === 'killed by timeout (300ms)'), 'logging the timeout as an error')
    })
  }, ['sqlite'])
})
