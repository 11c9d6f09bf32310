// One route-count benchmark server: `node --expose-gc bench/scale-server.js <variant> <routes> <shape> [print-routes]`,
// forked by scale.js with an IPC channel. Builds an app of <routes> declared
// routes (the shape is in scale-routes.js), times it from `Fastify()` to
// `await app.ready()`, measures the heap after a full GC, then listens on
// 127.0.0.1 (free port) and answers the orchestrator's messages:
//   (on start)        -> { type: 'built', startupMs, heapUsed, declared, routeCount, printRoutesLines? }
//                     -> { type: 'ready', port, pid }
//   { cmd: 'heap' }   -> heap used after a full GC      -> { type: 'heap', heapUsed }
//   { cmd: 'reset' }  -> starts a CPU measurement       -> { type: 'reset' }
//   { cmd: 'read' }   -> CPU used since the last reset  -> { type: 'read', user, system }
//   { cmd: 'drive', request, warmup, amount }
//                     -> that many sequential requests in process (no sockets, inprocess.js), then
//                        { type: 'drive', us, gcUs, status }: CPU and GC pause µs per request
//   { cmd: 'close' }  -> closes the server and exits
import { performance } from 'node:perf_hooks'
import Fastify from 'fastify'
import { VARIANTS } from './configs.js'
import { serveMeasurements } from './harness.js'
import { driveTimed } from './inprocess.js'
import { SHAPES, declareScaleApp } from './scale-routes.js'

const [variant, rawRoutes, shape, extra] = process.argv.slice(2)
const routes = Number(rawRoutes)
if (!VARIANTS.includes(variant) || !Number.isInteger(routes) || routes < 3 || !SHAPES.includes(shape) || typeof process.send !== 'function' || typeof global.gc !== 'function') {
  console.error(`usage (from scale.js): node --expose-gc bench/scale-server.js <${VARIANTS.join('|')}> <routes> <${SHAPES.join('|')}> [print-routes]`)
  process.exit(2)
}

/** Heap used after full collections (a few, until it stops shrinking, at most 5). */
function heapAfterGc () {
  let last = Infinity
  for (let i = 0; i < 5; i++) {
    global.gc()
    const used = process.memoryUsage().heapUsed
    if (used >= last) return Math.min(used, last)
    last = used
  }
  return last
}

heapAfterGc()
const start = performance.now()
const app = Fastify({ logger: false })
// Every route Fastify adds, the plugins' own (OPTIONS) and the automatic HEAD routes included.
let routeCount = 0
app.addHook('onRoute', () => { routeCount++ })
const { declared } = await declareScaleApp(app, variant, routes, shape)
await app.ready()
const startupMs = performance.now() - start
const heapUsed = heapAfterGc()
const built = { type: 'built', startupMs, heapUsed, declared, routeCount }
if (extra === 'print-routes') built.printRoutesLines = app.printRoutes().split('\n').filter(line => line.trim() !== '').length
process.send(built)

await app.listen({ host: '127.0.0.1', port: 0 })

/** Sequential requests straight into fastify.routing: CPU and garbage-collection pauses per request, and the last status. */
async function driveRequests ({ request, warmup, amount }) {
  const { us, gcUs, last } = await driveTimed(app, request, warmup, amount)
  return { type: 'drive', us, gcUs, status: last.statusCode, allowOrigin: last.head?.['access-control-allow-origin'] }
}

serveMeasurements(app, { heap: () => ({ type: 'heap', heapUsed: heapAfterGc() }), drive: driveRequests })
