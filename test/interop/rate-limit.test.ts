// @fastify/rate-limit beside the plugin. Registered as a plugin (either
// order), the limiter adds its onRequest hook to each route as the route is
// declared: route hooks run after the app's, so the plugin has set its headers
// when the limiter answers 429, and a preflight is answered before it is
// counted. Added as an app hook before the plugin, the limiter runs first.
import t, { type Test } from 'tap'
import { RATE_LIMIT_HEADERS, RATE_LIMIT_ORDERS, rateLimitApp, type RateLimitSetup } from './fixtures/rate-limit-app.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

const OPTIONS = { origin: [APP, 'https://admin.example.com'], exposedHeaders: RATE_LIMIT_HEADERS }
const PREFLIGHT = { method: 'OPTIONS' as const, url: '/data', headers: { origin: APP, 'access-control-request-method': 'PUT' } }

async function assertReadable429 (t: Test, setup: RateLimitSetup): Promise<void> {
  const app = await rateLimitApp(setup, OPTIONS)
  t.teardown(() => app.close())
  const first = await app.inject({ url: '/data', headers: { origin: APP } })
  t.equal(first.statusCode, 200)
  const limited = await app.inject({ url: '/data', headers: { origin: APP } })
  t.equal(limited.statusCode, 429)
  t.same(corsView(limited), { 'access-control-allow-origin': APP, 'access-control-expose-headers': RATE_LIMIT_HEADERS.join(', '), vary: 'Origin' }, 'the 429 carries the CORS headers')
  t.equal(limited.headers['retry-after'], '60', 'and Retry-After, which the page reads as an exposed header')
  const refused = await app.inject({ url: '/data', headers: { origin: EVIL } })
  t.equal(refused.statusCode, 429)
  t.same(corsView(refused), { vary: 'Origin' }, 'a refused origin\'s 429 has no CORS header')
}

for (const order of RATE_LIMIT_ORDERS) {
  t.test(`${order}: the 429 is readable by an allowed page`, t => assertReadable429(t, order))

  t.test(`${order}: preflights are answered before the limiter counts them`, async t => {
    const app = await rateLimitApp(order, OPTIONS)
    t.teardown(() => app.close())
    for (let i = 0; i < 3; i++) t.equal((await app.inject(PREFLIGHT)).statusCode, 204)
    const first = await app.inject({ method: 'PUT', url: '/data', headers: { origin: APP } })
    t.equal(first.statusCode, 200, 'the request the preflights announced is the first one counted')
    t.equal(first.headers['x-ratelimit-remaining'], '0')
  })
}

t.test('rateLimit() hook before the plugin: the 429 is readable by an allowed page', t => assertReadable429(t, 'rateLimit() hook before the plugin'))
