// Every response the page should read carries the plugin's answer: framework
// errors (bad URL, 413, 415, schema 400), errors thrown from any hook or the
// handler, 404s, and replies sent by hooks registered before the plugin (a
// rate limiter's 429, bearer-auth's 401). Refused origins get nothing to read.
import { test, type Test } from 'tap'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import bearerAuth from '@fastify/bearer-auth'
import rateLimit from '@fastify/rate-limit'
import cors from '../../index.js'
import type { CorsOptions } from '../../index.js'
import { TOO_LONG_PARAM_STATUS, withRouterOptions } from '../fixtures/fastify-version.js'
import { tenantConstraint } from '../fixtures/app.js'

const APP = 'https://app.example.com'
const EVIL = 'https://evil.example.net'
const OPTIONS: CorsOptions = { origin: [APP, 'https://other.example.com'], credentials: true, exposedHeaders: ['x-request-id'] }

function varyNames (response: LightMyRequestResponse): string[] {
  return String(response.headers.vary ?? '').split(',').map(name => name.trim().toLowerCase()).filter(name => name !== '')
}

/** The allowed origin reads the response; the refused one does not; both say Vary: Origin. */
async function readableOnlyByAllowed (t: Test, app: FastifyInstance, request: { method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers?: Record<string, string>, payload?: string }, status: number): Promise<void> {
  const allowed = await app.inject({ ...request, headers: { ...request.headers, origin: APP } })
  t.equal(allowed.statusCode, status, `${request.method} ${request.url}: ${status}`)
  t.equal(allowed.headers['access-control-allow-origin'], APP, 'the allowed origin reads it')
  t.equal(allowed.headers['access-control-allow-credentials'], 'true')
  t.equal(allowed.headers['access-control-expose-headers'], 'x-request-id')
  t.ok(varyNames(allowed).includes('origin'), 'Vary: Origin')
  const refused = await app.inject({ ...request, headers: { ...request.headers, origin: EVIL } })
  t.equal(refused.headers['access-control-allow-origin'], undefined, 'the refused origin does not')
  t.equal(refused.headers['access-control-allow-credentials'], undefined)
  t.ok(varyNames(refused).includes('origin'), 'Vary: Origin on the refused one too')
}

test('a bad URL (FST_ERR_BAD_URL) is readable, with the body Fastify sends without the plugin', async t => {
  const bare = Fastify()
  bare.get('/q/:id', async () => 'ok')
  const expected = await bare.inject({ method: 'GET', url: '/q/%zz' })
  const app = Fastify()
  await app.register(cors, OPTIONS)
  app.get('/q/:id', async () => 'ok')
  await app.ready()
  await readableOnlyByAllowed(t, app, { method: 'GET', url: '/q/%zz' }, 400)
  const response = await app.inject({ method: 'GET', url: '/q/%zz', headers: { origin: APP } })
  t.same(response.json(), expected.json(), 'the same body as Fastify alone')
  t.equal(response.headers['content-type'], expected.headers['content-type'])
})

/** The tenant strategy, but one that must match once derived, from the query: a preflight derives it from its URL too. */
const tenantFromQuery = {
  ...tenantConstraint,
  mustMatchWhenDerived: true,
  deriveConstraint: (req: { url: string }) => new URLSearchParams(req.url.split('?')[1] ?? '').get('tenant') ?? undefined
} as unknown as Parameters<FastifyInstance['addConstraintStrategy']>[0]

