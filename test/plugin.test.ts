import { test } from 'tap'
import Fastify, { type RouteOptions } from 'fastify'
import cors, { ERROR_CODES } from '../index.js'
import { appWith, corsHeaders, get, preflight, tenantConstraint } from './fixtures/app.js'

const ok = async () => 'ok'

test('config.cors overrides the options for that route, on responses and on preflights, in child scopes too', async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'], methods: ['GET'] }, async app => {
    app.get('/public', ok)
    app.put('/partner', { config: { cors: { origin: 'https://partner.com', methods: ['PUT'], allowedHeaders: ['content-type'], maxAge: 60 } } }, ok)
    app.get('/partner', ok)
    await app.register(async child => {
      child.delete('/item', { config: { cors: { origin: ['https://c.com', 'https://d.com'], methods: ['DELETE'] } } }, ok)
    }, { prefix: '/api' })
  })
  t.equal((await get(app, '/public', 'https://a.com')).headers['access-control-allow-origin'], 'https://a.com')
  const own = await preflight(app, '/partner', 'https://partner.com', 'PUT', 'content-type')
  t.equal(own.statusCode, 204)
  t.same(corsHeaders(own), {
    'access-control-allow-origin': 'https://partner.com',
    'access-control-allow-methods': 'PUT',
    'access-control-allow-headers': 'content-type',
    'access-control-max-age': '60',
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'
  }, "the PUT route's own policy")
  t.equal((await preflight(app, '/partner', 'https://a.com', 'PUT')).statusCode, 403, 'the global origin does not reach the PUT route')
  t.equal((await preflight(app, '/partner', 'https://a.com', 'GET')).statusCode, 204, 'the GET route at the same path keeps the global policy')
  t.equal((await preflight(app, '/partner', 'https://partner.com', 'GET')).statusCode, 403, 'and partner.com, allowed for PUT only, is refused for GET')
  t.equal((await preflight(app, '/api/item', 'https://c.com', 'DELETE')).statusCode, 204, 'a prefixed route in a child scope: its own policy')
  t.equal((await preflight(app, '/api/item', 'https://a.com', 'DELETE')).statusCode, 403)
  const actual = await app.inject({ method: 'PUT', url: '/partner', headers: { origin: 'https://evil.com' } })
  t.equal(actual.headers['access-control-allow-origin'], 'https://partner.com', "one exact origin is sent to everyone, the route's")
})

test('config.cors: false turns CORS off for the route, its responses and its preflights', async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'] }, app => {
    app.get('/internal', { config: { cors: false } }, async () => 'no')
    app.get('/open', async () => 'yes')
    app.delete('/open', { config: { cors: false } }, async () => 'no')
  })
  t.same(corsHeaders(await get(app, '/internal', 'https://a.com')), {})
  const refused = await preflight(app, '/internal', 'https://a.com', 'GET')
  t.equal(refused.statusCode, 403)
  t.equal(refused.body, 'CORS preflight refused: cors-disabled')
  t.equal((await preflight(app, '/open', 'https://a.com', 'DELETE')).body, 'CORS preflight refused: cors-disabled')
  t.equal((await preflight(app, '/open', 'https://a.com', 'GET')).headers['access-control-allow-methods'], 'GET', 'disabled methods are not advertised')
})

test('config.cors with origin: false disables the route too', async t => {
  const app = await appWith({}, app => { app.get('/x', { config: { cors: { origin: false } } }, async () => 'x') })
  t.same(corsHeaders(await get(app, '/x', 'https://a.com')), {})
  t.equal((await preflight(app, '/x', 'https://a.com', 'GET')).body, 'CORS preflight refused: cors-disabled')
})

