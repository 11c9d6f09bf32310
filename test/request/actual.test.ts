import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import cors from '../../index.js'
import { appWith, corsHeaders, get } from '../fixtures/app.js'

test("'*' (the default): the same headers on every response, no Vary", async t => {
  const app = await appWith({ exposedHeaders: ['X-Total', 'X-Page'] })
  const expected = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'X-Total, X-Page' }
  t.same(corsHeaders(await get(app, '/', 'https://a.com')), expected)
  t.same(corsHeaders(await get(app, '/')), expected, 'without Origin too')
  t.same(corsHeaders(await get(app, '/', 'https://a.com/bad')), expected, 'whatever the Origin')
})

test('a single exact origin: the same headers on every response, no Vary', async t => {
  const app = await appWith({ origin: 'https://app.example.com', credentials: true })
  const expected = { 'access-control-allow-origin': 'https://app.example.com', 'access-control-allow-credentials': 'true' }
  t.same(corsHeaders(await get(app, '/', 'https://app.example.com')), expected)
  t.same(corsHeaders(await get(app, '/', 'https://evil.com')), expected, 'the browser compares it and refuses')
  t.same(corsHeaders(await get(app, '/')), expected)
})

test('a list: an allowed origin is reflected, with credentials and exposed headers, and Vary: Origin', async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://*.b.com'], credentials: true, exposedHeaders: 'x-request-id' })
  t.same(corsHeaders(await get(app, '/', 'https://x.b.com')), {
    'access-control-allow-origin': 'https://x.b.com',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'x-request-id',
    vary: 'Origin'
  })
})

test('a list: a disallowed origin gets no CORS header at all, but the handler runs and Vary is set', async t => {
  let ran = 0
  const app = await appWith({ origin: ['https://a.com', 'https://c.com'] }, app => { app.get('/', async () => { ran++; return 'ok' }) })
  for (const origin of ['https://evil.com', 'null', 'https://a.com/', 'https://a.com.evil.com']) {
    const response = await get(app, '/', origin)
    t.equal(response.statusCode, 200)
    t.same(corsHeaders(response), { vary: 'Origin' }, origin)
  }
  t.same(corsHeaders(await get(app, '/')), { vary: 'Origin' }, 'a request without Origin varies too')
  t.equal(ran, 5)
})

test('actual responses never carry preflight-only headers', async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://c.com'], maxAge: 600, cacheControl: 60, methods: ['GET'], allowedHeaders: ['x-a'], allowPrivateNetwork: true })
  const headers = corsHeaders(await get(app, '/', 'https://a.com'))
  t.same(Object.keys(headers).sort(), ['access-control-allow-origin', 'vary'])
  t.notOk((await get(app, '/', 'https://a.com')).headers['cache-control'])
})

test('a single exact origin logs the refusal of another origin', async t => {
  const lines: Array<Record<string, unknown>> = []
  const app = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  await app.register(cors, { origin: 'https://app.example.com' })
  app.get('/', async () => 'ok')
  await app.inject({ url: '/', headers: { origin: 'https://evil.com' } })
  await app.inject({ url: '/', headers: { origin: 'https://app.example.com' } })
  t.match(lines.filter(line => line.corsReason !== undefined), [{ corsReason: 'origin-not-allowed' }])
})

test('origin: true reflects any valid origin, never null or a malformed one', async t => {
  const app = await appWith({ origin: true })
  t.equal((await get(app, '/', 'https://anyone.example')).headers['access-control-allow-origin'], 'https://anyone.example')
  t.notOk((await get(app, '/', 'null')).headers['access-control-allow-origin'])
  t.notOk((await get(app, '/', 'https://x.com\u00e4')).headers['access-control-allow-origin'])
})

test('origin: false turns CORS off, on unmatched routes too', async t => {
  const app = await appWith({ origin: false })
  t.same(corsHeaders(await get(app, '/', 'https://a.com')), {})
  t.same(corsHeaders(await get(app, '/missing', 'https://a.com')), {})
})

test('an origin function decides per request, sync or async', async t => {
  const seen: string[] = []
  const app = await appWith({
    origin: (origin, _callback, request) => {
      seen.push(`${origin} ${request.url}`)
      if (origin === 'https://sync.com') return true
      if (origin === 'https://canonical.com') return 'https://canonical.com'
      return Promise.resolve(origin === 'https://async.com')
    },
    credentials: true
  })
  t.equal((await get(app, '/', 'https://sync.com')).headers['access-control-allow-origin'], 'https://sync.com')
  t.equal((await get(app, '/', 'https://async.com')).headers['access-control-allow-origin'], 'https://async.com')
  t.equal((await get(app, '/', 'https://canonical.com')).headers['access-control-allow-origin'], 'https://canonical.com')
  t.same(corsHeaders(await get(app, '/', 'https://no.com')), { vary: 'Origin' })
  t.same(corsHeaders(await get(app, '/', 'https://no.com/path')), { vary: 'Origin' })
  t.same(seen, ['https://sync.com /', 'https://async.com /', 'https://canonical.com /', 'https://no.com /'], 'never called with a malformed origin')
})

