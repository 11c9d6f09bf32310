// What the plugin remembers about a request between its hooks: declared once
// per Fastify instance tree, with the values every request starts from.
import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../../index.js'
import { declareRequestState, RequestState, stateOf } from '../../lib/request/request-state.js'
import { kState } from '../../lib/symbols.js'

test('every request starts with no state: the plugin makes it on its first write', async t => {
  const app = Fastify()
  declareRequestState(app)
  const seen: unknown[] = []
  app.get('/', async request => { seen.push(request[kState]); return 'ok' })
  await app.inject('/')
  await app.inject('/')
  t.same(seen, [null, null])
})

test('stateOf() makes the state once per request: unclaimed, with no Vary owed, no answer given, and no preflight status to continue with', async t => {
  const app = Fastify()
  declareRequestState(app)
  const states: RequestState[] = []
  app.get('/', async request => {
    const state = stateOf(request)
    t.same(Object.entries(state), [['vary', null], ['grant', undefined], ['allowOrigin', undefined], ['claimed', false], ['continueStatus', 0]])
    state.claimed = true
    t.equal(stateOf(request), state, 'the same object on the next call')
    t.equal(request[kState], state)
    states.push(state)
    return 'ok'
  })
  await app.inject('/')
  await app.inject('/')
  t.not(states[0], states[1], 'another request, another state')
  t.equal(states[1].claimed, true)

  const undecorated = { [kState]: undefined } as unknown as Parameters<typeof stateOf>[0]
  t.equal(stateOf(undecorated).claimed, false, 'a request without the decoration (one Fastify builds for a bad URL) gets one too')
})

test('one request decoration, whatever the plugin remembers: Fastify sets each through one keyed store', async t => {
  const app = Fastify()
  await app.register(cors)
  let keys: Array<string | symbol> = []
  app.get('/', async request => { keys = Reflect.ownKeys(request).filter(key => typeof key === 'symbol' && String(key).startsWith('Symbol(cors.')); return 'ok' })
  await app.inject({ url: '/', headers: { origin: 'https://a.com' } })
  t.same(keys, [kState])
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
