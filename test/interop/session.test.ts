// @fastify/cookie with @fastify/session beside the plugin, in both orders: a
// credentialed session across origins. The session's hooks and the plugin's
// do not touch each other's headers. The plugin's onRequest hook runs before
// every other one, so a preflight is answered before the session is loaded:
// even with the session registered first and its default
// `saveUninitialized: true`, no preflight creates a session.
// The browser's view (the cookie set by one cross-origin request sent with
// the next) is in chromium.test.ts.
import t from 'tap'
import { SESSION_ORDERS, sessionApp } from './fixtures/session-app.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

const OPTIONS = { origin: [APP, 'https://admin.example.com'], credentials: true }

for (const order of SESSION_ORDERS) {
  t.test(`${order}: log in from an allowed origin, then read the session with its cookie`, async t => {
    const app = await sessionApp(order, OPTIONS)
    t.teardown(() => app.close())

    const preflight = await app.inject({ method: 'OPTIONS', url: '/login', headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
    t.equal(preflight.statusCode, 204)
    t.match(corsView(preflight), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true' })

    const login = await app.inject({ method: 'POST', url: '/login', headers: { origin: APP, 'content-type': 'application/json' }, payload: { user: 'ada' } })
    t.equal(login.statusCode, 200)
    t.same(corsView(login), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', vary: 'Origin' })
    const setCookie = String(login.headers['set-cookie'])
    t.match(setCookie, /^sessionId=[^;]+;.*HttpOnly; SameSite=Lax/, 'the session cookie is set on the CORS response')

    const me = await app.inject({ url: '/me', headers: { origin: APP, cookie: setCookie.split(';')[0] } })
    t.same(me.json(), { user: 'ada' })
    t.same(corsView(me), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', vary: 'Origin' })

    const evil = await app.inject({ url: '/me', headers: { origin: EVIL, cookie: setCookie.split(';')[0] } })
    t.same(corsView(evil), { vary: 'Origin' }, 'a refused origin gets the response without CORS headers: its page cannot read it')

    const refused = await app.inject({ method: 'POST', url: '/login', headers: { origin: EVIL, 'content-type': 'application/json' }, payload: { user: 'mallory' } })
    t.equal(refused.statusCode, 403, 'a refused origin\'s JSON login is stopped before the session is written')
    t.notOk(refused.headers['set-cookie'])
  })
}

t.test("with saveUninitialized: true (the session's default), a preflight never creates a session, in either order", async t => {
  const preflight = { method: 'OPTIONS' as const, url: '/me', headers: { origin: APP, 'access-control-request-method': 'GET' } }
  for (const order of SESSION_ORDERS) {
    const app = await sessionApp(order, OPTIONS, true)
    t.teardown(() => app.close())
    const answered = await app.inject(preflight)
    t.equal(answered.statusCode, 204)
    t.notOk(answered.headers['set-cookie'], `${order}: the preflight is answered before the session is loaded`)
    const request = await app.inject({ url: '/me', headers: { origin: APP } })
    t.match(String(request.headers['set-cookie']), /^sessionId=/, `${order}: an actual request gets its session`)
  }
})
