import { test } from 'tap'
import Fastify from 'fastify'
import { isPreflight, isSafelistedContentType, needsPreflight } from '../../lib/spec/request-classification.js'

test('CORS-safelisted Content-Type values, as the Fetch Standard defines them', async t => {
  for (const value of ['text/plain', 'TEXT/Plain', 'text/plain; charset=utf-8', ' multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
    t.ok(isSafelistedContentType(value), value)
  }
  for (const value of ['application/json', 'text/html', 'text/plain; charset="a(b"', 'text/plain;' + 'x'.repeat(130), 'text/plain\u0001', 'text/plain@']) {
    t.notOk(isSafelistedContentType(value), value)
  }
})

test('which requests a browser sends only after a preflight', async t => {
  const app = Fastify({ trustProxy: true })
  const seen: boolean[] = []
  app.all('/', async request => { seen.push(needsPreflight(request)); return 'ok' })
  await app.ready()
  const send = (method: string, headers: Record<string, string>) => app.inject({ method: method as 'GET', url: '/', headers: { host: 'api.test', ...headers }, ...(headers['content-type'] === 'application/json' ? { payload: '{}' } : {}) })
  await send('GET', { origin: 'http://api.test' })
  await send('POST', { 'content-type': 'application/json', origin: 'https://api.test', 'x-forwarded-proto': 'https' })
  await send('POST', { 'content-type': 'text/plain', origin: 'http://api.test:80' })
  await send('PUT', { origin: 'http://api.test', 'sec-fetch-site': 'same-site' })
  await send('DELETE', { origin: 'http://other.test', 'sec-fetch-site': 'same-origin' })
  await send('PATCH', { origin: 'https://api.test', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.test:443' })
  t.same(seen, [false, true, false, true, true, true])
})

test('a preflight is OPTIONS with both Origin and Access-Control-Request-Method', async t => {
  const both = { origin: 'https://a.test', 'access-control-request-method': 'PUT' }
  t.ok(isPreflight('OPTIONS', both))
  t.notOk(isPreflight('PUT', both))
  t.notOk(isPreflight('OPTIONS', { origin: 'https://a.test' }))
  t.notOk(isPreflight('OPTIONS', { 'access-control-request-method': 'PUT' }))
  t.notOk(isPreflight(undefined, both))
})