test('an origin function that throws, rejects or returns a bad string refuses cleanly and logs an error', async t => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => { lines.push(line) } } } })
  await app.register(cors, {
    origin: (origin) => {
      if (origin === 'https://throws.com') throw new Error('boom')
      if (origin === 'https://rejects.com') return Promise.reject(new Error('later boom'))
      return 'https://bad.com/\r\nx: y'
    }
  })
  app.get('/', async () => 'ok')
  for (const origin of ['https://throws.com', 'https://rejects.com', 'https://badstring.com']) {
    const response = await app.inject({ url: '/', headers: { origin } })
    t.equal(response.statusCode, 200, origin)
    t.same(corsHeaders(response), { vary: 'Origin' }, origin)
  }
  t.equal(lines.length, 3)
  t.match(lines[0], /"message":"boom".*"corsReason":"origin-function-error"/)
  t.match(lines[1], /"message":"later boom".*"corsReason":"origin-function-error"/)
  t.match(lines[2], /origin-function-invalid/)
})

test('an async origin function that allows sets the headers before the handler', async t => {
  const app = await appWith({ origin: async () => true, exposedHeaders: ['x-a'] })
  t.same(corsHeaders(await get(app, '/', 'https://a.com')), { 'access-control-allow-origin': 'https://a.com', 'access-control-expose-headers': 'x-a', vary: 'Origin' })
})

test('CORS headers are on error responses: 404, 500 and schema-validation 400', async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'] }, app => {
    app.get('/boom', async () => { throw new Error('boom') })
    app.post('/typed', { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } }, async () => 'ok')
  })
  for (const [method, url, status] of [['GET', '/missing', 404], ['GET', '/boom', 500], ['POST', '/typed', 400]] as const) {
    const response = await app.inject({ method, url, headers: { origin: 'https://a.com' }, payload: method === 'POST' ? { n: 'x' } : undefined })
    t.equal(response.statusCode, status)
    t.equal(response.headers['access-control-allow-origin'], 'https://a.com', `${status}`)
    t.equal(response.headers.vary, 'Origin', `${status}`)
  }
})

test("Vary set by a handler or another plugin is kept, merged without duplicates; '*' stays '*'", async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'] }, app => {
    app.addHook('onRequest', async (_request, reply) => { reply.header('vary', 'Accept-Language') })
    app.get('/handler', async (_request, reply) => reply.header('vary', 'Accept-Encoding').send('ok'))
    app.get('/already', async (_request, reply) => reply.header('vary', 'accept, origin').send('ok'))
    app.get('/star', async (_request, reply) => reply.header('vary', '*').send('ok'))
    app.get('/list', async (_request, reply) => reply.header('vary', ['Accept', 'Cookie']).send('ok'))
    app.get('/hook', async () => 'ok')
  })
  t.equal((await get(app, '/handler', 'https://a.com')).headers.vary, 'Accept-Encoding, Origin')
  t.equal((await get(app, '/already', 'https://a.com')).headers.vary, 'accept, origin')
  t.equal((await get(app, '/star', 'https://a.com')).headers.vary, '*')
  t.equal((await get(app, '/list', 'https://a.com')).headers.vary, 'Accept, Cookie, Origin')
  t.equal((await get(app, '/hook', 'https://a.com')).headers.vary, 'Accept-Language, Origin')
  t.equal((await get(app, '/hook')).headers.vary, 'Accept-Language, Origin')
})

test("a not-found handler's Vary is merged with Vary: Origin", async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'] }, app => {
    app.setNotFoundHandler(async (_request, reply) => reply.code(404).header('vary', 'Accept-Language').send('nope'))
    app.get('/found', async (_request, reply) => reply.header('vary', 'Accept-Language').send('ok'))
  })
  for (const origin of ['https://a.com', 'https://evil.com']) {
    t.equal((await get(app, '/missing', origin)).headers.vary, 'Accept-Language, Origin', origin)
    t.equal((await get(app, '/found', origin)).headers.vary, 'Accept-Language, Origin', origin)
  }
})

