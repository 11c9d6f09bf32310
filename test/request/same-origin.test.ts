import { test } from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import { isSameOrigin } from '../../lib/request/same-origin.js'

test('which requests come from the same origin: Sec-Fetch-Site, else the connection\'s scheme and the Host header', async t => {
  const app = Fastify({ trustProxy: true })
  const seen: boolean[] = []
  app.all('/', async request => { seen.push(isSameOrigin(request, String(request.headers.origin))); return 'ok' })
  await app.ready()
  const send = (method: string, headers: Record<string, string>) => app.inject({ method: method as 'GET', url: '/', headers: { host: 'api.test', ...headers } })
  await send('GET', { origin: 'http://api.test' })
  await send('POST', { origin: 'http://api.test:80' })
  await send('PUT', { origin: 'http://api.test', 'sec-fetch-site': 'same-site' })
  await send('DELETE', { origin: 'http://other.test', 'sec-fetch-site': 'same-origin' })
  await send('PATCH', { origin: 'http://api.test', host: 'API.test:80' })
  t.same(seen, [true, false, false, true, true])
})

test('X-Forwarded-Host, X-Forwarded-Proto and Forwarded, which a page can set, never make a request same-origin, even under trustProxy', async t => {
  const app = Fastify({ trustProxy: true })
  const seen: boolean[] = []
  app.all('/', async request => { seen.push(isSameOrigin(request, String(request.headers.origin))); return 'ok' })
  await app.ready()
  const send = (headers: Record<string, string>) => app.inject({ method: 'DELETE', url: '/', headers: { host: 'internal:3000', ...headers } })
  await send({ origin: 'https://api.test', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.test' })
  await send({ origin: 'https://api.test', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.test:443' })
  await send({ origin: 'https://api.test', forwarded: 'host=api.test;proto=https' })
  await send({ origin: 'http://internal:3000', 'x-forwarded-host': 'evil.test' })
  t.same(seen, [false, false, false, true])
})

test('over TLS the scheme is https and its default port is dropped; no Host, no match', async t => {
  const request = (headers: Record<string, string>, encrypted: boolean) => ({ headers, raw: { socket: { encrypted } } }) as unknown as FastifyRequest
  t.ok(isSameOrigin(request({ host: 'api.test:443' }, true), 'https://api.test'))
  t.notOk(isSameOrigin(request({ host: 'api.test' }, true), 'http://api.test'))
  t.ok(isSameOrigin(request({ ':authority': 'api.test' }, true), 'https://api.test'), 'HTTP/2 :authority')
  t.notOk(isSameOrigin(request({}, false), 'http://localhost'))
})
