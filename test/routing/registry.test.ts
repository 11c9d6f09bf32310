// How a preflight finds its route: one test per way the earlier private copy
// of the routes was fooled, each checked on the preflight and on the actual
// request (which must never reach a handler whose policy refuses it).
import { test, type Test } from 'tap'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import cors from '../../index.js'
import { corsHeaders, preflight, tenantConstraint } from '../fixtures/app.js'
import { TOO_LONG_PARAM_STATUS, withRouterOptions } from '../fixtures/fastify-version.js'

const APP = 'https://app.example'
const PARTNER = 'https://partner.example'

/** Listens on loopback and returns a function that sends one request over an HTTP/2 session; both closed at teardown. */
async function overHttp2 (t: Test, app: FastifyInstance): Promise<(headers: http2.OutgoingHttpHeaders) => Promise<{ status: number, headers: http2.IncomingHttpHeaders, body: string }>> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const session = http2.connect(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`)
  t.teardown(() => session.close())
  return headers => new Promise((resolve, reject) => {
    const stream = session.request(headers)
    let body = ''
    stream.on('response', response => {
      stream.on('data', chunk => { body += chunk })
      stream.on('end', () => resolve({ status: response[':status'] as number, headers: response, body }))
    })
    stream.on('error', reject)
    stream.end()
  })
}

/** DELETE /account allows only the app; DELETE /:collection, on the scope policy, allows the partner too. */
async function accountApp (options: FastifyServerOptions, declare?: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance, ran: string[] }> {
  const ran: string[] = []
  const app = Fastify(options)
  await app.register(cors, { origin: [APP, PARTNER], credentials: true })
  app.delete('/account', { config: { cors: { origin: APP } } }, async () => { ran.push('account'); return 'deleted' })
  app.delete('/:collection', async () => { ran.push('collection'); return 'deleted' })
  declare?.(app)
  await app.ready()
  return { app, ran }
}

// withRouterOptions: under routerOptions from Fastify 5.5.0; older releases ignore that key (test/fixtures/fastify-version.ts).
test('router options set the Fastify 5 way (routerOptions) or at the top level are those of the preflight', async t => {
  const cases: Array<[string, FastifyServerOptions, string]> = [
    ['caseSensitive: false', withRouterOptions({ caseSensitive: false }), '/ACCOUNT'],
    ['caseSensitive: false (top level)', { caseSensitive: false }, '/Account'],
    ['ignoreTrailingSlash', withRouterOptions({ ignoreTrailingSlash: true }), '/account/'],
    ['ignoreDuplicateSlashes', withRouterOptions({ ignoreDuplicateSlashes: true }), '//account'],
    ['useSemicolonDelimiter', withRouterOptions({ useSemicolonDelimiter: true }), '/account;jsessionid=1']
  ]
  for (const [name, options, url] of cases) {
    const { app, ran } = await accountApp(options)
    const refused = await preflight(app, url, PARTNER, 'DELETE')
    t.equal(refused.statusCode, 403, `${name}: the partner's preflight for ${url} is refused`)
    t.notOk(refused.headers['access-control-allow-origin'], name)
    t.equal((await preflight(app, url, APP, 'DELETE')).statusCode, 204, `${name}: the app's is approved`)
    const actual = await app.inject({ method: 'DELETE', url, headers: { origin: PARTNER, cookie: 'session=1' } })
    t.equal(actual.statusCode, 403, `${name}: the partner's DELETE is refused before the handler`)
    t.same(ran, [], `${name}: no handler ran`)
    await app.close()
  }
})

test('maxParamLength: a parameter too long for the router reaches no route', async t => {
  const { app, ran } = await accountApp(withRouterOptions({ maxParamLength: 5 }))
  const url = '/' + 'x'.repeat(6)
  const answer = await preflight(app, url, PARTNER, 'DELETE')
  const actual = await app.inject({ method: 'DELETE', url, headers: { origin: PARTNER } })
  t.equal(actual.statusCode, TOO_LONG_PARAM_STATUS, '414 from Fastify 5.9.0, 404 before')
  t.same(ran, [])
  t.equal(answer.statusCode, 204, "the not-found answer's policy")
})

