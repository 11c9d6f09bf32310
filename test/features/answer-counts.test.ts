// The plugin's answer is the one that counts: Access-Control-* headers set by
// a handler, a later hook or a proxied upstream never override or duplicate
// it, unless the route turns the plugin off; Vary names what the answer
// depends on, merged with the app's own, whoever writes to the response later.
import { test } from 'tap'
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type LightMyRequestResponse } from 'fastify'
import httpProxy from '@fastify/http-proxy'
import cors from '../../index.js'

const APP = 'https://app.example.com'
const EVIL = 'https://evil.example.net'

function varyNames (response: LightMyRequestResponse | { headers: IncomingHttpHeaders }): string[] {
  return String(response.headers.vary ?? '').split(',').map(name => name.trim().toLowerCase()).filter(name => name !== '')
}

/** Headers a careless handler or upstream sends: `*` beside credentials, its own exposed headers. */
const FOREIGN = {
  'access-control-allow-origin': '*',
  'access-control-allow-credentials': 'true',
  'access-control-expose-headers': 'x-secret'
}

test("a handler's Access-Control-* headers never replace the plugin's answer", async t => {
  const app = Fastify()
  await app.register(cors, { origin: [APP, 'https://other.example.com'], exposedHeaders: ['x-request-id'] })
  app.get('/', async (_request, reply) => reply.headers(FOREIGN).send('ok'))
  app.get('/off', { config: { cors: false } }, async (_request, reply) => reply.headers(FOREIGN).send('ok'))
  await app.ready()
  const allowed = await app.inject({ url: '/', headers: { origin: APP } })
  t.equal(allowed.headers['access-control-allow-origin'], APP, 'one value, the allowed origin')
  t.equal(allowed.headers['access-control-allow-credentials'], undefined, 'no credentials where the policy grants none')
  t.equal(allowed.headers['access-control-expose-headers'], 'x-request-id')
  const refused = await app.inject({ url: '/', headers: { origin: EVIL } })
  t.equal(refused.headers['access-control-allow-origin'], undefined, 'a refused origin reads nothing')
  t.equal(refused.headers['access-control-allow-credentials'], undefined)
  t.equal(refused.headers['access-control-expose-headers'], undefined)
  const off = await app.inject({ url: '/off', headers: { origin: EVIL } })
  t.same({ acao: off.headers['access-control-allow-origin'], acac: off.headers['access-control-allow-credentials'] }, { acao: '*', acac: 'true' }, 'a route that turns the plugin off keeps its own')
})

test('headers written to reply.raw by a handler, and by a hook added after the plugin, never replace it either', async t => {
  const app = Fastify()
  await app.register(cors, { origin: [APP, 'https://other.example.com'], credentials: true })
  app.addHook('onSend', async (_request, reply) => { reply.header('access-control-allow-origin', '*') })
  app.get('/', async (_request, reply) => { reply.raw.setHeader('access-control-allow-origin', '*'); return 'ok' })
  await app.ready()
  const allowed = await app.inject({ url: '/', headers: { origin: APP } })
  t.equal(allowed.headers['access-control-allow-origin'], APP)
  t.equal(allowed.headers['access-control-allow-credentials'], 'true')
  const refused = await app.inject({ url: '/', headers: { origin: EVIL } })
  t.equal(refused.headers['access-control-allow-origin'], undefined)
})

test('@fastify/http-proxy to an upstream that sends its own Access-Control-Allow-Origin: *', async t => {
  const upstream = createServer((_request, response) => {
    response.writeHead(200, { ...FOREIGN, 'content-type': 'text/plain', vary: 'Accept-Encoding' })
    response.end('upstream')
  })
  upstream.listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  t.teardown(() => upstream.close())
  const app = Fastify()
  await app.register(cors, { origin: [APP, 'https://other.example.com'], credentials: true })
  await app.register(httpProxy, { upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, prefix: '/api' })
  await app.ready()
  t.teardown(() => app.close())
  const allowed = await app.inject({ url: '/api/items', headers: { origin: APP } })
  t.equal(allowed.body, 'upstream')
  t.equal(allowed.headers['access-control-allow-origin'], APP, 'never * beside credentials, never two values')
  t.equal(allowed.headers['access-control-allow-credentials'], 'true')
  t.equal(allowed.headers['access-control-expose-headers'], undefined, "the upstream's exposed headers are not the plugin's")
  t.same(varyNames(allowed), ['accept-encoding', 'origin'], "the upstream's Vary merged with the plugin's")
  const refused = await app.inject({ url: '/api/items', headers: { origin: EVIL } })
  t.equal(refused.body, 'upstream', 'the request is proxied (a simple GET)...')
  t.equal(refused.headers['access-control-allow-origin'], undefined, '...but a refused origin never reads it')
  t.equal(refused.headers['access-control-allow-credentials'], undefined)
})

