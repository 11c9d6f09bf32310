// @fastify/autoload with the fastify-cli app layout (fixtures/cli-app): the
// plugin registered from plugins/cors.js, the routes loaded from routes/ into
// scopes of their own, prefixed by their folder. The app is registered the way
// fastify-cli starts it (`fastify start app.js`), and its generated test
// helper builds it: wrapped with fastify-plugin.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import cliApp from './fixtures/cli-app/app.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

const ADMIN = 'https://admin.example.com'

async function start (): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fp(cliApp), { corsOrigins: [APP, ADMIN] })
  await app.ready()
  return app
}

t.test('every autoloaded route follows plugins/cors.js, with its own config.cors', async t => {
  const app = await start()
  t.teardown(() => app.close())
  for (const url of ['/', '/items/']) {
    const allowed = await app.inject({ url, headers: { origin: ADMIN } })
    t.equal(allowed.statusCode, 200, url)
    t.same(corsView(allowed), { 'access-control-allow-origin': ADMIN, vary: 'Origin' })
    t.same(corsView(await app.inject({ url, headers: { origin: EVIL } })), { vary: 'Origin' })
  }

  const preflight = await app.inject({ method: 'OPTIONS', url: '/items/7', headers: { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } })
  t.equal(preflight.statusCode, 204, 'a route in a folder\'s scope: its preflight found')
  t.match(corsView(preflight), { 'access-control-allow-origin': APP, 'access-control-allow-methods': 'PUT' })

  const account = await app.inject({ url: '/account/', headers: { origin: APP } })
  t.same(account.json(), { user: 'ada' })
  t.same(corsView(account), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true' }, 'routes/account\'s own policy')
  const accountPreflight = await app.inject({ method: 'OPTIONS', url: '/account/', headers: { origin: ADMIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-requested-with' } })
  t.equal(accountPreflight.statusCode, 403, 'its preflight too')

  const missing = await app.inject({ url: '/nope', headers: { origin: APP } })
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['access-control-allow-origin'], APP, 'the page reads the 404')
})
