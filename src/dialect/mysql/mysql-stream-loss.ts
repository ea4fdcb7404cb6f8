/** The part of a mysql2 connection or command that emits events. */
interface Emitter {
  on (event: 'error', listener: (error: unknown) => void): unknown
  once (event: 'end', listener: () => void): unknown
  removeListener (event: 'error', listener: (error: unknown) => void): unknown
  listenerCount (event: 'error'): number
  emit (event: 'error', error: unknown): boolean
}

/** A pooled mysql2 connection, as far as {@link forwardConnectionLossToStreams} uses it. */
export interface StreamingConnection extends Emitter {
  query: (...args: never[]) => unknown
}

/**
 * mysql2 tells a query that has no callback — the one behind `.stream()` — nothing when
 * its connection is lost (killed, server gone): the connection emits 'error', but the
 * stream neither fails nor ends, and its consumer waits forever. This wraps the
 * connection's `query` so that such a query receives the connection's error: the stream
 * fails with it (`PROTOCOL_CONNECTION_LOST`, a ConnectionLostError once translated).
 * Queries with a callback are told by mysql2 itself and are left alone.
 *
 * @example
 * ```ts
 * pool.on('connection', (connection) => forwardConnectionLossToStreams(connection))
 * ```
 */
export function forwardConnectionLossToStreams (connection: StreamingConnection): void {
  const query = connection.query
  connection.query = (...args: never[]): unknown => {
    const command = query.apply(connection, args) as Emitter
    if (typeof args[args.length - 1] === 'function') return command
    const onLost = (error: unknown): void => {
      connection.removeListener('error', onLost)
      // Only a streamed query listens for 'error'; emitting it on another would throw.
      if (command.listenerCount('error') > 0) command.emit('error', error)
    }
    connection.on('error', onLost)
    command.once('end', () => connection.removeListener('error', onLost))
    return command
  }
}