test('routes the plugin never saw by onRoute: declared before it, un-awaited, in a sibling scope, in a child registered before it', async t => {
  const ran: string[] = []
  const app = Fastify()
  const handler = (name: string) => async () => { ran.push(name); return name }
  app.delete('/outside', handler('outside'))
  await app.register(async scoped => {
    scoped.delete('/before', { config: { cors: { origin: APP } } }, handler('before'))
    await scoped.register(async early => { early.delete('/early/account', { config: { cors: false } }, handler('early')) })
    scoped.register(cors, { origin: [APP, PARTNER], credentials: true }) // not awaited
    scoped.delete('/unawaited', { config: { cors: false } }, handler('unawaited'))
    scoped.delete('/*', handler('wildcard'))
    scoped.delete('/early/:id', handler('param'))
  })
  await app.register(async sibling => { sibling.delete('/sibling', handler('sibling')) })
  await app.ready()
  for (const url of ['/outside', '/before', '/early/account', '/unawaited', '/sibling']) {
    t.equal((await preflight(app, url, PARTNER, 'DELETE')).statusCode, 403, `${url}: not approved by a wildcard's or parameter's policy`)
  }
  t.equal((await preflight(app, '/anything', PARTNER, 'DELETE')).statusCode, 204, 'the wildcard keeps its own policy')
  for (const url of ['/before', '/early/account', '/unawaited']) {
    t.equal((await app.inject({ method: 'DELETE', url, headers: { origin: PARTNER } })).statusCode, 403, `${url}: the actual request is refused`)
  }
  t.same(ran, [])
  t.equal((await preflight(app, '/before', APP, 'DELETE')).statusCode, 204, 'a route declared before the plugin keeps its config.cors')
  t.same(corsHeaders(await app.inject({ method: 'GET', url: '/unawaited', headers: { origin: PARTNER } })), {}, 'an un-awaited registration keeps cors: false')
})

test('version constraints: the preflight follows the route a request without Accept-Version reaches', async t => {
  const ran: string[] = []
  const app = Fastify()
  await app.register(cors, { origin: [APP, PARTNER] })
  app.put('/users/me', { constraints: { version: '1.0.0' }, config: { cors: { origin: PARTNER } } }, async () => { ran.push('me'); return 'me' })
  app.put('/users/:id', { config: { cors: { origin: APP } } }, async () => { ran.push('id'); return 'id' })
  await app.ready()
  t.equal((await preflight(app, '/users/me', PARTNER, 'PUT')).statusCode, 403, 'no Accept-Version announced: PUT /users/:id answers')
  t.equal((await app.inject({ method: 'PUT', url: '/users/me', headers: { origin: PARTNER } })).statusCode, 403)
  t.same(ran, [], 'PUT /users/:id never ran for the partner')
  t.equal((await preflight(app, '/users/me', PARTNER, 'PUT', 'accept-version')).body, 'CORS preflight refused: ambiguous-route', 'announced: the versioned route or, for another version, the not-found handler, with different policies')
  t.equal((await app.inject({ method: 'PUT', url: '/users/me', headers: { origin: PARTNER, 'accept-version': '1.0.0' } })).statusCode, 200, 'the versioned route serves its own origin')
  t.equal((await app.inject({ method: 'PUT', url: '/users/me', headers: { origin: PARTNER, 'accept-version': '9' } })).statusCode, 404, 'another version reaches no route, not PUT /users/:id')
  t.same(ran, ['me'])
})

test('once a route is versioned, a request with Accept-Version reaches only versioned routes: its preflight is judged by the not-found handler too', async t => {
  const ran: string[] = []
  const app = Fastify()
  app.get('/', { constraints: { version: '1.0.0' } }, async () => 'versioned root')
  await app.register(async child => {
    await child.register(cors, { origin: [APP] })
    child.post('/*', async () => { ran.push('post'); return 'post' })
  })
  await app.register(async outside => {
    outside.setNotFoundHandler((_request, reply) => { ran.push('outside not found'); reply.code(404).send('not found') })
  }, { prefix: '/p' })
  await app.ready()
  t.equal((await preflight(app, '/p', APP, 'POST')).statusCode, 204, 'without Accept-Version, POST /* answers, under the plugin')
  const announced = await preflight(app, '/p', APP, 'POST', 'accept-version')
  t.equal(announced.statusCode, 403, 'with it, the not-found handler of /p answers, outside every registration')
  t.equal((await app.inject({ method: 'POST', url: '/p', headers: { origin: APP, 'accept-version': '1.0.0' } })).body, 'not found')
  t.same(ran, ['outside not found'])
})

