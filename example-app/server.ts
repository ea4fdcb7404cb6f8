import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'

// Serves the example on PORT (default 3000), on DATABASE_URL or the SQLite file example-app/app.db,
// with the dev page at /_db (not served when NODE_ENV=production).
const app = await buildApp({ logger: true, devPage: true })

// Graceful shutdown: on SIGTERM/SIGINT (or an uncaught error) app.close() stops accepting
// connections, waits for the requests in flight and then runs the onClose hooks, which close
// the pool; the process then exits (0 on a signal, 1 after an error). A shutdown that takes
// longer than the grace delay (a stuck request) exits with 1 anyway, logging the timeout.
let closing = false
closeWithGrace({ delay: Number(process.env.FASTIFY_CLOSE_GRACE_DELAY ?? 10000), logger: app.log }, async ({ signal, err }) => {
  closing = true
  if (err) app.log.error({ err }, 'closing after an uncaught error')
  else app.log.info({ signal }, `${signal ?? 'close'} received, closing`)
  await app.close()
})

// A keep-alive connection whose request is in flight at close is left open by Node once the
// response is sent, idle for keepAliveTimeout (Fastify's default: 72 s), and server.close()
// waits for it: the grace delay would run out. "Connection: close" on those responses makes
// Node end the socket after them and tells the client not to reuse it.
app.addHook('onSend', async (_request, reply) => {
  if (closing) reply.header('connection', 'close')
})

const port = Number(process.env.PORT ?? 3000)
await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' })
