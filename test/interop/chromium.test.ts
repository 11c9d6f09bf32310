// The interop apps where the browser's view matters, in one Chromium (the
// browser suite's harness): what a cross-origin page can read beside
// helmet's Cross-Origin-Resource-Policy, a rate limiter's 429, an auth 401,
// a credentialed session, and a 304 revalidation. Each app is the one its
// pairing's test file checks through inject, listening on loopback.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { helmetApp } from './fixtures/helmet-app.js'
import { RATE_LIMIT_HEADERS, rateLimitApp } from './fixtures/rate-limit-app.js'
import { sessionApp } from './fixtures/session-app.js'
import { ITEMS, compressEtagApp } from './fixtures/compress-etag-app.js'
import { authApp, TOKEN } from './fixtures/auth-app.js'
import { bearerAuthApp, TOKEN as BEARER_TOKEN } from './fixtures/bearer-auth-app.js'
import { EVIL_HOST, PAGE_HOST, chromium, listen } from './fixtures/interop.js'

const browser = await chromium(t)
const page = browser.tab(PAGE_HOST)
const evil = browser.tab(EVIL_HOST)
const allowed = { origin: [browser.origin(PAGE_HOST), 'https://admin.example.com'] }

/** The statuses the app sent, in order. */
function statuses (app: FastifyInstance): number[] {
  const sent: number[] = []
  app.server.on('request', (_request, response) => response.on('finish', () => sent.push(response.statusCode)))
  return sent
}

t.test('helmet: a CORS fetch reads the API; Cross-Origin-Resource-Policy stops no-cors loads', async t => {
  const app = await helmetApp('helmet first', allowed)
  t.teardown(() => app.close())
  const url = `${await listen(app)}/data`
  t.match(await page.fetch(url), { readable: true, status: 200, body: '{"ok":true}' }, 'the allowed page reads the response')
  t.match(await page.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }), { readable: true, status: 200 }, 'a preflighted PUT goes through')
  t.match(await page.fetch(url, { mode: 'no-cors' } as never), { readable: false }, 'CORP same-origin blocks a no-cors load, even from the allowed page')
  t.match(await evil.fetch(url), { readable: false }, 'a refused page cannot read it')
  t.match(await evil.fetch(url, { mode: 'no-cors' } as never), { readable: false }, 'nor embed it')
})

t.test('rate-limit: the page reads the 429 and its Retry-After', async t => {
  const app = await rateLimitApp('rate-limit first', { ...allowed, exposedHeaders: RATE_LIMIT_HEADERS })
  t.teardown(() => app.close())
  const url = `${await listen(app)}/data`
  t.match(await page.fetch(url, { read: ['x-ratelimit-remaining'] }), { readable: true, status: 200, read: { 'x-ratelimit-remaining': '0' } })
  t.match(await page.fetch(url, { read: ['retry-after'] }), { readable: true, status: 429, read: { 'retry-after': '60' } }, 'a 429 the page can read, and when to retry')
})

t.test("rate-limit's hook added before the plugin: the page still reads the 429", async t => {
  const app = await rateLimitApp('rateLimit() hook before the plugin', { ...allowed, exposedHeaders: RATE_LIMIT_HEADERS })
  t.teardown(() => app.close())
  const url = `${await listen(app)}/data`
  const sent = statuses(app)
  t.match(await page.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }), { readable: true, status: 200 })
  t.match(await page.fetch(url, { read: ['retry-after'] }), { readable: true, status: 429, read: { 'retry-after': '60' } }, 'a 429 the page can read')
  t.same(sent, [204, 200, 429], 'the preflight was answered by the plugin, not counted by the limiter')
})

t.test('bearer-auth registered before the plugin (its README\'s order): preflights are the plugin\'s, the page reads the 401', async t => {
  const app = await bearerAuthApp('bearer-auth first', { ...allowed, allowedHeaders: ['authorization'] })
  t.teardown(() => app.close())
  const url = `${await listen(app)}/me`
  const sent = statuses(app)
  t.match(await page.fetch(url), { readable: true, status: 401 }, 'no token: the page reads "not logged in"')
  t.match(await page.fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${BEARER_TOKEN}` } }), { readable: true, status: 200, body: '{"deleted":true}' }, 'the preflight (never carrying the token) was answered by the plugin')
  t.same(sent, [401, 204, 200])
  t.match(await evil.fetch(url), { readable: false }, 'a refused page cannot read the 401')
})

t.test('auth: preflights carry no token and are never authenticated; the page reads the 401', async t => {
  const app = await authApp('auth first', allowed)
  t.teardown(() => app.close())
  const url = `${await listen(app)}/me`
  const sent = statuses(app)
  t.match(await page.fetch(url, { method: 'DELETE' }), { readable: true, status: 401 }, 'no token: the page reads "not logged in"')
  t.match(await page.fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } }), { readable: true, status: 200, body: '{"deleted":true}' })
  // The preflight names the configured allowedHeaders, so Chromium's cached answer (5 s without maxAge) covers the token's request too.
  t.same(sent, [204, 401, 200], 'one preflight, answered by the plugin without a token; then the 401 and the 200')
})

t.test('cookie + session: a credentialed session across origins', async t => {
  const app = await sessionApp('session first', { origin: [browser.origin('localhost'), 'https://admin.example.com'], credentials: true })
  t.teardown(() => app.close())
  // The page and the API on one site, two origins (as app.example.com and api.example.com): the SameSite=Lax cookie goes along.
  const api = await listen(app, 'localhost')
  const home = browser.tab('localhost')
  t.match(await home.fetch(`${api}/me`, { credentials: 'include' }), { readable: true, body: '{"user":null}' })
  t.match(await home.fetch(`${api}/login`, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{"user":"ada"}' }), { readable: true, status: 200 })
  t.match(await home.fetch(`${api}/me`, { credentials: 'include' }), { readable: true, body: '{"user":"ada"}' }, 'the session cookie set by the login is sent and read')
  t.match(await home.fetch(`${api}/me`), { readable: true, body: '{"user":null}' }, 'without credentials, no session')
  t.match(await evil.fetch(`${api}/me`, { credentials: 'include' }), { readable: false }, 'a refused page cannot read the session')
})

t.test('compress + etag: a revalidation answered 304 gives the page the cached, readable body', async t => {
  const app = await compressEtagApp('compress and etag first', allowed)
  t.teardown(() => app.close())
  const url = `${await listen(app)}/items`
  const sent = statuses(app)
  const body = JSON.stringify(ITEMS)
  t.match(await page.fetch(url), { readable: true, status: 200, body })
  t.match(await page.fetch(url, { cache: 'no-cache' } as never), { readable: true, status: 200, body }, 'the page reads the cached body')
  t.same(sent, [200, 304], 'the second fetch was revalidated with a 304')
})