test('routes with literal colons are told apart', async t => {
  const app = Fastify()
  await app.register(cors, { origin: [APP, PARTNER] })
  app.put('/x::y', { config: { cors: { origin: APP } } }, async () => 'y')
  app.put('/x::z', { config: { cors: { origin: PARTNER } } }, async () => 'z')
  await app.ready()
  t.equal((await preflight(app, '/x:y', APP, 'PUT')).statusCode, 204)
  t.equal((await preflight(app, '/x:y', PARTNER, 'PUT')).statusCode, 403)
  t.equal((await preflight(app, '/x:z', PARTNER, 'PUT')).statusCode, 204)
  t.equal((await preflight(app, '/x:z', APP, 'PUT')).statusCode, 403)
})

test("a '' route under a prefix answers where Fastify answers it, and only there", async t => {
  const app = Fastify()
  await app.register(cors, { origin: [APP, PARTNER] })
  await app.register(async api => {
    api.put('', { prefixTrailingSlash: 'no-slash', config: { cors: { origin: APP } } }, async () => 'root')
    api.put('/*', { config: { cors: { origin: PARTNER } } }, async () => 'rest')
  }, { prefix: '/prefix' })
  await app.ready()
  t.equal((await preflight(app, '/prefix', APP, 'PUT')).statusCode, 204)
  t.equal((await preflight(app, '/prefix/', APP, 'PUT')).statusCode, 403, "'/prefix/' is the wildcard's")
  t.equal((await preflight(app, '/prefix/', PARTNER, 'PUT')).statusCode, 204)
})

test('HTTP/2: Host comes from :authority, so host-constrained routes keep their own policy', async t => {
  const ran: string[] = []
  const app = Fastify({ http2: true })
  await app.register(cors, { origin: [APP, PARTNER] })
  app.delete('/data', { constraints: { host: 'admin.test' }, config: { cors: { origin: APP } } }, async () => { ran.push('admin'); return 'admin' })
  app.delete('/data', async () => { ran.push('public'); return 'public' })
  const send = await overHttp2(t, app)
  const pre = (origin: string) => send({ ':method': 'OPTIONS', ':path': '/data', ':authority': 'admin.test', origin, 'access-control-request-method': 'DELETE' })
  t.equal((await pre(PARTNER)).status, 403, 'the partner is refused for the admin host')
  const approved = await pre(APP)
  t.equal(approved.status, 204)
  t.equal(approved.headers['access-control-allow-origin'], APP)
  t.equal((await send({ ':method': 'DELETE', ':path': '/data', ':authority': 'admin.test', origin: PARTNER })).status, 403)
  t.same(ran, [])
  t.equal((await send({ ':method': 'OPTIONS', ':path': '/data', ':authority': 'www.test', origin: PARTNER, 'access-control-request-method': 'DELETE' })).status, 204, 'another host: the unconstrained route')
})

test('Access-Control-Allow-Methods never lists a method another route refuses: the cached-preflight DELETE', async t => {
  const ran: string[] = []
  const app = Fastify()
  await app.register(cors, { origin: [APP], credentials: true })
  app.get('/account', { config: { cors: { origin: [APP, PARTNER], credentials: true } } }, async () => 'account')
  app.delete('/account', async () => { ran.push('delete'); return 'deleted' })
  await app.ready()
  const get = await preflight(app, '/account', PARTNER, 'GET', 'x-requested-with')
  t.equal(get.statusCode, 204)
  t.equal(get.headers['access-control-allow-methods'], 'GET', 'DELETE is not advertised')
  const actual = await app.inject({ method: 'DELETE', url: '/account', headers: { origin: PARTNER, cookie: 'session=1' } })
  t.equal(actual.statusCode, 403, 'a DELETE sent on a cached answer is refused anyway')
  t.same(ran, [])
})

