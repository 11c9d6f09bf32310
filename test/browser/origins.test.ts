// End to end in Chromium: which origins may read the API's responses.
// Pages are served from http://<host>.test:<port>, the API from
// http://api.example.test:<port> (both on 127.0.0.1, see CHROMIUM_ARGS).
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { assertRefused, chromiumCause, startSuite } from '../fixtures/browser.js'

const suite = await startSuite(t)
const APP = suite.origin('app.example.test')

const JSON_PUT = { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"name":"mug"}' }

function routes (app: FastifyInstance): void {
  app.get('/data', async () => ({ data: 1 }))
  app.put('/data', async (request) => ({ stored: request.body }))
}

t.test('an exact origin: that origin reads; another gets the fixed origin, which Chromium says is not its own', async t => {
  const api = await suite.api(t, { origin: APP }, routes)
  const app = suite.tab('app.example.test')
  t.match(await app.fetch(api.url('/data')), { readable: true, status: 200, body: '{"data":1}' })
  t.match(await app.fetch(api.url('/data'), JSON_PUT), { readable: true, status: 200, body: '{"stored":{"name":"mug"}}' })

  const evil = suite.tab('evil.test')
  const url = api.url('/data?from=evil')
  t.same(await evil.fetch(url), { readable: false, error: 'TypeError: Failed to fetch' })
  // One fixed origin is sent on every response (no Vary needed); Chromium
  // compares it with its own, and the plugin logs the refusal.
  t.equal(chromiumCause(await evil.corsMessage(url)).cause, 'allow-origin-mismatch')
  t.match(api.refusals(), [{ method: 'GET', url: '/data?from=evil', reasons: ['origin-not-allowed'] }])
  // A preflight from another origin is refused, and says so.
  const put = api.url('/data?from=evil-put')
  await assertRefused(t, evil, api, put, await evil.fetch(put, JSON_PUT), { kind: 'preflight', reason: 'origin-not-allowed' })
  t.equal(api.count('PUT'), 1, 'the refused PUT never reached the API')
})

t.test('a pattern: any subdomain, any port; not the apex, not a look-alike', async t => {
  const api = await suite.api(t, { origin: 'http://*.example.test:*' }, routes)
  for (const host of ['app.example.test', 'admin.eu.example.test']) {
    const tab = suite.tab(host)
    t.match(await tab.fetch(api.url('/data')), { readable: true, status: 200 }, host)
    t.match(await tab.fetch(api.url('/data'), JSON_PUT), { readable: true, status: 200 }, `${host}, preflighted`)
  }
  for (const host of ['example.test', 'example.test.evil.test', 'appexample.test']) {
    const tab = suite.tab(host)
    const url = api.url(`/data?from=${host}`)
    await assertRefused(t, tab, api, url, await tab.fetch(url), { kind: 'request', reason: 'origin-not-allowed' })
    const put = api.url(`/data?put-from=${host}`)
    await assertRefused(t, tab, api, put, await tab.fetch(put, JSON_PUT), { kind: 'preflight', reason: 'origin-not-allowed' })
  }
})

t.test('an anchored RegExp (its g flag ignored): same answer on every request', async t => {
  const api = await suite.api(t, { origin: /^http:\/\/(app|admin)\.example\.test:\d+$/g }, routes)
  const app = suite.tab('app.example.test')
  for (let i = 0; i < 3; i++) t.match(await app.fetch(api.url(`/data?i=${i}`)), { readable: true, status: 200 }, `request ${i}`)
  t.match(await app.fetch(api.url('/data'), JSON_PUT), { readable: true, status: 200 })
  const other = suite.tab('appxexample.test')
  const url = api.url('/data?from=appx')
  await assertRefused(t, other, api, url, await other.fetch(url), { kind: 'request', reason: 'origin-not-allowed' })
})

