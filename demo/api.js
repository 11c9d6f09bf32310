// The demo API: one route per situation a browser meets when a page on
// another origin calls it. Read it top to bottom next to demo/page/app.js,
// which has one button per route below.
//
// The CORS plugin is passed in: `npm run demo` passes the built package
// (`import cors from 'fastify-cors-exact'`), the test suite the TypeScript source.
import Fastify from 'fastify'

const ITEMS = [
  { id: 41, name: 'Red mug' },
  { id: 42, name: 'Blue mug' },
  { id: 43, name: 'Green mug' }
]

/**
 * @param {import('fastify').FastifyPluginCallback | import('fastify').FastifyPluginAsync} corsPlugin
 * @param {{ logger?: import('fastify').FastifyServerOptions['logger'] }} [options]
 */
export async function buildApi (corsPlugin, { logger = false } = {}) {
  const app = Fastify({ logger })

  // Before or after the routes, awaited or not: when the app is ready, every
  // route in the plugin's scope has its policy (a route declared after the
  // plugin has its config.cors checked as it is declared).
  await app.register(corsPlugin, {
    // Patterns: any port of these two loopback hosts (the demo page is served
    // from one of them). In production, list your real origins, e.g.
    // ['https://app.example.com', 'https://*.example.com'].
    origin: ['http://127.0.0.1:*', 'http://localhost:*'],
    // Cookies may be sent (fetch(..., { credentials: 'include' })). The plugin
    // refuses to start with origin '*' and credentials: browsers refuse it too.
    credentials: true,
    // Without this list, a preflight is approved for the method of the route
    // its actual request reaches, and names that method alone. With it,
    // DELETE /api/items/:id exists but its preflight is refused (method-not-allowed).
    methods: ['GET', 'HEAD', 'POST', 'PUT'],
    // application/json is not a safelisted Content-Type: it must be allowed.
    allowedHeaders: ['content-type', 'x-request-id'],
    // Response headers a page may read besides the safelisted ones.
    exposedHeaders: ['x-total-count'],
    // Browsers may reuse a successful preflight for 10 minutes (Chromium caps at 2 hours).
    maxAge: 600,
    // Development only: a preflight refused for its method or headers answers
    // 2xx, so that the browser console names the method or header at fault.
    debug: true
  })

  await app.register(async function routes (api) {
    // A safelisted GET: no preflight; the browser checks Access-Control-Allow-Origin.
    api.get('/hello', async () => ({ message: 'Hello from the API', at: new Date().toISOString() }))

    // An exposed header: the page can read X-Total-Count, not X-Internal-Trace.
    api.get('/items', async (request, reply) => {
      reply.header('x-total-count', String(ITEMS.length))
      reply.header('x-internal-trace', 'node-7/span-19')
      return ITEMS
    })

    // A parametric route with a JSON body: Content-Type application/json makes
    // the browser send a preflight, which finds this route's policy.
    api.put('/items/:id', async (request) => ({ id: Number(request.params.id), ...request.body, updated: true }))

    // DELETE is routed, but not in `methods`: its preflight is refused (method-not-allowed).
    api.delete('/items/:id', async (request, reply) => reply.code(204).send())

    // Credentials: the session cookie is set here and sent back with credentials: 'include'.
    api.post('/session', async (request, reply) => {
      reply.header('set-cookie', 'demo_session=ada; Path=/; HttpOnly; SameSite=Lax')
      return { loggedIn: 'ada' }
    })
    api.get('/me', async (request) => {
      const match = /(?:^|;\s*)demo_session=([^;]*)/.exec(request.headers.cookie ?? '')
      return { user: match === null ? null : match[1], cookieSent: match !== null }
    })

    // A route with its own policy: only the partner's origins may read it, so
    // the demo page's origin is refused (origin-not-allowed).
    api.get('/partner', {
      config: { cors: { origin: /^https:\/\/(www|shop)\.partner\.example$/ } }
    }, async () => ({ secret: 'for partners only' }))

    // A route with its own policy: public data, readable by every origin, no cookies.
    api.get('/public', {
      config: { cors: { origin: '*', credentials: false } }
    }, async () => ({ exchangeRate: 1.0842 }))

    // CORS off for one route: its preflights are refused (cors-disabled) and
    // its responses carry no CORS headers.
    api.post('/internal', { config: { cors: false } }, async () => ({ admin: true }))

    // Errors are readable by allowed origins, so the page can show them.
    api.get('/boom', async () => {
      throw new Error('the handler failed')
    })
  }, { prefix: '/api' })

  // What the plugin would answer, without sending the request: POST
  // { origin, method, url, headers, credentials } and read the preflight and the
  // response it predicts, the route it chose, the reason and the fix
  // (fastify.cors.explain; `fastify.cors.printRoutes()` lists every route's policy).
  // Development only: it tells any caller your CORS policy.
  app.post('/cors/explain', async (request, reply) => {
    try {
      return await app.cors.explain(request.body)
    } catch (error) {
      // A body explain() cannot read (the only way it fails here): the caller's mistake, never a 500.
      return reply.code(400).send({ error: error.message })
    }
  })

  return app
}
