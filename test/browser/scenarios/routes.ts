// Route-aware policies (config.cors, parametric and prefixed routes, errors),
// preflight caching, redirects and HTTP caching, in every engine. The page is
// http://app.example.localhost:<port>; the API is
// http://api.example.localhost:<port>.
import Fastify, { type FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { FETCH_ERROR, NO_ALLOW_ORIGIN, assertRefused, causeOf, replayResults, webkitMessage, type Step, type Tab, type Verdict } from '../harness/browser.js'
import type { Scenario } from '../harness/matrix.js'

const JSON_HEADERS = { 'content-type': 'application/json' }

export const scenarios: Scenario[] = [{
  name: 'config.cors overrides the policy of one route, for its preflights too',
  async run (t, suite) {
    const api = await suite.api(t, { origin: suite.origin('app.example.localhost'), allowedHeaders: ['content-type'] }, app => {
      app.put('/orders', async () => 'app order')
      app.put('/partner/orders', {
        config: { cors: { origin: suite.origin('partner.localhost'), allowedHeaders: ['content-type', 'x-partner-key'] } }
      }, async (request) => `partner order with ${String(request.headers['x-partner-key'])}`)
    })
    const app = suite.tab('app.example.localhost')
    const partner = suite.tab('partner.localhost')
    t.match(await app.fetch(api.url('/orders'), { method: 'PUT', headers: JSON_HEADERS, body: '{}' }), { readable: true, body: 'app order' })
    const refused = api.url('/partner/orders')
    await assertRefused(t, app, api, refused, await app.fetch(refused, { method: 'PUT', headers: JSON_HEADERS, body: '{}' }), { kind: 'preflight', reason: 'origin-not-allowed' })

    t.match(await partner.fetch(api.url('/partner/orders'), { method: 'PUT', headers: { ...JSON_HEADERS, 'x-partner-key': 'pk' }, body: '{}' }), { readable: true, body: 'partner order with pk' })
    const orders = api.url('/orders')
    await assertRefused(t, partner, api, orders, await partner.fetch(orders, { method: 'PUT', headers: JSON_HEADERS, body: '{}' }), { kind: 'preflight', reason: 'origin-not-allowed' })
    t.equal(api.count('OPTIONS'), 4)
    t.equal(api.count('PUT'), 2)
  }
}, {
  name: 'config.cors: false turns CORS off for one method of a path; the others keep it',
  async run (t, suite) {
    const engine = suite.engine.name
    const api = await suite.api(t, { origin: suite.origin('app.example.localhost') }, app => {
      app.get('/account', async () => 'account')
      app.delete('/account', { config: { cors: false } }, async () => 'deleted')
      app.post('/internal', { config: { cors: false } }, async () => 'internal')
    })
    const tab = suite.tab('app.example.localhost')
    t.match(await tab.fetch(api.url('/account')), { readable: true, body: 'account' })
    const del = api.url('/account?delete')
    await assertRefused(t, tab, api, del, await tab.fetch(del, { method: 'DELETE' }), { kind: 'preflight', reason: 'cors-disabled' })
    t.equal(api.count('DELETE'), 0, 'the DELETE was never sent')

    // A safelisted request is sent without asking: the handler runs, the page reads nothing.
    const post = api.url('/internal')
    t.same(await tab.fetch(post, { method: 'POST', body: 'x' }), { readable: false, error: FETCH_ERROR[engine] })
    t.equal(causeOf(engine, await tab.corsMessage(post)).cause, NO_ALLOW_ORIGIN[engine])
    t.same((await api.settled()).filter(r => r.url === '/internal').map(r => [r.method, r.status, r.reasons]), [['POST', 200, []]],
      'CORS is off for this route: the plugin neither answers nor logs')
    t.equal(api.count('OPTIONS'), 1)
  }
}, {
  name: "QUERY (RFC 10008): fetch() sends it after a preflight, which finds the QUERY route's own policy",
  async run (t, suite) {
    const api = await suite.api(t, { origin: suite.origin('app.example.localhost') }, app => {
      app.query('/search', async (request) => `results for ${String(request.body)}`)
      app.query('/partner/search', { config: { cors: { origin: suite.origin('partner.localhost') } } }, async () => 'partner results')
    })
    const tab = suite.tab('app.example.localhost')
    // A string body: the engine sends it as text/plain;charset=UTF-8, a safelisted type; the method alone asks for a preflight.
    t.match(await tab.fetch(api.url('/search'), { method: 'QUERY', body: 'mugs' }), { readable: true, status: 200, body: 'results for mugs' })
    t.equal(api.count('OPTIONS', '/search'), 1, 'QUERY is not a safelisted method: preflighted')
    t.same((await api.settled()).filter(r => r.url === '/search').map(r => r.method), ['OPTIONS', 'QUERY'], 'the engine sends QUERY as QUERY, after its preflight')
    const refused = api.url('/partner/search')
    await assertRefused(t, tab, api, refused, await tab.fetch(refused, { method: 'QUERY', body: 'mugs' }), { kind: 'preflight', reason: 'origin-not-allowed' })
    t.equal(api.count('QUERY', '/partner/search'), 0, 'the refused QUERY was never sent: its handler never ran')
    t.match(await suite.tab('partner.localhost').fetch(refused, { method: 'QUERY', body: 'mugs' }), { readable: true, body: 'partner results' }, "the partner's origin is the route's")
  }
}, {
  name: 'parametric and prefixed routes: a preflight finds the route the request will reach',
  async run (t, suite) {
    const api = await suite.api(t, { origin: suite.origin('app.example.localhost') }, async app => {
      await app.register(async v1 => {
        v1.put('/users/:userId/items/:itemId', async (request) => request.params)
        v1.get('/files/*', async (request) => (request.params as Record<string, string>)['*'])
        v1.delete('/users/:userId', { config: { cors: { origin: suite.origin('partner.localhost') } } }, async () => 'gone')
      }, { prefix: '/v1' })
    })
    const tab = suite.tab('app.example.localhost')
    t.match(await tab.fetch(api.url('/v1/users/7/items/42'), { method: 'PUT', headers: JSON_HEADERS, body: '{}' }), { readable: true, body: '{"userId":"7","itemId":"42"}' })
    t.match(await tab.fetch(api.url('/v1/files/a/b.txt'), { headers: { 'x-custom': '1' } }), { readable: true, body: 'a/b.txt' })
    const url = api.url('/v1/users/7')
    await assertRefused(t, tab, api, url, await tab.fetch(url, { method: 'DELETE' }), { kind: 'preflight', reason: 'origin-not-allowed' })
    t.match(await suite.tab('partner.localhost').fetch(url, { method: 'DELETE' }), { readable: true, body: 'gone' })
    // No route at the path without its prefix.
    const unprefixed = api.url('/users/7/items/42')
    const verdict = await tab.fetch(unprefixed, { method: 'PUT', headers: JSON_HEADERS, body: '{}' })
    t.match(verdict, { readable: true, status: 404, body: /Route PUT:\/users\/7\/items\/42 not found/ }, 'the page reads the 404')
    t.equal(api.count('OPTIONS'), 5)
  }
}, {
  name: '404 and 500 responses are readable by an allowed origin, not by others',
  async run (t, suite) {
    const api = await suite.api(t, { origin: [suite.origin('app.example.localhost'), 'http://*.partner.localhost:*'] }, app => {
      app.get('/boom', async () => { throw new Error('kaput') })
      app.get('/missing', async (_request, reply) => reply.callNotFound())
    })
    const tab = suite.tab('app.example.localhost')
    t.match(await tab.fetch(api.url('/nope')), { readable: true, status: 404, body: /Route GET:\/nope not found/ })
    t.match(await tab.fetch(api.url('/missing')), { readable: true, status: 404 })
    t.match(await tab.fetch(api.url('/boom')), { readable: true, status: 500, body: /kaput/ })
    t.match(await tab.xhr(api.url('/boom')), { event: 'load', status: 500 })
    const evil = suite.tab('evil.localhost')
    const url = api.url('/nope?from=evil')
    await assertRefused(t, evil, api, url, await evil.fetch(url), { kind: 'request', reason: 'origin-not-allowed' })
    // A preflight for a path with no route: approved, so that the page reads the 404.
    const put = api.url('/nope')
    const verdict = await tab.fetch(put, { method: 'PUT', headers: JSON_HEADERS, body: '{}' })
    t.match(verdict, { readable: true, status: 404, body: /Route PUT:\/nope not found/ }, 'the page reads the 404')
    t.same((await api.settled()).filter(r => r.url === '/nope' && r.method !== 'GET').map(r => [r.method, r.status]), [['OPTIONS', 204], ['PUT', 404]])
  }
}, {
  name: "a cached preflight never carries another route's method: the partner's DELETE needs its own preflight, and is refused",
  async run (t, suite) {
    const APP = suite.origin('app.example.localhost')
    const PARTNER = suite.origin('partner.localhost')
    const api = await suite.api(t, { origin: APP, credentials: true, maxAge: 600 }, app => {
      app.get('/account', { config: { cors: { origin: [APP, PARTNER], credentials: true, maxAge: 600 } } }, async () => 'account')
      app.delete('/account', async () => 'deleted')
    })
    const partner = suite.tab('partner.localhost')
    const url = api.url('/account')
    t.match(await partner.fetch(url, { credentials: 'include', headers: { 'x-requested-with': 'fetch' } }), { readable: true, body: 'account' })
    const verdict = await partner.fetch(url, { method: 'DELETE', credentials: 'include' })
    // Access-Control-Allow-Methods names the requested method alone: had the GET's preflight listed DELETE too,
    // the engine would have cached it, and the DELETE would have gone out unasked.
    await assertRefused(t, partner, api, url, verdict, { kind: 'preflight', reason: 'origin-not-allowed' })
    t.equal(api.count('DELETE'), 0, 'the DELETE was never sent')
    t.same((await api.settled()).filter(r => r.method === 'OPTIONS').map(r => r.status), [204, 403], 'the GET preflight cached GET alone; DELETE asked again')
  }
}, {
  name: 'a preflight cached before a deploy that tightened the policy: the actual request is refused before the handler',
  async run (t, suite) {
    const engine = suite.engine.name
    const APP = suite.origin('app.example.localhost')
    const handled: string[] = []
    const routes = (app: FastifyInstance): void => { app.put('/doc', async (request) => { handled.push(request.url); return 'saved' }) }
    const before = await suite.api(t, { origin: APP, maxAge: 600 }, routes)
    const tab = suite.tab('app.example.localhost')
    const url = before.url('/doc')
    const put = { method: 'PUT', headers: JSON_HEADERS, body: '{}' }
    t.match(await tab.fetch(url, put), { readable: true, body: 'saved' })
    t.equal(before.count('OPTIONS'), 1)
    // WebKit's console is read in another browser (the replay agent's): it
    // caches a preflight of its own, for another URL, before the deploy too.
    const replayed = `${url}?replayed`
    const replay = (): Promise<string[]> => tab.replay([{ kind: 'fetch', url: replayed, spec: put }])
    if (engine === 'webkit') t.match(replayResults(await replay()), [{ readable: true, body: 'saved' }], 'the replay agent cached its preflight')

    // The deploy: the same API, on the same port, no longer allows this page's origin.
    await before.close()
    const after = await suite.api(t, { origin: suite.origin('partner.localhost'), maxAge: 600 }, routes, undefined, new URL(url).port, false)
    const verdict = await tab.fetch(url, put)
    t.same(verdict, { readable: false, error: FETCH_ERROR[engine] })
    t.equal(after.count('OPTIONS'), 0, 'the engine used the preflight it cached before the deploy')
    const before$ = engine === 'webkit' ? ['/doc', '/doc?replayed'] : ['/doc']
    t.same(handled, before$, 'the handler did not run for the request sent on the stale preflight')
    t.same((await after.settled()).map(r => [r.method, r.status, r.reasons]), [['PUT', 403, ['origin-not-allowed']]])
    // The refusal carries the one fixed origin the API now allows, which the engine says is not the page's.
    const message = engine === 'webkit' ? webkitMessage(replayed, await replay()) : await tab.corsMessage(url)
    t.equal(causeOf(engine, message).cause, 'allow-origin-mismatch', message)
    if (engine === 'webkit') t.same(handled, before$, 'nor for the replay agent\'s')
  }
}, {
  name: 'a custom-header POST (text/plain, X-Requested-With, X-CSRF-Token) sent on a preflight cached before a deploy is refused before the handler',
  async run (t, suite) {
    const engine = suite.engine.name
    const APP = suite.origin('app.example.localhost')
    const handled: string[] = []
    const routes = (app: FastifyInstance): void => { app.post('/transfer', async (request) => { handled.push(request.url); return 'sent' }) }
    const before = await suite.api(t, { origin: APP, maxAge: 600 }, routes)
    const tab = suite.tab('app.example.localhost')
    const url = before.url('/transfer')
    // A simple method and Content-Type: only the headers make the browser ask first.
    const post = { method: 'POST', headers: { 'content-type': 'text/plain', 'x-requested-with': 'XMLHttpRequest', 'x-csrf-token': 't0k3n' }, body: 'amount=1' }
    t.match(await tab.fetch(url, post), { readable: true, body: 'sent' })
    t.equal(before.count('OPTIONS'), 1, 'the headers made the engine send a preflight')
    const replayed = `${url}?replayed`
    const replay = (): Promise<string[]> => tab.replay([{ kind: 'fetch', url: replayed, spec: post }])
    if (engine === 'webkit') t.match(replayResults(await replay()), [{ readable: true, body: 'sent' }], 'the replay agent cached its preflight')

    // The deploy: the same API, on the same port, no longer allows this page's origin.
    await before.close()
    const after = await suite.api(t, { origin: suite.origin('partner.localhost'), maxAge: 600 }, routes, undefined, new URL(url).port, false)
    const verdict = await tab.fetch(url, post)
    t.same(verdict, { readable: false, error: FETCH_ERROR[engine] })
    t.equal(after.count('OPTIONS'), 0, 'the engine used the preflight it cached before the deploy')
    const before$ = engine === 'webkit' ? ['/transfer', '/transfer?replayed'] : ['/transfer']
    t.same(handled, before$, 'the handler did not run for the POST sent on the stale preflight')
    t.same((await after.settled()).map(r => [r.method, r.status, r.reasons]), [['POST', 403, ['origin-not-allowed']]])
    if (engine === 'webkit') {
      await replay()
      t.same(handled, before$, 'nor for the replay agent\'s')
    }
  }
}, {
  name: 'maxAge: the engine reuses a preflight within maxAge and asks again with maxAge 0',
  async run (t, suite) {
    const api = await suite.api(t, { origin: suite.origin('app.example.localhost'), maxAge: 600 }, app => {
      app.put('/cached', async () => 'cached')
      app.put('/uncached', { config: { cors: { maxAge: 0 } } }, async () => 'uncached')
    })
    const tab = suite.tab('app.example.localhost')
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
  }
}, {
  name: 'redirects: same-origin redirects stay readable; a cross-origin one makes the origin opaque',
  async run (t, suite) {
    const engine = suite.engine.name
    const APP = suite.origin('app.example.localhost')
    const api = await suite.api(t, { origin: 'http://*.example.localhost:*' }, app => {
      app.get('/old', async (_request, reply) => reply.redirect('/new'))
      app.get('/new', async () => 'new')
      app.get('/away', async (request, reply) => reply.redirect(`http://api2.example.localhost:${String(request.port)}/new`))
      app.put('/old-put', async (_request, reply) => reply.redirect('/new-put', 307))
      app.put('/new-put', async (request) => request.body)
    })
    const tab = suite.tab('app.example.localhost')
    t.match(await tab.fetch(api.url('/old')), { readable: true, status: 200, body: 'new', redirected: true, url: api.url('/new') })
    // A preflighted request that is redirected: each URL gets its own preflight.
    t.match(await tab.fetch(api.url('/old-put'), { method: 'PUT', headers: JSON_HEADERS, body: '{"kept":true}' }), { readable: true, body: '{"kept":true}', redirected: true })
    t.same((await api.settled()).splice(0).map(r => `${r.method} ${r.url} ${String(r.status)}`), [
      'GET /old 302', 'GET /new 200', 'OPTIONS /old-put 204', 'PUT /old-put 307', 'OPTIONS /new-put 204', 'PUT /new-put 200'
    ])
    // After a redirect to another origin, the browser sends Origin: null, which
    // the plugin refuses (opaque-origin): a list never allows it.
    const url = api.url('/away')
    t.same(await tab.fetch(url), { readable: false, error: FETCH_ERROR[engine] })
    // Firefox and WebKit name the URL it was redirected to; Chromium names the one the page asked for.
    const message = await tab.corsMessage(url, engine === 'chromium' ? url : `http://api2.example.localhost:${new URL(url).port}/new`)
    t.equal(causeOf(engine, message).cause, NO_ALLOW_ORIGIN[engine])
    // Chromium names the page's origin, not the 'null' it sent; WebKit names 'null'.
    if (engine === 'chromium') t.match(message, `(redirected from '${url}') from origin '${APP}' has been blocked`)
    if (engine === 'webkit') t.match(message, /^Origin null is not allowed by Access-Control-Allow-Origin/)
    t.same(api.refusals().map(r => [r.url, r.reasons]), [['/new', ['opaque-origin']]])
    t.same(api.requests.map(r => r.url), ['/away', '/new'])
  }
}, {
  name: 'Vary: Origin keeps the HTTP cache from serving one origin the answer meant for another',
  async run (t, suite) {
    const engine = suite.engine.name
    // Two allowed pages of one site (example.localhost) share the HTTP cache.
    // The first one's answer, with Access-Control-Allow-Origin set to its
    // origin, is cacheable for 10 minutes.
    const allowed = [suite.origin('app.example.localhost'), suite.origin('admin.example.localhost')]
    const catalog = (served: { count: number }) => async (_request: unknown, reply: { header: (name: string, value: string) => void }): Promise<string> => {
      served.count++
      reply.header('cache-control', 'public, max-age=600')
      return 'catalog'
    }
    const served = { count: 0 }
    const api = await suite.api(t, { origin: allowed }, app => { app.get('/catalog', catalog(served)) })
    const app = suite.tab('app.example.localhost')
    const admin = suite.tab('admin.example.localhost')

    // Control: the same exchange with a naive CORS hook that forgets Vary: Origin.
    const naiveServed = { count: 0 }
    const naive = Fastify()
    naive.addHook('onRequest', async (request, reply) => {
      if (allowed.includes(String(request.headers.origin))) reply.header('access-control-allow-origin', request.headers.origin)
    })
    naive.get('/catalog', catalog(naiveServed))
    await naive.listen({ host: '127.0.0.1', port: 0 })
    t.teardown(() => naive.close())
    const url = api.url('/catalog')
    const naiveUrl = `http://naive.example.localhost:${String((naive.server.address() as AddressInfo).port)}/catalog`

    // Each request in order: the page it runs in, and the URL.
    const exchange: Array<[Tab, string]> = [[app, url], [app, url], [admin, url], [app, naiveUrl], [admin, naiveUrl]]
    let verdicts: Verdict[]
    let messages: string[] = []
    if (engine === 'webkit') {
      // WebKit's WebDriver session has no HTTP cache (WebKitGTK's automation
      // sessions are ephemeral and load without it): shown here with a
      // cacheable response of another API. So this exchange runs in a
      // MiniBrowser without automation, which has one, and reports each
      // verdict in its console.
      const probeServed = { count: 0 }
      const probe = await suite.api(t, { origin: allowed }, app => { app.get('/catalog', catalog(probeServed)) }, 'probe.example.localhost')
      for (let i = 0; i < 2; i++) t.match(await app.fetch(probe.url('/catalog')), { readable: true, body: 'catalog' })
      t.equal(probeServed.count, 2, 'the WebDriver session sent both requests: no HTTP cache')
      const steps: Array<Step & { page: string }> = exchange.map(([tab, target]) => ({ page: tab.url, kind: 'fetch', url: target, spec: {} }))
      messages = await app.replay(steps)
      verdicts = replayResults(messages)
    } else {
      verdicts = []
      for (const [tab, target] of exchange) verdicts.push(await tab.fetch(target))
    }
    t.match(verdicts[0], { readable: true, body: 'catalog' })
    t.match(verdicts[1], { readable: true, body: 'catalog' })
    t.match(verdicts[2], { readable: true, body: 'catalog' }, 'the second origin does not get the answer cached for the first')
    t.equal(served.count, 2, "the first origin's second request was answered from the cache; Vary: Origin: the cached answer did not match the second origin")
    t.match(verdicts[3], { readable: true })
    t.same(verdicts[4], { readable: false, error: FETCH_ERROR[engine] }, 'without Vary, the second origin gets the answer cached for the first')
    t.equal(naiveServed.count, 1)
    const message = engine === 'webkit' ? messages.find(line => line.includes('CONSOLE SECURITY ERROR')) ?? '' : await admin.corsMessage(naiveUrl)
    t.equal(causeOf(engine, message.replace(/^.*CONSOLE SECURITY ERROR /, '')).cause, 'allow-origin-mismatch', message)
    t.equal(verdicts.length, 5)
    t.equal(api.count('OPTIONS'), 0, 'GETs without headers: no preflight')
  }
}]