test('a static policy adds no Vary on 404s either', async t => {
  const app = await appWith({ origin: 'https://a.com' })
  t.notOk((await get(app, '/missing', 'https://a.com')).headers.vary)
})

test('CORS headers are set before later hooks, so an auth rejection is readable', async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'] }, app => {
    app.addHook('onRequest', async (_request, reply) => reply.code(401).send({ error: 'login first' }))
    app.get('/', async () => 'secret')
  })
  const response = await get(app, '/', 'https://a.com')
  t.equal(response.statusCode, 401)
  t.equal(response.headers['access-control-allow-origin'], 'https://a.com')
  t.equal(response.headers.vary, 'Origin')
})

test('rejectDisallowed answers 403 before the handler for a disallowed cross-origin request', async t => {
  let ran = 0
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'], rejectDisallowed: true }, app => {
    app.get('/', async () => { ran++; return 'ok' })
  })
  const refused = await get(app, '/', 'https://evil.com')
  t.equal(refused.statusCode, 403)
  t.equal(refused.body, 'CORS request refused: origin-not-allowed')
  t.equal((await get(app, '/', 'null')).body, 'CORS request refused: opaque-origin')
  t.equal((await get(app, '/', 'https://evil.com/')).body, 'CORS request refused: malformed-origin')
  t.equal(ran, 0)
  t.equal((await get(app, '/', 'https://a.com')).statusCode, 200, 'allowed')
  t.equal((await get(app, '/')).statusCode, 200, 'no Origin')
  t.equal((await get(app, '/', 'http://localhost')).statusCode, 200, 'same origin (inject uses Host: localhost:80)')
  t.equal(ran, 3)
})

test('rejectDisallowed with a single exact origin or a function', async t => {
  const single = await appWith({ origin: 'https://a.com', rejectDisallowed: true })
  const refused = await get(single, '/', 'https://evil.com')
  t.equal(refused.statusCode, 403)
  t.equal(refused.headers.vary, 'Origin', 'the status depends on the Origin, so caches must vary')
  t.equal((await get(single, '/', 'https://a.com')).statusCode, 200)
  t.equal((await get(single, '/', 'https://a.com')).headers.vary, 'Origin')
  const fn = await appWith({ origin: async (origin) => origin === 'https://a.com', rejectDisallowed: true })
  t.equal((await get(fn, '/', 'https://evil.com')).statusCode, 403)
  t.equal((await get(fn, '/', 'https://a.com')).statusCode, 200)
})

test('behind a trusted proxy, same-origin requests are told by Sec-Fetch-Site or Host, never by X-Forwarded-*', async t => {
  const app = Fastify({ trustProxy: true })
  await app.register(cors, { origin: ['https://a.com', 'https://b.com'], rejectDisallowed: true })
  app.get('/', async () => 'ok')
  const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }
  t.equal((await get(app, '/', 'https://api.example.com', { headers: proxied })).statusCode, 403, 'a page can set X-Forwarded-*: it proves nothing')
  t.equal((await get(app, '/', 'https://api.example.com', { headers: { ...proxied, 'sec-fetch-site': 'same-origin' } })).statusCode, 200, 'Sec-Fetch-Site, which pages cannot set')
  t.equal((await get(app, '/', 'https://api.example.com', { headers: { ...proxied, 'sec-fetch-site': 'cross-site' } })).statusCode, 403)
  t.equal((await get(app, '/', 'http://api.example.com', { headers: { ...proxied, host: 'api.example.com' } })).statusCode, 200, 'Host and the connection\'s scheme')
  t.equal((await get(app, '/', 'https://api.example.com', { headers: { ...proxied, host: 'api.example.com' } })).statusCode, 403, 'the connection is plain HTTP, whatever X-Forwarded-Proto says')
  t.equal((await get(app, '/', 'http://api.example.com:8080', { headers: { host: 'API.example.com:8080' } })).statusCode, 200, 'explicit port, Host case-insensitive')
  t.equal((await get(app, '/', 'http://API.example.com', { headers: { host: 'api.example.com' } })).statusCode, 403, 'the Origin must be exact')
})

test('refusals are logged once at debug level with the reason and the request id', async t => {
  const lines: Array<Record<string, unknown>> = []
  const app = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  await app.register(cors, { origin: ['https://a.com', 'https://b.com'] })
  app.get('/', async () => 'ok')
  await app.inject({ url: '/', headers: { origin: 'https://evil.com' } })
  const refusals = lines.filter(line => line.corsReason !== undefined)
  t.equal(refusals.length, 1)
  t.match(refusals[0], { level: 20, corsReason: 'origin-not-allowed', reqId: String, msg: 'CORS request refused: origin-not-allowed (the origin is not in the allowlist)' })
})

