// @fastify/helmet beside the plugin: helmet sets its headers in a global
// onRequest hook, the plugin its own in another; neither touches the other's
// headers, so the order of registration does not matter. What a page can do
// with helmet's Cross-Origin-Resource-Policy is in chromium.test.ts.
import t from 'tap'
import { HELMET_ORDERS, helmetApp } from './fixtures/helmet-app.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

for (const order of HELMET_ORDERS) {
  t.test(`${order}: helmet's headers and the plugin's side by side`, async t => {
    const app = await helmetApp(order, { origin: [APP, 'https://admin.example.com'], credentials: true })
    t.teardown(() => app.close())

    const allowed = await app.inject({ url: '/data', headers: { origin: APP } })
    t.equal(allowed.statusCode, 200)
    t.same(corsView(allowed), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', vary: 'Origin' })
    t.match(allowed.headers, {
      'cross-origin-resource-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'x-content-type-options': 'nosniff'
    }, 'helmet is untouched by the plugin')

    const refused = await app.inject({ url: '/data', headers: { origin: EVIL } })
    t.same(corsView(refused), { vary: 'Origin' }, 'a refused origin gets no CORS header')
    t.equal(refused.headers['cross-origin-resource-policy'], 'same-origin')

    const preflight = await app.inject({ method: 'OPTIONS', url: '/data', headers: { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } })
    t.equal(preflight.statusCode, 204, 'the plugin answers the preflight')
    t.match(corsView(preflight), { 'access-control-allow-origin': APP, 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'content-type' })
  })
}
