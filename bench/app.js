// The app every benchmark variant serves, built the same way for run.js's
// HTTP servers (server.js) and its in-process mode (inprocess.js).
import Fastify from 'fastify'
import fastifyCors from '@fastify/cors'
import corsExact from 'fastify-cors-exact'
import { COMMON_OPTIONS, CONFIGS, ROUTE_OVERRIDE } from './configs.js'
import { floorHook } from './floor.js'

export async function buildApp (variant, configName) {
  const config = CONFIGS[configName]
  const app = Fastify({ logger: false })
  if (variant === 'ours') {
    await app.register(corsExact, { ...COMMON_OPTIONS, origin: config.ours() })
  } else if (variant === 'fastify-cors') {
    await app.register(fastifyCors, { ...COMMON_OPTIONS, origin: config.fastifyCors() })
  } else if (variant === 'floor') {
    app.addHook('onRequest', floorHook(config.ours(), config.override === true))
  }

  const payload = { ok: true }
  const handler = async () => payload
  app.get('/api/items', handler)
  app.post('/api/items', handler)
  if (config.override) {
    // Both plugins read a route's config.cors: ours per route at startup, @fastify/cors per request.
    const routeConfig = variant === 'ours' || variant === 'fastify-cors' ? { cors: ROUTE_OVERRIDE } : {}
    app.get('/api/partner', { config: routeConfig }, handler)
    app.post('/api/partner', { config: routeConfig }, handler)
  }
  if (variant === 'bare') {
    // The floor for preflights without CORS logic: a plain OPTIONS route that answers 204.
    const options = (request, reply) => { reply.code(204).header('content-length', '0').send() }
    app.options('/api/items', options)
    if (config.override) app.options('/api/partner', options)
  }
  return app
}
