import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import cors from '../../index.js'
import { appWith, corsHeaders, get, preflight } from '../fixtures/app.js'
import { preflightRouteHandler } from '../../lib/request/preflight.js'
import { RequestState } from '../../lib/request/request-state.js'
import { kState } from '../../lib/symbols.js'

const ok = async () => 'ok'

// A preflight's answer depends on all three, whatever the policy (see lib/spec/vary.ts).
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'

const LIST = ['https://a.com', 'https://*.b.com']

async function crud (options: Parameters<typeof appWith>[0]) {
  return appWith(options, app => {
    app.get('/items', async () => [])
    app.post('/items', async () => 'created')
    app.put('/items/:id', async () => 'updated')
    app.delete('/items/:id', async () => 'deleted')
  })
}

test('a successful preflight: status, origin, the requested method, headers, max-age, cache-control, empty body', async t => {
  const app = await crud({ origin: LIST, credentials: true, maxAge: 600, cacheControl: 300 })
  const response = await preflight(app, '/items/42', 'https://x.b.com', 'PUT', 'content-type,x-api-key')
  t.equal(response.statusCode, 204)
  t.equal(response.body, '')
  t.equal(response.headers['content-length'], '0')
  t.equal(response.headers['cache-control'], 'max-age=300')
  t.same(corsHeaders(response), {
    'access-control-allow-origin': 'https://x.b.com',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'PUT',
    'access-control-allow-headers': 'content-type,x-api-key',
    'access-control-max-age': '600',
    vary: PREFLIGHT_VARY
  })
})

test('Access-Control-Allow-Methods names the requested method alone: another method at the URL is another route', async t => {
  const app = await appWith({}, app => {
    app.get('/a', async () => 'a')
    app.post('/a', async () => 'a')
    app.delete('/a', { config: { cors: { origin: 'https://other.com' } } }, async () => 'a')
  })
  t.equal((await preflight(app, '/a', 'https://x.com', 'POST')).headers['access-control-allow-methods'], 'POST')
  t.equal((await preflight(app, '/a', 'https://x.com', 'GET')).headers['access-control-allow-methods'], 'GET')
  t.equal((await preflight(app, '/a', 'https://x.com', 'DELETE')).statusCode, 403)
})

test('a configured methods list narrows what the route answers', async t => {
  const app = await crud({ methods: ['get', 'POST'] })
  t.equal((await preflight(app, '/items', 'https://x.com', 'POST')).headers['access-control-allow-methods'], 'POST')
  const refused = await preflight(app, '/items/1', 'https://x.com', 'DELETE')
  t.equal(refused.statusCode, 403)
  t.equal(refused.body, 'CORS preflight refused: method-not-allowed')
  t.same(corsHeaders(refused), { vary: PREFLIGHT_VARY })
})

test('method matching is case-sensitive, as in browsers: a lower-case method reaches no route', async t => {
  const app = await crud({ methods: ['GET', 'POST'] })
  const response = await preflight(app, '/items', 'https://x.com', 'post')
  t.equal(response.statusCode, 403)
  t.equal(response.body, 'CORS preflight refused: method-not-allowed')
})

test('a method that is not a token is refused, never reflected', async t => {
  const app = await crud({})
  const response = await preflight(app, '/items', 'https://x.com', 'GET, PUT')
  t.equal(response.statusCode, 403)
  t.equal(response.body, 'CORS preflight refused: method-not-allowed')
  t.notOk(response.headers['access-control-allow-methods'])
})

test('no route for the method at the URL: the scope policy answers, so the page reads the 404', async t => {
  const lines: Array<Record<string, unknown>> = []
  const app = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  await app.register(cors, { origin: ['https://x.com', 'https://y.com'] })
  app.get('/items', async () => [])
  app.delete('/items/:id', { config: { cors: { origin: 'https://other.com' } } }, async () => 'deleted')
  await app.ready()
  const response = await preflight(app, '/items', 'https://x.com', 'PATCH')
  t.equal(response.statusCode, 204)
  t.same(corsHeaders(response), { 'access-control-allow-origin': 'https://x.com', 'access-control-allow-methods': 'PATCH', vary: PREFLIGHT_VARY })
  t.equal((await preflight(app, '/nothing/here', 'https://x.com', 'DELETE')).statusCode, 204, "a typo'd URL")
  t.equal((await preflight(app, '/nothing/here', 'https://evil.com', 'DELETE')).statusCode, 403, 'still only for an allowed origin')
  t.match(lines.filter(line => line.corsReason !== undefined), [{ corsReason: 'no-route' }])
  const actual = await app.inject({ method: 'PATCH', url: '/items', headers: { origin: 'https://x.com' } })
  t.equal(actual.statusCode, 404)
  t.equal(actual.headers['access-control-allow-origin'], 'https://x.com')
  t.match(actual.json(), { message: 'Route PATCH:/items not found' })
  const listed = await appWith({ methods: ['GET'] }, app => { app.get('/items', async () => []) })
  t.equal((await preflight(listed, '/nothing', 'https://x.com', 'DELETE')).body, 'CORS preflight refused: method-not-allowed', 'an explicit methods list still applies')
})

