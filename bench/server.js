// One benchmark server: `node bench/server.js <variant> <config>`, forked by
// run.js (or profile.js) with an IPC channel. Listens on 127.0.0.1 only, on a
// free port, and answers the orchestrator's messages:
//   { cmd: 'reset' } -> starts a CPU measurement        -> { type: 'reset' }
//   { cmd: 'read' }  -> CPU used since the last reset   -> { type: 'read', user, system }
//   { cmd: 'close' } -> closes the server and exits (so that --cpu-prof writes its profile)
import Fastify from 'fastify'
import fastifyCors from '@fastify/cors'
import corsExact from 'fastify-cors-exact'
import { COMMON_OPTIONS, CONFIGS, ROUTE_OVERRIDE, VARIANTS } from './configs.js'
import { serveMeasurements } from './harness.js'

const [variant, configName] = process.argv.slice(2)
const config = CONFIGS[configName]
if (!VARIANTS.includes(variant) || config === undefined || typeof process.send !== 'function') {
  console.error(`usage (from run.js): node bench/server.js <${VARIANTS.join('|')}> <${Object.keys(CONFIGS).join('|')}>`)
  process.exit(2)
}

const app = Fastify({ logger: false })

if (variant === 'ours') {
  await app.register(corsExact, { ...COMMON_OPTIONS, origin: config.ours() })
} else if (variant === 'fastify-cors') {
  await app.register(fastifyCors, { ...COMMON_OPTIONS, origin: config.fastifyCors() })
}

const payload = { ok: true }
const handler = async () => payload
app.get('/api/items', handler)
app.post('/api/items', handler)
if (config.override) {
  // Both plugins read a route's config.cors: ours per route at startup, @fastify/cors per request.
  const routeConfig = variant === 'bare' ? {} : { cors: ROUTE_OVERRIDE }
  app.get('/api/partner', { config: routeConfig }, handler)
  app.post('/api/partner', { config: routeConfig }, handler)
}
if (variant === 'bare') {
  // The floor for preflights: a plain OPTIONS route that answers 204, no CORS logic.
  const options = (request, reply) => { reply.code(204).header('content-length', '0').send() }
  app.options('/api/items', options)
  if (config.override) app.options('/api/partner', options)
}

await app.listen({ host: '127.0.0.1', port: 0 })

serveMeasurements(app)