test("the app's own OPTIONS routes keep their hooks, schema and constraints", async t => {
  const seen: string[] = []
  const app = Fastify()
  await app.register(cors, { preflightContinue: true })
  app.get('/guarded', async () => 'get')
  app.options('/guarded', {
    onRequest: async (request, reply) => { seen.push('onRequest'); if (request.headers.authorization === undefined) return reply.code(401).send('auth') },
    preHandler: async () => { seen.push('preHandler') },
    schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } }
  }, async (_request, reply) => reply.code(299).send('own'))
  app.options('/hosted', { constraints: { host: 'a.test' } }, async () => 'a host')
  app.options('/hosted', { constraints: { host: 'b.test' } }, async () => 'b host')
  app.get('/hosted', async () => 'get')
  await app.ready()
  const noAuth = await preflight(app, '/guarded', APP, 'GET')
  t.equal(noAuth.statusCode, 401, 'the route-level onRequest hook ran')
  t.equal(noAuth.headers['access-control-allow-origin'], '*', 'with the CORS headers')
  const own = await preflight(app, '/guarded?n=1', APP, 'GET', undefined, { authorization: 'x' })
  t.equal(own.statusCode, 299, "the handler's own status")
  t.equal(own.body, 'own', 'and body')
  t.equal((await preflight(app, '/guarded?n=x', APP, 'GET', undefined, { authorization: 'x' })).statusCode, 400, 'the schema is checked')
  t.same(seen, ['onRequest', 'onRequest', 'preHandler', 'onRequest'])
  t.equal((await preflight(app, '/hosted', APP, 'GET', undefined, { host: 'b.test' })).body, 'b host', "the host's own OPTIONS route")
  t.equal((await preflight(app, '/hosted', APP, 'GET', undefined, { host: 'c.test' })).statusCode, 204, 'no OPTIONS route for that host: the plugin answers')
})

test('a target route with preflight: false leaves the preflight to the app, in its own lifecycle', async t => {
  const seen: string[] = []
  const app = Fastify()
  await app.register(cors)
  app.put('/manual', { config: { cors: { preflight: false } } }, async () => 'put')
  app.options('/manual', { onRequest: async () => { seen.push('hook') } }, async () => 'manual options')
  await app.ready()
  const answer = await preflight(app, '/manual', APP, 'PUT')
  t.equal(answer.body, 'manual options')
  t.same(seen, ['hook'])
})

test('apps that start without the plugin start with it', async t => {
  const apps: Array<[string, FastifyServerOptions, (app: FastifyInstance) => Promise<void>]> = [
    ['ignoreTrailingSlash with GET /x and POST /x/', withRouterOptions({ ignoreTrailingSlash: true }), async app => { app.get('/x', async () => 'x'); app.post('/x/', async () => 'x/') }],
    ['ignoreDuplicateSlashes with /a/b and /a//b', withRouterOptions({ ignoreDuplicateSlashes: true }), async app => { app.get('/a/b', async () => 'ab'); app.post('/a//b', async () => 'a//b') }],
    ["a prefix root with prefixTrailingSlash: 'slash'", {}, async app => { await app.register(async api => { api.get('/', { prefixTrailingSlash: 'slash' }, async () => 'root') }, { prefix: '/api' }) }],
    ['a route at /api/ next to a prefix /api root', {}, async app => { app.get('/api/', async () => 'slash'); await app.register(async api => { api.get('/', { prefixTrailingSlash: 'no-slash' }, async () => 'root') }, { prefix: '/api' }) }],
    ["a prefix /api with an explicit HEAD '/'", {}, async app => { await app.register(async api => { api.head('/', async () => '') }, { prefix: '/api' }) }],
    ["app.all('*') and app.options('/*')", {}, async app => { app.all('*', async () => 'all') }]
  ]
  for (const [name, options, declare] of apps) {
    const app = Fastify(options)
    await app.register(cors)
    await declare(app)
    await t.resolves(app.ready(), name)
    await app.close()
  }
})

test("a typo'd URL: the preflight is approved with the scope's policy and the page reads the 404", async t => {
  const app = Fastify()
  await app.register(cors, { origin: [APP, PARTNER] })
  app.delete('/items/:id', async () => 'deleted')
  await app.ready()
  const answer = await preflight(app, '/itemz/1', APP, 'DELETE')
  t.equal(answer.statusCode, 204)
  t.equal(answer.headers['access-control-allow-methods'], 'DELETE', 'no other route\'s methods')
  const actual = await app.inject({ method: 'DELETE', url: '/itemz/1', headers: { origin: APP } })
  t.equal(actual.statusCode, 404)
  t.equal(actual.headers['access-control-allow-origin'], APP)
  t.match(actual.json(), { message: 'Route DELETE:/itemz/1 not found' })
})

