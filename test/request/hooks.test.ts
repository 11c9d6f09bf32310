// The hooks of one registration: each request is answered by exactly one
// registration (the one governing its route, or for a not-found request the
// first whose hook runs), dispatched to the preflight, actual or disabled
// answer, and Vary: Origin merged in last.
import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../../index.js'
import { appWith, corsHeaders, get, preflight } from '../fixtures/app.js'

const ok = async () => 'ok'

function varyList (vary: unknown): string[] {
  return vary === undefined ? [] : String(vary).split(',').map(name => name.trim().toLowerCase())
}

test('a nested registration owns the routes of its own scope', async t => {
  const app = Fastify()
  await app.register(cors, { origin: ['https://outer.com', 'https://outer2.com'] })
  app.get('/outer', async () => 'o')
  await app.register(async inner => {
    await inner.register(cors, { origin: 'https://inner.com', exposedHeaders: 'x-inner' })
    inner.get('/inner', async () => 'i')
  })
  await app.ready()
  t.same(corsHeaders(await get(app, '/inner', 'https://outer.com')), { 'access-control-allow-origin': 'https://inner.com', 'access-control-expose-headers': 'x-inner' })
  t.equal((await get(app, '/outer', 'https://outer.com')).headers['access-control-allow-origin'], 'https://outer.com')
  t.equal((await preflight(app, '/inner', 'https://inner.com', 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/inner', 'https://outer.com', 'GET')).statusCode, 403)
})

test('a not-found request is answered by the first registration whose hook runs', async t => {
  const app = Fastify()
  await app.register(cors, { origin: ['https://app.example', 'https://www.app.example'] })
  await app.register(async inner => {
    await inner.register(cors, { origin: ['https://partner.example', 'https://www.partner.example'] })
    inner.setNotFoundHandler((_request, reply) => { reply.code(404).send('inner not found') })
  }, { prefix: '/inner' })
  await app.ready()
  const response = await app.inject({ url: '/inner/nothing', headers: { origin: 'https://app.example' } })
  t.equal(response.body, 'inner not found')
  t.equal(response.headers['access-control-allow-origin'], 'https://app.example')
  t.same(varyList(response.headers.vary), ['origin'], 'one Vary: Origin, not one per registration')
  t.equal((await get(app, '/inner/nothing', 'https://partner.example')).headers['access-control-allow-origin'], undefined, "not the inner registration's policy")
  t.equal((await preflight(app, '/inner/nothing', 'https://app.example', 'DELETE')).statusCode, 204, 'its preflight alike')
})

test("a route with cors: false is checked with its registration's policy, a route with origin: false with its own", async t => {
  const app = await appWith({ origin: ['https://a.com'], checkActualRequests: false }, app => {
    app.delete('/off', { config: { cors: false } }, ok)
    app.delete('/origin-off', { config: { cors: { origin: false, checkActualRequests: true } } }, ok)
  })
  const remove = (url: string) => app.inject({ method: 'DELETE', url, headers: { origin: 'https://evil.com' } })
  const off = await remove('/off')
  t.equal(off.statusCode, 200, "cors: false: the registration's checkActualRequests: false lets it through")
  t.same(corsHeaders(off), {})
  const originOff = await remove('/origin-off')
  t.equal(originOff.statusCode, 403, "origin: false: the route's own checkActualRequests refuses it")
  t.equal(originOff.body, 'CORS request refused: cors-disabled')
})

test('a not-found request gets the policy of the registration that takes it', async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'], exposedHeaders: 'x-a' }, app => { app.get('/', ok) })
  t.same(corsHeaders(await get(app, '/missing', 'https://a.com')), { 'access-control-allow-origin': 'https://a.com', 'access-control-expose-headers': 'x-a', vary: 'Origin' })
  const refused = await app.inject({ method: 'DELETE', url: '/missing', headers: { origin: 'https://evil.com' } })
  t.equal(refused.statusCode, 403, 'and its checks')
})

test('Vary: Origin survives a not-found or error handler that sets its own Vary', async t => {
  const app = await appWith({ origin: ['https://a.com', 'https://b.com'] }, app => {
    app.get('/', ok)
    app.get('/throws', async () => { throw new Error('nope') })
    app.setNotFoundHandler((_request, reply) => { reply.code(404).header('vary', 'Accept-Language').send('not found') })
    app.setErrorHandler((_error, _request, reply) => { reply.code(400).header('vary', 'Accept').send('bad') })
  })
  for (const origin of ['https://a.com', 'https://evil.com', undefined]) {
    t.same(varyList((await get(app, '/throws', origin)).headers.vary), ['accept', 'origin'], `error handler, Origin ${String(origin)}: merged`)
    // A 404 is cacheable by default: without Vary: Origin, a cache serves a.com's grant to b.com (or no grant to a.com).
    t.same(varyList((await get(app, '/missing', origin)).headers.vary), ['accept-language', 'origin'], `not-found handler, Origin ${String(origin)}: merged`)
  }
})
