// @fastify/http-proxy beside the plugin, in both orders, to an upstream that
// answers with CORS headers of its own (`Access-Control-Allow-Origin: *`, as
// many public APIs and dev servers do). The proxy's routes are routes of the
// app: the plugin answers their preflights (never forwarded), and its answer
// is the one the client gets, never the upstream's.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import httpProxy from '@fastify/http-proxy'
import cors from '../../index.js'
import { APP, EVIL, corsView } from './fixtures/interop.js'

const ORDERS = ['proxy first', 'plugin first'] as const

interface Proxied { app: FastifyInstance, upstreamMethods: string[] }

/** `@fastify/reply-from`'s hook, through http-proxy's `replyOptions`: the upstream's CORS headers dropped. */
function withoutUpstreamCors (headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.toLowerCase().startsWith('access-control-')))
}

async function proxyApp (t: Test, order: typeof ORDERS[number], dropUpstreamCors = false): Promise<Proxied> {
  const upstream = Fastify()
  const upstreamMethods: string[] = []
  upstream.addHook('onRequest', async (request, reply) => {
    upstreamMethods.push(request.method)
    reply.header('access-control-allow-origin', '*')
    reply.header('access-control-expose-headers', '*')
  })
  upstream.get('/items', async () => [{ id: 1 }])
  upstream.put('/items/:id', async () => 'ok')
  await upstream.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => upstream.close())

  const app = Fastify()
  const proxy = {
    upstream: `http://127.0.0.1:${(upstream.server.address() as { port: number }).port}`,
    prefix: '/api',
    ...(dropUpstreamCors ? { replyOptions: { rewriteHeaders: withoutUpstreamCors } } : {})
  }
  if (order === 'proxy first') await app.register(httpProxy, proxy)
  await app.register(cors, { origin: [APP, 'https://admin.example.com'], credentials: true })
  if (order === 'plugin first') await app.register(httpProxy, proxy)
  await app.ready()
  t.teardown(() => app.close())
  return { app, upstreamMethods }
}

for (const order of ORDERS) {
  t.test(`${order}: preflights are the plugin's, never forwarded upstream`, async t => {
    const { app, upstreamMethods } = await proxyApp(t, order)
    const preflight = await app.inject({ method: 'OPTIONS', url: '/api/items/1', headers: { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } })
    t.equal(preflight.statusCode, 204)
    t.match(corsView(preflight), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', 'access-control-allow-methods': 'PUT' })
    const refused = await app.inject({ method: 'OPTIONS', url: '/api/items/1', headers: { origin: EVIL, 'access-control-request-method': 'PUT' } })
    t.equal(refused.statusCode, 403)
    t.same(upstreamMethods, [], 'the upstream saw no preflight')
    const refusedPut = await app.inject({ method: 'PUT', url: '/api/items/1', headers: { origin: EVIL, 'content-type': 'application/json' }, payload: '{}' })
    t.equal(refusedPut.statusCode, 403, 'a refused origin\'s PUT is refused before it is forwarded')
    t.same(upstreamMethods, [])
  })

  t.test(`${order}: the plugin's answer replaces the upstream's Access-Control-* headers`, async t => {
    const { app, upstreamMethods } = await proxyApp(t, order)
    const allowed = await app.inject({ url: '/api/items', headers: { origin: APP } })
    t.equal(allowed.statusCode, 200)
    t.same(allowed.json(), [{ id: 1 }])
    t.same(corsView(allowed), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', vary: 'Origin' }, 'never * beside credentials, never two values')
    const refused = await app.inject({ url: '/api/items', headers: { origin: EVIL } })
    t.equal(refused.statusCode, 200)
    t.same(corsView(refused), { vary: 'Origin' }, 'a refused origin reads nothing, whatever the upstream said')
    t.same(upstreamMethods, ['GET', 'GET'])
  })
}

t.test('the upstream\'s CORS headers dropped with replyOptions.rewriteHeaders: the plugin\'s answer stands', async t => {
  const { app } = await proxyApp(t, 'plugin first', true)
  const allowed = await app.inject({ url: '/api/items', headers: { origin: APP } })
  t.same(corsView(allowed), { 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', vary: 'Origin' })
  t.same(corsView(await app.inject({ url: '/api/items', headers: { origin: EVIL } })), { vary: 'Origin' })
})
