// Pins every Fastify internal the plugin reads (lib/routing/fastify-internals.ts):
// a Fastify release that changes one fails here first, and at the app's startup.
import { test } from 'tap'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import cors from '../../index.js'
import { answerFirst, boundName, checkInternals, decorateFrameworkErrors, instanceChain, internalsOf, replyPrototypeOf, rootOf, routeConfigReader, runsOnRequest, type Expectations, type RouteContext } from '../../lib/routing/fastify-internals.js'
import { regionConstraint, tenantConstraint } from '../fixtures/app.js'
import { HAS_ROUTER_OPTIONS, ROUTER_OPTIONS_SINCE, TOO_LONG_PARAM_STATUS, withRouterOptions } from '../fixtures/fastify-version.js'

/** The names of a route's hooks of one kind, in the order they run (bound ones: `bound <name>`). */
function hookNames (context: RouteContext, kind: 'onRequest' | 'onSend'): string[] {
  return (context[kind] ?? []).map(hook => hook.name)
}

const noStorage = () => ({ get: () => null, set: () => {} })
const strategy = (name: string) => ({ name, storage: noStorage, deriveConstraint: () => undefined, validate: () => {} })

function notFoundSymbol (app: FastifyInstance): symbol {
  return Object.getOwnPropertySymbols(app).find(symbol => symbol.description === 'fastify.404') as symbol
}

test("the router's routes: every route of the app, whatever its scope or order, with Fastify's context", async t => {
  const app = Fastify()
  app.get('/a', { config: { mark: 1 } }, async () => 'a')
  let child!: FastifyInstance
  await app.register(async scoped => {
    child = scoped
    scoped.addHook('onRequest', async function childHook () {})
    scoped.put('/b/:id', { constraints: { host: 'h.test' } }, async () => 'b')
  }, { prefix: '/p' })
  let seen: unknown
  app.addHook('onRequest', async request => { seen = request.routeOptions.config })
  await app.ready()
  const routes = internalsOf(app).router.routes()
  t.same(routes.map(route => [route.method, route.path, route.constraints, route.context.config.url, hookNames(route.context, 'onRequest')]), [
    ['GET', '/a', {}, '/a', ['bound ']],
    ['HEAD', '/a', {}, '/a', ['bound ']],
    ['PUT', '/p/b/:id', { host: 'h.test' }, '/p/b/:id', ['bound childHook', 'bound ']]
  ])
  await app.inject('/a')
  t.equal(seen, routes[0].context.config, 'the config object request.routeOptions.config returns')
  t.equal(routes[0].context.config.mark, 1)
  t.equal(routes[0].context.server, app, 'the instance the route was declared on')
  t.equal(routes[2].context.server, child)
  t.equal(internalsOf(child), internalsOf(app), 'one reading per app, from any of its instances')
})

test("the router's lookup: the route's context for the method as sent, null where no route answers", async t => {
  const app = Fastify(withRouterOptions({ maxParamLength: 5 }))
  app.delete('/a/:id', async () => 'a')
  app.route({ method: 'PATCH', url: '/h', constraints: { host: 'h.test' }, handler: async () => 'h' })
  await app.ready()
  const { router } = internalsOf(app)
  const [route] = router.routes()
  t.same(router.find('DELETE', '/a/1?x=1', {}), { context: route.context, params: { id: '1' } })
  t.same(hookNames(route.context, 'onRequest'), [], 'a route without hooks')
  t.same(hookNames(route.context, 'onSend'), [], 'a route without hooks, onSend')
  t.equal(router.find('delete', '/a/1', {}), null, 'Fastify routes by the method as sent')
  t.equal(router.find('DELETE', '/a/123456', {}), null, 'a parameter over maxParamLength')
  t.equal(router.find('DELETE', '/a/%zz', {}), null, 'a bad URL')
  t.equal(router.find('DELETE', '/b', {}), null)
  t.equal(router.find('PATCH', '/h', {}), null, 'a host-constrained route without the host')
  t.not(router.find('PATCH', '/h', { host: 'h.test' }), null)
})