test('a route with a custom constraint: certain when every candidate shares a policy, refused otherwise', async t => {
  const app = Fastify()
  app.addConstraintStrategy(tenantConstraint)
  await app.register(cors, { origin: [APP, PARTNER] })
  app.put('/t/:id', { constraints: { tenant: 'one' } }, async () => 'one')
  app.put('/t/:id', { constraints: { tenant: 'two' } }, async () => 'two')
  app.put('/t/special', async () => 'special')
  app.put('/u/:id', { constraints: { tenant: 'one' }, config: { cors: { origin: APP } } }, async () => 'u')
  app.put('/u/*', async () => 'rest')
  await app.ready()
  t.equal((await preflight(app, '/t/7', PARTNER, 'PUT', 'x-tenant')).statusCode, 204, 'both tenants share the scope policy')
  t.equal((await preflight(app, '/t/special', PARTNER, 'PUT', 'x-tenant')).statusCode, 204)
  t.equal((await preflight(app, '/u/7', PARTNER, 'PUT', 'x-tenant')).body, 'CORS preflight refused: ambiguous-route', 'PUT /u/:id or PUT /u/*: policies differ')
})

test('a custom-constrained route and the route found without it, with one policy: certain', async t => {
  const app = Fastify()
  app.addConstraintStrategy(tenantConstraint)
  await app.register(cors, { origin: [APP, PARTNER] })
  app.put('/t/:id', { constraints: { tenant: 'one' } }, async () => 'one')
  app.put('/t/*', async () => 'rest')
  app.put('/v/:id', { constraints: { tenant: 'one' }, config: { cors: { origin: APP } } }, async () => 'one')
  app.put('/v/:id', { constraints: { tenant: 'two' } }, async () => 'two')
  app.put('/w/:id', { constraints: { tenant: 'one' } }, async () => 'one')
  app.put('/w/*', { constraints: { tenant: 'two' }, config: { cors: { origin: APP } } }, async () => 'two')
  await app.ready()
  t.equal((await preflight(app, '/t/7', PARTNER, 'PUT')).statusCode, 204)
  t.equal((await preflight(app, '/v/7', PARTNER, 'PUT')).body, 'CORS preflight refused: ambiguous-route', 'two tenants, two policies')
  t.equal((await preflight(app, '/w/7', PARTNER, 'PUT')).body, 'CORS preflight refused: ambiguous-route', 'another custom route matches with another policy')
})

test("ignoreTrailingSlash: a route whose path ends in '//' is found where Fastify finds it", async t => {
  const app = Fastify(withRouterOptions({ ignoreTrailingSlash: true, caseSensitive: false }))
  await app.register(cors, { origin: [APP, PARTNER] })
  app.patch('/a//', async () => 'a')
  app.patch('/', { config: { cors: false } }, async () => 'root')
  await app.ready()
  const answer = await preflight(app, '/a//', APP, 'PATCH')
  t.equal(answer.statusCode, 204, answer.body)
  t.equal((await app.inject({ method: 'PATCH', url: '/a//', headers: { origin: APP } })).body, 'a')
})

test('config.cors on a route no registration governs fails startup, naming the route and the fix', async t => {
  const app = Fastify()
  app.delete('/outside', { config: { cors: { origin: APP } } }, async () => 'outside')
  app.get('/off', { config: { cors: false } }, async () => 'off')
  await app.register(async scoped => {
    await scoped.register(cors, { origin: [APP] })
    scoped.delete('/inside', { config: { cors: { origin: APP } } }, async () => 'inside')
  })
  await t.rejects(app.ready(), {
    code: 'FST_CORS_UNGOVERNED_ROUTE',
    message: 'config.cors is set on 2 routes that no registration of the CORS plugin governs, so it would be ignored: DELETE /outside, GET /off. Fix: register the plugin in the scope that declares these routes or in one above it, or remove config.cors from them.'
  })
  const one = Fastify()
  await one.register(async sibling => { sibling.put('/x', { config: { cors: false } }, async () => 'x') })
  await one.register(async scoped => { await scoped.register(cors, { origin: [APP] }) })
  await t.rejects(one.ready(), { message: /on a route that .*: PUT \/x\. Fix: register the plugin in the scope that declares this route or in one above it, or remove config\.cors from it\./ })
})

/** A version strategy the app puts in place of Fastify's: the version comes from X-API-Version. */
const apiVersionStrategy = {
  name: 'version',
  mustMatchWhenDerived: true,
  storage () {
    const stores = new Map<string, unknown>()
    return { get: (version: string) => stores.get(version) ?? null, set: (version: string, store: unknown) => { stores.set(version, store) } }
  },
  deriveConstraint: (request: { headers: Record<string, string | string[] | undefined> }) => request.headers['x-api-version'] as string | undefined,
  validate: () => {}
} as unknown as Parameters<FastifyInstance['addConstraintStrategy']>[0]

