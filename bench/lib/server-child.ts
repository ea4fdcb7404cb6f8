// Entry of a child server process (see servers.ts): builds one variant's app, listens,
// reports its URL, answers CPU and peak-memory requests, and closes the app and exits when the
// parent sends 'close' or goes away.
import { getScenario } from '../scenarios/index.ts'
import { listen, type ChildMessage, type ParentMessage, type ServerSpec } from './servers.ts'

const spec = JSON.parse(process.argv[2] ?? '') as ServerSpec
const app = await getScenario(spec.scenario).createApp(spec.variant, spec.target)
const url = await listen(app)

const reply = (message: ChildMessage): void => { process.send?.(message) }

process.on('message', (message: ParentMessage) => {
  if (message === 'cpu') {
    const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage()
    reply({ type: 'cpu', micros: userCPUTime + systemCPUTime, maxRssKb: maxRSS })
  } else if (message === 'close') {
    // A normal exit, so that --cpu-prof writes its profile.
    app.close().then(() => process.exit(0), (error: unknown) => {
      console.error(error)
      process.exit(1)
    })
  }
})
process.once('disconnect', () => process.exit(1))
reply({ type: 'listening', url })
