// fastify.cors.routes() and printRoutes(): each route's effective policy and governing registration.
import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../../index.js'

const APP = 'https://app.example'
const PARTNER = 'https://partner.example'

test('routes(): every route after scopes, overrides, cors: false and registration order', async t => {
  const app = Fastify()
  app.get('/early', async () => 'declared before the plugin')
  await app.register(cors, { origin: [APP, /^https:\/\/[a-z]+\.app\.example$/], credentials: true, logLevel: 'warn' })
  app.put('/items/:id', { config: { cors: { origin: PARTNER, methods: ['PUT'] } } }, async () => 'put')
  app.delete('/items/:id', { config: { cors: false } }, async () => 'delete')
  app.get('/hosted', { constraints: { host: 'api.example' } }, async () => 'hosted')
  await app.register(async api => {
    await api.register(cors, { origin: function allowPartner (origin: string) { return origin === PARTNER } })
    api.post('/orders', async () => 'order')
    api.post('/hooks', { config: { cors: { origin: [() => true][0] } } }, async () => 'hook')
  }, { prefix: '/api' })
  await app.ready()
  const rootOptions = { origin: [APP, '/^https:\\/\\/[a-z]+\\.app\\.example$/'], credentials: true }
  const byRoute = Object.fromEntries(app.cors.routes().map(route => [`${route.method} ${route.url}`, route]))
  t.same(byRoute['GET /early'], { method: 'GET', url: '/early', registration: 'at /', source: 'registration', options: rootOptions })
  t.same(byRoute['HEAD /early'].source, 'registration', 'the automatic HEAD route too')
  t.same(byRoute['PUT /items/:id'], {
    method: 'PUT', url: '/items/:id', registration: 'at /', source: 'config.cors', options: { ...rootOptions, origin: PARTNER, methods: ['PUT'] }, overrides: { origin: PARTNER, methods: ['PUT'] }
  })
  t.same(byRoute['DELETE /items/:id'], { method: 'DELETE', url: '/items/:id', registration: 'at /', source: 'off', options: null })
  t.same(byRoute['GET /hosted'].constraints, { host: 'api.example' })
  t.same(byRoute['POST /api/orders'], { method: 'POST', url: '/api/orders', registration: 'at /api', source: 'registration', options: { origin: '[function allowPartner]' } })
  t.same(byRoute['POST /api/hooks'].overrides, { origin: '[function (anonymous)]' })
  t.notOk(Object.keys(byRoute).some(key => key.startsWith('OPTIONS')), "the plugin's own OPTIONS routes are not the app's")

  const printed = app.cors.printRoutes()
  t.equal(printed, [
    `at /: ${JSON.stringify(rootOptions)}`,
    'at /api: {"origin":"[function allowPartner]"}',
    ...[
      'GET, HEAD  /early                          at /     registration',
      'PUT        /items/:id                      at /     config.cors   {"origin":"https://partner.example","methods":["PUT"]}',
      'DELETE     /items/:id                      at /     off',
      'GET, HEAD  /hosted {"host":"api.example"}  at /     registration',
      'POST       /api/orders                     at /api  registration',
      'POST       /api/hooks                      at /api  config.cors   {"origin":"[function (anonymous)]"}'
    ]
  ].join('\n') + '\n', "each registration's options once, then one line per path and policy")
  await app.close()
})

test('routes(): a route that no registration governs has no CORS', async t => {
  const app = Fastify()
  await app.register(async api => {
    await api.register(cors, { origin: [APP] })
    api.get('/in', async () => 'in')
  }, { prefix: '/api' })
  await app.register(async bare => { bare.get('/health', async () => 'ok') }, { prefix: '/bare' })
  await app.ready()
  t.same(app.cors.routes().find(route => route.url === '/bare/health'), { method: 'GET', url: '/bare/health', registration: null, source: 'none', options: null })
  t.match(app.cors.printRoutes(), /^GET, HEAD +\/bare\/health +- +none$/m)
  await app.close()
})
