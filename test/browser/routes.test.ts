// End to end in Chromium: route-aware policies (config.cors, parametric and
// prefixed routes, errors), preflight caching, redirects and HTTP caching.
// The page is http://app.example.test:<port>; the API is
// http://api.example.test:<port>.
import t from 'tap'
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import { assertRefused, chromiumCause, startSuite } from '../fixtures/browser.js'

const suite = await startSuite(t)
const APP = suite.origin('app.example.test')
const PARTNER = suite.origin('partner.test')
const JSON_HEADERS = { 'content-type': 'application/json' }
const BLOCKED = { readable: false, error: 'TypeError: Failed to fetch' }

t.test('config.cors overrides the policy of one route, for its preflights too', async t => {
  const api = await suite.api(t, { origin: APP, allowedHeaders: ['content-type'] }, app => {
    app.put('/orders', async () => 'app order')
    app.put('/partner/orders', {
      config: { cors: { origin: PARTNER, allowedHeaders: ['content-type', 'x-partner-key'] } }
    }, async (request) => `partner order with ${String(request.headers['x-partner-key'])}`)
  })
  const app = suite.tab('app.example.test')
  const partner = suite.tab('partner.test')
  t.match(await app.fetch(api.url('/orders'), { method: 'PUT', headers: JSON_HEADERS, body: '{}' }), { readable: true, body: 'app order' })
  const refused = api.url('/partner/orders')
  await assertRefused(t, app, api, refused, await app.fetch(refused, { method: 'PUT', headers: JSON_HEADERS, body: '{}' }), { kind: 'preflight', reason: 'origin-not-allowed' })

  t.match(await partner.fetch(api.url('/partner/orders'), { method: 'PUT', headers: { ...JSON_HEADERS, 'x-partner-key': 'pk' }, body: '{}' }), { readable: true, body: 'partner order with pk' })
  const orders = api.url('/orders')
  await assertRefused(t, partner, api, orders, await partner.fetch(orders, { method: 'PUT', headers: JSON_HEADERS, body: '{}' }), { kind: 'preflight', reason: 'origin-not-allowed' })
})

t.test('config.cors: false turns CORS off for one method of a path; the others keep it', async t => {
  const api = await suite.api(t, { origin: APP }, app => {
    app.get('/account', async () => 'account')
    app.delete('/account', { config: { cors: false } }, async () => 'deleted')
    app.post('/internal', { config: { cors: false } }, async () => 'internal')
  })
  const tab = suite.tab('app.example.test')
  t.match(await tab.fetch(api.url('/account')), { readable: true, body: 'account' })
  const del = api.url('/account?delete')
  await assertRefused(t, tab, api, del, await tab.fetch(del, { method: 'DELETE' }), { kind: 'preflight', reason: 'cors-disabled' })
  t.equal(api.count('DELETE'), 0, 'the DELETE was never sent')

  // A safelisted request is sent without asking: the handler runs, the page reads nothing.
  const post = api.url('/internal')
  t.same(await tab.fetch(post, { method: 'POST', body: 'x' }), BLOCKED)
  t.equal(chromiumCause(await tab.corsMessage(post)).cause, 'no-allow-origin')
  t.same((await api.settled()).filter(r => r.url === '/internal').map(r => [r.method, r.status, r.reasons]), [['POST', 200, []]],
    'CORS is off for this route: the plugin neither answers nor logs')
})

t.test('parametric and prefixed routes: a preflight finds the route the request will reach', async t => {
  const api = await suite.api(t, { origin: APP }, async app => {
    await app.register(async v1 => {
      v1.put('/users/:userId/items/:itemId', async (request) => request.params)
      v1.get('/files/*', async (request) => (request.params as Record<string, string>)['*'])
      v1.delete('/users/:userId', { config: { cors: { origin: PARTNER } } }, async () => 'gone')
    }, { prefix: '/v1' })
  })
  const tab = suite.tab('app.example.test')
  t.match(await tab.fetch(api.url('/v1/users/7/items/42'), { method: 'PUT', headers: JSON_HEADERS, body: '{}' }), { readable: true, body: '{"userId":"7","itemId":"42"}' })
  t.match(await tab.fetch(api.url('/v1/files/a/b.txt'), { headers: { 'x-custom': '1' } }), { readable: true, body: 'a/b.txt' })
  const url = api.url('/v1/users/7')
  await assertRefused(t, tab, api, url, await tab.fetch(url, { method: 'DELETE' }), { kind: 'preflight', reason: 'origin-not-allowed' })
  t.match(await suite.tab('partner.test').fetch(url, { method: 'DELETE' }), { readable: true, body: 'gone' })
  // Without the prefix no route answers: the page reads the 404, not a CORS error.
  t.match(await tab.fetch(api.url('/users/7/items/42'), { method: 'PUT', headers: JSON_HEADERS, body: '{}' }), { readable: true, status: 404, body: /Route PUT:\/users\/7\/items\/42 not found/ })
})

