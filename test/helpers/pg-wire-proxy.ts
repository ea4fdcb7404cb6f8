// A TCP relay in front of a PostgreSQL (or PgBouncer) port that reads what clients send
// (not a test file itself): it counts the Parse messages of the extended protocol, with
// and without a statement name, so that a test can see on the wire whether named
// (server-side prepared) statements were sent. It forwards every byte unchanged.
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net'
import type { Test } from 'tap'
import { HOST } from './private-servers.ts'

export interface WireProxy {
  readonly port: number
  /** Parse messages that named their statement, and their names. */
  readonly named: string[]
  /** Parse messages of the unnamed statement. */
  unnamed: number
  close (): Promise<void>
}

/**
 * Listens on a free port of 127.0.0.1 and relays every connection to `targetPort`.
 *
 * @example
 * ```ts
 * const proxy = await startWireProxy(t, 6432)
 * ```
 */
export async function startWireProxy (t: Test, targetPort: number): Promise<WireProxy> {
  const sockets = new Set<Socket>()
  const proxy: WireProxy = {
    port: 0,
    named: [],
    unnamed: 0,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  }
  const server = createServer((client) => {
    const upstream = createConnection({ host: HOST, port: targetPort })
    sockets.add(client)
    sockets.add(upstream)
    let buffer = Buffer.alloc(0)
    let started = false
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk)
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        // The startup message has no type byte: a length, then the payload.
        if (!started) {
          if (buffer.length < 4) return
          const length = buffer.readUInt32BE(0)
          if (buffer.length < length) return
          buffer = buffer.subarray(length)
          started = true
          continue
        }
        if (buffer.length < 5) return
        const type = String.fromCharCode(buffer[0] as number)
        const length = buffer.readUInt32BE(1)
        if (buffer.length < 1 + length) return
        if (type === 'P') {
          const end = buffer.indexOf(0, 5)
          const name = buffer.subarray(5, end).toString('utf8')
          if (name === '') proxy.unnamed++
          else proxy.named.push(name)
        }
        buffer = buffer.subarray(1 + length)
      }
    })
    upstream.on('data', (chunk: Buffer) => { client.write(chunk) })
    const end = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('error', end)
    upstream.on('error', end)
    client.on('close', end)
    upstream.on('close', end)
  })
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  ;(proxy as { port: number }).port = (server.address() as AddressInfo).port
  t.teardown(() => proxy.close())
  return proxy
}
