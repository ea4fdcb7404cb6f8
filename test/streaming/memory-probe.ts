// Run by streaming.test.ts in a child process with --expose-gc (not a test file itself):
// streams the `stream_row` table of the database at argv[2] and prints, as JSON, how much
// the heap grew at most while consuming the stream, and how much the same rows take when
// loaded at once with execute().
import Fastify from 'fastify'
import type { Kysely } from 'kysely'
import fastifyOrm from '../../src/index.ts'
import type { StreamDb } from './support.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc')
const url = process.argv[2] as string
const chunkSize = Number(process.argv[3] ?? 1000)

const app = Fastify()
await app.register(fastifyOrm, { url })
await app.ready()
const db = app.db.kysely as unknown as Kysely<StreamDb>
const query = db.selectFrom('stream_row').selectAll().orderBy('id')

/** Heap in use after a full collection. */
function heap (): number {
  gc!()
  return process.memoryUsage().heapUsed
}

// Once through first, so that code compiled on first use is not counted as growth.
for await (const row of query.stream(chunkSize)) { if (row.id > chunkSize) break }

const before = heap()
let peak = 0
let rows = 0
for await (const row of query.stream(chunkSize)) {
  rows++
  if (row.id % 5000 === 0) peak = Math.max(peak, heap() - before)
}

const beforeLoad = heap()
const all = await query.execute()
const loaded = heap() - beforeLoad

process.stdout.write(JSON.stringify({ rows, peakStreamingBytes: peak, loadedBytes: loaded, loadedRows: all.length }) + '\n')
await app.close()
