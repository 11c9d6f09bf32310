// fastify.cors.routes() and fastify.cors.explain(): the policy of every route,
// and the answer to one request, without sending it. The last test checks
// explain() against what inject actually answers, on random requests.
import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fc from 'fast-check'
import cors from '../index.js'
import { tenantConstraint } from './fixtures/app.js'

const APP = 'https://app.example'
const PARTNER = 'https://partner.example'
const EVIL = 'https://evil.example'

/** Root registration (APP, PARTNER, credentials), overrides, cors: false, a prefixed child with its own registration, a sibling without one. */
async function shop (ran: string[] = []): Promise<FastifyInstance> {
  const app = Fastify({ routerOptions: { constraints: { tenant: tenantConstraint } } } as object)
  const handler = (name: string) => async () => { ran.push(name); return name }
  app.get('/before', handler('before'))
  await app.register(cors, { origin: [APP, PARTNER], credentials: true, allowedHeaders: ['content-type', 'x-trace'], methods: ['GET', 'POST', 'PUT', 'DELETE'] })
  app.get('/items', handler('items'))
  app.put('/items/:id', { config: { cors: { origin: APP, maxAge: 60 } } }, handler('put'))
  app.delete('/items/:id', handler('delete'))
  app.get('/health', { config: { cors: false } }, handler('health'))
  app.options('/own', handler('own options'))
  app.get('/fn', { config: { cors: { origin: async function allowApp (origin: string) { return origin === APP } } } }, handler('fn'))
  app.get('/tenant', { constraints: { tenant: 'a' }, config: { cors: { origin: PARTNER } } }, handler('tenant a'))
  app.get('/tenant', handler('tenant'))
  await app.register(async api => {
    await api.register(cors, { origin: '*', methods: ['GET', 'PATCH'] })
    api.patch('/things', handler('things'))
    api.get('/things', handler('things'))
  }, { prefix: '/api' })
  await app.register(async sibling => {
    sibling.get('/plain', handler('plain'))
  })
  await app.ready()
  return app
}

test('routes(): every route with its effective policy and the registration that governs it', async t => {
  const app = await shop()
  const routes = app.cors.routes()
  const find = (method: string, url: string) => routes.find(route => route.method === method && route.url === url)
  t.match(find('GET', '/items'), { registration: 'at /', source: 'registration', policy: { origin: [APP, PARTNER], credentials: true } })
  t.match(find('HEAD', '/items'), { registration: 'at /', source: 'registration' }, 'the automatic HEAD route too')
  t.match(find('GET', '/before'), { registration: 'at /', source: 'registration' }, 'a route declared before the plugin')
  t.match(find('PUT', '/items/:id'), { registration: 'at /', source: 'config.cors', policy: { origin: APP, maxAge: 60, credentials: true } })
  t.match(find('GET', '/health'), { registration: 'at /', source: 'config.cors: false', policy: null })
  t.match(find('GET', '/fn'), { source: 'config.cors', policy: { origin: 'function allowApp' } })
  t.match(find('PATCH', '/api/things'), { registration: 'at /api', source: 'registration', policy: { origin: '*', methods: ['GET', 'PATCH'] } })
  t.match(find('GET', '/plain'), { registration: 'at /', source: 'registration' }, "a sibling of the child scope: the root's")
  t.notOk(routes.some(route => route.method === 'OPTIONS' && route.url.endsWith('*')), "the plugin's own OPTIONS routes are not listed")
  t.notOk(find('GET', '/items')?.policy && 'hideOptionsRoute' in (find('GET', '/items')?.policy ?? {}))
})

test('routes() lists RegExp origins as text; two registrations at one prefix are numbered', async t => {
  const app = Fastify()
  const scopes: FastifyInstance[] = []
  for (const origin of [[/^https:\/\/a\.example$/, APP], /^https:\/\/b\.example$/]) {
    await app.register(async scope => {
      await scope.register(cors, { origin })
      scope.get(`/${scopes.length}`, async () => 'ok')
      scopes.push(scope)
    })
  }
  app.get('/root', async () => 'root')
  await app.ready()
  t.equal(app.hasDecorator('cors'), false, 'fastify.cors is on the instances the plugin is registered on, and their children')
  const routes = scopes[0].cors.routes()
  t.match(routes.find(route => route.method === 'GET' && route.url === '/0'), { registration: 'at /', policy: { origin: ['/^https:\\/\\/a\\.example$/', APP] } })
  t.match(routes.find(route => route.method === 'GET' && route.url === '/1'), { registration: 'at / (#2)', policy: { origin: '/^https:\\/\\/b\\.example$/' } })
  t.match(routes.find(route => route.method === 'GET' && route.url === '/root'), { registration: null, source: 'no registration', policy: null }, 'the root, where no registration is')
  t.match(await scopes[1].cors.explain({ origin: APP, method: 'GET', url: '/root' }), { route: 'GET /root', registration: null, actual: { status: 'route', allowed: false }, reason: 'cors-disabled' })
})

