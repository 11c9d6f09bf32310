// @fastify/middie running an Express app's `cors()` middleware (from the
// `cors` package) beside the plugin: two CORS layers, which do not combine.
// The middleware writes its headers on the raw response in middie's
// onRequest hook: registered before the plugin, it answers every preflight
// itself (`*`, every method) and the plugin never sees one; in either order,
// its `Access-Control-Allow-Origin: *` stays on responses to the origins the
// plugin refuses, so any page reads them. Remove `app.use(cors())` when you
// add the plugin (the middleware's options are @fastify/cors's, whose
// migration the README describes).
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import middie from '@fastify/middie'
import expressCors from 'cors'
import cors from '../../index.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

const ORDERS = ['middleware first', 'plugin first'] as const

async function expressApp (order: typeof ORDERS[number]): Promise<FastifyInstance> {
  const app = Fastify()
  async function express (): Promise<void> {
    await app.register(middie)
    app.use(expressCors())
  }
  if (order === 'middleware first') await express()
  await app.register(cors, { origin: [APP, 'https://admin.example.com'], credentials: true })
  if (order === 'plugin first') await express()
  app.get('/data', async () => ({ ok: true }))
  app.put('/data', async () => ({ ok: true }))
  await app.ready()
  return app
}

const preflight = (origin: string) => ({ method: 'OPTIONS' as const, url: '/data', headers: { origin, 'access-control-request-method': 'PUT' } })

t.test('middleware first: the middleware answers every preflight, the plugin none', async t => {
  const app = await expressApp('middleware first')
  t.teardown(() => app.close())
  for (const origin of [APP, EVIL]) {
    const answer = await app.inject(preflight(origin))
    t.equal(answer.statusCode, 204, origin)
    t.same(corsView(answer), { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET,HEAD,PUT,PATCH,POST,DELETE', vary: 'Access-Control-Request-Headers' }, 'the middleware\'s answer: the refused origin is approved too')
  }
})

t.test('plugin first: the plugin answers the preflights', async t => {
  const app = await expressApp('plugin first')
  t.teardown(() => app.close())
  t.match(corsView(await app.inject(preflight(APP))), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', 'access-control-allow-methods': 'PUT' })
  t.equal((await app.inject(preflight(EVIL))).statusCode, 403)
})

for (const order of ORDERS) {
  t.test(`${order}: the plugin's headers win for allowed origins; the middleware's * reaches the refused ones`, async t => {
    const app = await expressApp(order)
    t.teardown(() => app.close())
    const allowed = await app.inject({ url: '/data', headers: { origin: APP } })
    t.same(corsView(allowed), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', vary: 'Origin' })
    const refused = await app.inject({ url: '/data', headers: { origin: EVIL } })
    t.equal(refused.headers['access-control-allow-origin'], '*', 'any page reads the response (without credentials)')
    const refusedPut = await app.inject({ method: 'PUT', url: '/data', headers: { origin: EVIL, 'content-type': 'application/json' }, payload: '{}' })
    t.equal(refusedPut.statusCode, 403, 'the plugin still refuses the PUT before the handler')
  })
}
