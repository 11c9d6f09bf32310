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
import { PerformanceObserver, performance } from 'node:perf_hooks'
import Fastify from 'fastify'
import fastifyCors from '@fastify/cors'
import corsExact from 'fastify-cors-exact'
import { VARIANTS } from './configs.js'
import { serveMeasurements } from './harness.js'
import { drive } from './inprocess.js'
import { SCALE_OPTIONS, SHAPES, buildRoutes } from './scale-routes.js'

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

const payload = { ok: true }
const handler = async () => payload
const options = (request, reply) => { reply.code(204).header('content-length', '0').send() }

heapAfterGc()
const start = performance.now()
const app = Fastify({ logger: false })
// Every route Fastify adds, the plugins' own (OPTIONS) and the automatic HEAD routes included.
let routeCount = 0
app.addHook('onRoute', () => { routeCount++ })
if (variant === 'ours') {
  await app.register(corsExact, SCALE_OPTIONS)
} else if (variant === 'fastify-cors') {
  await app.register(fastifyCors, SCALE_OPTIONS)
}
const { declared } = buildRoutes(routes, shape, {
  // Only ours gets the per-route policies; @fastify/cors would read config.cors per request
  // in its own format and bare ignores it (see scale.js, "App shape").
  route: (method, url, override) => app.route({ method, url, handler, ...(override && variant === 'ours' ? { config: { cors: override } } : {}) }),
  // bare: the floor for preflights, a plain OPTIONS route answering 204 on the preflighted path only.
  preflightRoute: (url) => { if (variant === 'bare') app.options(url, options) }
})
await app.ready()
const startupMs = performance.now() - start
const heapUsed = heapAfterGc()
const built = { type: 'built', startupMs, heapUsed, declared, routeCount }
if (extra === 'print-routes') built.printRoutesLines = app.printRoutes().split('\n').filter(line => line.trim() !== '').length
process.send(built)

await app.listen({ host: '127.0.0.1', port: 0 })

/** Sequential requests straight into fastify.routing: CPU and garbage-collection pauses per request, and the last status. */
async function driveRequests ({ request, warmup, amount }) {
  let last
  for (let i = 0; i < warmup; i++) last = await drive(app, request)
  let gcMs = 0
  const observer = new PerformanceObserver(list => { for (const entry of list.getEntries()) gcMs += entry.duration })
  observer.observe({ entryTypes: ['gc'] })
  const start = process.cpuUsage()
  for (let i = 0; i < amount; i++) last = await drive(app, request)
  const used = process.cpuUsage(start)
  // GC entries are delivered asynchronously.
  await new Promise(resolve => setTimeout(resolve, 20))
  observer.disconnect()
  return { type: 'drive', us: (used.user + used.system) / amount, gcUs: gcMs * 1000 / amount, status: last.statusCode, allowOrigin: last.head?.['access-control-allow-origin'] }
}

serveMeasurements(app, { heap: () => ({ type: 'heap', heapUsed: heapAfterGc() }), drive: driveRequests })