test("a handler that returns a fetch Response with its own Access-Control-* headers and Vary: Fastify applies them after every onSend hook, and the plugin's answer still stands", async t => {
  const app = Fastify()
  await app.register(cors, { origin: [APP, 'https://other.example.com'], credentials: true })
  app.get('/', async () => new Response('fetched', { headers: { ...FOREIGN, vary: 'Accept-Encoding' } }))
  await app.ready()
  const allowed = await app.inject({ url: '/', headers: { origin: APP } })
  t.equal(allowed.body, 'fetched')
  t.equal(allowed.headers['access-control-allow-origin'], APP)
  t.equal(allowed.headers['access-control-allow-credentials'], 'true')
  t.equal(allowed.headers['access-control-expose-headers'], undefined)
  t.same(varyNames(allowed), ['accept-encoding', 'origin'])
  const refused = await app.inject({ url: '/', headers: { origin: EVIL } })
  t.same([refused.headers['access-control-allow-origin'], refused.headers['access-control-allow-credentials'], refused.headers['access-control-expose-headers']], [undefined, undefined, undefined])
})

test('the guard is the app\'s alone: another app in the process, and a scope the plugin does not govern, set their own Access-Control-* headers', async t => {
  const app = Fastify()
  await app.register(async scope => {
    await scope.register(cors, { origin: APP })
    scope.get('/governed', async (_request, reply) => reply.headers(FOREIGN).send('ok'))
  })
  await app.register(async sibling => {
    sibling.get('/sibling', async (_request, reply) => reply.headers(FOREIGN).header('vary', 'Accept').send('ok'))
  })
  const other = Fastify()
  other.get('/', async (_request, reply) => reply.headers(FOREIGN).send('ok'))
  await app.ready()
  await other.ready()
  t.equal((await app.inject({ url: '/governed', headers: { origin: EVIL } })).headers['access-control-allow-origin'], APP, 'one exact origin: the same answer for every origin')
  const sibling = await app.inject({ url: '/sibling', headers: { origin: EVIL } })
  t.same([sibling.headers['access-control-allow-origin'], sibling.headers['access-control-expose-headers'], sibling.headers.vary], ['*', 'x-secret', 'Accept'], "a sibling scope's own headers")
  const unrelated = await other.inject({ url: '/', headers: { origin: EVIL } })
  t.equal(unrelated.headers['access-control-allow-origin'], '*', 'an app without the plugin')
})

test('Vary survives a handler, an app OPTIONS handler under preflightContinue, a later onSend hook and a not-found handler', async t => {
  const app = Fastify()
  await app.register(cors, { origin: [APP, 'https://other.example.com'], preflightContinue: true })
  app.addHook('onSend', async (request, reply) => { if (request.url === '/late') reply.header('vary', 'Accept-Language') })
  app.get('/', async (_request, reply) => reply.header('vary', 'Accept-Encoding').send('ok'))
  app.get('/late', async () => 'ok')
  app.options('/', async (_request, reply) => reply.header('vary', 'Accept-Encoding').code(204).send())
  app.setNotFoundHandler(async (_request, reply) => reply.header('vary', 'Accept').code(404).send('nope'))
  await app.ready()
  t.same(varyNames(await app.inject({ url: '/', headers: { origin: APP } })), ['accept-encoding', 'origin'])
  t.same(varyNames(await app.inject({ url: '/late', headers: { origin: APP } })), ['accept-language', 'origin'], 'an onSend hook registered after the plugin')
  t.same(varyNames(await app.inject({ url: '/nope', headers: { origin: APP } })), ['accept', 'origin'])
  const preflight = await app.inject({ method: 'OPTIONS', url: '/', headers: { origin: APP, 'access-control-request-method': 'GET' } })
  t.equal(preflight.headers['access-control-allow-origin'], APP)
  t.same(varyNames(preflight), ['accept-encoding', 'origin', 'access-control-request-method', 'access-control-request-headers'], "the app's OPTIONS handler")
})