t.test('404 and 500 responses are readable by an allowed origin, not by others', async t => {
  const api = await suite.api(t, { origin: [APP, 'http://*.partner.test:*'] }, app => {
    app.get('/boom', async () => { throw new Error('kaput') })
    app.get('/missing', async (_request, reply) => reply.callNotFound())
  })
  const tab = suite.tab('app.example.test')
  t.match(await tab.fetch(api.url('/nope')), { readable: true, status: 404, body: /Route GET:\/nope not found/ })
  t.match(await tab.fetch(api.url('/missing')), { readable: true, status: 404 })
  t.match(await tab.fetch(api.url('/boom')), { readable: true, status: 500, body: /kaput/ })
  t.match(await tab.xhr(api.url('/boom')), { event: 'load', status: 500 })
  const evil = suite.tab('evil.test')
  const url = api.url('/nope?from=evil')
  await assertRefused(t, evil, api, url, await evil.fetch(url), { kind: 'request', reason: 'origin-not-allowed' })
  // A typo'd URL: the preflight is approved with the scope's policy, and the page reads Fastify's 404.
  t.match(await tab.fetch(api.url('/nope'), { method: 'DELETE' }), { readable: true, status: 404, body: /Route DELETE:\/nope not found/ })
  t.same((await api.settled()).filter(r => r.url === '/nope' && r.method !== 'GET').map(r => [r.method, r.status]), [['OPTIONS', 204], ['DELETE', 404]])
})

t.test("a cached preflight never carries another route's method: the partner's DELETE needs its own preflight, and is refused", async t => {
  const api = await suite.api(t, { origin: APP, credentials: true, maxAge: 600 }, app => {
    app.get('/account', { config: { cors: { origin: [APP, PARTNER], credentials: true, maxAge: 600 } } }, async () => 'account')
    app.delete('/account', async () => 'deleted')
  })
  const partner = suite.tab('partner.test')
  const url = api.url('/account')
  t.match(await partner.fetch(url, { credentials: 'include', headers: { 'x-requested-with': 'fetch' } }), { readable: true, body: 'account' })
  const refused = await partner.fetch(url, { method: 'DELETE', credentials: 'include' })
  t.match(refused, BLOCKED)
  t.equal(api.count('DELETE'), 0, 'the DELETE was never sent')
  t.same((await api.settled()).filter(r => r.method === 'OPTIONS').map(r => r.status), [204, 403], 'the GET preflight cached GET alone; DELETE asked again')
})

t.test('maxAge: Chromium reuses a preflight within maxAge and asks again with maxAge 0', async t => {
  const api = await suite.api(t, { origin: APP, maxAge: 600 }, app => {
    app.put('/cached', async () => 'cached')
    app.put('/uncached', { config: { cors: { maxAge: 0 } } }, async () => 'uncached')
  })
  const tab = suite.tab('app.example.test')
  const put = { method: 'PUT', headers: JSON_HEADERS, body: '{}' }
  for (let i = 0; i < 3; i++) {
    t.match(await tab.fetch(api.url('/cached'), put), { readable: true, body: 'cached' })
    t.match(await tab.fetch(api.url('/uncached'), put), { readable: true, body: 'uncached' })
  }
  t.equal(api.count('PUT', '/cached'), 3)
  t.equal(api.count('OPTIONS', '/cached'), 1, 'one preflight for three identical requests within maxAge')
  t.equal(api.count('OPTIONS', '/uncached'), 3, 'maxAge 0: a preflight before each request')
  // The cache entry covers the methods and headers that were granted: a new header needs a new preflight.
  t.match(await tab.fetch(api.url('/cached'), { ...put, headers: { ...put.headers, 'x-new': '1' } }), { readable: true })
  t.equal(api.count('OPTIONS', '/cached'), 2)
})

