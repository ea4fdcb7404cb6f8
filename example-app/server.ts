import { buildApp } from './app.ts'

// Serves the example on PORT (default 3000), on DATABASE_URL or the SQLite file example-app/app.db.
const app = await buildApp({ logger: true })
const port = Number(process.env.PORT ?? 3000)
await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' })
