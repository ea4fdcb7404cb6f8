// Loaded into every test process (.taprc node-arg). tap hooks the module loader of each
// test process and of every process it spawns, to record the files each one loads for
// coverage, which this suite does not collect. In a spawned child (the CLI, an app server,
// a second app process) that hook costs more than the child's own start-up: a loader thread
// on Node 20, about a second of CPU per process. The children are left out of it: tap's
// spawn listener (registered through process-on-spawn, whose listeners are shared by every
// copy of it) is removed and its import taken off the NODE_OPTIONS they inherit.
import processOnSpawn from 'process-on-spawn'

processOnSpawn.removeAllListeners()

const options = process.env.NODE_OPTIONS
if (options !== undefined) {
  const kept = options.split(/\s+/).filter((option) => !/^--(import|loader|experimental-loader)=\S*@tapjs[\\/]processinfo[\\/]/.test(option.replaceAll('"', '')))
  if (kept.length > 0) process.env.NODE_OPTIONS = kept.join(' ')
  else delete process.env.NODE_OPTIONS
}
