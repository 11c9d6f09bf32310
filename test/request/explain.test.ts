// fastify.cors.explain(): one test per kind of answer; test/properties/explain.test.ts
// checks its predictions against inject on random apps.
import { test } from 'tap'
import diagnostics from 'node:diagnostics_channel'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import cors, { REFUSAL_CHANNEL, type CorsOptions } from '../../index.js'
import { RecordingReply } from '../../lib/request/explain.js'
import { kWriteHeader } from '../../lib/symbols.js'
import { regionConstraint, tenantConstraint } from '../fixtures/app.js'
import { TOO_LONG_PARAM_STATUS, withRouterOptions } from '../fixtures/fastify-version.js'

const APP = 'https://app.example'
const EVIL = 'https://evil.example'
const OTHER = 'https://other.example'

async function appWith (options: CorsOptions, declare: (app: FastifyInstance) => void | Promise<void>): Promise<{ app: FastifyInstance, ran: string[] }> {
  const ran: string[] = []
  const app = Fastify()
  app.decorate('ran', ran)
  await app.register(cors, options)
  await declare(app)
  await app.ready()
  return { app, ran }
}

const handler = (ran: string[], name: string) => async () => { ran.push(name); return name }

test('a simple request from an allowed origin: no preflight, the route answers with the plugin\'s headers', async t => {
  const ran: string[] = []
  const { app } = await appWith({ origin: APP, exposedHeaders: ['x-total'] }, app => { app.get('/items/:id', handler(ran, 'item')) })
  t.same(await app.cors.explain({ origin: APP, method: 'GET', url: '/items/7' }), {
    route: 'GET /items/:id',
    registration: 'at /',
    preflight: null,
    actual: { answeredBy: 'route', status: null, headers: { 'access-control-allow-origin': APP, 'access-control-expose-headers': 'x-total' }, passes: true },
    readable: true,
    reason: null,
    fix: null
  })
  t.match(await app.cors.explain({ origin: APP, method: 'DELETE', url: '/nothing' }), {
    route: null, registration: 'at /', preflight: { answeredBy: 'cors', status: 204, passes: true }, actual: { answeredBy: 'not-found', status: null, passes: true }, readable: true
  }, 'no route: the not-found handler answers, readable')
  t.same(ran, [], 'no handler ran')
  await app.close()
})

test('without an origin the request is not a CORS request: readable, no preflight', async t => {
  const { app } = await appWith({ origin: [APP, EVIL] }, app => { app.put('/items', async () => 'ok') })
  const explained = await app.cors.explain({ method: 'PUT', url: '/items', headers: { 'content-type': 'application/json' } })
  t.equal(explained.preflight, null)
  t.same(explained.actual, { answeredBy: 'route', status: null, headers: { vary: 'Origin' }, passes: true })
  t.equal(explained.readable, true)
  await app.close()
})

