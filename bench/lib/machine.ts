import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

/** Linux's aggregate CPU counters (jiffies); null elsewhere. */
async function cpuCounters (): Promise<{ busy: number, total: number } | null> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!
    const fields = line.trim().split(/\s+/).slice(1).map(Number)
    const total = fields.reduce((sum, value) => sum + value, 0)
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0) // idle + iowait
    return { busy: total - idle, total }
  } catch {
    return null
  }
}

/** Share (0–1) of all CPUs busy over the next `ms` milliseconds; null when unknown. */
export async function machineBusyShare (ms = 1000): Promise<number | null> {
  const before = await cpuCounters()
  await sleep(ms)
  const after = await cpuCounters()
  if (!before || !after || after.total === before.total) return null
  return (after.busy - before.busy) / (after.total - before.total)
}

/**
 * Waits (up to `maxWaitSeconds`) until other processes leave the CPUs mostly idle, so that
 * a run does not start in the middle of someone else's build or test suite. Call it while no
 * bench server is running. Returns the busy share last seen (null when unknown).
 */
export async function waitForQuietMachine (maxWaitSeconds: number, threshold = 0.2): Promise<number | null> {
  const deadline = Date.now() + maxWaitSeconds * 1000
  let busy = await machineBusyShare()
  while (busy !== null && busy > threshold && Date.now() < deadline) busy = await machineBusyShare()
  return busy
}