test("a preflight the plugin's own route answers: an app onSend hook cannot widen it or drop its Vary", async t => {
  const app = Fastify()
  await app.register(cors, { origin: [APP, 'https://other.example.com'], credentials: true })
  app.addHook('onSend', async (_request, reply) => { reply.header('access-control-allow-origin', '*').header('vary', 'Accept-Language').header('x-seen', 'yes') })
  app.put('/items', async () => 'ok')
  await app.ready()
  const allowed = await app.inject({ method: 'OPTIONS', url: '/items', headers: { origin: APP, 'access-control-request-method': 'PUT' } })
  t.equal(allowed.statusCode, 204)
  t.equal(allowed.headers['x-seen'], 'yes', "the app's hook ran")
  t.equal(allowed.headers['access-control-allow-origin'], APP)
  t.same(varyNames(allowed), ['accept-language', 'origin', 'access-control-request-method', 'access-control-request-headers'])
  const refused = await app.inject({ method: 'OPTIONS', url: '/items', headers: { origin: EVIL, 'access-control-request-method': 'PUT' } })
  t.equal(refused.statusCode, 403)
  t.equal(refused.headers['access-control-allow-origin'], undefined)
})

test('a hijacked reply written with reply.getHeaders() carries the answer and its Vary', async t => {
  const app = Fastify()
  await app.register(cors, { origin: [APP, 'https://other.example.com'] })
  app.get('/', (_request, reply) => {
    reply.hijack()
    reply.raw.writeHead(200, reply.getHeaders() as Record<string, string>)
    reply.raw.end('raw')
  })
  await app.ready()
  const allowed = await app.inject({ url: '/', headers: { origin: APP } })
  t.equal(allowed.headers['access-control-allow-origin'], APP)
  t.same(varyNames(allowed), ['origin'])
  t.same(varyNames(await app.inject({ url: '/' })), ['origin'], 'Origin-less too')
})

test('the 403 of the actual-request check varies on Origin, with one exact origin and on a cors: false route', async t => {
  const app = Fastify()
  await app.register(cors, { origin: APP })
  app.delete('/', async () => 'deleted')
  app.get('/', async () => 'ok')
  app.delete('/off', { config: { cors: false } }, async () => 'deleted')
  await app.ready()
  for (const url of ['/', '/off']) {
    const refused = await app.inject({ method: 'DELETE', url, headers: { origin: EVIL } })
    t.equal(refused.statusCode, 403)
    t.ok(varyNames(refused).includes('origin'), `${url}: the 403 says Vary: Origin`)
    const originless = await app.inject({ method: 'DELETE', url })
    t.equal(originless.statusCode, 200)
    t.ok(varyNames(originless).includes('origin'), `${url}: so does the 200 a request without Origin gets`)
  }
  t.same(varyNames(await app.inject({ url: '/', headers: { origin: EVIL } })), [], 'a GET, never refused, gets the same answer from every origin: no Vary')
})

test('a preflight answered per requested method says Vary: Access-Control-Request-Method', async t => {
  const app = Fastify()
  await app.register(cors, { origin: APP, cacheControl: 'public, max-age=600' })
  app.get('/item', async () => 'ok')
  app.put('/item', { config: { cors: { origin: 'https://other.example.com' } } }, async () => 'ok')
  await app.ready()
  const get = await app.inject({ method: 'OPTIONS', url: '/item', headers: { origin: APP, 'access-control-request-method': 'GET' } })
  const put = await app.inject({ method: 'OPTIONS', url: '/item', headers: { origin: APP, 'access-control-request-method': 'PUT' } })
  t.equal(get.statusCode, 204)
  t.equal(put.statusCode, 403)
  for (const response of [get, put]) t.ok(varyNames(response).includes('access-control-request-method'))
})