test('a disallowed origin is refused with 403, a reason and no Access-Control-Allow-* header', async t => {
  const app = await crud({ origin: LIST, credentials: true })
  for (const [origin, reason] of [['https://evil.com', 'origin-not-allowed'], ['null', 'opaque-origin'], ['https://a.com/', 'malformed-origin']]) {
    const response = await preflight(app, '/items', origin, 'POST', 'content-type')
    t.equal(response.statusCode, 403)
    t.equal(response.headers['content-type'], 'text/plain; charset=utf-8')
    t.equal(response.body, `CORS preflight refused: ${reason}`)
    t.same(corsHeaders(response), { vary: PREFLIGHT_VARY }, origin)
  }
})

test('allowedHeaders: a listed set, matched case-insensitively; anything else refused', async t => {
  const app = await crud({ allowedHeaders: ['Content-Type', 'X-Api-Key'] })
  const ok = await preflight(app, '/items', 'https://x.com', 'POST', 'x-api-key,content-type')
  t.equal(ok.statusCode, 204)
  t.equal(ok.headers['access-control-allow-headers'], 'content-type, x-api-key')
  t.equal(ok.headers.vary, PREFLIGHT_VARY, 'a listed set still refuses other headers: the answer depends on them')
  const none = await preflight(app, '/items', 'https://x.com', 'POST')
  t.equal(none.headers['access-control-allow-headers'], 'content-type, x-api-key', 'configured headers are sent even when none were requested')
  const refused = await preflight(app, '/items', 'https://x.com', 'POST', 'content-type,x-other')
  t.equal(refused.statusCode, 403)
  t.equal(refused.body, 'CORS preflight refused: header-not-allowed')
  t.notMatch(refused.body, /x-api-key/, 'never the configured list')
})

test("allowedHeaders '*' covers every name but Authorization, which must be listed", async t => {
  const star = await crud({ allowedHeaders: '*' })
  const ok = await preflight(star, '/items', 'https://x.com', 'POST', 'x-anything,content-type')
  t.equal(ok.statusCode, 204)
  t.equal(ok.headers['access-control-allow-headers'], '*')
  t.equal((await preflight(star, '/items', 'https://x.com', 'POST', 'authorization,x-a')).body, 'CORS preflight refused: header-not-allowed')
  const listed = await crud({ allowedHeaders: ['*', 'Authorization'] })
  const withAuth = await preflight(listed, '/items', 'https://x.com', 'POST', 'authorization,x-a')
  t.equal(withAuth.statusCode, 204)
  t.equal(withAuth.headers['access-control-allow-headers'], '*, authorization')
})

test('by default the requested headers are reflected once validated and normalized', async t => {
  const app = await crud({})
  const response = await preflight(app, '/items', 'https://x.com', 'POST', ' X-B , x-a,x-b')
  t.equal(response.headers['access-control-allow-headers'], 'x-b,x-a')
  t.equal(response.headers.vary, PREFLIGHT_VARY)
  t.notOk((await preflight(app, '/items', 'https://x.com', 'POST')).headers['access-control-allow-headers'], 'none requested, none sent')
  t.notOk((await preflight(app, '/items', 'https://x.com', 'POST', '')).headers['access-control-allow-headers'], 'an empty list is no list')
})

test('malformed, too many or too long requested headers refuse the preflight', async t => {
  const app = await crud({})
  t.equal((await preflight(app, '/items', 'https://x.com', 'POST', 'x-a, x b')).body, 'CORS preflight refused: malformed-headers')
  t.equal((await preflight(app, '/items', 'https://x.com', 'POST', Array.from({ length: 100 }, (_, i) => `x-${i}`).join(','))).body, 'CORS preflight refused: too-many-headers')
  t.equal((await preflight(app, '/items', 'https://x.com', 'POST', 'x'.repeat(5000))).body, 'CORS preflight refused: headers-too-long')
})

