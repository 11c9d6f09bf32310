// What a page may send (methods, headers, bodies, cookies) and read (exposed
// headers), and what the debug option changes in each engine's console. The
// page is http://app.example.localhost:<port>; the API is
// http://api.example.localhost:<port>.
import type { FastifyInstance } from 'fastify'
import type { IncomingMessage } from 'node:http'
import { FETCH_ERROR, NO_ALLOW_ORIGIN, assertRefused, causeOf } from '../harness/browser.js'
import type { Scenario } from '../harness/matrix.js'

function echo (app: FastifyInstance): void {
  const handler = async (request: { method: string, headers: Record<string, unknown>, body: unknown }): Promise<unknown> => ({
    method: request.method,
    body: request.body ?? null,
    'x-api-key': request.headers['x-api-key'] ?? null,
    authorization: request.headers.authorization ?? null
  })
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE'], url: '/echo', handler })
  app.patch('/patch-only', handler)
}

export const scenarios: Scenario[] = [{
  name: 'safelisted requests are sent as they are; others are preflighted once',
  async run (t, suite) {
    const api = await suite.api(t, { origin: suite.origin('app.example.localhost') }, echo)
    const tab = suite.tab('app.example.localhost')
    t.match(await tab.fetch(api.url('/echo')), { readable: true, status: 200 })
    t.match(await tab.fetch(api.url('/echo'), { method: 'POST', body: 'plain text' }), { readable: true, body: /"body":"plain text"/ }, 'text/plain POST')
    t.match(await tab.fetch(api.url('/echo'), { method: 'POST', body: new URLSearchParams({ a: '1' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }), { readable: true }, 'form POST')
    t.match(await tab.fetch(api.url('/echo'), { headers: { 'accept-language': 'fr', 'content-language': 'fr' } }), { readable: true }, 'safelisted headers')
    t.equal(api.count('OPTIONS'), 0, 'no preflight for safelisted requests')

    t.match(await tab.fetch(api.url('/echo'), { method: 'PUT', body: 'x' }), { readable: true, body: /"method":"PUT"/ })
    t.match(await tab.fetch(api.url('/echo?json'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":[1,2]}' }), { readable: true, body: /"body":\{"n":\[1,2\]\}/ })
    t.match(await tab.fetch(api.url('/echo?range'), { headers: { range: 'bytes=0-1, 5-6' } }), { readable: true }, 'a multi-range Range header is not safelisted')
    t.same((await api.settled()).filter(r => r.method === 'OPTIONS').map(r => [r.url, r.status]), [['/echo', 204], ['/echo?json', 204], ['/echo?range', 204]])
  }
}, {
  name: 'JSON bodies with PUT, POST, DELETE and PATCH, methods derived from the routes',
  async run (t, suite) {
    const api = await suite.api(t, { origin: suite.origin('app.example.localhost') }, echo)
    const tab = suite.tab('app.example.localhost')
    const json = { 'content-type': 'application/json' }
    for (const method of ['PUT', 'POST', 'DELETE']) {
      t.match(await tab.fetch(api.url('/echo'), { method, headers: json, body: `{"m":"${method}"}` }), { readable: true, status: 200, body: `{"method":"${method}","body":{"m":"${method}"}` }, method)
    }
    t.match(await tab.fetch(api.url('/patch-only'), { method: 'PATCH', headers: json, body: '{}' }), { readable: true, body: /"method":"PATCH"/ })
    // No PATCH route at /echo: its preflight is approved, and the page reads
    // the 404 of the actual PATCH.
    const url = api.url('/echo?patch')
    const verdict = await tab.fetch(url, { method: 'PATCH', headers: json, body: '{}' })
    t.match(verdict, { readable: true, status: 404, body: /Route PATCH:\/echo\?patch not found/ })
    t.same(api.refusals().map(r => [r.method, r.url, r.reasons]), [['OPTIONS', '/echo?patch', ['no-route']]], 'the plugin logs that no route answers it')
    t.equal(api.count('PATCH'), 2)
    // The PUT's preflight is cached for its URL with the methods it allowed
    // and the header it allowed (content-type). With all of /echo's methods,
    // the POST and the DELETE need no preflight of their own; with PUT alone,
    // the DELETE needs one, and the POST (a safelisted method, with the
    // cached content-type) does not.
    t.equal(api.count('OPTIONS'), 4, 'preflights: /echo, /patch-only, /echo?patch')
    t.same(api.requests.filter(r => r.method === 'OPTIONS').map(r => r.url), ['/echo', '/echo', '/patch-only', '/echo?patch'], 'PUT, DELETE, PATCH, PATCH')
  }
}, {
  name: 'allowedHeaders as a list: listed headers pass, others are refused (debug names them)',
  async run (t, suite) {
    const api = await suite.api(t, { origin: suite.origin('app.example.localhost'), allowedHeaders: ['content-type', 'x-api-key'], debug: true }, echo)
    const tab = suite.tab('app.example.localhost')
    t.match(await tab.fetch(api.url('/echo'), { headers: { 'x-api-key': 'k1', 'content-type': 'application/json' } }), { readable: true, body: /"x-api-key":"k1"/ })
    for (const header of ['x-other', 'authorization']) {
      const url = api.url(`/echo?${header}`)
      const verdict = await tab.fetch(url, { headers: { 'x-api-key': 'k1', [header]: 'v' } })
      await assertRefused(t, tab, api, url, verdict, { kind: 'preflight', reason: 'header-not-allowed', debug: true, name: header })
    }
    t.equal(api.count('GET'), 1, 'refused requests never reached the handler')
    t.equal(api.count('OPTIONS'), 3)
  }
}, {
  name: "allowedHeaders '*' covers any header but Authorization, which must be listed",
  async run (t, suite) {
    const api = await suite.api(t, { origin: suite.origin('app.example.localhost'), allowedHeaders: '*', debug: true }, app => {
      echo(app)
      app.get('/listed', { config: { cors: { allowedHeaders: ['*', 'authorization'] } } }, async (request) => ({ authorization: request.headers.authorization }))
    })
    const tab = suite.tab('app.example.localhost')
    t.match(await tab.fetch(api.url('/echo'), { headers: { 'x-api-key': 'k', 'x-anything-at-all': '1', 'content-type': 'application/json' } }), { readable: true, body: /"x-api-key":"k"/ })
    const url = api.url('/echo?auth')
    await assertRefused(t, tab, api, url, await tab.fetch(url, { headers: { authorization: 'Bearer t0ken', 'x-api-key': 'k' } }), { kind: 'preflight', reason: 'header-not-allowed', debug: true, name: 'authorization' })
    t.match(await tab.fetch(api.url('/listed'), { headers: { authorization: 'Bearer t0ken' } }), { readable: true, body: '{"authorization":"Bearer t0ken"}' })
    t.equal(api.count('OPTIONS'), 3)
  }
}, {
  name: 'allowedHeaders by default reflects any valid requested header, Authorization included',
  async run (t, suite) {
    const api = await suite.api(t, { origin: suite.origin('app.example.localhost') }, echo)
    const tab = suite.tab('app.example.localhost')
    t.match(await tab.fetch(api.url('/echo'), { headers: { authorization: 'Basic YTpi', 'x-api-key': 'k', 'x-z': '1' } }), { readable: true, body: /"authorization":"Basic YTpi"/ })
    t.equal(api.count('OPTIONS'), 1)
  }
}, {
  name: 'the debug option: without it, a refused method or header reads as a failed preflight; with it, the engine names them',
  async run (t, suite) {
    const engine = suite.engine.name
    const options = { origin: suite.origin('app.example.localhost'), methods: ['GET', 'PUT'], allowedHeaders: ['content-type'] }
    const api = await suite.api(t, options, echo)
    const tab = suite.tab('app.example.localhost')
    const method = api.url('/echo?delete')
    await assertRefused(t, tab, api, method, await tab.fetch(method, { method: 'DELETE' }), { kind: 'preflight', reason: 'method-not-allowed', debug: false })
    const header = api.url('/echo?header')
    await assertRefused(t, tab, api, header, await tab.fetch(header, { headers: { 'x-nope': '1' } }), { kind: 'preflight', reason: 'header-not-allowed', debug: false })
    t.same((await api.settled()).filter(r => r.method === 'OPTIONS').map(r => r.status), [403, 403], 'two preflights, both refused')

    const debug = await suite.api(t, { ...options, debug: true }, echo)
    const debugMethod = debug.url('/echo?delete')
    await assertRefused(t, tab, debug, debugMethod, await tab.fetch(debugMethod, { method: 'DELETE' }), { kind: 'preflight', reason: 'method-not-allowed', debug: true, name: 'DELETE' })
    const debugHeader = debug.url('/echo?header')
    await assertRefused(t, tab, debug, debugHeader, await tab.fetch(debugHeader, { headers: { 'x-nope': '1' } }), { kind: 'preflight', reason: 'header-not-allowed', debug: true, name: 'x-nope' })
    t.equal(debug.count('DELETE'), 0, 'the refused DELETE was never sent')
    // A method no route answers at the path is named too: outside the
    // explicit list of methods.
    const unrouted = debug.url('/echo?patch')
    const verdict = await tab.fetch(unrouted, { method: 'PATCH' })
    t.same(verdict, { readable: false, error: FETCH_ERROR[engine] })
    t.same(debug.refusals().filter(r => r.url === '/echo?patch').map(r => [r.method, r.reasons]), [['OPTIONS', ['no-route', 'method-not-allowed']]])
    const said = causeOf(engine, await tab.corsMessage(unrouted))
    t.equal(said.cause, 'method')
    if (engine !== 'firefox') t.equal(said.name, 'PATCH')
    t.match(await tab.fetch(debug.url('/echo'), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }), { readable: true })
    t.equal(debug.count('OPTIONS'), 4)
  }
}, {
  name: 'credentials: cookies go along with fetch and XHR, and the response is readable only with Allow-Credentials',
  async run (t, suite) {
    const engine = suite.engine.name
    // The page and the API are on localhost, on different ports: different
    // origins, one site. WebKit treats each *.localhost host as a site of its
    // own, and its default cookie policy (no third-party cookies) would keep
    // the cookie of api.example.localhost from a page of app.example.localhost.
    const api = await suite.api(t, { origin: suite.origin('localhost'), credentials: true }, app => {
      app.post('/login', async (_request, reply) => {
        reply.header('set-cookie', 'sid=s3cret; Path=/; HttpOnly; SameSite=Lax')
        return { ok: true }
      })
      const me = async (request: { headers: Record<string, unknown> }): Promise<unknown> => ({ cookie: request.headers.cookie ?? null })
      app.get('/me', me)
      app.put('/me', me)
      app.get('/no-credentials', { config: { cors: { credentials: false } } }, me)
    }, 'localhost')
    const tab = suite.tab('localhost')
    t.match(await tab.fetch(api.url('/me'), { credentials: 'include' }), { readable: true, body: '{"cookie":null}' })
    t.match(await tab.fetch(api.url('/login'), { method: 'POST', credentials: 'include' }), { readable: true, body: '{"ok":true}' })
    t.match(await tab.fetch(api.url('/me'), { credentials: 'include' }), { readable: true, body: '{"cookie":"sid=s3cret"}' }, 'fetch with credentials: include')
    t.match(await tab.fetch(api.url('/me')), { readable: true, body: '{"cookie":null}' }, 'no cookie without credentials: include')
    t.match(await tab.xhr(api.url('/me'), { withCredentials: true }), { event: 'load', status: 200, body: '{"cookie":"sid=s3cret"}' }, 'XMLHttpRequest withCredentials')
    t.match(await tab.fetch(api.url('/me'), { method: 'PUT', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' }), { readable: true, body: '{"cookie":"sid=s3cret"}' }, 'preflighted, with credentials')
    t.equal(api.count('OPTIONS', '/me'), 1)

    // A route that does not allow credentials: the handler sees the cookie, the page reads nothing.
    const url = api.url('/no-credentials')
    t.same(await tab.fetch(url, { credentials: 'include' }), { readable: false, error: FETCH_ERROR[engine] })
    t.equal(causeOf(engine, await tab.corsMessage(url)).cause, 'credentials')
    t.same(api.refusals(), [], 'the origin is allowed: the plugin refused nothing')
    const xhrUrl = api.url('/no-credentials?xhr')
    const xhr = await tab.xhr(xhrUrl, { withCredentials: true })
    t.match(xhr, { event: 'error', status: 0, body: '' }, 'XMLHttpRequest: an error event, status 0')
    const message = await tab.corsMessage(xhrUrl)
    t.equal(causeOf(engine, message).cause, 'credentials')
    // Chromium and WebKit say it was an XMLHttpRequest; Firefox does not.
    if (engine === 'chromium') t.match(message, /^Access to XMLHttpRequest at/)
    if (engine === 'webkit') t.match(message, `XMLHttpRequest cannot load ${xhrUrl} due to access control checks.`)
  }
}, {
  name: 'refusals a page can provoke past its origin: too many or too long requested headers, a route a preflight cannot tell, an origin function gone wrong',
  async run (t, suite) {
    const engine = suite.engine.name
    const APP = suite.origin('app.example.localhost')
    const api = await suite.api(t, { origin: [APP] }, app => {
      echo(app)
      // Two GET /versioned routes with different policies, told apart by Accept-Version, which a preflight never carries.
      app.get('/versioned', { constraints: { version: '1.0.0' }, config: { cors: { origin: suite.origin('partner.localhost') } } }, async () => 'v1')
      app.get('/versioned', async () => 'unversioned')
      app.get('/invalid', { config: { cors: { origin: () => `${APP}/` } } }, async () => 'invalid')
    })
    const tab = suite.tab('app.example.localhost')
    // 65 header names: one more than the plugin reads.
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`x-h-${i}`, '1']))
    const tooMany = api.url('/echo?too-many')
    await assertRefused(t, tab, api, tooMany, await tab.fetch(tooMany, { headers: many }), { kind: 'preflight', reason: 'too-many-headers' })
    // 20 names of 250 characters: more than the 4096 bytes the plugin reads.
    const long = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x-${String(i).padStart(2, '0')}-${'h'.repeat(245)}`, '1']))
    const tooLong = api.url('/echo?too-long')
    await assertRefused(t, tab, api, tooLong, await tab.fetch(tooLong, { headers: long }), { kind: 'preflight', reason: 'headers-too-long' })
    // A request that sends Accept-Version may reach either route; its preflight cannot tell which.
    const versioned = api.url('/versioned')
    await assertRefused(t, tab, api, versioned, await tab.fetch(versioned, { headers: { 'accept-version': '1.0.0' } }), { kind: 'preflight', reason: 'ambiguous-route' })
    // One that does not can only reach the unversioned route.
    const unversioned = api.url('/versioned?unversioned')
    const verdict = await tab.fetch(unversioned, { headers: { 'x-custom': '1' } })
    t.match(verdict, { readable: true, body: 'unversioned' })
    t.match(await tab.fetch(api.url('/versioned')), { readable: true, body: 'unversioned' }, 'a simple GET is not preflighted and reaches the unversioned route')

    // An origin function that answers something that is not a serialized origin (a trailing slash): refused, and logged.
    const invalid = api.url('/invalid')
    t.same(await tab.fetch(invalid), { readable: false, error: FETCH_ERROR[engine] })
    t.same(api.refusals().filter(r => r.url === '/invalid').map(r => r.reasons), [['origin-function-invalid', 'origin-not-allowed']])
    t.equal(causeOf(engine, await tab.corsMessage(invalid)).cause, NO_ALLOW_ORIGIN[engine])
    t.equal(api.count('OPTIONS'), 4)
    t.equal(api.count('GET'), 3)
  }
}, {
  name: 'exposed headers are readable only when exposed, per route too',
  async run (t, suite) {
    const api = await suite.api(t, { origin: suite.origin('app.example.localhost'), exposedHeaders: ['x-total-count'] }, app => {
      const handler = async (_request: unknown, reply: { header: (name: string, value: string) => void }): Promise<string> => {
        reply.header('x-total-count', '3')
        reply.header('x-internal', 'secret')
        reply.header('content-language', 'en')
        return 'items'
      }
      app.get('/items', handler)
      app.get('/all', { config: { cors: { exposedHeaders: ['x-total-count', 'x-internal'] } } }, handler)
    })
    const tab = suite.tab('app.example.localhost')
    const read = ['x-total-count', 'x-internal', 'content-language', 'content-type']
    t.match(await tab.fetch(api.url('/items'), { read }), {
      readable: true,
      read: { 'x-total-count': '3', 'x-internal': null, 'content-language': 'en', 'content-type': 'text/plain; charset=utf-8' }
    })
    t.match(await tab.fetch(api.url('/all'), { read }), { readable: true, read: { 'x-total-count': '3', 'x-internal': 'secret' } })
    const xhr = await tab.xhr(api.url('/items'))
    t.match(xhr.headers, /x-total-count: 3/)
    t.notMatch(xhr.headers, /x-internal/, 'getAllResponseHeaders() hides what is not exposed')
    t.equal(api.count('OPTIONS'), 0)
  }
}, {
  name: 'version and host strategies replaced at run time (X-API-Version, X-Forwarded-Host): the preflight cannot tell the routes apart, so it is refused and the constrained handler never runs',
  async run (t, suite) {
    const APP = suite.origin('app.example.localhost')
    const PARTNER = suite.origin('partner.localhost')
    const ran = { v2: 0, unversioned: 0, admin: 0, public: 0 }
    const api = await suite.api(t, { origin: [APP, PARTNER], credentials: true }, app => {
      // Both replace Fastify's built-ins after the plugin is registered: Fastify derives version from Accept-Version
      // and host from Host, which a preflight carries or announces; these read headers whose value it does not carry.
      app.addConstraintStrategy(headerStrategy('version', 'x-api-version', true))
      app.addConstraintStrategy(headerStrategy('host', 'x-forwarded-host', false))
      app.post('/account', { constraints: { version: '2' }, config: { cors: { origin: APP, credentials: true } } }, async () => { ran.v2++; return 'v2' })
      app.post('/account', async () => { ran.unversioned++; return 'unversioned' })
      app.post('/item', { constraints: { host: 'admin.example.localhost' }, config: { cors: { origin: APP, credentials: true } } }, async () => { ran.admin++; return 'admin' })
      app.post('/item', async () => { ran.public++; return 'public' })
    })
    const partner = suite.tab('partner.localhost')
    const v2 = api.url('/account?v2')
    const verdict = await partner.fetch(v2, { method: 'POST', credentials: 'include', headers: { 'x-api-version': '2', 'content-type': 'application/json' }, body: '{"plan":"pro"}' })
    await assertRefused(t, partner, api, v2, verdict, { kind: 'preflight', reason: 'ambiguous-route' })
    // Text/plain and X-Forwarded-Host, which proxies add: were the preflight approved, the actual-request check would
    // not stop this POST, and the admin handler would run.
    const admin = api.url('/item?admin')
    const forwarded = await partner.fetch(admin, { method: 'POST', credentials: 'include', headers: { 'x-forwarded-host': 'admin.example.localhost', 'content-type': 'text/plain' }, body: 'delete-all' })
    await assertRefused(t, partner, api, admin, forwarded, { kind: 'preflight', reason: 'ambiguous-route' })
    t.equal(api.count('POST'), 0, 'neither POST was sent')
    t.same(ran, { v2: 0, unversioned: 0, admin: 0, public: 0 }, 'no handler ran')

    // Controls: without the header that selects the constrained route, the same POST, sent without a preflight,
    // reaches the unconstrained route, and the page reads it.
    const plain = { method: 'POST', credentials: 'include' as const, headers: { 'content-type': 'text/plain' }, body: '{"plan":"pro"}' }
    t.match(await partner.fetch(api.url('/account?plain'), plain), { readable: true, status: 200, body: 'unversioned' }, 'without X-API-Version: the unversioned route')
    t.match(await partner.fetch(api.url('/item?plain'), plain), { readable: true, status: 200, body: 'public' }, 'without X-Forwarded-Host: the public route')
    t.same(ran, { v2: 0, unversioned: 1, admin: 0, public: 1 }, 'each unconstrained handler ran once')
    // The limit of what a preflight tells: the plugin cannot see which header a strategy reads, so a preflight to
    // these routes is refused even when it does not announce X-API-Version.
    const json = await partner.fetch(api.url('/account?json'), { ...plain, headers: { 'content-type': 'application/json' } })
    t.same(json, { readable: false, error: FETCH_ERROR[suite.engine.name] }, 'a JSON POST without X-API-Version is refused too')
    t.same(api.refusals().filter(r => r.url === '/account?json').map(r => [r.method, r.reasons]), [['OPTIONS', ['ambiguous-route']]], 'as ambiguous-route')
    t.same((await api.settled()).map(r => [r.method, r.url, r.status]), [
      ['OPTIONS', '/account?v2', 403], ['OPTIONS', '/item?admin', 403], ['POST', '/account?plain', 200], ['POST', '/item?plain', 200], ['OPTIONS', '/account?json', 403]
    ], 'the API saw three refused preflights and the two controls')
  }
}]

/** A constraint strategy whose value is one request header, with the storage and validation a router needs. */
function headerStrategy (name: string, header: string, mustMatchWhenDerived: boolean): Parameters<FastifyInstance['addConstraintStrategy']>[0] {
  return {
    name,
    mustMatchWhenDerived,
    storage () {
      const stores = new Map<string, unknown>()
      return { get: (value: string) => stores.get(value) ?? null, set: (value: string, store: unknown) => { stores.set(value, store) } }
    },
    deriveConstraint: (request: IncomingMessage) => request.headers[header] as string | undefined,
    validate (value: unknown) {
      if (typeof value !== 'string') throw new TypeError(`${name} constraint: expected a string, got ${typeof value}`)
    }
  } as unknown as Parameters<FastifyInstance['addConstraintStrategy']>[0]
}