test('a preflight to a bad URL is answered by the plugin, so that the page reads the error of the request itself', async t => {
  const app = Fastify()
  await app.register(cors, OPTIONS)
  await app.ready()
  const response = await app.inject({ method: 'OPTIONS', url: '/q/%zz', headers: { origin: APP, 'access-control-request-method': 'PUT' } })
  t.equal(response.statusCode, 204)
  t.equal(response.headers['access-control-allow-origin'], APP)
  t.equal(response.headers['access-control-allow-methods'], 'PUT')
  t.same(varyNames(response), ['origin', 'access-control-request-method', 'access-control-request-headers'])
  const refused = await app.inject({ method: 'OPTIONS', url: '/q/%zz', headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' } })
  t.equal(refused.statusCode, 403)
  t.equal(refused.headers['access-control-allow-origin'], undefined)
  const put = await app.inject({ method: 'PUT', url: '/q/%zz', headers: { origin: APP } })
  t.equal(put.statusCode, 400, "the request itself: Fastify's error")
  t.equal(put.headers['access-control-allow-origin'], APP)
})

test("a preflight whose own OPTIONS lookup fails before routing, where the actual request's does not, gets the policy of the route the request reaches", async t => {
  // OPTIONS /a/<long>?tenant=t1 tries the ALL route's parameter (over maxParamLength) and, with a strategy that
  // must match once derived (from the query, which the preflight carries too), cannot fall back to the plugin's own
  // OPTIONS route; GET falls back to its wildcard route.
  const app = Fastify(withRouterOptions({ maxParamLength: 5 }))
  app.addConstraintStrategy(tenantFromQuery)
  await app.register(cors, OPTIONS)
  const ran: string[] = []
  app.route({ method: 'GET', url: '/*', constraints: { tenant: 't1' } as Record<string, string>, handler: async () => { ran.push('wildcard'); return 'wildcard' } })
  app.all('/:name/:id', async () => { ran.push('all'); return 'all' })
  await app.ready()
  const url = '/abcdefghij/abcdefghij?tenant=t1'
  const get = await app.inject({ method: 'GET', url, headers: { origin: APP } })
  t.equal(get.body, 'wildcard', 'the actual GET reaches the wildcard route')
  const preflight = await app.inject({ method: 'OPTIONS', url, headers: { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' } })
  t.not(preflight.statusCode, TOO_LONG_PARAM_STATUS, "not Fastify's error for the OPTIONS lookup")
  t.equal(preflight.headers['access-control-allow-origin'] !== undefined || preflight.body === 'CORS preflight refused: ambiguous-route', true, 'approved, or refused for the constraint a preflight does not carry')
  t.same(ran, ['wildcard'])
})

test('with the plugin in a child scope only, a preflight Fastify fails before routing still gets the policy of the route it announces', async t => {
  const app = Fastify(withRouterOptions({ maxParamLength: 5 }))
  app.addConstraintStrategy(tenantFromQuery)
  app.all('/:name/:id', async () => 'all')
  await app.register(async child => {
    await child.register(cors, OPTIONS)
    child.route({ method: 'GET', url: '/*', constraints: { tenant: 't1' } as Record<string, string>, handler: async () => 'wildcard' })
  })
  await app.ready()
  const url = '/abcdefghij/abcdefghij?tenant=t1'
  t.equal((await app.inject({ method: 'GET', url, headers: { origin: APP } })).body, 'wildcard', 'the actual GET reaches the wildcard route of the child scope')
  const preflight = await app.inject({ method: 'OPTIONS', url, headers: { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' } })
  t.not(preflight.statusCode, TOO_LONG_PARAM_STATUS, "the plugin's answer, not Fastify's error")
  t.equal(preflight.headers.vary, 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers')
  const bad = await app.inject({ method: 'GET', url: '/q/%zz', headers: { origin: APP } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.headers['access-control-allow-origin'], undefined, 'an actual request: only a registration at the root adds headers')
})

test('a plain OPTIONS request to a bad URL varies on what would make it a preflight', async t => {
  const app = Fastify()
  await app.register(cors, OPTIONS)
  await app.ready()
  const response = await app.inject({ method: 'OPTIONS', url: '/q/%zz', headers: { origin: APP } })
  t.equal(response.statusCode, 400)
  t.equal(response.headers['access-control-allow-origin'], APP)
  t.same(varyNames(response), ['origin', 'access-control-request-method'])
})

test('a root registration with CORS off leaves bad URLs without CORS headers, and still varies where it refuses', async t => {
  const app = Fastify()
  await app.register(cors, { origin: false })
  await app.ready()
  const get = await app.inject({ method: 'GET', url: '/q/%zz', headers: { origin: APP } })
  t.equal(get.statusCode, 400)
  t.equal(get.headers['access-control-allow-origin'], undefined)
  const remove = await app.inject({ method: 'DELETE', url: '/q/%zz', headers: { origin: APP } })
  t.equal(remove.statusCode, 403, 'a cross-origin DELETE is refused, as on a route with CORS off')
  t.same(varyNames(remove), ['origin'])
})

test('with the plugin registered in a child scope only, bad URLs are left to Fastify', async t => {
  const app = Fastify()
  await app.register(async child => {
    await child.register(cors, OPTIONS)
    child.get('/q/:id', async () => 'ok')
  })
  await app.ready()
  const response = await app.inject({ method: 'GET', url: '/q/%zz', headers: { origin: APP } })
  t.equal(response.statusCode, 400)
  t.equal(response.headers['access-control-allow-origin'], undefined, 'no registration answers for the root')
})

test("a bad URL keeps the app's own frameworkErrors, which runs after the plugin's answer", async t => {
  const app = Fastify({
    frameworkErrors: (error, _request, reply) => { reply.code(400).send({ mine: error.code }) }
  })
  await app.register(cors, OPTIONS)
  app.get('/q/:id', async () => 'ok')
  await app.ready()
  const response = await app.inject({ method: 'GET', url: '/q/%zz', headers: { origin: APP } })
  t.same(response.json(), { mine: 'FST_ERR_BAD_URL' })
  t.equal(response.headers['access-control-allow-origin'], APP)
})

test('a too-long parameter (414 from Fastify 5.9.0, a 404 before) is readable', async t => {
  const app = Fastify(withRouterOptions({ maxParamLength: 5 }))
  await app.register(cors, OPTIONS)
  app.get('/q/:id', async () => 'ok')
  await app.ready()
  await readableOnlyByAllowed(t, app, { method: 'GET', url: '/q/0123456789' }, TOO_LONG_PARAM_STATUS)
})

test('413, 415 and schema validation errors are readable', async t => {
  const app = Fastify({ bodyLimit: 10 })
  await app.register(cors, OPTIONS)
  app.post('/items', { schema: { body: { type: 'object', required: ['name'] } } }, async () => 'ok')
  await app.ready()
  const json = { 'content-type': 'application/json' }
  await readableOnlyByAllowed(t, app, { method: 'POST', url: '/items', headers: json, payload: JSON.stringify({ name: 'a long name here' }) }, 413)
  await readableOnlyByAllowed(t, app, { method: 'POST', url: '/items', headers: { 'content-type': 'application/x-nope' }, payload: 'x' }, 415)
  await readableOnlyByAllowed(t, app, { method: 'POST', url: '/items', headers: json, payload: '{}' }, 400)
})

test('errors thrown from any hook or the handler, and 404s, are readable', async t => {
  for (const hook of ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization'] as const) {
    const app = Fastify()
    // Registered before the plugin: it still runs after the plugin's answer.
    if (hook === 'onRequest') app.addHook('onRequest', async () => { throw Object.assign(new Error('boom'), { statusCode: 418 }) })
    await app.register(cors, OPTIONS)
    if (hook !== 'onRequest') app.addHook(hook, async () => { throw Object.assign(new Error('boom'), { statusCode: 418 }) })
    app.get('/', async () => ({ ok: true }))
    await app.ready()
    await readableOnlyByAllowed(t, app, { method: 'GET', url: '/' }, 418)
  }
  const app = Fastify()
  await app.register(cors, OPTIONS)
  app.get('/', async () => { throw new Error('handler') })
  app.get('/custom', async (_request, reply) => { reply.header('vary', 'accept-encoding'); throw new Error('handler') })
  app.setErrorHandler(async (error, _request, reply) => { reply.header('vary', 'Accept'); return reply.code(500).send({ error: error.message }) })
  await app.ready()
  await readableOnlyByAllowed(t, app, { method: 'GET', url: '/' }, 500)
  await readableOnlyByAllowed(t, app, { method: 'GET', url: '/custom' }, 500)
  await readableOnlyByAllowed(t, app, { method: 'GET', url: '/nope' }, 404)
  t.ok(varyNames(await app.inject({ url: '/', headers: { origin: APP } })).includes('accept'), "the error handler's own Vary is kept")
})

test("@fastify/rate-limit registered before the plugin: its 429 is readable by allowed origins, and preflights don't count", async t => {
  const setups: Record<string, (app: FastifyInstance) => Promise<void>> = {
    // Its default: a route-level hook, which runs after the plugin's instance hook anyway.
    'global: true': async app => { await app.register(rateLimit, { max: 1, timeWindow: 60_000 }) },
    // An instance hook added before the plugin, which would run first without the plugin's reordering.
    'an onRequest hook': async app => {
      await app.register(rateLimit, { global: false })
      app.addHook('onRequest', app.rateLimit({ max: 1, timeWindow: 60_000 }))
    }
  }
  for (const [name, setup] of Object.entries(setups)) {
    const app = Fastify()
    await setup(app)
    await app.register(cors, OPTIONS)
    app.get('/', async () => 'ok')
    await app.ready()
    const first = await app.inject({ url: '/', headers: { origin: APP } })
    t.equal(first.statusCode, 200, name)
    for (let i = 0; i < 3; i++) {
      const preflight = await app.inject({ method: 'OPTIONS', url: '/', headers: { origin: APP, 'access-control-request-method': 'GET' } })
      t.equal(preflight.statusCode, 204, `${name}: preflights are answered by the plugin, before the rate limiter`)
    }
    await readableOnlyByAllowed(t, app, { method: 'GET', url: '/' }, 429)
    const limited = await app.inject({ url: '/', headers: { origin: APP } })
    t.equal(limited.json().statusCode, 429, `${name}: the page reads the rate limiter's own body`)
  }
})

test('@fastify/bearer-auth registered before the plugin (its documented order): preflights get the plugin\'s answer, 401s are readable', async t => {
  const app = Fastify()
  await app.register(bearerAuth, { keys: new Set(['secret']) })
  await app.register(cors, { ...OPTIONS, allowedHeaders: ['authorization'] })
  app.get('/me', async () => ({ me: 'you' }))
  app.delete('/me', async () => ({ deleted: true }))
  await app.ready()
  const preflight = await app.inject({ method: 'OPTIONS', url: '/me', headers: { origin: APP, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' } })
  t.equal(preflight.statusCode, 204, 'a preflight never carries credentials: the plugin answers it')
  t.equal(preflight.headers['access-control-allow-origin'], APP)
  t.equal(preflight.headers['access-control-allow-headers'], 'authorization')
  const refusedPreflight = await app.inject({ method: 'OPTIONS', url: '/me', headers: { origin: EVIL, 'access-control-request-method': 'DELETE' } })
  t.equal(refusedPreflight.statusCode, 403, 'a refused origin gets the plugin\'s refusal, not the 401')
  await readableOnlyByAllowed(t, app, { method: 'GET', url: '/me' }, 401)
  const authorized = await app.inject({ url: '/me', headers: { origin: APP, authorization: 'Bearer secret' } })
  t.equal(authorized.statusCode, 200)
  t.equal(authorized.headers['access-control-allow-origin'], APP)
  const refusedDelete = await app.inject({ method: 'DELETE', url: '/me', headers: { origin: EVIL, authorization: 'Bearer secret' } })
  t.equal(refusedDelete.statusCode, 403, 'a refused origin never reaches bearer-auth or the handler')
})