test('a refused preflight: the plugin\'s 403, the reason and its fix; the request is never sent', async t => {
  const { app } = await appWith({ origin: [APP] }, app => { app.put('/items', async () => 'ok') })
  const explained = await app.cors.explain({ origin: EVIL, method: 'PUT', url: '/items', headers: { 'content-type': 'application/json' } })
  t.match(explained, {
    route: 'PUT /items',
    preflight: { answeredBy: 'cors', status: 403, passes: false },
    actual: null,
    readable: false,
    reason: 'origin-not-allowed',
    fix: /add the page's origin/
  })
  t.same(explained.preflight?.headers, { vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' }, 'Access-Control-* and Vary only: not the refusal\'s Content-Type')
  await app.close()
})

test('an approved preflight, then the request: Access-Control-Request-Headers as a browser builds it', async t => {
  const { app } = await appWith({ origin: [APP], allowedHeaders: ['content-type', 'x-custom'], credentials: true }, app => { app.patch('/items/:id', async () => 'ok') })
  const explained = await app.cors.explain({ origin: APP, method: 'PATCH', url: '/items/1', headers: { 'Content-Type': 'application/json', 'X-Custom': '1', 'accept-language': 'en' }, credentials: true })
  t.match(explained, {
    preflight: { answeredBy: 'cors', status: 204, passes: true, headers: { 'access-control-allow-methods': 'PATCH', 'access-control-allow-headers': 'content-type, x-custom' } },
    actual: { answeredBy: 'route', passes: true, headers: { 'access-control-allow-credentials': 'true' } },
    readable: true,
    reason: null
  })
  await app.close()
})

test("allowedHeaders '*': any header but Authorization, which must be listed by name", async t => {
  const { app } = await appWith({ origin: [APP], allowedHeaders: ['*'] }, app => { app.get('/items', async () => 'ok') })
  t.match(await app.cors.explain({ origin: APP, method: 'GET', url: '/items', headers: { 'x-custom': '1' } }), {
    preflight: { passes: true, headers: { 'access-control-allow-headers': '*' } }, readable: true
  })
  t.match(await app.cors.explain({ origin: APP, method: 'GET', url: '/items', headers: { authorization: 'Bearer t' } }), {
    preflight: { status: 403, passes: false }, reason: 'header-not-allowed'
  })
  await app.close()
})

test('an allowed origin whose method a stale preflight approved: the plugin refuses the request itself', async t => {
  const { app } = await appWith({ origin: [APP], methods: ['GET', 'PUT'] }, app => { app.delete('/items', async () => 'ok') })
  const explained = await app.cors.explain({ origin: APP, method: 'DELETE', url: '/items' })
  t.match(explained, { preflight: { status: 403, passes: false }, reason: 'method-not-allowed', fix: /add the method to `methods`/ })
  await app.close()
})

test('credentials the policy does not allow: the browser refuses what the plugin granted', async t => {
  const { app } = await appWith({ origin: [APP] }, app => { app.get('/me', async () => 'me') })
  const explained = await app.cors.explain({ origin: APP, method: 'GET', url: '/me', credentials: true })
  t.match(explained, { actual: { answeredBy: 'route', passes: false }, readable: false, reason: 'credentials-not-allowed', fix: /credentials: true/ })
  await app.close()
})

test('preflight: false: the plugin leaves preflights to the app\'s OPTIONS route, or to the not-found handler', async t => {
  const { app } = await appWith({ origin: [APP], preflight: false }, app => {
    app.put('/items', async () => 'ok')
    app.options('/own', async () => 'own')
    app.put('/own', async () => 'ok')
  })
  t.match(await app.cors.explain({ origin: APP, method: 'PUT', url: '/items', headers: { 'content-type': 'application/json' } }), {
    preflight: { answeredBy: 'not-found', status: null, passes: false }, reason: 'preflight-not-answered', fix: /preflight: false/
  })
  t.match(await app.cors.explain({ origin: APP, method: 'PUT', url: '/own', headers: { 'content-type': 'application/json' } }), {
    preflight: { answeredBy: 'route', status: null, passes: false }, reason: 'preflight-not-answered'
  })
  await app.close()
})

test('preflightContinue: the plugin\'s OPTIONS route answers with optionsSuccessStatus; the app\'s own OPTIONS route answers itself', async t => {
  const { app } = await appWith({ origin: [APP], preflightContinue: true, optionsSuccessStatus: 200 }, app => {
    app.put('/items', async () => 'ok')
    app.options('/own', async () => 'own')
    app.put('/own', async () => 'ok')
  })
  t.match(await app.cors.explain({ origin: APP, method: 'PUT', url: '/items', headers: { 'content-type': 'application/json' } }), {
    preflight: { answeredBy: 'cors', status: 200, passes: true }, readable: true
  })
  t.match(await app.cors.explain({ origin: APP, method: 'PUT', url: '/own', headers: { 'content-type': 'application/json' } }), {
    preflight: { answeredBy: 'route', status: null, passes: true }, readable: true
  })
  await app.close()
})

test('config.cors: false, a route outside every registration, and no route at all', async t => {
  const app = Fastify()
  await app.register(async scoped => {
    await scoped.register(cors, { origin: [APP] })
    scoped.get('/off', { config: { cors: false } }, async () => 'off')
  }, { prefix: '/api' })
  app.get('/outside', async () => 'outside')
  await app.ready()
  t.match(await app.cors.explain({ origin: APP, method: 'GET', url: '/api/off' }), {
    route: 'GET /api/off', registration: 'at /api', actual: { answeredBy: 'route', headers: {}, passes: false }, reason: 'cors-disabled', fix: /cors: false/
  })
  t.match(await app.cors.explain({ origin: APP, method: 'GET', url: '/outside' }), {
    route: 'GET /outside', registration: null, actual: { answeredBy: 'route', status: null, headers: {} }, reason: 'cors-disabled'
  })
  // The not-found handler is the root's, outside the registration: no CORS for the 404.
  t.match(await app.cors.explain({ origin: APP, method: 'DELETE', url: '/api/nothing' }), {
    route: null, registration: null, preflight: { answeredBy: 'cors', status: 403, passes: false }, reason: 'cors-disabled'
  })
  await app.close()
})

test('registrations are named by prefix, numbered when two share one', async t => {
  const app = Fastify()
  await app.register(async one => { await one.register(cors, { origin: [APP] }); one.get('/one', async () => 'one') })
  await app.register(async two => { await two.register(cors, { origin: [EVIL] }); two.get('/two', async () => 'two') })
  await app.ready()
  t.equal((await app.cors.explain({ origin: APP, method: 'GET', url: '/one' })).registration, 'at /')
  t.equal((await app.cors.explain({ origin: EVIL, method: 'GET', url: '/two' })).registration, 'at / (#2)')
  await app.close()
})

test('routes told apart by a constraint no preflight carries: the refusal and its fix', async t => {
  const { app } = await appWith({ origin: [APP] }, app => {
    app.addConstraintStrategy(tenantConstraint)
    app.delete('/items', { constraints: { tenant: 'acme' } as Record<string, string>, config: { cors: { origin: [EVIL] } } }, async () => 'acme')
    app.delete('/items', async () => 'any')
  })
  const explained = await app.cors.explain({ origin: APP, method: 'DELETE', url: '/items', headers: { 'x-tenant': 'acme' } })
  t.match(explained, { route: 'DELETE /items', preflight: { status: 403 }, reason: 'ambiguous-route', fix: /same `config.cors`/ })
  await app.close()
})

test('explain() publishes nothing on the refusal channel and logs no refusal; an origin function\'s error reaches the app\'s log', async t => {
  const lines: Array<{ level: number, corsReason?: string }> = []
  const stream = new Writable({ write (chunk, _encoding, callback) { lines.push(JSON.parse(String(chunk))); callback() } })
  const app = Fastify({ logger: { level: 'debug', stream } })
  await app.register(cors, { origin: (origin: string) => { if (origin === EVIL) throw new Error('lookup failed'); return origin === APP } })
  app.put('/items', async () => 'ok')
  await app.ready()
  const published: unknown[] = []
  const listener = (message: unknown): void => { published.push(message) }
  diagnostics.subscribe(REFUSAL_CHANNEL, listener)
  t.teardown(() => diagnostics.unsubscribe(REFUSAL_CHANNEL, listener))
  const explained = await app.cors.explain({ origin: EVIL, method: 'PUT', url: '/items', headers: { 'content-type': 'application/json' } })
  t.match(explained, { reason: 'origin-not-allowed' })
  t.same(published, [], 'nothing published')
  t.same(lines.filter(line => line.corsReason !== undefined).map(line => [line.level, line.corsReason]), [[50, 'origin-function-error']], 'only the function\'s error')
  await app.inject({ method: 'OPTIONS', url: '/items', headers: { origin: EVIL, 'access-control-request-method': 'PUT' } })
  t.equal(published.length, 1, 'a real refusal is published')
  await app.close()
})

test('the plugin registered in a child scope only: fastify.cors is the app\'s, on its root', async t => {
  const app = Fastify()
  await app.register(async child => {
    await child.register(cors, { origin: [APP] })
    child.get('/in', async () => 'in')
  })
  await app.ready()
  t.equal((await app.cors.explain({ origin: APP, method: 'GET', url: '/in' })).readable, true)
  await app.close()
})

test('before the app is ready, routes(), printRoutes() and explain() say when to call them', async t => {
  const app = Fastify()
  await app.register(cors, { origin: [APP] })
  const message = /after `await fastify.ready\(\)`/
  t.throws(() => app.cors.routes(), message)
  t.throws(() => app.cors.printRoutes(), message)
  await t.rejects(app.cors.explain({ method: 'GET', url: '/' }), message)
  await app.close()
})

test('a request explain() cannot read is refused with every problem and an example', async t => {
  const { app } = await appWith({ origin: [APP] }, app => { app.get('/', async () => 'ok') })
  const explain = app.cors.explain as (input: unknown) => Promise<unknown>
  await t.rejects(explain(null), { name: 'TypeError', message: /takes one object describing a request, e\.g\./ })
  await t.rejects(explain('GET /'), { name: 'TypeError' })
  await t.rejects(explain({ origin: 5, method: '', url: 'items', headers: { a: 1 }, credentials: 'yes', body: 'x' }), {
    name: 'TypeError',
    message: /'body' is not a field.*'origin' must be a string.*'method' must be a method name.*'url' must be a path.*'headers' must be an object.*'credentials' must be true or false; e\.g\./
  })
  await t.rejects(explain({ method: 'GET', url: '/', headers: ['a'] }), { message: /'headers' must be an object/ })
  await t.rejects(explain({ method: 'GET', url: '/', headers: null }), { message: /'headers' must be an object/ })
  await t.rejects(explain({ method: 'GET' }), { message: /'url' must be a path/ })
  await app.close()
})

/** The Access-Control-* headers and Vary of a response, as explain() lists them. */
function corsHeadersOf (headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary').map(([name, value]) => [name, String(value)]))
}

test('a URL Fastify answers with an error before routing: its 400 readable with the root registration\'s headers, its preflight answered by the plugin', async t => {
  const ran: string[] = []
  const { app } = await appWith({ origin: [APP, OTHER] }, app => { app.get('/q/:id', handler(ran, 'q')); app.put('/q/:id', handler(ran, 'q')) })
  const simple = await app.cors.explain({ origin: APP, method: 'GET', url: '/q/%zz' })
  t.same(simple, {
    route: null,
    registration: 'at /',
    preflight: null,
    actual: { answeredBy: 'fastify', status: null, headers: { 'access-control-allow-origin': APP, vary: 'Origin' }, passes: true },
    readable: true,
    reason: null,
    fix: null
  })
  const sent = await app.inject({ method: 'GET', url: '/q/%zz', headers: { origin: APP } })
  t.equal(sent.statusCode, 400, 'Fastify\'s own answer')
  t.same(corsHeadersOf(sent.headers), simple.actual?.headers, 'with the headers explain() predicted')
  const preflighted = await app.cors.explain({ origin: APP, method: 'PUT', url: '/q/%zz', headers: { 'content-type': 'application/json' } })
  // The preflight passes (no route at this URL: the not-found policy), and the page then reads Fastify's 400.
  t.match(preflighted, { route: null, preflight: { answeredBy: 'cors', status: 204, passes: true }, actual: { answeredBy: 'fastify', status: null, passes: true }, readable: true, reason: null })
  const preflight = await app.inject({ method: 'OPTIONS', url: '/q/%zz', headers: { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } })
  t.equal(preflight.statusCode, 204)
  t.same(corsHeadersOf(preflight.headers), preflighted.preflight?.headers)
  const put = await app.inject({ method: 'PUT', url: '/q/%zz', headers: { origin: APP, 'content-type': 'application/json' }, payload: '{}' })
  t.equal(put.statusCode, 400)
  t.same(corsHeadersOf(put.headers), preflighted.actual?.headers)
  t.match(await app.cors.explain({ origin: EVIL, method: 'GET', url: '/q/%zz' }), { actual: { answeredBy: 'fastify', passes: false }, reason: 'origin-not-allowed' }, 'a refused origin: the plugin\'s reason')
  // No POST route at all: Fastify's router stops at the method, its not-found router finds the URL bad.
  t.match(await app.cors.explain({ origin: APP, method: 'POST', url: '/q/%zz' }), { route: null, actual: { answeredBy: 'fastify', passes: true } })
  t.equal((await app.inject({ method: 'POST', url: '/q/%zz', headers: { origin: APP } })).statusCode, 400)
  t.same(ran, [], 'no handler ran')
  await app.close()
})

test('a URL Fastify answers with an error, no registration at the root: no CORS headers, and the reason says why', async t => {
  const app = Fastify()
  await app.register(async child => {
    await child.register(cors, { origin: [APP] })
    child.get('/q/:id', async () => 'q')
  }, { prefix: '/api' })
  await app.ready()
  t.match(await app.cors.explain({ origin: APP, method: 'GET', url: '/api/q/%zz' }), {
    route: null, registration: null, actual: { answeredBy: 'fastify', status: null, headers: {}, passes: false }, readable: false, reason: 'framework-error'
  })
  t.same(corsHeadersOf((await app.inject({ method: 'GET', url: '/api/q/%zz', headers: { origin: APP } })).headers), {})
  // Its preflight is still the plugin's to answer: with the not-found policy, no registration's here, so refused.
  const preflighted = await app.cors.explain({ origin: APP, method: 'PUT', url: '/api/q/%zz', headers: { 'content-type': 'application/json' } })
  t.match(preflighted, { preflight: { answeredBy: 'cors', status: 403, passes: false }, actual: null, reason: 'cors-disabled' })
  const preflight = await app.inject({ method: 'OPTIONS', url: '/api/q/%zz', headers: { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } })
  t.equal(preflight.statusCode, 403)
  t.same(corsHeadersOf(preflight.headers), preflighted.preflight?.headers)
  await app.close()
})

test('a parameter over maxParamLength and a failing asynchronous constraint: Fastify answers before routing', async t => {
  const app = Fastify(withRouterOptions({ maxParamLength: 10 }))
  await app.register(cors, { origin: [APP] })
  app.addConstraintStrategy(regionConstraint)
  app.get('/p/:id', { constraints: { region: 'eu' } as Record<string, string> }, async () => 'p')
  await app.ready()
  for (const [url, headers, status] of [['/p/' + 'x'.repeat(20), { 'x-region': 'eu' }, TOO_LONG_PARAM_STATUS], ['/p/1', { 'x-region': 'bad' }, 500]] as const) {
    const explained = await app.cors.explain({ origin: APP, method: 'GET', url, headers })
    t.match(explained, { route: null, registration: 'at /', actual: { answeredBy: 'fastify', passes: true } }, url)
    const sent = await app.inject({ method: 'GET', url, headers: { ...headers, origin: APP } })
    t.equal(sent.statusCode, status)
    t.same(corsHeadersOf(sent.headers), explained.actual?.headers)
  }
  await app.close()
})

test('a handler that sets its own Access-Control-* headers: explain() reports the plugin\'s, which the response ends with', async t => {
  const { app } = await appWith({ origin: [APP, OTHER], credentials: true }, app => {
    app.get('/proxied', async (_request, reply) => reply.header('access-control-allow-origin', '*').header('access-control-expose-headers', 'x-upstream').header('vary', 'Accept-Encoding').send('upstream'))
  })
  for (const origin of [APP, EVIL]) {
    const explained = await app.cors.explain({ origin, method: 'GET', url: '/proxied', credentials: true })
    const sent = await app.inject({ method: 'GET', url: '/proxied', headers: { origin } })
    const { vary, ...sentGrant } = corsHeadersOf(sent.headers)
    const { vary: predictedVary, ...predictedGrant } = explained.actual?.headers ?? {}
    t.same(sentGrant, predictedGrant, `from ${origin}: the plugin's grant, not the handler's`)
    t.equal(predictedVary, 'Origin', 'the plugin\'s Vary')
    t.equal(vary, 'Accept-Encoding, Origin', 'merged into the handler\'s')
    t.equal(explained.readable, origin === APP)
  }
  await app.close()
})

test("the stand-in reply takes the plugin's writes (kWriteHeader) as its own header does, lower-casing the name", async t => {
  const reply = new RecordingReply()
  reply[kWriteHeader]('Access-Control-Allow-Origin', 'https://a.com').header('Vary', 'Origin')
  t.same(reply.headers, { 'access-control-allow-origin': 'https://a.com', vary: 'Origin' })
})