test('parametric and wildcard routes: a preflight finds the route the request will reach', async t => {
  const app = await appWith({}, app => {
    app.put('/users/:id', { config: { cors: { origin: 'https://users.com' } } }, async () => 'u')
    app.get('/users/:name', async () => 'u')
    app.get('/files/*', { config: { cors: { origin: 'https://files.com' } } }, async () => 'f')
  })
  t.equal((await preflight(app, '/users/7', 'https://users.com', 'PUT')).statusCode, 204)
  t.equal((await preflight(app, '/users/7', 'https://other.com', 'GET')).headers['access-control-allow-methods'], 'GET', 'only the requested method is advertised')
  t.equal((await preflight(app, '/users/7', 'https://other.com', 'PUT')).statusCode, 403, 'the PUT route has its own policy')
  t.equal((await preflight(app, '/files/a/b.txt', 'https://files.com', 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/files/a/b.txt', 'https://other.com', 'GET')).statusCode, 403)
})

test('a preflight finds the route of the requested method, wherever it is declared', async t => {
  const app = await appWith({}, app => {
    app.get('/users/me', { config: { cors: { origin: 'https://me.com' } } }, async () => 'me')
    app.put('/users/:id', { config: { cors: { origin: 'https://users.com' } } }, async () => 'u')
    app.get('/', async () => 'root')
    app.all('/files/*', { config: { cors: { origin: 'https://files.com' } } }, async () => 'f')
  })
  const put = await preflight(app, '/users/me?x=1', 'https://users.com', 'PUT')
  t.equal(put.statusCode, 204, 'PUT /users/me reaches PUT /users/:id')
  t.equal(put.headers['access-control-allow-methods'], 'PUT')
  t.equal((await preflight(app, '/users/me', 'https://me.com', 'PUT')).statusCode, 403, "with that route's policy")
  t.equal((await preflight(app, '/users/me', 'https://me.com', 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/files/a', 'https://files.com', 'DELETE')).statusCode, 204)
})

test('routes told apart by Host get their own policy, on requests and on preflights', async t => {
  const app = await appWith({}, app => {
    app.put('/', { constraints: { host: 'a.test' }, config: { cors: { origin: 'https://a.com' } } }, ok)
    app.put('/', { constraints: { host: 'b.test' }, config: { cors: { origin: 'https://b.com' } } }, ok)
  })
  for (const host of ['a.test', 'b.test']) {
    const own = host === 'a.test' ? 'https://a.com' : 'https://b.com'
    const other = host === 'a.test' ? 'https://b.com' : 'https://a.com'
    t.equal((await app.inject({ method: 'PUT', url: '/', headers: { host, origin: own } })).headers['access-control-allow-origin'], own, `PUT on ${host} from ${own} is granted`)
    t.equal((await preflight(app, '/', own, 'PUT', undefined, { host })).statusCode, 204, `preflight on ${host} from ${own} is answered`)
    t.equal((await preflight(app, '/', other, 'PUT', undefined, { host })).statusCode, 403, `preflight on ${host} from ${other} is refused`)
  }
  const unrouted = await preflight(app, '/', 'https://b.com', 'PUT', undefined, { host: 'c.test' })
  t.equal(unrouted.statusCode, 204, 'no route for that host: the scope policy, so that the page reads the 404')
  t.equal(unrouted.headers['access-control-allow-origin'], '*')
})

test('routes told apart by a constraint a preflight does not carry: never answered with the wrong policy, answered when their policies agree', async t => {
  const app = await appWith({ origin: ['https://x.com'] }, app => {
    app.addConstraintStrategy(tenantConstraint)
    app.put('/differ', { constraints: { tenant: 'a' }, config: { cors: { origin: 'https://a.com' } } }, ok)
    app.put('/differ', { constraints: { tenant: 'b' }, config: { cors: { origin: 'https://b.com' } } }, ok)
    app.put('/plain-and-constrained', { constraints: { tenant: 'a' }, config: { cors: { origin: 'https://a.com' } } }, ok)
    app.put('/plain-and-constrained', ok)
    app.put('/agree', { constraints: { tenant: 'a' } }, ok)
    app.put('/agree', { constraints: { tenant: 'b' } }, ok)
    app.get('/z', { constraints: { version: '1.0.0' }, config: { cors: { origin: 'https://v1.com' } } }, ok)
    app.get('/z', ok)
  })
  // The actual PUT from a.com with X-Tenant: a is granted, but its preflight cannot tell which route it is for.
  const actual = await app.inject({ method: 'PUT', url: '/differ', headers: { origin: 'https://a.com', 'x-tenant': 'a' } })
  t.equal(actual.headers['access-control-allow-origin'], 'https://a.com', 'the actual request gets its own route\'s policy')
  for (const url of ['/differ', '/plain-and-constrained']) {
    for (const origin of ['https://a.com', 'https://b.com', 'https://x.com']) {
      const pre = await preflight(app, url, origin, 'PUT', 'x-tenant')
      t.equal(pre.statusCode, 403, `${url}: preflight from ${origin} is refused`)
      t.equal(pre.body, 'CORS preflight refused: ambiguous-route', `${url}: the reason is named`)
      t.equal(pre.headers['access-control-allow-origin'], undefined, `${url}: no Access-Control-Allow-Origin for ${origin}`)
    }
  }
  const agree = await preflight(app, '/agree', 'https://x.com', 'PUT', 'x-tenant')
  t.equal(agree.statusCode, 204, 'routes with the same policy: answered')
  t.equal(agree.headers['access-control-allow-origin'], 'https://x.com')
  t.equal((await preflight(app, '/agree', 'https://a.com', 'PUT', 'x-tenant')).statusCode, 403, 'with that policy')
  t.equal((await preflight(app, '/z', 'https://x.com', 'GET')).statusCode, 204, 'without Accept-Version the request reaches the unversioned route')
  t.equal((await preflight(app, '/z', 'https://x.com', 'GET', 'accept-version')).body, 'CORS preflight refused: ambiguous-route', 'with it, either route, and their policies differ')
  t.equal((await app.inject({ url: '/z', headers: { 'accept-version': '1.0.0', origin: 'https://v1.com' } })).headers['access-control-allow-origin'], 'https://v1.com')
})

test('prefixed routes, including the prefix root with and without a trailing slash', async t => {
  const app = await appWith({}, async app => {
    await app.register(async api => {
      api.get('/', async () => 'root')
      api.post('/things/:id', { config: { cors: { origin: 'https://things.com' } } }, async () => 't')
    }, { prefix: '/api' })
  })
  t.equal((await preflight(app, '/api/things/1', 'https://things.com', 'POST')).statusCode, 204)
  t.equal((await preflight(app, '/api', 'https://x.com', 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/api/', 'https://x.com', 'GET')).statusCode, 204)
  t.equal((await get(app, '/api/', 'https://x.com')).headers['access-control-allow-origin'], '*')
})

test('a prefix root with ignoreTrailingSlash', async t => {
  const app = Fastify({ ignoreTrailingSlash: true })
  await app.register(cors)
  await app.register(async api => { api.post('/', async () => 'root') }, { prefix: '/api' })
  await app.ready()
  t.equal((await preflight(app, '/api', 'https://x.com', 'POST')).statusCode, 204)
  t.equal((await preflight(app, '/api/', 'https://x.com', 'POST')).statusCode, 204)
})

test("apps with their own OPTIONS routes, declared before or after, and app.all('*') keep working", async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'] }, app => {
    app.get('/before', async () => 'get')
    app.options('/before', async () => 'own before')
    app.options('/after', async () => 'own after')
    app.get('/after', async () => 'get')
    app.all('*', async () => 'catch-all')
  })
  t.equal((await app.inject({ method: 'OPTIONS', url: '/before' })).body, 'own before')
  t.equal((await app.inject({ method: 'OPTIONS', url: '/after' })).body, 'own after')
  t.equal((await preflight(app, '/before', 'https://a.com', 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/after', 'https://a.com', 'GET')).statusCode, 204)
  t.equal((await app.inject({ method: 'OPTIONS', url: '/anything' })).body, 'catch-all')
  const caught = await preflight(app, '/anything', 'https://a.com', 'PATCH')
  t.equal(caught.statusCode, 204, "the catch-all's own methods answer for unknown paths")
  t.match(caught.headers['access-control-allow-methods'], /PATCH/)
})

test('encapsulated scopes with different options: each route follows its scope', async t => {
  const app = Fastify()
  await app.register(async publicScope => {
    await publicScope.register(cors, { origin: '*' })
    publicScope.get('/public/data', async () => 'public')
  })
  await app.register(async privateScope => {
    await privateScope.register(cors, { origin: ['https://admin.com', 'https://ops.com'], credentials: true })
    privateScope.get('/admin/data', async () => 'private')
  })
  app.get('/plain', async () => 'no cors here')
  await app.ready()
  t.equal((await get(app, '/public/data', 'https://x.com')).headers['access-control-allow-origin'], '*')
  t.same(corsHeaders(await get(app, '/admin/data', 'https://x.com')), { vary: 'Origin' })
  t.equal((await get(app, '/admin/data', 'https://admin.com')).headers['access-control-allow-credentials'], 'true')
  t.same(corsHeaders(await get(app, '/plain', 'https://x.com')), {})
  t.equal((await preflight(app, '/admin/data', 'https://admin.com', 'GET')).headers['access-control-allow-origin'], 'https://admin.com')
  t.equal((await preflight(app, '/public/data', 'https://x.com', 'GET')).headers['access-control-allow-origin'], '*')
})

test('two scopes declaring routes at the same path share its preflight', async t => {
  const app = Fastify()
  await app.register(async one => {
    await one.register(cors, { origin: 'https://one.com' })
    one.get('/shared', async () => 'one')
  })
  await app.register(async two => {
    await two.register(cors, { origin: 'https://two.com' })
    two.post('/shared', async () => 'two')
  })
  await app.ready()
  t.equal((await preflight(app, '/shared', 'https://one.com', 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/shared', 'https://two.com', 'POST')).statusCode, 204)
  t.equal((await preflight(app, '/shared', 'https://one.com', 'POST')).statusCode, 403)
})

test('registering the plugin twice in the same scope fails startup', async t => {
  const app = Fastify()
  await app.register(cors)
  await t.rejects(async () => { await app.register(cors) }, { code: ERROR_CODES.alreadyRegistered, message: /already registered in this scope/ })
})

test('one OPTIONS route per registration, hidden from documentation by default, with logLevel', async t => {
  const seen: RouteOptions[] = []
  const collect = (app: ReturnType<typeof Fastify>) => app.addHook('onRoute', route => { if (route.method === 'OPTIONS') seen.push(route) })
  const hidden = Fastify()
  collect(hidden)
  await hidden.register(cors, { logLevel: 'error' })
  hidden.get('/a', async () => 'a')
  hidden.get('/b/:id', async () => 'b')
  await hidden.ready()
  t.equal(seen.length, 1)
  t.match(seen[0], { url: '/*', schema: { hide: true }, logLevel: 'error' })
  const shown = Fastify()
  collect(shown)
  await shown.register(cors, { hideOptionsRoute: false })
  await shown.register(async api => {
    await api.register(cors)
    api.get('/b', async () => 'b')
  }, { prefix: '/api' })
  await shown.ready()
  t.match(seen[1], { url: '/*', schema: { hide: false } })
  t.match(seen[2], { url: '/api*' })
  t.equal(seen.length, 3)
})

test("a route's own onSend hooks are kept next to the Vary hook", async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'] }, app => {
    const mark = async (_request: unknown, reply: { header: (name: string, value: string) => void }, payload: unknown) => { reply.header('x-own', 'yes'); return payload }
    app.get('/one', { onSend: mark }, async () => '1')
    app.get('/many', { onSend: [mark] }, async () => 'n')
  })
  for (const url of ['/one', '/many']) {
    const response = await get(app, url, 'https://a.com')
    t.equal(response.headers['x-own'], 'yes', url)
    t.equal(response.headers.vary, 'Origin', url)
  }
})

test('HEAD requests get the same headers as GET', async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'] })
  const response = await app.inject({ method: 'HEAD', url: '/', headers: { origin: 'https://a.com' } })
  t.equal(response.headers['access-control-allow-origin'], 'https://a.com')
  t.equal(response.headers.vary, 'Origin')
})

test('a config object shared between routes is not modified', async t => {
  const config = { cors: { origin: 'https://shared.com' } }
  const app = await appWith({}, app => {
    app.get('/one', { config }, async () => '1')
    app.get('/two', { config }, async () => '2')
  })
  t.same(Object.getOwnPropertySymbols(config), [])
  t.equal((await get(app, '/two', 'https://x.com')).headers['access-control-allow-origin'], 'https://shared.com')
})

test('registration order does not matter: routes declared before the plugin get their config.cors on responses and preflights', async t => {
  const app = Fastify()
  app.get('/early', async () => 'early')
  app.delete('/early', { config: { cors: false } }, async () => 'no')
  app.register(cors, { origin: ['https://a.com', 'https://b.com'], credentials: true })
  app.get('/late', { config: { cors: { origin: 'https://late.com' } } }, async () => 'late')
  app.put('/late', { config: { cors: false } }, async () => 'no')
  await app.ready()
  t.equal((await get(app, '/early', 'https://a.com')).headers['access-control-allow-origin'], 'https://a.com')
  t.equal((await preflight(app, '/early', 'https://a.com', 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/early', 'https://a.com', 'DELETE')).body, 'CORS preflight refused: cors-disabled')
  t.equal((await get(app, '/late', 'https://a.com')).headers['access-control-allow-origin'], 'https://late.com', 'the un-awaited registration keeps config.cors')
  t.equal((await get(app, '/late', 'https://late.com')).headers['access-control-allow-origin'], 'https://late.com')
  t.equal((await preflight(app, '/late', 'https://late.com', 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/late', 'https://a.com', 'PUT')).body, 'CORS preflight refused: cors-disabled')
  const put = await app.inject({ method: 'PUT', url: '/late', headers: { origin: 'https://a.com' } })
  t.equal(put.statusCode, 403, 'the actual request is checked too')
})

test('an invalid config.cors on a route declared before the plugin fails startup naming it', async t => {
  const app = Fastify()
  app.register(cors)
  app.get('/bad', { config: { cors: { maxAge: -1 } } }, async () => 'x')
  await t.rejects(app.ready(), { code: ERROR_CODES.invalidOption, message: /^route GET \/bad: config.cors option 'maxAge'/ })
})

test('routes of a sibling scope registered before the CORS plugin, or after it, are outside its scope', async t => {
  const app = Fastify()
  await app.register(async early => { early.delete('/early/:id', async () => 'early') })
  await app.register(async api => {
    await api.register(cors, { origin: ['https://a.com', 'https://b.com'] })
    api.delete('/:collection/:id', async () => 'late')
  })
  await app.register(async sibling => { sibling.delete('/sibling/:id', async () => 'sibling') })
  await app.ready()
  t.equal((await preflight(app, '/early/1', 'https://a.com', 'DELETE')).body, 'CORS preflight refused: cors-disabled', 'not the policy of DELETE /:collection/:id')
  t.equal((await preflight(app, '/sibling/1', 'https://a.com', 'DELETE')).body, 'CORS preflight refused: cors-disabled', 'a scope without the plugin has no CORS')
  t.equal((await preflight(app, '/other/1', 'https://a.com', 'DELETE')).statusCode, 204)
  t.equal((await app.inject({ method: 'DELETE', url: '/sibling/1', headers: { origin: 'https://a.com' } })).body, 'sibling', 'no hook of the plugin runs there')
})

test('a preflight is answered by the route the actual request will reach, even at a less specific path', async t => {
  // The actual PUT /users/me and DELETE / reach the parametric and catch-all
  // routes (with CORS granted), so their preflights must be answered too.
  const app = await appWith({ origin: 'https://a.com' }, app => {
    app.get('/users/me', ok)
    app.put('/users/:id', ok)
    app.get('/', ok)
    app.all('*', ok)
  })
  for (const [url, method] of [['/users/me', 'PUT'], ['/', 'DELETE'], ['/users/7', 'PUT'], ['/nothing', 'DELETE']]) {
    const actual = await app.inject({ method: method as 'PUT', url, headers: { origin: 'https://a.com' } })
    t.equal(actual.headers['access-control-allow-origin'], 'https://a.com', `${method} ${url} is granted`)
    const pre = await preflight(app, url, 'https://a.com', method)
    t.equal(pre.statusCode, 204, `so its preflight is answered (got ${pre.statusCode} ${pre.body})`)
  }
})

test('routes constrained by version (Accept-Version, which a preflight never carries) can be preflighted', async t => {
  // A versioned request carries Accept-Version, a non-safelisted header, so a
  // browser always preflights it; the preflight names the header in
  // Access-Control-Request-Headers but never carries its value.
  const app = await appWith({ origin: ['https://x.com'] }, app => {
    app.put('/one', { constraints: { version: '1.0.0' } }, ok)
    app.put('/agree', { constraints: { version: '1.0.0' } }, ok)
    app.put('/agree', { constraints: { version: '2.0.0' } }, ok)
    app.put('/differ', { constraints: { version: '1.0.0' }, config: { cors: { origin: 'https://a.com' } } }, ok)
    app.put('/differ', { constraints: { version: '2.0.0' }, config: { cors: { origin: 'https://b.com' } } }, ok)
  })
  const actual = await app.inject({ method: 'PUT', url: '/one', headers: { origin: 'https://x.com', 'accept-version': '1.x' } })
  t.equal(actual.headers['access-control-allow-origin'], 'https://x.com', 'the actual versioned request is granted')
  for (const url of ['/one', '/agree']) {
    const pre = await preflight(app, url, 'https://x.com', 'PUT', 'accept-version')
    t.equal(pre.statusCode, 204, `${url}: so its preflight is answered (got ${pre.statusCode} ${pre.body})`)
    t.equal(pre.headers['access-control-allow-origin'], 'https://x.com', `${url}: with the routes' policy`)
  }
  for (const origin of ['https://a.com', 'https://b.com']) {
    const pre = await preflight(app, '/differ', origin, 'PUT', 'accept-version')
    t.equal(pre.statusCode, 403, `/differ: versions with different policies cannot be told apart: ${origin} is refused`)
    t.equal(pre.headers['access-control-allow-origin'], undefined)
  }
})
