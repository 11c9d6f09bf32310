// @fastify/bearer-auth's own hook beside the plugin, in both orders. Browsers
// never send Authorization (or cookies) on a preflight, so a preflight must
// be answered by the plugin, never authenticated; the 401 of a request without
// a token must carry the CORS headers, so that the page reads "not logged in"
// instead of a network error.
import t from 'tap'
import { BEARER_AUTH_ORDERS, TOKEN, bearerAuthApp } from './fixtures/bearer-auth-app.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

const OPTIONS = { origin: [APP, 'https://admin.example.com'], allowedHeaders: ['authorization'] }

for (const order of BEARER_AUTH_ORDERS) {
  t.test(`${order}: a preflight is answered by the plugin, never authenticated`, async t => {
    const app = await bearerAuthApp(order, OPTIONS)
    t.teardown(() => app.close())
    for (const method of ['GET', 'DELETE']) {
      const preflight = await app.inject({ method: 'OPTIONS', url: '/me', headers: { origin: APP, 'access-control-request-method': method, 'access-control-request-headers': 'authorization' } })
      t.equal(preflight.statusCode, 204, `${method}: the plugin's answer, not a 401`)
      t.match(corsView(preflight), { 'access-control-allow-origin': APP, 'access-control-allow-methods': method, 'access-control-allow-headers': 'authorization' })
    }
    const refused = await app.inject({ method: 'OPTIONS', url: '/me', headers: { origin: EVIL, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' } })
    t.equal(refused.statusCode, 403, 'a refused origin\'s preflight is the plugin\'s refusal')
    t.equal(refused.body, 'CORS preflight refused: origin-not-allowed')
  })

  t.test(`${order}: the 401 is readable by an allowed page, the token opens the route`, async t => {
    const app = await bearerAuthApp(order, OPTIONS)
    t.teardown(() => app.close())
    const anonymous = await app.inject({ url: '/me', headers: { origin: APP } })
    t.equal(anonymous.statusCode, 401)
    t.same(corsView(anonymous), { 'access-control-allow-origin': APP, vary: 'Origin' }, 'the 401 carries the CORS headers')
    const authenticated = await app.inject({ method: 'DELETE', url: '/me', headers: { origin: APP, authorization: `Bearer ${TOKEN}` } })
    t.equal(authenticated.statusCode, 200)
    t.same(corsView(authenticated), { 'access-control-allow-origin': APP, vary: 'Origin' })
    const refused = await app.inject({ url: '/me', headers: { origin: EVIL } })
    t.equal(refused.statusCode, 401)
    t.same(corsView(refused), { vary: 'Origin' }, 'a refused origin\'s 401 has no CORS header')
  })
}
