// @fastify/middie running an Express app's `cors()` middleware (from the
// `cors` package) beside the plugin: two CORS layers. The middleware writes
// its headers on the raw response in middie's onRequest hook; the plugin's
// onRequest hook runs before every other one and its onSend hook after every
// other one, so in either order the plugin answers every preflight (the
// middleware never sees one) and the plugin's answer replaces the
// middleware's `Access-Control-Allow-Origin: *`: refused origins read nothing.
// The middleware adds nothing then: remove `app.use(cors())` when you add the
// plugin (its options are @fastify/cors's, whose migration the README describes).
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

for (const order of ORDERS) {
  t.test(`${order}: the plugin answers every preflight, the middleware none`, async t => {
    const app = await expressApp(order)
    t.teardown(() => app.close())
    const allowed = await app.inject(preflight(APP))
    t.equal(allowed.statusCode, 204)
    t.same(corsView(allowed), {
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'PUT',
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'
    }, 'the plugin\'s answer alone')
    const refused = await app.inject(preflight(EVIL))
    t.equal(refused.statusCode, 403)
    t.same(corsView(refused), { vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' })
  })

  t.test(`${order}: the plugin's answer replaces the middleware's, for allowed and refused origins`, async t => {
    const app = await expressApp(order)
    t.teardown(() => app.close())
    const allowed = await app.inject({ url: '/data', headers: { origin: APP } })
    t.same(corsView(allowed), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', vary: 'Origin' })
    const refused = await app.inject({ url: '/data', headers: { origin: EVIL } })
    t.same(corsView(refused), { vary: 'Origin' }, "the middleware's * is removed: a refused page reads nothing")
    const refusedPut = await app.inject({ method: 'PUT', url: '/data', headers: { origin: EVIL, 'content-type': 'application/json' }, payload: '{}' })
    t.equal(refusedPut.statusCode, 403, 'the plugin still refuses the PUT before the handler')
  })
}
