import { test } from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import { routeConfigReader } from '../../lib/routing/fastify-internals.js'

test("a request's route config is read from Fastify's route context, the very object routeOptions.config returns", async t => {
  const app = Fastify()
  const config = { marker: 1 }
  let same = false
  let direct: string | undefined
  app.get('/', { config }, async request => {
    const read = routeConfigReader(request)
    same = read(request) === request.routeOptions.config
    direct = read.name === 'publicConfig' ? 'public' : 'context'
    return 'ok'
  })
  await app.inject('/')
  t.ok(same)
  t.equal(direct, 'context', "Fastify's route context was found")
})

test('without a route context, or with one that does not hold the route config, routeOptions it is', async t => {
  const config = {}
  const context = Symbol('fastify.context')
  const bare = { routeOptions: { config } } as unknown as FastifyRequest
  t.equal(routeConfigReader(bare)(bare), config)
  const impostor = { [context]: { config: {} }, routeOptions: { config } } as unknown as FastifyRequest
  const read = routeConfigReader(impostor)
  t.equal(read(impostor), config)
  t.equal(read.name, 'publicConfig')
})
