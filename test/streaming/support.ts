// Shared by the streaming tests (not a test file itself: tap only runs *.test.ts).
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'

export const ROWS = 100_000

/** `stream_row`: an id, a 100-character label and a bigint, so that a whole result weighs something. */
export interface StreamDb {
  stream_row: { id: number, label: string, amount: bigint }
}

export function streamDb (app: FastifyInstance): Kysely<StreamDb> {
  return app.db.kysely as unknown as Kysely<StreamDb>
}

/** Creates `stream_row` with ids 1…{@link ROWS}, 1,000 rows per INSERT. */
export async function fillStreamRows (app: FastifyInstance): Promise<void> {
  const db = streamDb(app)
  await db.schema.createTable('stream_row')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('label', 'varchar(120)', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .execute()
  for (let start = 1; start <= ROWS; start += 1000) {
    const values = Array.from({ length: 1000 }, (_, i) => ({ id: start + i, label: `row ${start + i} `.padEnd(100, 'x'), amount: BigInt(start + i) * 1_000_000_007n }))
    await db.insertInto('stream_row').values(values).execute()
  }
}