test('explain() before ready(): a clear error', async t => {
  const app = Fastify()
  await app.register(cors)
  await app.after()
  t.throws(() => app.cors.routes(), /once the app is ready/)
  await t.rejects(app.cors.explain({ origin: APP, method: 'GET', url: '/' }), /once the app is ready/)
})

test('explain(): the preflight, the request, the route, the reason and the fix', async t => {
  const ran: string[] = []
  const app = await shop(ran)
  const explain = app.cors.explain

  t.match(await explain({ origin: APP, method: 'GET', url: '/items' }), {
    route: 'GET /items',
    registration: 'at /',
    preflight: null,
    reason: null,
    fix: null,
    actual: { status: 'route', allowed: true, headers: { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', vary: 'Origin' } }
  }, 'a simple GET: no preflight, readable')
  t.match(await explain({ origin: EVIL, method: 'GET', url: '/items' }), {
    preflight: null, actual: { status: 'route', allowed: false }, reason: 'origin-not-allowed', fix: /add the page's origin/
  }, 'a refused origin: the handler still runs, the page cannot read')
  t.match(await explain({ origin: APP, method: 'PUT', url: '/items/7', contentType: 'application/json', credentials: true }), {
    route: 'PUT /items/:id',
    preflight: { status: 204, allowed: true, headers: { 'access-control-allow-methods': 'PUT', 'access-control-max-age': '60', 'access-control-allow-headers': 'content-type, x-trace' } },
    actual: { allowed: true },
    reason: null
  }, "a preflighted PUT with the route's own policy")
  t.match(await explain({ origin: PARTNER, method: 'PUT', url: '/items/7' }), {
    preflight: { status: 403, allowed: false }, actual: null, reason: 'origin-not-allowed'
  }, "the route's override refuses the partner the scope allows")
  t.match(await explain({ origin: APP, method: 'DELETE', url: '/items/7', headers: ['x-other'] }), {
    preflight: { status: 403 }, reason: 'header-not-allowed', fix: /allowedHeaders/
  })
  t.match(await explain({ origin: APP, method: 'PATCH', url: '/items/7' }), { route: null, preflight: { status: 403 }, reason: 'method-not-allowed', fix: /methods/ })
  t.match(await explain({ origin: APP, method: 'GET', url: '/health' }), { route: 'GET /health', actual: { allowed: false }, reason: 'cors-disabled' })
  t.match(await explain({ origin: APP, method: 'PUT', url: '/health' }), { route: null, preflight: { status: 204, allowed: true } }, "no PUT route at /health: the not-found answer's policy, and the page reads the 404")
  t.match(await explain({ origin: 'null', method: 'GET', url: '/items' }), { reason: 'opaque-origin' })
  t.match(await explain({ origin: APP, method: 'GET', url: '/items', credentials: true, contentType: 'application/json' }), {
    preflight: { status: 204, allowed: true }, actual: { allowed: true }
  }, 'a JSON body is preflighted')
  t.match(await explain({ method: 'GET', url: '/items' }), { preflight: null, actual: { status: 'route', headers: {}, allowed: true }, reason: null }, 'no Origin: not a CORS request')
  t.match(await explain({ origin: APP, method: 'GET', url: '/fn' }), { actual: { allowed: true, headers: { 'access-control-allow-origin': APP } } }, 'an async origin function is awaited')
  t.match(await explain({ origin: PARTNER, method: 'GET', url: '/fn' }), { actual: { allowed: false }, reason: 'origin-not-allowed' })
  t.match(await explain({ origin: APP, method: 'GET', url: '/nope' }), { route: null, registration: 'at /', actual: { allowed: true } }, 'the page reads the 404')
  t.match(await explain({ origin: APP, method: 'PATCH', url: '/api/things', headers: ['content-type'] }), {
    route: 'PATCH /api/things', registration: 'at /api', preflight: { status: 204, headers: { 'access-control-allow-origin': '*' } }, actual: { allowed: true }
  })
  t.match(await explain({ origin: APP, method: 'PATCH', url: '/api/things', credentials: true }), { preflight: { status: 204, allowed: false }, reason: 'credentials-not-allowed', fix: /credentials: true/ })
  t.match(await explain({ origin: APP, method: 'GET', url: '/api/things', credentials: true }), { actual: { allowed: false }, reason: 'credentials-not-allowed' })
  t.match(await explain({ origin: APP, method: 'PUT', url: '/plain' }), { preflight: { allowed: true } }, 'a preflight no route of its method answers: the page reads the 404')
  t.match(await explain({ origin: PARTNER, method: 'GET', url: '/tenant', headers: ['x-trace'] }), { preflight: { status: 403 }, reason: 'ambiguous-route' })
  t.match(await explain({ origin: PARTNER, method: 'GET', url: '/tenant' }), { preflight: null, actual: { allowed: false }, reason: 'ambiguous-route' }, 'which route answers depends on X-Tenant')
  t.match(await explain({ origin: APP, method: 'DELETE', url: '/own' }), { route: null, preflight: { status: 204, allowed: true } }, "the app's own OPTIONS route: the plugin answers the preflight before it")
  t.same(ran, [], 'no handler ran')
})

test('explain() with preflight: false, preflightContinue and debug', async t => {
  const app = Fastify()
  await app.register(cors, { origin: APP, methods: ['GET'], debug: true })
  app.put('/off', { config: { cors: { preflight: false } } }, async () => 'off')
  app.put('/on', { config: { cors: { preflightContinue: true, methods: ['PUT'] } } }, async () => 'on')
  app.delete('/debug', async () => 'debug')
  await app.ready()
  t.match(await app.cors.explain({ origin: APP, method: 'PUT', url: '/off' }), { preflight: { status: 'route', allowed: false } }, 'preflight: false: the request goes on to an OPTIONS route')
  t.match(await app.cors.explain({ origin: APP, method: 'PUT', url: '/on' }), { preflight: { status: 'route', allowed: true } }, "preflightContinue: the plugin's OPTIONS route answers")
  t.match(await app.cors.explain({ origin: APP, method: 'DELETE', url: '/debug' }), { preflight: { status: 200, allowed: false }, reason: 'method-not-allowed' }, 'debug: a 200 naming the reason')
  const { explain, routes } = app.cors
  t.equal(routes().length, 3, 'the methods work detached')
  t.match(await explain({ origin: EVIL, method: 'GET', url: '/debug' }), { actual: { headers: { 'access-control-allow-origin': APP }, allowed: false }, reason: 'origin-not-allowed' }, 'one fixed origin: its header, which the browser compares')
})

// explain() and inject agree: random requests on the shop app. Seed and runs: EXPLAIN_SEED, EXPLAIN_RUNS.
test('property: explain() says what inject answers', async t => {
  const ran: string[] = []
  const app = await shop(ran)
  const seed = Number(process.env.EXPLAIN_SEED ?? 20261202)
  const numRuns = Number(process.env.EXPLAIN_RUNS ?? 150)
  const requestArb = fc.record({
    origin: fc.constantFrom(APP, PARTNER, EVIL, 'null', 'app.example'),
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
    url: fc.constantFrom('/items', '/items/1', '/health', '/own', '/fn', '/nope', '/api/things', '/api/x', '/plain', '/before'),
    headers: fc.subarray(['content-type', 'x-trace', 'authorization']),
    credentials: fc.boolean()
  })
  await fc.assert(fc.asyncProperty(requestArb, async request => {
    const contentType = request.headers.includes('content-type') ? 'application/json' : undefined
    const said = await app.cors.explain({ ...request, headers: request.headers.filter(name => name !== 'content-type'), contentType })
    const preflighted = said.preflight !== null
    if (preflighted) {
      const headers: Record<string, string> = { origin: request.origin, 'access-control-request-method': request.method }
      // As a browser lists them, and as explain() does: Content-Type after the page's own.
      const requested = [...request.headers.filter(name => name !== 'content-type'), ...(contentType === undefined ? [] : ['content-type'])]
      if (requested.length > 0) headers['access-control-request-headers'] = requested.join(',')
      const before = ran.length
      const answer = await app.inject({ method: 'OPTIONS', url: request.url, headers })
      // A preflight that goes on to a route: that route's handler (the app's OPTIONS route) or a 404.
      if (said.preflight?.status === 'route') {
        if (ran.length === before && answer.statusCode !== 404) throw new Error(`explain said the preflight goes on, inject answered ${answer.statusCode}`)
      } else if (answer.statusCode !== said.preflight?.status) {
        throw new Error(`preflight: explain ${said.preflight?.status}, inject ${answer.statusCode}`)
      }
      for (const name of ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-allow-credentials']) {
        if (said.preflight?.status !== 'route' && answer.headers[name] !== said.preflight?.headers[name]) throw new Error(`preflight ${name}: explain ${said.preflight?.headers[name]}, inject ${answer.headers[name]}`)
      }
    }
    if (said.actual === null) return
    const headers: Record<string, string> = { origin: request.origin }
    for (const name of request.headers) headers[name] = name === 'content-type' ? 'application/json' : 'x'
    const answer = await app.inject({ method: request.method as 'GET', url: request.url, headers, ...(request.method === 'GET' ? {} : { payload: '{}' }) })
    const refused = answer.body.startsWith('CORS request refused:')
    if (refused !== (said.actual.status === 403)) throw new Error(`actual: explain ${said.actual.status}, inject ${answer.statusCode} ${answer.body}`)
    for (const name of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers']) {
      if (answer.headers[name] !== said.actual.headers[name]) throw new Error(`actual ${name}: explain ${said.actual.headers[name]}, inject ${answer.headers[name]}`)
    }
  }), { seed, numRuns })
  t.pass(`${numRuns} random requests (seed ${seed}; rerun: EXPLAIN_SEED=${seed} npx tap test/explain.test.ts --disable-coverage)`)
})
