// One registration's scope: its checked options and policy, and each route's
// config.cors compiled over them, once per object, URL and method.
import { test } from 'tap'
import Fastify from 'fastify'
import cors, { ERROR_CODES } from '../../index.js'
import { openScope, routePolicy } from '../../lib/policy/scope.js'
import { appWith, get, preflight } from '../fixtures/app.js'

const ok = async () => 'ok'

function collector () {
  const warnings: string[] = []
  return { warnings, log: { warn: (message: string) => { warnings.push(message) } } }
}

test('a scope is opened from checked options: every problem throws, each warning is logged', async t => {
  const instance = Fastify()
  t.throws(() => openScope(instance, { maxAge: -1, orign: 1 }, collector().log), { code: ERROR_CODES.several, message: /^2 problems with cors options:/ })
  t.throws(() => openScope(instance, { maxAge: -1 }, collector().log), { code: ERROR_CODES.invalidOption, message: /^cors option 'maxAge'/ })
  const { warnings, log } = collector()
  const scope = openScope(instance, { origin: ['http://partner.example.com'], credentials: true }, log)
  t.equal(warnings.length, 1)
  t.match(warnings[0], /plain http with credentials/)
  t.equal(scope.instance, instance)
  t.equal(scope.policy.credentials, true)
})

test('a scope hides its OPTIONS route unless told not to, and keeps its log level', async t => {
  const { log } = collector()
  t.match(openScope(Fastify(), {}, log), { hideOptionsRoute: true, logLevel: undefined })
  t.match(openScope(Fastify(), { hideOptionsRoute: false, logLevel: 'error' }, log), { hideOptionsRoute: false, logLevel: 'error' })
  t.not(openScope(Fastify(), {}, log).id, openScope(Fastify(), {}, log).id, 'each scope has its own id')
})

test("a route's policy: the scope's without config.cors, none with false, the scope's options overridden with an object", async t => {
  const { log } = collector()
  const scope = openScope(Fastify(), { origin: ['https://a.com'], credentials: true, exposedHeaders: 'x-a' }, log)
  t.equal(routePolicy(scope, undefined, ['GET'], '/', log), scope.policy)
  t.equal(routePolicy(scope, false, ['GET'], '/', log), undefined)
  const own = routePolicy(scope, { origin: 'https://b.com' }, ['GET'], '/', log)
  t.equal(own?.allow?.('https://b.com', {} as never), 'https://b.com')
  t.equal(own?.allow?.('https://a.com', {} as never), undefined)
  t.equal(own?.credentials, true, 'inherited from the scope')
  t.same(own?.actualHeaders, [['access-control-allow-credentials', 'true'], ['access-control-expose-headers', 'x-a']])
})

test('config.cors that is neither false nor an object fails naming the route', async t => {
  const { log } = collector()
  const scope = openScope(Fastify(), {}, log)
  for (const override of [true, null, 'https://a.com', 0]) {
    t.throws(() => routePolicy(scope, override, ['GET', 'POST'], '/x', log), {
      code: ERROR_CODES.invalidOption,
      message: /^route GET,POST \/x: config.cors option '\(config.cors\)': got .*use false to turn CORS off for the route, or an object of options/
    }, String(override))
  }
})

test('an invalid config.cors fails startup naming the method, the path and the option', async t => {
  const app = Fastify()
  await app.register(cors)
  t.throws(() => app.put('/items/:id', { config: { cors: { maxAge: -5 } } }, ok), {
    code: ERROR_CODES.invalidOption,
    message: /^route PUT \/items\/:id: config.cors option 'maxAge': got -5/
  })
  t.throws(() => app.get('/a', { config: { cors: { hideOptionsRoute: true } as object } }, ok), {
    code: ERROR_CODES.invalidOption,
    message: /route GET \/a: config.cors option 'hideOptionsRoute': it cannot be set per route/
  })
  t.throws(() => app.get('/b', { config: { cors: true as unknown as false } }, ok), { message: /route GET \/b: config.cors option '\(config.cors\)': got true/ })
  t.throws(() => app.get('/c', { config: { cors: { credentials: true } } }, ok), {
    code: ERROR_CODES.wildcardWithCredentials,
    message: /route GET \/c: config.cors option 'origin'/
  }, 'checked together with the inherited options')
  t.throws(() => app.route({ method: ['GET', 'POST'], url: '/d', config: { cors: { origin: 'https://d.com/' } }, handler: ok }), { message: /^route GET,POST \/d:/ })
})

