import { test } from 'tap'
import Fastify from 'fastify'
import { corsUnsafeHeaderNames, isForbiddenHeaderName, isPreflight, isProxyHeader, isSafelistedContentType, isSafelistedMethod, mimeEssence, needsPreflight, scriptOnlyHeaders, SCRIPT_ONLY_HEADERS } from '../../lib/spec/request-classification.js'

test('CORS-safelisted Content-Type values, as the Fetch Standard defines them', async t => {
  for (const value of ['text/plain', 'TEXT/Plain', 'text/plain; charset=utf-8', ' multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '\ttext/plain \t', 'text/plain ;charset=utf-8', 'text/plain;', 'text/plain; bad param; x=é']) {
    t.ok(isSafelistedContentType(value), JSON.stringify(value))
  }
  for (const value of [
    'application/json', 'text/html', 'text/plain; charset="a(b"', 'text/plain;' + 'x'.repeat(130), 'text/plain\u0001', 'text/plain@',
    // Only HTTP whitespace is stripped (https://fetch.spec.whatwg.org/#http-whitespace), never U+00A0 or U+FEFF as String.prototype.trim() does.
    'text/plain\u00a0', '\u00a0text/plain', 'multipart/form-data\u00a0; boundary=x', '\ufefftext/plain', 'text /plain', 'text/ plain',
    'text/plain\u000b', 'text', '/plain', 'text/', 'tëxt/plain'
  ]) {
    t.notOk(isSafelistedContentType(value), JSON.stringify(value))
  }
})

test('parse a MIME type: the essence, or undefined when type or subtype is not a token', async t => {
  t.equal(mimeEssence(' Text/Plain ; charset=x'), 'text/plain')
  t.equal(mimeEssence('a/b;c'), 'a/b')
  t.equal(mimeEssence('a/b\u00a0'), undefined)
  t.equal(mimeEssence('ab'), undefined)
  t.equal(mimeEssence(''), undefined)
})

test('CORS-safelisted methods are GET, HEAD and POST, case-sensitively', async t => {
  for (const method of ['GET', 'HEAD', 'POST']) t.ok(isSafelistedMethod(method))
  for (const method of ['get', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'post']) t.notOk(isSafelistedMethod(method))
})

test('forbidden request-header names: the fixed list and the Proxy- and Sec- prefixes', async t => {
  for (const name of ['host', 'origin', 'cookie', 'via', 'set-cookie', 'sec-fetch-site', 'proxy-authorization', 'access-control-request-method']) t.ok(isForbiddenHeaderName(name), name)
  for (const name of ['authorization', 'x-requested-with', 'content-type', 'x-forwarded-for']) t.notOk(isForbiddenHeaderName(name), name)
})

test('headers that proxies, CDNs and tracers add', async t => {
  for (const name of ['x-forwarded-for', 'x-forwarded-host', 'forwarded', 'x-real-ip', 'traceparent', 'tracestate', 'x-request-id', 'x-amzn-trace-id', 'cf-ray', 'cf-connecting-ip', 'x-b3-traceid']) t.ok(isProxyHeader(name), name)
  for (const name of ['authorization', 'x-requested-with', 'x-csrf-token', 'x-api-key']) t.notOk(isProxyHeader(name), name)
})

test('script-only header names: the built-in ones and the listed ones, less safelisted, forbidden and proxy names', async t => {
  t.same(scriptOnlyHeaders([]), SCRIPT_ONLY_HEADERS)
  t.same(scriptOnlyHeaders(['X-Tenant', 'content-type', 'Accept', 'x-forwarded-for', 'sec-foo', 'cookie', 'authorization']), [...SCRIPT_ONLY_HEADERS, 'x-tenant'])
  for (const name of ['authorization', 'x-requested-with', 'x-csrf-token', 'x-xsrf-token']) t.ok(SCRIPT_ONLY_HEADERS.includes(name), name)
})

test('which requests a browser sends only after a preflight', async t => {
  const app = Fastify()
  const seen: boolean[] = []
  const scriptOnly = scriptOnlyHeaders(['x-tenant'])
  // onRequest: before any body parser, which some Fastify versions refuse 'text/plain\u00a0' in (415).
  app.addHook('onRequest', async request => { seen.push(needsPreflight(request, scriptOnly)) })
  app.all('/', async () => 'ok')
  await app.ready()
  const send = (method: string, headers: Record<string, string>) => app.inject({ method: method as 'GET', url: '/', headers, ...(headers['content-type'] === 'application/json' ? { payload: '{}' } : {}) })
  await send('GET', {})
  await send('POST', { 'content-type': 'application/json' })
  await send('POST', { 'content-type': 'text/plain' })
  await send('PUT', {})
  await send('POST', { 'content-type': 'text/plain', 'x-requested-with': 'XMLHttpRequest' })
  await send('GET', { authorization: 'Bearer x' })
  await send('GET', { 'x-tenant': 't' })
  await send('GET', { 'x-forwarded-for': '1.2.3.4', traceparent: '00-a-b-01', 'x-request-id': '1', 'cf-ray': 'x', accept: 'application/json' })
  await send('POST', { 'content-type': 'text/plain\u00a0' })
  // Sec-Fetch-Mode, which pages cannot set: in a navigation or a no-cors request, scripts cannot add headers.
  await send('POST', { 'content-type': 'text/plain', 'x-requested-with': 'x', 'sec-fetch-mode': 'navigate' })
  await send('GET', { authorization: 'x', 'sec-fetch-mode': 'no-cors' })
  await send('GET', { authorization: 'x', 'sec-fetch-mode': 'cors' })
  t.same(seen, [false, true, false, true, true, true, true, false, true, false, false, true])
})

test('a preflight is OPTIONS with both Origin and Access-Control-Request-Method', async t => {
  const both = { origin: 'https://a.test', 'access-control-request-method': 'PUT' }
  t.ok(isPreflight('OPTIONS', both))
  t.notOk(isPreflight('PUT', both))
  t.notOk(isPreflight('OPTIONS', { origin: 'https://a.test' }))
  t.notOk(isPreflight('OPTIONS', { 'access-control-request-method': 'PUT' }))
  t.notOk(isPreflight(undefined, both))
})

test('CORS-unsafe request-header names: what a browser lists in Access-Control-Request-Headers', async t => {
  t.same(corsUnsafeHeaderNames({}), [])
  t.same(corsUnsafeHeaderNames({ Accept: 'application/json', 'Accept-Language': 'en-GB, fr;q=0.5', 'Content-Language': 'de', 'Content-Type': 'text/plain', Range: 'bytes=0-99' }), [], 'safelisted names with safelisted values')
  t.same(corsUnsafeHeaderNames({ 'X-B': '1', 'x-a': '1', Authorization: 'Bearer t', 'content-type': 'application/json' }), ['authorization', 'content-type', 'x-a', 'x-b'], 'lower-cased and sorted')
  t.same(corsUnsafeHeaderNames({ host: 'a', origin: 'x', cookie: 'c', 'sec-fetch-mode': 'cors', 'proxy-x': '1' }), [], 'forbidden names: scripts cannot set them')
  t.same(corsUnsafeHeaderNames({ accept: 'a(b' }), ['accept'], 'an unsafe byte in Accept')
  t.same(corsUnsafeHeaderNames({ 'accept-language': 'en_GB' }), ['accept-language'])
  t.same(corsUnsafeHeaderNames({ accept: 'x'.repeat(129) }), ['accept'], 'over 128 bytes')
  for (const range of ['bytes=5-', 'bytes=5-5']) t.same(corsUnsafeHeaderNames({ range }), [], range)
  for (const range of ['bytes=6-5', 'bytes=-5', 'bytes=0-1,2-3', 'items=0-1']) t.same(corsUnsafeHeaderNames({ range }), ['range'], range)
})
