// @fastify/auth with @fastify/bearer-auth's verifier as its README shows it
// (`addHook: false`, `fastify.auth([...])` on the route, as a preHandler or an
// onRequest hook). Route hooks run after the app's hooks, so the plugin has
// answered the preflight and set its headers before any verifier runs,
// whichever of the two is registered first.
import t from 'tap'
import { AUTH_ORDERS, TOKEN, authApp } from './fixtures/auth-app.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

for (const order of AUTH_ORDERS) {
  t.test(`${order}: preflights are the plugin's, 401s are readable, the token opens the route`, async t => {
    const app = await authApp(order)
    t.teardown(() => app.close())
    for (const method of ['GET', 'DELETE']) {
      const preflight = await app.inject({ method: 'OPTIONS', url: '/me', headers: { origin: APP, 'access-control-request-method': method, 'access-control-request-headers': 'authorization' } })
      t.equal(preflight.statusCode, 204, `${method} preflight: the plugin's answer`)
      t.match(corsView(preflight), { 'access-control-allow-origin': APP, 'access-control-allow-methods': method, 'access-control-allow-headers': 'authorization' })

      const anonymous = await app.inject({ method: method as 'GET' | 'DELETE', url: '/me', headers: { origin: APP } })
      t.equal(anonymous.statusCode, 401, `${method} without a token`)
      t.same(corsView(anonymous), { 'access-control-allow-origin': APP, vary: 'Origin' }, `${method}: the 401 carries the CORS headers`)

      const authenticated = await app.inject({ method: method as 'GET' | 'DELETE', url: '/me', headers: { origin: APP, authorization: `Bearer ${TOKEN}` } })
      t.equal(authenticated.statusCode, 200, `${method} with the token`)
      t.same(corsView(authenticated), { 'access-control-allow-origin': APP, vary: 'Origin' })
    }
    const refused = await app.inject({ method: 'DELETE', url: '/me', headers: { origin: EVIL, authorization: `Bearer ${TOKEN}` } })
    t.equal(refused.statusCode, 403, 'a refused origin\'s DELETE is refused before the verifier and the handler run')
    t.same(corsView(refused), { vary: 'Origin' })
  })
}