test('one config.cors object is compiled once per URL and method; a HEAD route shares its GET route\'s', async t => {
  const { warnings, log } = collector()
  const scope = openScope(Fastify(), {}, log)
  const override = { origin: ['http://partner.example.com'], credentials: true }
  const get = routePolicy(scope, override, ['GET'], '/x', log)
  t.equal(routePolicy(scope, override, ['HEAD'], '/x', log), get, 'HEAD /x reuses GET /x')
  t.equal(warnings.length, 1, 'and its warning is not logged twice')
  t.not(routePolicy(scope, override, ['PUT'], '/x', log), get, 'another method is compiled anew')
  t.not(routePolicy(scope, override, ['GET'], '/y', log), get, 'so is another URL')
  t.not(routePolicy(scope, { ...override }, ['GET'], '/x', log), get, 'and another object')
})

test('a route startup warning is logged once, though its HEAD route is compiled too', async t => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(line) } } } })
  await app.register(cors)
  app.get('/x', { config: { cors: { origin: ['http://partner.example.com', 'https://b.com'], credentials: true } } }, ok)
  await app.ready()
  t.equal(lines.length, 1)
  t.match(lines[0], /plain http with credentials/)
})

test('each route keeps the config.cors it was declared with, even when one config object is reused and changed', async t => {
  const shared: { origin: string } = { origin: 'https://a.com' }
  const app = await appWith({ origin: ['https://x.com'] }, app => {
    app.get('/a', { config: { cors: { ...shared } } }, ok)
    app.get('/b', { config: { cors: shared } }, ok)
    shared.origin = 'https://c.com'
    app.get('/c', { config: { cors: shared } }, ok)
  })
  t.equal((await get(app, '/a', 'https://a.com')).headers['access-control-allow-origin'], 'https://a.com')
  t.equal((await get(app, '/b', 'https://x.com')).headers['access-control-allow-origin'], 'https://a.com')
  t.equal((await get(app, '/c', 'https://c.com')).headers['access-control-allow-origin'], 'https://c.com', '/c was declared with https://c.com')
  t.equal((await preflight(app, '/c', 'https://c.com', 'GET')).statusCode, 204, 'and its preflight allows https://c.com')

  // The same object, changed between two methods at one URL.
  const reused: { origin: string } = { origin: 'https://a.com' }
  const sameUrl = await appWith({ origin: ['https://x.com'] }, app => {
    app.get('/item', { config: { cors: reused } }, ok)
    reused.origin = 'https://c.com'
    app.put('/item', { config: { cors: reused } }, ok)
  })
  t.equal((await get(sameUrl, '/item', 'https://a.com')).headers['access-control-allow-origin'], 'https://a.com', 'GET /item keeps https://a.com')
  t.equal((await sameUrl.inject({ method: 'HEAD', url: '/item', headers: { origin: 'https://a.com' } })).headers['access-control-allow-origin'], 'https://a.com', "and its HEAD route shares the GET's policy")
  t.equal((await preflight(sameUrl, '/item', 'https://c.com', 'PUT')).statusCode, 204, 'PUT /item was declared with https://c.com')
  t.equal((await preflight(sameUrl, '/item', 'https://a.com', 'PUT')).statusCode, 403, 'and does not allow https://a.com')
})