test('optionsSuccessStatus sets the status of a successful preflight', async t => {
  const app = await crud({ optionsSuccessStatus: 200 })
  t.equal((await preflight(app, '/items', 'https://x.com', 'GET')).statusCode, 200)
})

test("'*' answers '*' to every origin", async t => {
  const app = await crud({})
  const response = await preflight(app, '/items', 'https://whoever.example', 'POST')
  t.equal(response.headers['access-control-allow-origin'], '*')
  t.equal(response.headers.vary, PREFLIGHT_VARY, "without Origin it would not be a preflight: even '*' varies on it")
})

test('a single exact origin: allowed for itself, refused for others', async t => {
  const app = await crud({ origin: 'https://a.com' })
  t.equal((await preflight(app, '/items', 'https://a.com', 'POST')).headers['access-control-allow-origin'], 'https://a.com')
  t.equal((await preflight(app, '/items', 'https://evil.com', 'POST')).statusCode, 403)
})

test('an async origin function decides preflights too', async t => {
  const app = await crud({ origin: async origin => origin === 'https://a.com' })
  t.equal((await preflight(app, '/items', 'https://a.com', 'POST')).statusCode, 204)
  t.equal((await preflight(app, '/items', 'https://evil.com', 'POST')).body, 'CORS preflight refused: origin-not-allowed')
})

test('preflights are answered before later hooks and handlers', async t => {
  let hooks = 0
  const app = await appWith({}, app => {
    app.addHook('onRequest', async (_request, reply) => { hooks++; return reply.code(401).send('login') })
    app.put('/x', async () => 'x')
  })
  t.equal((await preflight(app, '/x', 'https://a.com', 'PUT')).statusCode, 204)
  t.equal(hooks, 0)
})

test('OPTIONS without Origin or without Access-Control-Request-Method is not a preflight', async t => {
  const app = await appWith({}, app => {
    app.get('/plain', async () => 'plain')
    app.get('/own', async () => 'own get')
    app.options('/own', async () => 'own options')
  })
  t.equal((await app.inject({ method: 'OPTIONS', url: '/plain' })).statusCode, 404)
  t.equal((await app.inject({ method: 'OPTIONS', url: '/plain', headers: { origin: 'https://a.com' } })).statusCode, 404)
  t.equal((await app.inject({ method: 'OPTIONS', url: '/plain', headers: { 'access-control-request-method': 'GET' } })).statusCode, 404)
  const own = await app.inject({ method: 'OPTIONS', url: '/own', headers: { origin: 'https://a.com' } })
  t.equal(own.body, 'own options')
  t.equal(own.headers['access-control-allow-origin'], '*', 'an actual OPTIONS request gets actual-response headers')
  t.equal((await preflight(app, '/own', 'https://a.com', 'GET')).statusCode, 204, 'while its preflights are answered by the plugin')
})

test('preflightContinue: the headers are set and a handler answers', async t => {
  const app = await appWith({ preflightContinue: true, optionsSuccessStatus: 200 }, app => {
    app.get('/plain', async () => 'plain')
    app.get('/own', async () => 'own get')
    app.options('/own', async (_request, reply) => reply.header('x-own', 'yes').send('own options'))
  })
  const plain = await preflight(app, '/plain', 'https://a.com', 'GET')
  t.equal(plain.statusCode, 200)
  t.equal(plain.headers['access-control-allow-origin'], '*')
  t.equal(plain.body, '')
  const own = await preflight(app, '/own', 'https://a.com', 'GET')
  t.equal(own.body, 'own options')
  t.equal(own.headers['x-own'], 'yes')
  t.equal(own.headers['access-control-allow-methods'], 'GET')
  t.equal(own.statusCode, 200, "the handler's own status")
})

test('preflight: false leaves OPTIONS to the app (its own route, or 404)', async t => {
  const app = await appWith({ preflight: false }, app => {
    app.get('/plain', async () => 'plain')
    app.options('/own', async () => 'own options')
  })
  t.equal((await preflight(app, '/plain', 'https://a.com', 'GET')).statusCode, 404)
  t.equal((await preflight(app, '/own', 'https://a.com', 'OPTIONS')).body, 'own options')
  t.equal((await preflight(app, '/missing', 'https://a.com', 'GET')).statusCode, 404)
})