test('a version strategy replaced at run time (X-API-Version): the preflight cannot tell the versions apart, so it is refused', async t => {
  const ran: string[] = []
  const app = Fastify()
  app.addConstraintStrategy(apiVersionStrategy)
  await app.register(cors, { origin: [APP, PARTNER], credentials: true })
  app.post('/account', { constraints: { version: '2' }, config: { cors: { origin: APP, credentials: true } } }, async () => { ran.push('v2'); return 'v2' })
  app.post('/account', async () => { ran.push('v1'); return 'v1' })
  await app.ready()
  const refused = await preflight(app, '/account', PARTNER, 'POST', 'content-type,x-api-version')
  t.equal(refused.body, 'CORS preflight refused: ambiguous-route', "the partner's preflight: v2 refuses it")
  t.notOk(refused.headers['access-control-allow-origin'])
  t.equal((await preflight(app, '/account', APP, 'POST', 'content-type,x-api-version')).body, 'CORS preflight refused: ambiguous-route', 'whatever the origin: the two versions have different policies')
  const actual = await app.inject({ method: 'POST', url: '/account', headers: { origin: PARTNER, 'x-api-version': '2', 'content-type': 'application/json' }, payload: '{}' })
  t.equal(actual.statusCode, 403, "the partner's actual request to v2 is stopped before the handler")
  t.same(ran, [])
  const sameStrategy = Fastify({ constraints: { version: apiVersionStrategy } } as object)
  await sameStrategy.register(cors, { origin: [APP, PARTNER], credentials: true })
  sameStrategy.post('/account', { constraints: { version: '2' }, config: { cors: { origin: APP, credentials: true } } }, async () => 'v2')
  sameStrategy.post('/account', async () => 'v1')
  await sameStrategy.ready()
  t.equal((await preflight(sameStrategy, '/account', PARTNER, 'POST', 'content-type,x-api-version')).body, 'CORS preflight refused: ambiguous-route', 'the same strategy given in the server options')
})

test('a host strategy replaced at run time (X-Forwarded-Host): host-constrained routes with different policies are never told apart by Host', async t => {
  const app = Fastify()
  app.addConstraintStrategy({ ...apiVersionStrategy, name: 'host', mustMatchWhenDerived: false, deriveConstraint: (request: { headers: Record<string, string | undefined> }) => request.headers['x-forwarded-host'] } as never)
  await app.register(cors, { origin: [APP, PARTNER] })
  app.delete('/item', { constraints: { host: 'admin.test' }, config: { cors: { origin: APP } } }, async () => 'admin')
  app.delete('/item', async () => 'public')
  await app.ready()
  const answer = await preflight(app, '/item', PARTNER, 'DELETE', undefined, { host: 'public.test' })
  t.equal(answer.body, 'CORS preflight refused: ambiguous-route', JSON.stringify(answer.headers))
})

test('a not-found handler outside every registration: a preflight for a URL it answers is refused (cors-disabled)', async t => {
  const forwarded: string[] = []
  const app = Fastify()
  // The root forwards what no route answers upstream; the plugin is only in an unprefixed child scope.
  app.setNotFoundHandler(async request => { forwarded.push(`${request.method} ${request.url}`); return 'from upstream' })
  await app.register(async api => {
    await api.register(cors, { origin: [APP], credentials: true })
    api.delete('/items/:id', async () => 'deleted')
  })
  await app.ready()
  const refused = await preflight(app, '/nothing/here', APP, 'DELETE')
  t.equal(refused.body, 'CORS preflight refused: cors-disabled')
  t.notOk(refused.headers['access-control-allow-origin'])
  t.equal((await preflight(app, '/items/1', APP, 'DELETE')).statusCode, 204, 'a route of the registration keeps its policy')
  t.same(forwarded, [], 'the preflight never reached the upstream')

  const inside = Fastify()
  await inside.register(cors, { origin: [APP] })
  inside.setNotFoundHandler(async () => 'not here')
  await inside.ready()
  t.equal((await preflight(inside, '/nothing/here', APP, 'DELETE')).statusCode, 204, 'a not-found handler the plugin governs: the page reads its answer')
})