t.test('an origin function, sync and async, sees the origin and the request', async t => {
  const seen: string[] = []
  const api = await suite.api(t, {
    origin: (origin, _callback, request) => {
      seen.push(`${request.method} ${origin}`)
      return new URL(origin).hostname === 'app.example.test'
    }
  }, app => {
    routes(app)
    app.get('/async', {
      config: { cors: { origin: async (origin: string) => { await new Promise(resolve => setTimeout(resolve, 5)); return origin.startsWith('http://admin.') } } }
    }, async () => 'async')
    app.get('/throws', {
      config: { cors: { origin: () => { throw new Error('lookup failed') } } }
    }, async () => 'throws')
  })
  const app = suite.tab('app.example.test')
  t.match(await app.fetch(api.url('/data')), { readable: true })
  t.match(await app.fetch(api.url('/data'), JSON_PUT), { readable: true })
  t.same(seen, [`GET ${APP}`, `OPTIONS ${APP}`, `PUT ${APP}`])
  const url = api.url('/async?from=app')
  await assertRefused(t, app, api, url, await app.fetch(url), { kind: 'request', reason: 'origin-not-allowed' })

  const admin = suite.tab('admin.example.test')
  t.match(await admin.fetch(api.url('/async')), { readable: true, body: 'async' })
  const data = api.url('/data?from=admin')
  await assertRefused(t, admin, api, data, await admin.fetch(data, JSON_PUT), { kind: 'preflight', reason: 'origin-not-allowed' })

  // A function that throws refuses the origin; the error is logged too.
  const throws = api.url('/throws')
  t.same(await app.fetch(throws), { readable: false, error: 'TypeError: Failed to fetch' })
  t.same(api.refusals().filter(r => r.url === '/throws').map(r => r.reasons), [['origin-function-error', 'origin-not-allowed']])
  t.equal(chromiumCause(await app.corsMessage(throws)).cause, 'no-allow-origin')
})

t.test('a list mixing an exact origin, a pattern and a RegExp', async t => {
  const api = await suite.api(t, { origin: [APP, 'http://*.partner.test:*', /^http:\/\/admin\.example\.test:\d+$/] }, routes)
  for (const host of ['app.example.test', 'shop.partner.test', 'admin.example.test']) {
    const tab = suite.tab(host)
    t.match(await tab.fetch(api.url('/data'), JSON_PUT), { readable: true, status: 200 }, host)
  }
  const evil = suite.tab('partner.test')
  const url = api.url('/data?from=partner-apex')
  await assertRefused(t, evil, api, url, await evil.fetch(url, JSON_PUT), { kind: 'preflight', reason: 'origin-not-allowed' })
})

t.test("an opaque origin ('null', from a sandboxed document) is never allowed by a list", async t => {
  const api = await suite.api(t, { origin: 'http://*.example.test:*' }, routes)
  const sandboxed = suite.tab('app.example.test', '/sandboxed')
  t.equal(await (await sandboxed.show()).evaluate(() => window.origin), 'null')
  const url = api.url('/data?from=null')
  await assertRefused(t, sandboxed, api, url, await sandboxed.fetch(url), { kind: 'request', reason: 'opaque-origin' })
  t.match(await sandboxed.corsMessage(url), "from origin 'null' has been blocked")
  const put = api.url('/data?put-from=null')
  await assertRefused(t, sandboxed, api, put, await sandboxed.fetch(put, JSON_PUT), { kind: 'preflight', reason: 'opaque-origin' })
})

t.test("'*' (the default): every origin reads, none with credentials", async t => {
  const api = await suite.api(t, undefined, routes)
  const tab = suite.tab('anyone.test')
  t.match(await tab.fetch(api.url('/data')), { readable: true, status: 200 })
  // By default the requested headers are reflected, so the preflight passes.
  t.match(await tab.fetch(api.url('/data'), { ...JSON_PUT, headers: { ...JSON_PUT.headers, 'x-trace': '1' } }), { readable: true, status: 200 })
  const sandboxed = suite.tab('app.example.test', '/sandboxed')
  t.match(await sandboxed.fetch(api.url('/data')), { readable: true, status: 200 }, "'*' is public: even an opaque origin reads")
  const url = api.url('/data?credentials=include')
  t.same(await tab.fetch(url, { credentials: 'include' }), { readable: false, error: 'TypeError: Failed to fetch' })
  t.equal(chromiumCause(await tab.corsMessage(url)).cause, 'wildcard-with-credentials')
  t.same(api.refusals(), [], 'nothing to refuse: the origin is allowed, the page chose credentials')
})

t.test('rejectDisallowed: a disallowed actual request gets a 403 and never reaches the handler', async t => {
  let handled = 0
  const api = await suite.api(t, { origin: 'http://*.example.test:*', rejectDisallowed: true }, app => {
    app.post('/action', async () => { handled++; return 'done' })
  })
  const app = suite.tab('app.example.test')
  t.match(await app.fetch(api.url('/action'), { method: 'POST', body: 'text' }), { readable: true, body: 'done' })
  const evil = suite.tab('evil.test')
  const url = api.url('/action?from=evil')
  await assertRefused(t, evil, api, url, await evil.fetch(url, { method: 'POST', body: 'text' }), { kind: 'request', reason: 'origin-not-allowed' })
  t.equal(handled, 1)
  t.same((await api.settled()).filter(r => r.url === '/action?from=evil').map(r => r.status), [403])
})
