import { test } from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import fc from 'fast-check'
import { corsUnsafeHeaderNames, isForbiddenHeaderName, isPreflight, isProxyHeader, isSafelistedContentType, isSafelistedMethod, mimeEssence, needsPreflight, addedScriptOnlyHeaders, scriptOnlyHeaders, SCRIPT_ONLY_HEADERS } from '../../lib/spec/request-classification.js'

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
  t.same(SCRIPT_ONLY_HEADERS, ['authorization', 'x-requested-with', 'x-csrf-token', 'x-xsrf-token', 'x-api-key'])
  t.same(addedScriptOnlyHeaders(['X-Tenant', 'content-type', 'authorization', 'X-API-Key', 'x-b']), ['x-tenant', 'x-b'], 'besides the built-in ones')
})

test('each built-in script-only header alone makes a GET preflight-only; a name on Object.prototype counts only when the request has it', async t => {
  const request = (headers: Record<string, string>) => ({ method: 'GET', headers }) as unknown as FastifyRequest
  for (const name of SCRIPT_ONLY_HEADERS) {
    t.ok(needsPreflight(request({ [name]: 'x' }), []), name)
    t.notOk(needsPreflight(request({ [name]: 'x', 'sec-fetch-mode': 'no-cors' }), []), `${name} in a no-cors request`)
  }
  const inherited = addedScriptOnlyHeaders(['constructor', 'toString', '__proto__', 'x-tenant'])
  t.notOk(needsPreflight(request({ accept: '*/*' }), inherited), 'Node\'s headers object inherits these names from Object.prototype')
  t.ok(needsPreflight(request({ constructor: 'x' }), inherited), 'sent by the page')
  t.ok(needsPreflight(request({ 'x-tenant': 'x' }), inherited))
})

// The reference: the definition read literally, every script-only name looked up in the request's own headers.
function needsPreflightReference (method: string, headers: Record<string, string>, listed: string[]): boolean {
  if (!['GET', 'HEAD', 'POST'].includes(method)) return true
  const type = headers['content-type']
  if (type !== undefined && !isSafelistedContentType(type)) return true
  if (!scriptOnlyHeaders(listed).some(name => Object.hasOwn(headers, name))) return false
  return headers['sec-fetch-mode'] !== 'navigate' && headers['sec-fetch-mode'] !== 'no-cors'
}

test('property: needsPreflight, reading the built-in names one by one and the added ones in a loop, agrees with the reference on random requests', async t => {
  const names = fc.constantFrom(...SCRIPT_ONLY_HEADERS, 'x-tenant', 'X-Tenant', 'constructor', 'toString', 'accept', 'x-forwarded-for', 'content-type', 'cookie', 'x-other')
  const value = fc.constantFrom('x', 'text/plain', 'application/json', 'navigate', 'no-cors', 'cors')
  const headers = fc.dictionary(fc.oneof(names.map(name => name.toLowerCase()), fc.constant('sec-fetch-mode')), value, { maxKeys: 6 })
    .map(record => Object.assign({}, record))
  fc.assert(fc.property(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'get'), headers, fc.array(names, { maxLength: 4 }), (method, sent, listed) => {
    const request = { method, headers: sent } as unknown as FastifyRequest
    return needsPreflight(request, addedScriptOnlyHeaders(listed)) === needsPreflightReference(method, sent, listed)
  }), { numRuns: 3000, seed: 20261203 })
  t.pass('3,000 random requests')
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