test('a constraint the preflight itself satisfies (a must-match strategy on ?api-version= or on Host) never turns a preflight into a 500', async t => {
  const queryVersion = {
    ...apiVersionStrategy,
    name: 'apiVersion',
    deriveConstraint: (request: { url?: string }) => new URL(request.url ?? '/', 'http://x').searchParams.get('api-version') ?? undefined
  } as never
  const tenantFromHost = { ...apiVersionStrategy, name: 'tenant', deriveConstraint: (request: { headers: Record<string, string | undefined> }) => request.headers.host?.split('.')[0] } as never
  for (const [name, strategy, constraints, url, host] of [
    ['?api-version=', queryVersion, { apiVersion: '2' }, '/report?api-version=2', 'api.test'],
    ['tenant from Host', tenantFromHost, { tenant: 'acme' }, '/report', 'acme.api.test']
  ] as const) {
    const app = Fastify()
    app.addConstraintStrategy(strategy)
    await app.register(cors, { origin: [APP, PARTNER] })
    app.put('/report', { constraints }, async () => 'same policy')
    app.delete('/report', { constraints, config: { cors: { origin: APP } } }, async () => 'own policy')
    app.patch('/report', { constraints }, async () => 'one')
    app.patch('/:other', { config: { cors: { origin: APP } } }, async () => 'other')
    await app.ready()
    const approved = await preflight(app, url, PARTNER, 'PUT', undefined, { host })
    t.equal(approved.statusCode, 204, `${name}: every candidate shares the scope's policy`)
    const refused = await preflight(app, url, PARTNER, 'DELETE', undefined, { host })
    t.equal(refused.statusCode, 403, `${name}: refused by the route's policy, not a 500: ${refused.body}`)
    // The plugin cannot know the strategy reads only what the preflight carries: the route or the not-found answer.
    t.equal((await preflight(app, url, APP, 'DELETE', undefined, { host })).body, 'CORS preflight refused: ambiguous-route', `${name}: the route's policy or the not-found one`)
    t.equal((await preflight(app, url, PARTNER, 'PATCH', undefined, { host })).body, 'CORS preflight refused: ambiguous-route', `${name}: candidates with two policies`)
  }
})

test('a route constrained by Host and a custom strategy is a candidate only for preflights to its host', async t => {
  const app = Fastify()
  app.addConstraintStrategy(tenantConstraint)
  await app.register(cors, { origin: [APP, PARTNER] })
  app.put('/h/:id', { constraints: { host: 'api.example', tenant: 'one' }, config: { cors: { origin: APP } } }, async () => 'api, tenant one')
  app.put('/h/:id', { constraints: { tenant: 'two' } }, async () => 'tenant two')
  app.put('/h/:id', async () => 'anyone')
  await app.ready()
  const elsewhere = await preflight(app, '/h/7', PARTNER, 'PUT', undefined, { host: 'www.example' })
  t.equal(elsewhere.statusCode, 204, 'on www.example no candidate refuses the partner')
  const onApi = await preflight(app, '/h/7', PARTNER, 'PUT', undefined, { host: 'api.example' })
  t.equal(onApi.body, 'CORS preflight refused: ambiguous-route', "on api.example the tenant decides, and one tenant's route refuses the partner")
})

test('ignoreTrailingSlash: a custom-constrained route declared with a trailing slash is a candidate for the URL without it', async t => {
  const app = Fastify(withRouterOptions({ ignoreTrailingSlash: true }))
  app.addConstraintStrategy(tenantConstraint)
  await app.register(cors, { origin: [APP, PARTNER] })
  app.put('/s/', { constraints: { tenant: 'one' }, config: { cors: { origin: APP } } }, async () => 'one')
  app.put('/s', async () => 'anyone')
  await app.ready()
  for (const url of ['/s', '/s/']) {
    t.equal((await preflight(app, url, PARTNER, 'PUT')).body, 'CORS preflight refused: ambiguous-route', url)
  }
})