// Issue 14: "A custom header requires a preflight" is a CSRF defence many apps rely on.
test('a cross-origin text/plain POST carrying a header only scripts set is refused before later hooks and the handler when its origin is refused', async t => {
  let handled = 0
  let hooked = 0
  const app = Fastify()
  await app.register(cors, { origin: ['https://app.example.com'], allowedHeaders: ['x-tenant', 'content-type', 'x-forwarded-for'] })
  app.addHook('onRequest', async () => { hooked++ })
  app.post('/account', async () => { handled++; return 'ok' })
  await app.ready()
  const post = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/account', payload: 'a=1', headers: { 'content-type': 'text/plain', ...headers } })
  for (const name of ['x-requested-with', 'x-csrf-token', 'x-xsrf-token', 'authorization', 'x-api-key', 'X-Tenant']) {
    const refused = await post({ origin: 'https://evil.example', [name]: '1' })
    t.equal(refused.statusCode, 403, `${name} makes it preflight-only`)
    t.equal(refused.body, 'CORS request refused: origin-not-allowed')
  }
  t.equal(handled, 0, 'the handler never ran')
  t.equal(hooked, 0, 'nor did a later onRequest hook')
  const proxyAdded = { 'x-forwarded-for': '1.2.3.4', 'x-forwarded-host': 'api.test', forwarded: 'for=1.2.3.4', via: '1.1 cdn', 'x-real-ip': '1.2.3.4', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'a=b', 'x-request-id': 'r', 'x-amzn-trace-id': 'Root=1', 'cf-ray': 'x', 'cf-connecting-ip': '1.2.3.4' }
  t.equal((await post({ origin: 'https://evil.example', ...proxyAdded })).statusCode, 200, 'headers proxies and CDNs add never make it preflight-only, even when listed in allowedHeaders')
  t.equal((await post({ origin: 'https://evil.example', 'x-requested-with': 'x', 'sec-fetch-mode': 'navigate' })).statusCode, 200, 'a navigation (a form post): scripts cannot add headers to it')
  t.equal((await post({ origin: 'https://app.example.com', 'x-requested-with': 'x' })).statusCode, 200, 'an allowed origin passes')
  t.equal((await post({ 'x-requested-with': 'x' })).statusCode, 200, 'an Origin-less request passes')
  t.equal((await post({ origin: 'http://localhost', 'x-requested-with': 'x' })).statusCode, 200, 'a same-origin request passes (inject Host localhost:80)')
  t.equal(handled, 5)
})

test('a header only scripts set is checked against the route\'s policy: methods, cors: false, checkActualRequests: false', async t => {
  const app = Fastify()
  await app.register(cors, { origin: ['https://app.example.com'], methods: ['GET'] })
  app.post('/', async () => 'ok')
  app.post('/off', { config: { cors: false } }, async () => 'ok')
  app.post('/unchecked', { config: { cors: { checkActualRequests: false } } }, async () => 'ok')
  await app.ready()
  const post = (url: string, headers: Record<string, string>) => app.inject({ method: 'POST', url, headers })
  const from = { origin: 'https://app.example.com' }
  t.equal((await post('/', { ...from, 'x-requested-with': 'x' })).statusCode, 403, 'POST outside methods, with a custom header: never approved by a preflight')
  t.equal((await post('/', from)).statusCode, 200, 'a simple POST outside methods is not preflight-only')
  t.equal((await post('/off', { ...from, authorization: 'Bearer x' })).body, 'CORS request refused: cors-disabled')
  t.equal((await post('/off', from)).statusCode, 200)
  t.equal((await post('/unchecked', { origin: 'https://evil.example', authorization: 'Bearer x' })).statusCode, 200)
})

// Issue 14: Content-Type classification as Fetch's "parse a MIME type", not String.prototype.trim().
test('a POST whose Content-Type is text/plain followed or preceded by U+00A0 is preflight-only: refused for a refused origin', async t => {
  let handled = 0
  const app = Fastify()
  await app.register(cors, { origin: ['https://app.example.com'] })
  app.post('/', async () => { handled++; return 'ok' })
  await app.ready()
  const post = (type: string) => app.inject({ method: 'POST', url: '/', headers: { origin: 'https://evil.example', 'content-type': type } })
  for (const type of ['text/plain\u00a0', '\u00a0text/plain', 'multipart/form-data\u00a0; boundary=x']) {
    t.equal((await post(type)).statusCode, 403, JSON.stringify(type))
  }
  t.equal(handled, 0)
  t.equal((await post('text/plain; charset=utf-8')).statusCode, 200, 'a safelisted Content-Type is a simple request')
})

