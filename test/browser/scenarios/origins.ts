// Which origins may read the API's responses, in every engine. Pages are
// served from http://<host>.localhost:<port>, the API from
// http://api.example.localhost:<port> (all on the loopback interface).
import type { FastifyInstance } from 'fastify'
import { FETCH_ERROR, NO_ALLOW_ORIGIN, assertRefused, causeOf } from '../harness/browser.js'
import type { Scenario } from '../harness/matrix.js'

const JSON_PUT = { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"name":"mug"}' }

function routes (app: FastifyInstance): void {
  app.get('/data', async () => ({ data: 1 }))
  app.put('/data', async (request) => ({ stored: request.body }))
}

export const scenarios: Scenario[] = [{
  name: 'an exact origin: that origin reads; another gets the fixed origin, which the engine says is not its own',
  async run (t, suite) {
    const engine = suite.engine.name
    const APP = suite.origin('app.example.localhost')
    const api = await suite.api(t, { origin: APP }, routes)
    const app = suite.tab('app.example.localhost')
    t.match(await app.fetch(api.url('/data')), { readable: true, status: 200, body: '{"data":1}' })
    t.match(await app.fetch(api.url('/data'), JSON_PUT), { readable: true, status: 200, body: '{"stored":{"name":"mug"}}' })
    t.equal(api.count('OPTIONS'), 1, 'one preflight, for the PUT')

    const evil = suite.tab('evil.localhost')
    const url = api.url('/data?from=evil')
    t.same(await evil.fetch(url), { readable: false, error: FETCH_ERROR[engine] })
    // One fixed origin is sent on every response (no Vary needed); the engine
    // compares it with its own, and the plugin logs the refusal.
    t.equal(causeOf(engine, await evil.corsMessage(url)).cause, 'allow-origin-mismatch')
    t.match(api.refusals(), [{ method: 'GET', url: '/data?from=evil', reasons: ['origin-not-allowed'] }])
    // A preflight from another origin is refused, and says so.
    const put = api.url('/data?from=evil-put')
    await assertRefused(t, evil, api, put, await evil.fetch(put, JSON_PUT), { kind: 'preflight', reason: 'origin-not-allowed' })
    t.equal(api.count('PUT'), 1, 'the refused PUT never reached the API')
    t.equal(api.count('OPTIONS'), 2)
  }
}, {
  name: 'a pattern: any subdomain, any port; not the apex, not a look-alike',
  async run (t, suite) {
    const api = await suite.api(t, { origin: 'http://*.example.localhost:*' }, routes)
    for (const host of ['app.example.localhost', 'admin.eu.example.localhost']) {
      const tab = suite.tab(host)
      t.match(await tab.fetch(api.url('/data')), { readable: true, status: 200 }, host)
      t.match(await tab.fetch(api.url('/data'), JSON_PUT), { readable: true, status: 200 }, `${host}, preflighted`)
    }
    for (const host of ['example.localhost', 'example.localhost.evil.localhost', 'appexample.localhost']) {
      const tab = suite.tab(host)
      const url = api.url(`/data?from=${host}`)
      await assertRefused(t, tab, api, url, await tab.fetch(url), { kind: 'request', reason: 'origin-not-allowed' })
      const put = api.url(`/data?put-from=${host}`)
      await assertRefused(t, tab, api, put, await tab.fetch(put, JSON_PUT), { kind: 'preflight', reason: 'origin-not-allowed' })
    }
    t.equal(api.count('OPTIONS'), 5, 'one preflight per PUT')
  }
}, {
  name: 'an anchored RegExp (its g flag ignored): same answer on every request',
  async run (t, suite) {
    const api = await suite.api(t, { origin: /^http:\/\/(app|admin)\.example\.localhost:\d+$/g }, routes)
    const app = suite.tab('app.example.localhost')
    for (let i = 0; i < 3; i++) t.match(await app.fetch(api.url(`/data?i=${i}`)), { readable: true, status: 200 }, `request ${i}`)
    t.match(await app.fetch(api.url('/data'), JSON_PUT), { readable: true, status: 200 })
    const other = suite.tab('appxexample.localhost')
    const url = api.url('/data?from=appx')
    await assertRefused(t, other, api, url, await other.fetch(url), { kind: 'request', reason: 'origin-not-allowed' })
    t.equal(api.count('OPTIONS'), 1, 'one preflight, for the PUT')
  }
}, {
  name: 'an origin function, sync and async, sees the origin and the request',
  async run (t, suite) {
    const engine = suite.engine.name
    const APP = suite.origin('app.example.localhost')
    const seen: string[] = []
    const api = await suite.api(t, {
      origin: (origin, _callback, request) => {
        seen.push(`${request.method} ${origin}`)
        return new URL(origin).hostname === 'app.example.localhost'
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
    const app = suite.tab('app.example.localhost')
    t.match(await app.fetch(api.url('/data')), { readable: true })
    t.match(await app.fetch(api.url('/data'), JSON_PUT), { readable: true })
    t.same(seen, [`GET ${APP}`, `OPTIONS ${APP}`, `PUT ${APP}`])
    const url = api.url('/async?from=app')
    await assertRefused(t, app, api, url, await app.fetch(url), { kind: 'request', reason: 'origin-not-allowed' })

    const admin = suite.tab('admin.example.localhost')
    t.match(await admin.fetch(api.url('/async')), { readable: true, body: 'async' })
    const data = api.url('/data?from=admin')
    await assertRefused(t, admin, api, data, await admin.fetch(data, JSON_PUT), { kind: 'preflight', reason: 'origin-not-allowed' })

    // A function that throws refuses the origin; the error is logged too.
    const throws = api.url('/throws')
    t.same(await app.fetch(throws), { readable: false, error: FETCH_ERROR[engine] })
    t.same(api.refusals().filter(r => r.url === '/throws').map(r => r.reasons), [['origin-function-error', 'origin-not-allowed']])
    t.equal(causeOf(engine, await app.corsMessage(throws)).cause, NO_ALLOW_ORIGIN[engine])
    t.equal(api.count('OPTIONS'), 2, 'one preflight per PUT')
  }
}, {
  name: 'a list mixing an exact origin, a pattern and a RegExp',
  async run (t, suite) {
    const APP = suite.origin('app.example.localhost')
    const api = await suite.api(t, { origin: [APP, 'http://*.partner.localhost:*', /^http:\/\/admin\.example\.localhost:\d+$/] }, routes)
    for (const host of ['app.example.localhost', 'shop.partner.localhost', 'admin.example.localhost']) {
      const tab = suite.tab(host)
      t.match(await tab.fetch(api.url('/data'), JSON_PUT), { readable: true, status: 200 }, host)
    }
    const evil = suite.tab('partner.localhost')
    const url = api.url('/data?from=partner-apex')
    await assertRefused(t, evil, api, url, await evil.fetch(url, JSON_PUT), { kind: 'preflight', reason: 'origin-not-allowed' })
    t.equal(api.count('OPTIONS'), 4)
  }
}, {
  name: "an opaque origin ('null', from a sandboxed document) is never allowed by a list",
  async run (t, suite) {
    const engine = suite.engine.name
    const api = await suite.api(t, { origin: 'http://*.example.localhost:*' }, routes)
    const sandboxed = suite.tab('app.example.localhost', '/sandboxed')
    t.equal(await sandboxed.evaluate(() => window.origin, null), 'null')
    const url = api.url('/data?from=null')
    await assertRefused(t, sandboxed, api, url, await sandboxed.fetch(url), { kind: 'request', reason: 'opaque-origin' })
    // Chromium and WebKit name the origin 'null'; Firefox names no origin.
    if (engine === 'chromium') t.match(await sandboxed.corsMessage(url), "from origin 'null' has been blocked")
    if (engine === 'webkit') t.match(await sandboxed.corsMessage(url), /^Origin null is not allowed by Access-Control-Allow-Origin/)
    const put = api.url('/data?put-from=null')
    await assertRefused(t, sandboxed, api, put, await sandboxed.fetch(put, JSON_PUT), { kind: 'preflight', reason: 'opaque-origin' })
    t.equal(api.count('OPTIONS'), 1)
  }
}, {
  name: "'*' (the default): every origin reads, none with credentials",
  async run (t, suite) {
    const engine = suite.engine.name
    const api = await suite.api(t, undefined, routes)
    const tab = suite.tab('anyone.localhost')
    t.match(await tab.fetch(api.url('/data')), { readable: true, status: 200 })
    // By default the requested headers are reflected, so the preflight passes.
    t.match(await tab.fetch(api.url('/data'), { ...JSON_PUT, headers: { ...JSON_PUT.headers, 'x-trace': '1' } }), { readable: true, status: 200 })
    const sandboxed = suite.tab('app.example.localhost', '/sandboxed')
    t.match(await sandboxed.fetch(api.url('/data')), { readable: true, status: 200 }, "'*' is public: even an opaque origin reads")
    const url = api.url('/data?credentials=include')
    t.same(await tab.fetch(url, { credentials: 'include' }), { readable: false, error: FETCH_ERROR[engine] })
    t.equal(causeOf(engine, await tab.corsMessage(url)).cause, 'wildcard-with-credentials')
    t.same(api.refusals(), [], 'nothing to refuse: the origin is allowed, the page chose credentials')
    t.equal(api.count('OPTIONS'), 1, 'one preflight, for the PUT')
  }
}, {
  name: 'rejectDisallowed: a disallowed actual request gets a 403 and never reaches the handler',
  async run (t, suite) {
    let handled = 0
    const api = await suite.api(t, { origin: 'http://*.example.localhost:*', rejectDisallowed: true }, app => {
      app.post('/action', async () => { handled++; return 'done' })
    })
    const app = suite.tab('app.example.localhost')
    t.match(await app.fetch(api.url('/action'), { method: 'POST', body: 'text' }), { readable: true, body: 'done' })
    const evil = suite.tab('evil.localhost')
    const url = api.url('/action?from=evil')
    await assertRefused(t, evil, api, url, await evil.fetch(url, { method: 'POST', body: 'text' }), { kind: 'request', reason: 'origin-not-allowed' })
    t.equal(handled, 1)
    t.same((await api.settled()).filter(r => r.url === '/action?from=evil').map(r => r.status), [403])
    t.equal(api.count('OPTIONS'), 0, 'a text/plain POST is not preflighted')
  }
}]
