// What the plugin remembers about a request between its hooks: declared once
// per Fastify instance tree, with the values every request starts from.
import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../../index.js'
import { declareRequestState, initialRequestState } from '../../lib/request/request-state.js'
import { kAllowOrigin, kClaimed, kContinueStatus, kGrant, kVary } from '../../lib/symbols.js'

test('every request starts unclaimed, with no Vary owed, no answer given, and no preflight status to continue with', async t => {
  const app = Fastify()
  declareRequestState(app)
  const seen: unknown[] = []
  app.get('/', async request => { seen.push([request[kClaimed], request[kVary], request[kGrant], request[kAllowOrigin], request[kContinueStatus]]); return 'ok' })
  await app.inject('/')
  await app.inject('/')
  t.same(seen, [[false, null, undefined, undefined, 0], [false, null, undefined, undefined, 0]])
})

test("initialRequestState() is that state, every symbol of it: explain()'s stand-in requests start from it", async t => {
  const initial = initialRequestState()
  t.same(Reflect.ownKeys(initial).length, 5)
  t.same([initial[kClaimed], initial[kVary], initial[kGrant], initial[kAllowOrigin], initial[kContinueStatus]], [false, null, undefined, undefined, 0])
  t.not(initialRequestState(), initial, 'a fresh object each time: a stand-in never shares its state')
})

test('declaring it again, on the same instance or a child, is a no-op, so several registrations start', async t => {
  const app = Fastify()
  declareRequestState(app)
  t.doesNotThrow(() => declareRequestState(app))
  await app.register(async child => { t.doesNotThrow(() => declareRequestState(child)) })
  await app.ready()

  const nested = Fastify()
  await nested.register(cors)
  await nested.register(async child => { await child.register(cors) }, { prefix: '/child' })
  await nested.register(async sibling => { await sibling.register(cors) }, { prefix: '/sibling' })
  await t.resolves(nested.ready(), 'one registration at the root, one in a child scope, one in a sibling')
})

test("a preflight the plugin lets through to its own OPTIONS route is answered with the route's status, and only then", async t => {
  const app = Fastify()
  await app.register(cors, { preflightContinue: true, optionsSuccessStatus: 200 })
  app.get('/continued', async () => 'ok')
  app.get('/off', { config: { cors: { preflight: false } } }, async () => 'ok')
  await app.ready()
  const preflight = (url: string) => app.inject({ method: 'OPTIONS', url, headers: { origin: 'https://a.com', 'access-control-request-method': 'GET' } })
  t.equal((await preflight('/continued')).statusCode, 200, 'preflightContinue: the status the plugin decided')
  t.equal((await preflight('/off')).statusCode, 404, 'preflight: false on the target route: as if the plugin had no OPTIONS route')
})