test("a method Fastify's routers do not know: its preflight is refused, as no scope of the plugin answers it", async t => {
  const reached: string[] = []
  const app = Fastify({ http2: true })
  app.setNotFoundHandler((_request, reply) => { reached.push('root'); reply.code(404).send('root not found') })
  await app.register(async inner => {
    await inner.register(cors, { origin: [APP], methods: '*' })
    inner.setNotFoundHandler((_request, reply) => { reached.push('/a'); reply.code(404).send('a not found') })
  }, { prefix: '/a' })
  const http2Send = await overHttp2(t, app)
  const send = async (headers: http2.OutgoingHttpHeaders) => { const { status, body } = await http2Send(headers); return { status, body } }
  const pre = (method: string) => send({ ':method': 'OPTIONS', ':path': '/a/x', origin: APP, 'access-control-request-method': method })
  t.equal((await pre('PURGE')).status, 204, "PURGE /a/x reaches /a's not-found handler, under the plugin")
  t.same(await send({ ':method': 'PURGE', ':path': '/a/x', origin: APP }), { status: 404, body: 'a not found' })
  // HTTP/2 carries any method token; HTTP/1 parsers refuse most.
  t.same(await pre('FOO'), { status: 403, body: 'CORS preflight refused: cors-disabled' }, 'FOO /a/x reaches no handler of /a, so no hook of the plugin runs for it')
  const foo = await send({ ':method': 'FOO', ':path': '/a/x', origin: APP })
  t.match(foo, { status: 404, body: /FST_ERR_NOT_FOUND/ }, "Fastify's own fallback answers it, outside every scope")
  t.same(reached, ['/a'])
})

test('a must-match strategy on some routes: a route of another method without it is not found once a request derives it', async t => {
  const ran: string[] = []
  const app = Fastify()
  app.addConstraintStrategy({ ...tenantConstraint, mustMatchWhenDerived: true } as never)
  await app.register(cors, { origin: [APP, PARTNER], credentials: true })
  app.get('/x', { constraints: { tenant: 'one' } }, async () => 'tenant one')
  app.put('/x', { config: { cors: { origin: APP, credentials: true } } }, async () => { ran.push('put'); return 'put' })
  await app.ready()
  t.equal((await app.inject({ method: 'PUT', url: '/x', headers: { origin: APP, 'x-tenant': 'one' } })).statusCode, 404, 'Fastify: with X-Tenant, PUT /x is not found')
  t.equal((await app.inject({ method: 'PUT', url: '/x', headers: { origin: APP } })).body, 'put', 'without it, PUT /x answers')
  const partner = await preflight(app, '/x', PARTNER, 'PUT', 'x-tenant')
  t.equal(partner.body, 'CORS preflight refused: ambiguous-route', 'PUT /x refuses the partner, the not-found handler allows it: which one answers depends on X-Tenant')
  t.equal((await app.inject({ method: 'PUT', url: '/x', headers: { origin: PARTNER, 'content-type': 'application/json', 'x-tenant': 'one' }, payload: '{}' })).statusCode, 404)
  t.same(ran, ['put'])
})

test('a static path is answered from the records kept for it, exactly as the router finds it; a constrained route there leaves it to the router', async t => {
  const app = Fastify(withRouterOptions({ caseSensitive: false, ignoreTrailingSlash: true }))
  await app.register(cors, { origin: [APP, PARTNER] })
  app.put('/static/items', { config: { cors: { origin: PARTNER } } }, async () => 'items')
  app.put('/static/:name', async () => 'named')
  app.put('/hosted', { config: { cors: { origin: PARTNER } } }, async () => 'plain')
  app.put('/hosted', { constraints: { host: 'api.example' }, config: { cors: { origin: APP } } }, async () => 'host')
  app.put('/enc%41', { config: { cors: { origin: PARTNER } } }, async () => 'encoded')
  await app.ready()
  const allowed = async (url: string, origin: string, host = 'localhost'): Promise<boolean> => {
    const response = await app.inject({ method: 'OPTIONS', url, headers: { host, origin, 'access-control-request-method': 'PUT' } })
    return response.headers['access-control-allow-origin'] === origin
  }
  t.same([await allowed('/static/items', PARTNER), await allowed('/static/items', APP)], [true, false], 'the static route')
  t.same([await allowed('/STATIC/Items', PARTNER), await allowed('/static/items/', APP), await allowed('/static/items?q=1', APP)], [true, false, false], 'spellings the router finds it by: case, trailing slash, query')
  t.same([await allowed('/static/other', APP), await allowed('/static/other', PARTNER)], [true, true], 'the parametric route beside it')
  t.same([await allowed('/hosted', APP, 'api.example'), await allowed('/hosted', PARTNER, 'api.example')], [true, false], 'the host-constrained route, for its host')
  t.same([await allowed('/hosted', APP), await allowed('/hosted', PARTNER)], [false, true], 'the unconstrained one, for any other')
  t.same([await allowed('/encA', PARTNER), await allowed('/enc%41', PARTNER)], [true, true], 'a percent-encoded path: as the router decodes it')
  await app.close()
})