test("the router's strategies and options, as the router runs with them", async t => {
  t.same(internalsOf(Fastify()).router.strategies().map(({ name, custom, mustMatchWhenDerived }) => ({ name, custom, mustMatchWhenDerived })), [
    { name: 'version', custom: false, mustMatchWhenDerived: true },
    { name: 'host', custom: false, mustMatchWhenDerived: false }
  ])
  const app = Fastify(withRouterOptions({ constraints: { tenant: strategy('tenant') } }))
  app.addConstraintStrategy({ ...strategy('version'), mustMatchWhenDerived: true } as never)
  app.addConstraintStrategy({ ...tenantConstraint, name: 'region' })
  const strategies = internalsOf(app).router.strategies()
  t.same(strategies.map(({ name, custom }) => [name, custom]), [['version', true], ['host', false], ['tenant', true], ['region', true]], 'added at run time, and a replaced version')
  t.equal(typeof strategies[0].deriveConstraint, 'function')
  t.match(internalsOf(Fastify()).router.options, { caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 100, allowUnsafeRegex: false, useSemicolonDelimiter: false })
  t.match(internalsOf(Fastify(withRouterOptions({ caseSensitive: false, maxParamLength: 5, useSemicolonDelimiter: true }))).router.options, { caseSensitive: false, maxParamLength: 5, useSemicolonDelimiter: true })
  t.match(internalsOf(Fastify({ ignoreTrailingSlash: true, routerOptions: { ignoreDuplicateSlashes: true } } as object)).router.options, { ignoreTrailingSlash: true, ignoreDuplicateSlashes: HAS_ROUTER_OPTIONS }, `top level and routerOptions together (routerOptions from Fastify ${ROUTER_OPTIONS_SINCE})`)
})

test('what Fastify answers before routing: a bad URL and a parameter over maxParamLength, in the router and in the not-found router', async t => {
  const app = Fastify(withRouterOptions({ maxParamLength: 10 }))
  app.get('/q/:id', async () => 'q')
  await app.ready()
  const { router, notFoundRouter } = internalsOf(app)
  t.equal(router.failsBeforeRouting('GET', '/q/%zz', {}), true, 'a bad URL')
  t.equal(router.failsBeforeRouting('GET', '/q/' + 'x'.repeat(11), {}), true, 'a parameter over maxParamLength')
  t.equal((await app.inject('/q/' + 'x'.repeat(11))).statusCode, TOO_LONG_PARAM_STATUS, `which Fastify answers with ${TOO_LONG_PARAM_STATUS}`)
  t.equal(router.failsBeforeRouting('GET', '/q/1', {}), false, 'a URL a route answers')
  t.equal(router.failsBeforeRouting('GET', '/nope', {}), false, 'a URL no route answers: the not-found handler does')
  t.equal(router.failsBeforeRouting('POST', '/q/%zz', {}), false, 'a method no route has: the router reads no further...')
  t.equal(notFoundRouter.failsBeforeRouting('POST', '/q/%zz', {}), true, '...the not-found router reads the URL')
  t.equal((await app.inject({ method: 'POST', url: '/q/%zz' })).statusCode, 400, 'and Fastify answers 400')
})

test("the router's derived constraint values: those Fastify derives from a request before its lookup", async t => {
  const app = Fastify()
  app.addConstraintStrategy(tenantConstraint)
  app.get('/t', { constraints: { tenant: 'acme', host: 'api.example', version: '1.0.0' } as Record<string, string> }, async () => 'acme')
  await app.ready()
  const { router } = internalsOf(app)
  const derived = await router.derive({ method: 'GET', url: '/t', headers: { host: 'api.example', 'x-tenant': 'acme', 'accept-version': '1.0.0' } })
  t.same(derived, { host: 'api.example', version: '1.0.0', tenant: 'acme' })
  t.ok(router.find('GET', '/t', derived), 'which find answers with the route')
  t.same(await internalsOf(Fastify()).router.derive({ method: 'GET', url: '/', headers: {} }), {}, 'no strategy in use: none')
})