test('a route with preflight: false next to one with preflights on the same path', async t => {
  const app = await appWith({}, app => {
    app.get('/mixed', async () => 'get')
    app.post('/mixed', { config: { cors: { preflight: false } } }, async () => 'post')
  })
  t.equal((await preflight(app, '/mixed', 'https://a.com', 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/mixed', 'https://a.com', 'POST')).statusCode, 404, 'not answered: falls through to the router')
})

test('debug: a refused method or header gets a 2xx with the allowed origin and what was checked', async t => {
  const app = await crud({ origin: LIST, credentials: true, debug: true, allowedHeaders: ['content-type', 'x-a'], methods: ['GET', 'POST'] })
  const method = await preflight(app, '/items/1', 'https://a.com', 'PUT')
  t.equal(method.statusCode, 200)
  t.equal(method.body, 'CORS preflight refused: method-not-allowed')
  t.same(corsHeaders(method), {
    'access-control-allow-origin': 'https://a.com',
    'access-control-allow-credentials': 'true',
    vary: PREFLIGHT_VARY
  }, 'no Access-Control-Allow-Methods: Chromium then names the method')
  const header = await preflight(app, '/items', 'https://a.com', 'POST', 'x-a,x-secret')
  t.equal(header.statusCode, 200)
  t.equal(header.headers['access-control-allow-methods'], 'POST')
  t.equal(header.headers['access-control-allow-headers'], 'x-a', 'only the requested names that are allowed')
  const noneGranted = await preflight(app, '/items', 'https://a.com', 'POST', 'x-secret')
  t.notOk(noneGranted.headers['access-control-allow-headers'])
  const malformed = await preflight(app, '/items', 'https://a.com', 'POST', 'x a')
  t.equal(malformed.body, 'CORS preflight refused: malformed-headers')
  const origin = await preflight(app, '/items', 'https://evil.com', 'POST')
  t.equal(origin.statusCode, 403, 'an origin refusal stays a 403 without Access-Control-Allow-Origin')
  t.notOk(origin.headers['access-control-allow-origin'])
})

test('debug without credentials omits Access-Control-Allow-Credentials', async t => {
  const app = await crud({ debug: true, methods: ['GET'] })
  const response = await preflight(app, '/items', 'https://a.com', 'POST')
  t.same(corsHeaders(response), { 'access-control-allow-origin': '*', vary: PREFLIGHT_VARY })
})

test('refused preflights are logged at debug level with the reason', async t => {
  const lines: Array<Record<string, unknown>> = []
  const app = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  await app.register(cors, { methods: ['GET'] })
  app.put('/x', async () => 'x')
  await app.ready()
  await preflight(app, '/x', 'https://a.com', 'PUT')
  t.match(lines.filter(line => line.corsReason !== undefined), [{ level: 20, reqId: String, corsReason: 'method-not-allowed', msg: 'CORS preflight refused: method-not-allowed (the requested method is not allowed)' }])
})

test("an app's own OPTIONS route still answers plain OPTIONS requests", async t => {
  let calls = 0
  const app = await appWith({ origin: 'https://a.com' }, app => {
    app.get('/x', ok)
    app.options('/x', async () => { calls++; return 'own options' })
  })
  const plain = await app.inject({ method: 'OPTIONS', url: '/x' })
  t.equal(plain.body, 'own options', 'OPTIONS without Origin reaches the handler')
  const withOrigin = await app.inject({ method: 'OPTIONS', url: '/x', headers: { origin: 'https://a.com' } })
  t.equal(withOrigin.body, 'own options', 'OPTIONS with Origin but no Access-Control-Request-Method is not a preflight')
  t.equal(withOrigin.headers['access-control-allow-origin'], 'https://a.com', 'and gets the CORS headers of an actual request')
  const noOrigin = await app.inject({ method: 'OPTIONS', url: '/x', headers: { 'access-control-request-method': 'GET' } })
  t.equal(noOrigin.body, 'own options', 'OPTIONS with Access-Control-Request-Method but no Origin is not a preflight')
  t.equal(calls, 3)
  const pre = await preflight(app, '/x', 'https://a.com', 'GET')
  t.equal(pre.statusCode, 204, 'a real preflight is answered by the plugin')
  t.equal(calls, 3, 'without running the handler')

  // Without an OPTIONS route of its own, a plain OPTIONS is a 404, not a preflight answer.
  const bare = await appWith({ origin: 'https://a.com' })
  t.equal((await bare.inject({ method: 'OPTIONS', url: '/', headers: { origin: 'https://a.com' } })).statusCode, 404)
})

test("the preflight route does not collide with the app's app.all('*') or app.options('*')", async t => {
  for (const declare of [
    (app: FastifyInstance) => { app.get('/', ok); app.all('*', async () => 'catch-all') },
    (app: FastifyInstance) => { app.options('*', async () => 'catch-all'); app.get('*', async () => 'catch-all') },
    (app: FastifyInstance) => { app.all('*', async () => 'catch-all'); app.all('/api/*', async () => 'api') }
  ]) {
    const app = await appWith({ origin: 'https://a.com' }, declare)
    const pre = await preflight(app, '/anything/here', 'https://a.com', 'GET')
    t.equal(pre.statusCode, 204, 'a preflight under the catch-all is answered')
    t.equal(pre.headers['access-control-allow-origin'], 'https://a.com')
    const plain = await app.inject({ method: 'OPTIONS', url: '/anything/here' })
    t.equal(plain.body, 'catch-all', 'a plain OPTIONS reaches the catch-all')
  }
  // Registered twice in sibling scopes: no FST_ERR_DUPLICATED_ROUTE either.
  const app = Fastify()
  await app.register(cors, { origin: 'https://a.com' })
  await app.register(async child => { child.all('*', ok) }, { prefix: '/one' })
  await app.register(async child => { child.all('*', ok) }, { prefix: '/two' })
  await t.resolves(async () => { await app.ready() }, 'catch-alls under two prefixes register')
})

test("methods '*' allows every method a route answers, and advertises only the requested one", async t => {
  const app = await appWith({ origin: 'https://a.com', methods: '*' }, app => {
    app.put('/', ok)
    app.get('/', ok)
    app.route({ method: 'PATCH', url: '/', handler: ok })
  })
  for (const method of ['PUT', 'PATCH', 'GET']) {
    const pre = await preflight(app, '/', 'https://a.com', method)
    t.equal(pre.statusCode, 204, `the ${method} preflight is answered (got ${pre.statusCode} ${pre.body})`)
    t.equal(pre.headers['access-control-allow-methods'], method)
  }
  t.equal((await preflight(app, '/', 'https://evil.com', 'PUT')).statusCode, 403, 'another origin is refused')
  // With credentials, '*' would be a literal method name: refused at startup (see above).
})

test('Access-Control-Allow-Private-Network only when requested and enabled', async t => {
  const enabled = await appWith({ origin: 'https://a.com', allowPrivateNetwork: true })
  const disabled = await appWith({ origin: 'https://a.com' })
  const pna = { 'access-control-request-private-network': 'true' }
  t.equal((await preflight(enabled, '/', 'https://a.com', 'GET', undefined, pna)).headers['access-control-allow-private-network'], 'true', 'requested and enabled')
  t.equal((await preflight(enabled, '/', 'https://a.com', 'GET')).headers['access-control-allow-private-network'], undefined, 'not requested')
  t.equal((await preflight(enabled, '/', 'https://a.com', 'GET', undefined, { 'access-control-request-private-network': 'false' })).headers['access-control-allow-private-network'], undefined, "requested with a value other than 'true'")
  t.equal((await preflight(disabled, '/', 'https://a.com', 'GET', undefined, pna)).headers['access-control-allow-private-network'], undefined, 'not enabled')
  t.equal((await preflight(enabled, '/', 'https://evil.com', 'GET', undefined, pna)).headers['access-control-allow-private-network'], undefined, 'not on a refused preflight')
  t.equal((await get(enabled, '/', 'https://a.com', { headers: pna })).headers['access-control-allow-private-network'], undefined, 'not on an actual request')
})

test("the plugin's OPTIONS route handler sends the status the hook recorded, and otherwise hands the request to the not-found handler", async t => {
  const calls: string[] = []
  const reply = {
    code (status: number) { calls.push(`code ${status}`); return this },
    send () { calls.push('send'); return this },
    callNotFound () { calls.push('not found'); return this }
  }
  const continued = new RequestState()
  continued.continueStatus = 204
  const handle = (state: RequestState | null | undefined) => preflightRouteHandler({ [kState]: state } as never, reply as never)
  handle(continued)
  t.same(calls.splice(0), ['code 204', 'send'])
  handle(new RequestState())
  t.same(calls.splice(0), ['not found'], 'nothing to continue with')
  handle(null)
  handle(undefined)
  t.same(calls.splice(0), ['not found', 'not found'], 'no state recorded at all (no hook of the plugin ran first): not the plugin\'s to answer')
})