t.test('redirects: same-origin redirects stay readable; a cross-origin one makes the origin opaque', async t => {
  const api = await suite.api(t, { origin: 'http://*.example.test:*' }, app => {
    app.get('/old', async (_request, reply) => reply.redirect('/new'))
    app.get('/new', async () => 'new')
    app.get('/away', async (request, reply) => reply.redirect(`http://api2.example.test:${String(request.port)}/new`))
    app.put('/old-put', async (_request, reply) => reply.redirect('/new-put', 307))
    app.put('/new-put', async (request) => request.body)
  })
  const tab = suite.tab('app.example.test')
  t.match(await tab.fetch(api.url('/old')), { readable: true, status: 200, body: 'new', redirected: true, url: api.url('/new') })
  // A preflighted request that is redirected: each URL gets its own preflight.
  t.match(await tab.fetch(api.url('/old-put'), { method: 'PUT', headers: JSON_HEADERS, body: '{"kept":true}' }), { readable: true, body: '{"kept":true}', redirected: true })
  t.same((await api.settled()).splice(0).map(r => `${r.method} ${r.url} ${String(r.status)}`), [
    'GET /old 302', 'GET /new 200', 'OPTIONS /old-put 204', 'PUT /old-put 307', 'OPTIONS /new-put 204', 'PUT /new-put 200'
  ])
  // After a redirect to another origin, the browser sends Origin: null, which
  // the plugin refuses (opaque-origin): a list never allows it. Chromium's
  // message names the page's origin, not the 'null' it sent.
  const url = api.url('/away')
  t.same(await tab.fetch(url), BLOCKED)
  const message = await tab.corsMessage(url)
  t.match(message, `(redirected from '${url}') from origin '${APP}' has been blocked`)
  t.equal(chromiumCause(message).cause, 'no-allow-origin')
  t.same(api.refusals().map(r => [r.url, r.reasons]), [['/new', ['opaque-origin']]])
  t.same(api.requests.map(r => r.url), ['/away', '/new'])
})

t.test('Vary: Origin keeps the HTTP cache from serving one origin the answer meant for another', async t => {
  // Two allowed pages of one site (example.test) share Chromium's HTTP cache.
  // The first one's answer, with Access-Control-Allow-Origin set to its
  // origin, is cacheable for 10 minutes.
  const allowed = [APP, suite.origin('admin.example.test')]
  const catalog = (served: { count: number }) => async (_request: unknown, reply: { header: (name: string, value: string) => void }): Promise<string> => {
    served.count++
    reply.header('cache-control', 'public, max-age=600')
    return 'catalog'
  }
  const served = { count: 0 }
  const api = await suite.api(t, { origin: allowed }, app => { app.get('/catalog', catalog(served)) })
  const app = suite.tab('app.example.test')
  const admin = suite.tab('admin.example.test')
  const url = api.url('/catalog')
  t.match(await app.fetch(url), { readable: true, body: 'catalog' })
  t.match(await app.fetch(url), { readable: true, body: 'catalog' })
  t.equal(served.count, 1, "the first origin's second request was answered from the cache")
  t.match(await admin.fetch(url), { readable: true, body: 'catalog' }, 'the second origin does not get the answer cached for the first')
  t.equal(served.count, 2, 'Vary: Origin: the cached answer did not match the second origin')

  // Control: the same exchange with a naive CORS hook that forgets Vary: Origin.
  const naiveServed = { count: 0 }
  const naive = Fastify()
  naive.addHook('onRequest', async (request, reply) => {
    if (allowed.includes(String(request.headers.origin))) reply.header('access-control-allow-origin', request.headers.origin)
  })
  naive.get('/catalog', catalog(naiveServed))
  await naive.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => naive.close())
  const naiveUrl = `http://naive.example.test:${String((naive.server.address() as AddressInfo).port)}/catalog`
  t.match(await app.fetch(naiveUrl), { readable: true })
  t.same(await admin.fetch(naiveUrl), BLOCKED, 'without Vary, the second origin gets the answer cached for the first')
  t.equal(chromiumCause(await admin.corsMessage(naiveUrl)).cause, 'allow-origin-mismatch')
  t.equal(naiveServed.count, 1)
})