test("the router's derived values from an asynchronous strategy, and its failure", async t => {
  const app = Fastify()
  app.addConstraintStrategy(regionConstraint)
  app.get('/r', { constraints: { region: 'eu' } as Record<string, string> }, async () => 'eu')
  await app.ready()
  const { router } = internalsOf(app)
  t.same(await router.derive({ method: 'GET', url: '/r', headers: { 'x-region': 'eu' } }), { region: 'eu' })
  await t.rejects(router.derive({ method: 'GET', url: '/r', headers: { 'x-region': 'bad' } }), /no region/)
})

test("the not-found router: the not-found handler's context for a URL", async t => {
  const app = Fastify()
  let inner!: FastifyInstance
  await app.register(async scoped => {
    inner = scoped
    scoped.setNotFoundHandler(async () => 'inner')
  }, { prefix: '/inner' })
  await app.ready()
  const { notFoundRouter } = internalsOf(app)
  t.equal(notFoundRouter.find('DELETE', '/inner/x', {})?.context.server, inner)
  t.equal(notFoundRouter.find('QUERY', '/elsewhere', {})?.context.server, app)
  t.same(notFoundRouter.routes().map(route => [route.method, route.path, route.constraints]).filter(([method]) => method === 'GET'), [['GET', '/*', {}], ['GET', '/', {}], ['GET', '/inner/*', {}], ['GET', '/inner', {}]])
})

test('the hook name Fastify gives a bound hook, and the prototype chain of scopes', async t => {
  t.equal(boundName(function corsOnRequest () {}), 'bound corsOnRequest')
  const app = Fastify()
  let grandchild!: FastifyInstance
  await app.register(async child => { await child.register(async inner => { grandchild = inner }) })
  await app.ready()
  const chain = [...instanceChain(grandchild)]
  t.equal(chain.at(-1), app, 'the root instance ends the chain')
  t.ok(chain.includes(app))
  t.equal(chain[0], grandchild)
  const bare = Object.create(null)
  t.same([...instanceChain(bare)], [bare], 'an object without a prototype')
})

test('the check at ready passes on this Fastify and leaves find-my-way as it found it', async t => {
  const app = Fastify()
  await app.register(cors, { origin: 'https://a.example' })
  const prototype = Object.getPrototypeOf((app as unknown as Record<symbol, { router: object }>)[notFoundSymbol(app)].router)
  const original = prototype.hasConstraintStrategy
  await app.ready()
  t.equal(prototype.hasConstraintStrategy, original)
  const own = Fastify()
  own.options('/', async () => 'own')
  await own.register(cors, { origin: 'https://a.example' })
  await t.resolves(own.ready(), "an app's own OPTIONS route where the check looks")
})

