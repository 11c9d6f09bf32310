import { test } from 'tap'
import Fastify from 'fastify'
import { appRoutes } from '../../lib/routing/app-routes.js'

test("every route of Fastify's router, whatever its scope or order, with its config, constraints and hooks", async t => {
  const app = Fastify()
  app.get('/a', { config: { mark: 1 } }, async () => 'a')
  await app.register(async child => {
    child.addHook('onRequest', async function childHook () {})
    child.put('/b/:id', { constraints: { host: 'h.test' } }, async () => 'b')
  }, { prefix: '/p' })
  await app.ready()
  const routes = appRoutes(app).map(route => [route.method, route.path, route.constraints, route.config.url, route.onRequestHooks])
  t.same(routes, [
    ['GET', '/a', {}, '/a', []],
    ['HEAD', '/a', {}, '/a', []],
    ['PUT', '/p/b/:id', { host: 'h.test' }, '/p/b/:id', ['bound childHook']]
  ])
  t.equal(appRoutes(app)[0].config.mark, 1, "the route's own config object")
})
