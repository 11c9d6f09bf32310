// One benchmark server: `node bench/server.js <variant> <config>`, forked by
// run.js (or profile.js) with an IPC channel. Listens on 127.0.0.1 only, on a
// free port, and answers the orchestrator's messages:
//   { cmd: 'reset' } -> starts a CPU measurement        -> { type: 'reset' }
//   { cmd: 'read' }  -> CPU used since the last reset   -> { type: 'read', user, system }
//   { cmd: 'close' } -> closes the server and exits (so that --cpu-prof writes its profile)
import { CONFIGS, BENCH_VARIANTS } from './configs.js'
import { buildApp } from './app.js'
import { serveMeasurements } from './harness.js'

const [variant, configName] = process.argv.slice(2)
const config = CONFIGS[configName]
if (!BENCH_VARIANTS.includes(variant) || config === undefined || typeof process.send !== 'function') {
  console.error(`usage (from run.js): node bench/server.js <${BENCH_VARIANTS.join('|')}> <${Object.keys(CONFIGS).join('|')}>`)
  process.exit(2)
}

const app = await buildApp(variant, configName)
await app.listen({ host: '127.0.0.1', port: 0 })

serveMeasurements(app)