// Issue 14: X-Forwarded-Host/X-Forwarded-Proto, which a page can set, made a cross-origin DELETE same-origin under trustProxy.
test('under trustProxy, X-Forwarded-Host and X-Forwarded-Proto set by a page do not make a cross-origin DELETE same-origin', async t => {
  let handled = 0
  const app = Fastify({ trustProxy: true })
  await app.register(cors, { origin: ['https://app.example.com'] })
  app.delete('/account', async () => { handled++; return 'ok' })
  await app.ready()
  const del = (headers: Record<string, string>) => app.inject({ method: 'DELETE', url: '/account', headers: { host: 'api.example.com', ...headers } })
  const refused = await del({ origin: 'https://evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' })
  t.equal(refused.statusCode, 403)
  t.equal(refused.body, 'CORS request refused: origin-not-allowed')
  t.equal(handled, 0)
  t.equal((await del({ origin: 'https://api.example.com', 'sec-fetch-site': 'same-origin' })).statusCode, 200, 'a real same-origin request says so in Sec-Fetch-Site')
})

test('rejectDisallowed answers 403 before hooks and handlers run; same-origin and Origin-less requests pass', async t => {
  let handled = 0
  let hooked = 0
  const build = async (trustProxy: boolean): Promise<FastifyInstance> => {
    const app = Fastify({ trustProxy })
    await app.register(cors, { origin: ['https://a.com'], rejectDisallowed: true })
    app.addHook('onRequest', async () => { hooked++ })
    app.post('/', async () => { handled++; return 'ok' })
    await app.ready()
    return app
  }
  const app = await build(false)
  const post = (origin?: string, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/', headers: { ...(origin !== undefined ? { origin } : {}), ...headers } })

  for (const origin of ['https://evil.com', 'null', 'https://a.com/', 'https://a.com.evil.com']) {
    const refused = await post(origin)
    t.equal(refused.statusCode, 403, `${origin} is refused`)
  }
  t.equal(handled, 0, 'the handler never ran')
  t.equal(hooked, 0, 'nor did a later onRequest hook')
  t.equal((await post('https://a.com')).statusCode, 200, 'an allowed origin passes')
  t.equal((await post()).statusCode, 200, 'an Origin-less request passes')
  t.equal((await post('http://localhost')).statusCode, 200, 'a same-origin request passes (inject Host localhost:80)')
  t.equal((await post('http://localhost', { host: 'LOCALHOST:80' })).statusCode, 200, 'Host is compared case-insensitively, default port dropped')
  t.equal(handled, 4)

  // Behind a proxy: X-Forwarded-Proto/Host, which a page can set, never make a request same-origin, even under trustProxy.
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }
  t.equal((await post('https://api.example.com', forwarded)).statusCode, 403, 'without trustProxy, X-Forwarded-* is ignored')
  const proxied = await build(true)
  const viaProxy = (origin: string, headers: Record<string, string>) => proxied.inject({ method: 'POST', url: '/', headers: { origin, ...headers } })
  t.equal((await viaProxy('https://api.example.com', forwarded)).statusCode, 403, 'with trustProxy too')
  t.equal((await viaProxy('https://api.example.com', { ...forwarded, 'sec-fetch-site': 'same-origin' })).statusCode, 200, 'Sec-Fetch-Site says same-origin')
  t.equal((await viaProxy('http://api.example.com', { ...forwarded, host: 'api.example.com' })).statusCode, 200, 'Host and the connection\'s scheme')
  t.equal((await viaProxy('https://evil.com', forwarded)).statusCode, 403)
})

test('an allowedHeaders name that Object.prototype also has (constructor, toString) makes a request preflight-only only when the request carries it', async t => {
  const app = Fastify()
  await app.register(cors, { origin: 'https://a.com', allowedHeaders: ['constructor', 'toString', 'content-type'] })
  app.get('/', async () => 'ok')
  const simple = await app.inject({ url: '/', headers: { origin: 'https://evil.com' } })
  t.equal(simple.statusCode, 200, 'a simple GET from a refused origin runs, unreadable: no header of the page names it preflighted')
  t.equal(simple.headers['access-control-allow-origin'], 'https://a.com')
  const scripted = await app.inject({ url: '/', headers: { origin: 'https://evil.com', constructor: 'x' } })
  t.equal(scripted.statusCode, 403, 'with the header, only a preflight could have let it through')
})