test('a changed internal fails startup naming the Fastify version and the fix', async t => {
  const code = 'FST_CORS_FASTIFY_INTERNALS'
  const message = /Fastify 9\.9\.9: .*Fix: use a Fastify version within the plugin's peerDependencies range, or upgrade fastify-cors-exact/
  t.throws(() => internalsOf({ version: '9.9.9' } as never), { code, message: /not-found handlers' router/ }, 'no not-found router')
  const real = Fastify()
  const notFound = (real as unknown as Record<symbol, { router: object }>)[notFoundSymbol(real)]
  t.throws(() => internalsOf({ version: '9.9.9', [notFoundSymbol(real)]: notFound, hasConstraintStrategy: () => false } as never), { code, message }, "Fastify's hasConstraintStrategy no longer reaches the router")
  const orphan = Object.assign(Object.create({ find: () => null }), notFound.router)
  t.throws(() => internalsOf({ version: '9.9.9', [notFoundSymbol(real)]: { router: orphan }, hasConstraintStrategy: () => false } as never), { code, message: /the router/ }, 'find-my-way without hasConstraintStrategy')

  const app = Fastify()
  await app.register(cors, { origin: 'https://a.example' })
  await app.ready()
  const expectations: Expectations = {
    method: 'OPTIONS',
    url: '/',
    constraints: { corsPreflight: 'yes' },
    isPluginRoute: config => Object.getOwnPropertySymbols(config).some(symbol => symbol.description === 'cors.preflightRoute'),
    hook: { name: 'corsOnRequest' },
    guarded: prototype => typeof (prototype as { send?: unknown }).send === 'function' && (prototype as { send: { name: string } }).send.name === 'send$guarded',
    registeredOn: app
  }
  t.ok(checkInternals(app, expectations))
  const version = new RegExp(`Fastify ${app.version.replaceAll('.', '\\.')}:`)
  t.throws(() => checkInternals(app, { ...expectations, isPluginRoute: () => false }), { code, message: /list of routes/ })
  t.throws(() => checkInternals(app, { ...expectations, constraints: {} }), { code, message: /lookup/ })
  t.throws(() => checkInternals(app, { ...expectations, hook: { name: 'renamed' } }), { code, message: /onRequest hooks/ })
  t.throws(() => checkInternals(app, { ...expectations, guarded: () => false }), { code, message: /class of a route's replies/ })
  const pluginRoute = internalsOf(app).router.routes().find(route => route.method === 'OPTIONS')!.context as unknown as { Reply: unknown }
  const Reply = pluginRoute.Reply
  pluginRoute.Reply = undefined
  t.throws(() => checkInternals(app, expectations), { code, message: /class of a route's replies/ }, 'no reply class in the context')
  pluginRoute.Reply = Reply
  t.throws(() => checkInternals(app, { ...expectations, registeredOn: Fastify() }), { code, message: /prototype chain/ })
  t.throws(() => checkInternals(app, { ...expectations, hook: { name: 'renamed' } }), { message: version })
  const notFoundRouter = (app as unknown as Record<symbol, { router: { off: (method: string, path: string) => void } }>)[notFoundSymbol(app)].router
  notFoundRouter.off('GET', '/')
  notFoundRouter.off('GET', '/*')
  t.throws(() => checkInternals(app, expectations), { code, message: /not-found router's routes/ })
})

test('through the plugin: a Fastify whose not-found router moved fails at ready, not at the first preflight', async t => {
  const app = Fastify()
  const key = notFoundSymbol(app)
  const saved = (app as unknown as Record<symbol, unknown>)[key]
  app.addHook('onReady', async () => { delete (app as unknown as Record<symbol, unknown>)[key] })
  await app.register(cors, { origin: 'https://a.example' })
  await t.rejects(app.ready(), { code: 'FST_CORS_FASTIFY_INTERNALS', message: new RegExp(`in Fastify ${app.version.replaceAll('.', '\\.')}:`) })
  Object.defineProperty(app, key, { value: saved })
})

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

test("answerFirst: the named onRequest hooks run first, in every route's and not-found handler's context they run for", async t => {
  const app = Fastify()
  app.addHook('onRequest', async function auth () {})
  app.addHook('onSend', async function early () {})
  app.addHook('onRequest', async function ours () {})
  app.addHook('onSend', async function finish () {})
  app.addHook('onRequest', async function limit () {})
  app.addHook('onSend', async function compress () {})
  app.get('/a', { onRequest: async function routeLevel () {} }, async () => 'a')
  await app.register(async child => {
    // A second registration's hook, as a nested registration of the plugin adds.
    child.addHook('onRequest', async function ours () {})
    child.get('/b', async () => 'b')
  })
  await app.register(async other => {
    // A scope whose hooks do not include ours: left alone.
    other.setNotFoundHandler(async () => 'none')
  }, { prefix: '/elsewhere' })
  let bare!: FastifyInstance
  await app.register(async scope => { bare = scope; scope.get('/c', async () => 'c') })
  await app.ready()
  const internals = internalsOf(app)
  answerFirst(app, internals, { name: 'ours' })
  const contexts = Object.fromEntries(internals.router.routes().map(route => [`${route.method} ${route.path}`, route.context]))
  t.same(hookNames(contexts['GET /a'], 'onRequest'), ['bound ours', 'bound auth', 'bound limit', 'bound routeLevel'])
  t.same(hookNames(contexts['GET /a'], 'onSend'), ['bound early', 'bound finish', 'bound compress'], 'onSend hooks are left in their order')
  t.same(hookNames(contexts['GET /b'], 'onRequest'), ['bound ours', 'bound ours', 'bound auth', 'bound limit'], 'both registrations first, in their order')
  const rootNotFound = internals.notFoundRouter.find('GET', '/', {})!.context
  t.same(hookNames(rootNotFound, 'onRequest'), ['bound ours', 'bound auth', 'bound limit'], "the root's not-found handler")
  t.equal(rootOf(bare), app, 'the root of a child scope is the app')
  t.equal(rootOf(app), app)
  // The reordered arrays are the ones Fastify runs.
  const order: string[] = []
  const probe = Fastify()
  probe.addHook('onRequest', async () => { order.push('auth') })
  probe.addHook('onRequest', async function ours () { order.push('ours') })
  probe.get('/', async () => 'ok')
  await probe.ready()
  answerFirst(probe, internalsOf(probe), { name: 'ours' })
  await probe.inject('/')
  await probe.inject('/nope')
  t.same(order, ['ours', 'auth', 'ours', 'auth'], 'a route and the not-found handler')
})

test('answerFirst leaves hooks that are already in order as they are, the very arrays Fastify holds', async t => {
  const app = Fastify()
  app.addHook('onRequest', async function ours () {})
  app.addHook('onRequest', async function auth () {})
  app.get('/', async () => 'ok')
  await app.ready()
  const internals = internalsOf(app)
  const context = internals.router.routes()[0].context
  const before = context.onRequest
  const hooks = [...before!]
  answerFirst(app, internals, { name: 'ours' })
  t.equal(context.onRequest, before, 'the same array')
  t.same(context.onRequest, hooks, 'in the same order')
  t.ok(runsOnRequest(context, 'bound ours') && runsOnRequest(context, 'bound auth'))
  t.notOk(runsOnRequest(context, 'bound other'), 'a name none of its hooks has')
  t.notOk(runsOnRequest({ ...context, onRequest: null }, 'bound ours'), 'a context without onRequest hooks')
})

test('answerFirst fails startup naming the Fastify version where hooks are no longer arrays of functions', async t => {
  const app = Fastify()
  app.get('/', async () => 'ok')
  await app.ready()
  const internals = internalsOf(app)
  const context = internals.router.routes()[0].context as unknown as { onRequest: unknown }
  context.onRequest = { hooks: [] }
  t.throws(() => answerFirst(app, internals, { name: 'ours' }), { code: 'FST_CORS_FASTIFY_INTERNALS', message: new RegExp(`a route's hooks .* in Fastify ${app.version.replaceAll('.', '\\.')}`) })
  context.onRequest = [{ name: 'not a function' }]
  t.throws(() => answerFirst(app, internals, { name: 'ours' }), { code: 'FST_CORS_FASTIFY_INTERNALS' })
})

test("replyPrototypeOf: the app's Reply prototype, from any of its scopes; fails startup naming the Fastify version without one", async t => {
  const app = Fastify()
  let child!: FastifyInstance
  await app.register(async scope => { child = scope })
  const key = Object.getOwnPropertySymbols(app).find(symbol => symbol.description === 'fastify.Reply')!
  const Reply = (app as unknown as Record<symbol, { prototype: object }>)[key]
  t.equal(replyPrototypeOf(app), Reply.prototype)
  t.equal(replyPrototypeOf(child), Reply.prototype, "a child scope's gives the app's")
  const code = 'FST_CORS_FASTIFY_INTERNALS'
  t.throws(() => replyPrototypeOf({ version: '9.9.9' } as never), { code, message: /reply class .* Fastify 9\.9\.9/ })
  t.throws(() => replyPrototypeOf({ version: '9.9.9', [key]: { prototype: { header () {}, send () {} } } } as never), { code }, 'without removeHeader')
  t.throws(() => replyPrototypeOf({ version: '9.9.9', [key]: {} } as never), { code }, 'without a prototype')
})

test("decorateFrameworkErrors: Fastify calls the options' frameworkErrors, read on each error; the decoration runs first, then the app's or Fastify's own answer", async t => {
  const bare = Fastify(withRouterOptions({ maxParamLength: 5 }))
  bare.get('/q/:id', async () => 'ok')
  const app = Fastify(withRouterOptions({ maxParamLength: 5 }))
  app.get('/q/:id', async () => 'ok')
  const order: string[] = []
  decorateFrameworkErrors(app, (request, reply, then) => { order.push(request.url); reply.header('x-decorated', 'yes'); then() })
  // A parameter over maxParamLength is a framework error (414) from Fastify 5.9.0; before, a plain 404.
  const errors = TOO_LONG_PARAM_STATUS === 414 ? ['/q/%zz', '/q/0123456789'] : ['/q/%zz']
  for (const url of errors) {
    const expected = await bare.inject(url)
    const response = await app.inject(url)
    t.equal(response.statusCode, expected.statusCode, url)
    t.equal(response.body, expected.body, `${url}: Fastify's own body`)
    t.equal(response.headers['content-type'], expected.headers['content-type'])
    t.equal(response.headers['x-decorated'], 'yes')
  }
  t.same(order, errors)

  const own = Fastify({ frameworkErrors: (error, _request, reply) => { reply.code(400).send({ mine: error.code }) } })
  own.get('/q/:id', async () => 'ok')
  decorateFrameworkErrors(own, (_request, reply, then) => { reply.header('x-decorated', 'yes'); then() })
  const mine = await own.inject('/q/%zz')
  t.same([mine.json(), mine.headers['x-decorated']], [{ mine: 'FST_ERR_BAD_URL' }, 'yes'], "the app's own frameworkErrors, after the decoration")

  // Fastify's answer to a failing async constraint is a 500 without a code.
  const replies: Array<{ code: number, body: string }> = []
  const reply = {
    code (code: number) { replies.push({ code, body: '' }); return this },
    header () { return this },
    send (body: Buffer) { replies[replies.length - 1].body = body.toString() }
  } as unknown as FastifyReply
  const options = Reflect.get(app, Object.getOwnPropertySymbols(app).find(symbol => symbol.description === 'fastify.options') as symbol) as { frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void }
  options.frameworkErrors(Object.assign(new Error('Unexpected error from async constraint'), { code: 'FST_ERR_ASYNC_CONSTRAINT', statusCode: 500 }) as FastifyError, { url: '/' } as FastifyRequest, reply)
  options.frameworkErrors(Object.assign(new Error('no status'), { code: 'X' }) as FastifyError, { url: '/' } as FastifyRequest, reply)
  t.same(replies.map(reply => [reply.code, JSON.parse(reply.body)]), [
    [500, { error: 'Internal Server Error', message: 'Unexpected error from async constraint', statusCode: 500 }],
    [500, { error: 'Internal Server Error', message: 'no status', statusCode: 500 }]
  ])
  t.throws(() => decorateFrameworkErrors({ version: '9.9.9' } as never, () => {}), { code: 'FST_CORS_FASTIFY_INTERNALS', message: /server options .* in Fastify 9\.9\.9/ })
})
