// @fastify/swagger with @fastify/swagger-ui beside the plugin, in both orders:
// the plugin's one OPTIONS route per registration is hidden from the spec
// (`hideOptionsRoute`, on by default), routes keep their schemas with a
// `config.cors`, and the UI and the JSON document are routes like any other.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import cors, { type CorsOptions } from '../../index.js'
import { APP, corsView } from './fixtures/interop.js'

const ORDERS = ['swagger first', 'plugin first'] as const

async function swaggerApp (order: typeof ORDERS[number], options: CorsOptions): Promise<FastifyInstance> {
  const app = Fastify()
  async function docs (): Promise<void> {
    await app.register(swagger, { openapi: { info: { title: 'API', version: '1.0.0' } } })
    await app.register(swaggerUi, { routePrefix: '/documentation' })
  }
  if (order === 'swagger first') await docs()
  await app.register(cors, options)
  if (order === 'plugin first') await docs()
  app.get('/items', { schema: { response: { 200: { type: 'array' } } } }, async () => [])
  app.put('/items/:id', { schema: { params: { type: 'object', properties: { id: { type: 'integer' } } } }, config: { cors: { origin: APP, credentials: true } } }, async () => 'ok')
  await app.ready()
  return app
}

for (const order of ORDERS) {
  t.test(`${order}: the spec lists the app's routes only; docs and routes carry CORS headers`, async t => {
    const app = await swaggerApp(order, { origin: [APP, 'https://admin.example.com'] })
    t.teardown(() => app.close())
    const spec = await app.inject({ url: '/documentation/json', headers: { origin: APP } })
    t.equal(spec.statusCode, 200)
    t.same(Object.keys(spec.json().paths), ['/items', '/items/{id}'], 'no OPTIONS route of the plugin in the spec')
    t.same(Object.keys(spec.json().paths['/items/{id}']), ['put'])
    t.same(corsView(spec), { 'access-control-allow-origin': APP, vary: 'Origin' })

    const ui = await app.inject({ url: '/documentation/', headers: { origin: APP } })
    t.equal(ui.statusCode, 200)
    t.equal(ui.headers['access-control-allow-origin'], APP)

    const preflight = await app.inject({ method: 'OPTIONS', url: '/items/1', headers: { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } })
    t.equal(preflight.statusCode, 204)
    t.match(corsView(preflight), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true' }, 'the route\'s config.cors')
    const invalid = await app.inject({ method: 'PUT', url: '/items/x', headers: { origin: APP } })
    t.equal(invalid.statusCode, 400, 'the schema still validates')
    t.equal(invalid.headers['access-control-allow-origin'], APP, 'and the page reads its 400')
  })
}

// Swagger lists the routes declared after it: with the plugin first, its OPTIONS route is never seen.
t.test('swagger first, hideOptionsRoute: false: the spec shows the plugin\'s OPTIONS route', async t => {
  const app = await swaggerApp('swagger first', { origin: APP, hideOptionsRoute: false })
  t.teardown(() => app.close())
  const paths = (await app.inject({ url: '/documentation/json' })).json().paths
  t.same(Object.keys(paths), ['/{*}', '/items', '/items/{id}'])
  t.same(Object.keys(paths['/{*}']), ['options'])
})
