// The floor for a CORS plugin that answers from a Fastify hook: the same
// answers as fastify-cors-exact gives in the benchmark's scenarios, written by
// hand in one global onRequest hook, with everything that can be built at
// startup built there. What ours costs above this is the price of its
// generality (route awareness, checks, logging hooks); issue 13 caps it.
import { COMMON_OPTIONS, ROUTE_OVERRIDE } from './configs.js'

/** `origins`: the configured list (exact origins and 'https://*.x' patterns), as ours gets it. */
export function floorHook (origins, override) {
  const exact = new Set(origins.filter(origin => !origin.includes('*')))
  const patterns = new Set(origins.filter(origin => origin.includes('*')))
  const single = origins.length === 1 ? origins[0] : undefined
  const credentials = COMMON_OPTIONS.credentials ? 'true' : undefined
  const exposed = COMMON_OPTIONS.exposedHeaders.join(', ')
  const methods = new Set(COMMON_OPTIONS.methods)
  const allowedHeaders = COMMON_OPTIONS.allowedHeaders.join(', ')
  const maxAge = String(COMMON_OPTIONS.maxAge)
  const partner = new Set(ROUTE_OVERRIDE.origin)
  const partnerExposed = ROUTE_OVERRIDE.exposedHeaders.join(', ')

  const allowed = (origin) => {
    if (exact.has(origin)) return true
    if (patterns.size === 0 || !origin.startsWith('https://')) return false
    for (let dot = origin.indexOf('.'); dot !== -1; dot = origin.indexOf('.', dot + 1)) {
      if (patterns.has('https://*' + origin.slice(dot))) return true
    }
    return false
  }

  return function corsFloor (request, reply, done) {
    const origin = request.headers.origin
    if (request.method === 'OPTIONS' && origin !== undefined && request.headers['access-control-request-method'] !== undefined) {
      // A preflight's answer depends on its Origin, requested method and requested headers.
      reply.header('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers')
      const method = request.headers['access-control-request-method']
      if (!allowed(origin) || !methods.has(method)) {
        reply.code(403).header('content-type', 'text/plain; charset=utf-8').send('CORS preflight refused')
        return
      }
      reply.header('access-control-allow-origin', origin)
      if (credentials) reply.header('access-control-allow-credentials', credentials)
      reply.header('access-control-max-age', maxAge)
      reply.header('access-control-allow-methods', method)
      reply.header('access-control-allow-headers', allowedHeaders)
      reply.code(204).header('content-length', '0').send()
      return
    }
    if (override && request.url === '/api/partner') {
      reply.header('vary', 'Origin')
      if (origin !== undefined && partner.has(origin)) {
        reply.header('access-control-allow-origin', origin)
        reply.header('access-control-expose-headers', partnerExposed)
      }
      return done()
    }
    if (single !== undefined) {
      reply.header('access-control-allow-origin', single)
    } else {
      reply.header('vary', 'Origin')
      if (origin === undefined || !allowed(origin)) return done()
      reply.header('access-control-allow-origin', origin)
    }
    if (credentials) reply.header('access-control-allow-credentials', credentials)
    reply.header('access-control-expose-headers', exposed)
    done()
  }
}
