import { test } from 'tap'
import Fastify from 'fastify'
import { isSameOrigin } from '../../lib/request/same-origin.js'

test('which requests come from the same origin: Sec-Fetch-Site, else scheme, host and port', async t => {
  const app = Fastify({ trustProxy: true })
  const seen: boolean[] = []
  app.all('/', async request => { seen.push(isSameOrigin(request, String(request.headers.origin))); return 'ok' })
  await app.ready()
  const send = (method: string, headers: Record<string, string>) => app.inject({ method: method as 'GET', url: '/', headers: { host: 'api.test', ...headers }, ...(headers['content-type'] === 'application/json' ? { payload: '{}' } : {}) })
  await send('GET', { origin: 'http://api.test' })
  await send('POST', { 'content-type': 'application/json', origin: 'https://api.test', 'x-forwarded-proto': 'https' })
  await send('POST', { 'content-type': 'text/plain', origin: 'http://api.test:80' })
  await send('PUT', { origin: 'http://api.test', 'sec-fetch-site': 'same-site' })
  await send('DELETE', { origin: 'http://other.test', 'sec-fetch-site': 'same-origin' })
  await send('PATCH', { origin: 'https://api.test', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.test:443' })
  t.same(seen, [true, true, false, false, true, true])
})
