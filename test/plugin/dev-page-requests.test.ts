import t from 'tap'
import { DevPageRequests } from '../../src/plugin/dev-page-requests.ts'

const request = (url: string) => ({ at: '2026-01-01T00:00:00.000Z', method: 'GET', url, statusCode: 200, durationMs: 1, stats: { count: 0, totalMs: 0 }, queries: [], omittedQueries: 0, warnings: [] })

t.test('keeps the newest requests up to its capacity, newest first', async (t) => {
  const requests = new DevPageRequests(3)
  t.strictSame(requests.list(), [])
  for (const url of ['/1', '/2']) requests.add(request(url))
  t.strictSame(requests.list().map((entry) => entry.url), ['/2', '/1'])
  for (const url of ['/3', '/4', '/5']) requests.add(request(url))
  t.strictSame(requests.list().map((entry) => entry.url), ['/5', '/4', '/3'])
  t.strictSame(requests.list().map((entry) => entry.seq), [5, 4, 3])
  t.equal(requests.total, 5)
})

t.test('a capacity of 0 keeps nothing but counts', async (t) => {
  const requests = new DevPageRequests(0)
  requests.add(request('/1'))
  t.strictSame(requests.list(), [])
  t.equal(requests.total, 1)
})
