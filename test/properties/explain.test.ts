// explain() as a differential property: it must predict what the plugin
// really answers. Random apps (a registration at the root or only in a child
// scope, a second one under a prefix, a scope without the plugin, routes
// declared before the plugin, config.cors overrides and false, host, version
// and a custom constraint, the app's own OPTIONS routes, QUERY routes,
// preflightContinue, preflight: false, debug, credentials, origin functions)
// and random requests (origin, method, URL, a bad one that Fastify answers
// itself included, headers, Host, credentials).
// Fastify itself is the oracle: each request explain() describes is then sent
// with inject, as a browser would send it (the preflight it needs, by the
// test's own reading of the Fetch Standard, then the request itself), and
// explain()'s status, headers, who answered, readability and reason must be
// what inject shows. Every handler and the not-found handler record that they
// ran, so the test also sees that explain() runs none.
//
// Rerun a failure with the command printed under it; run longer with EXPLAIN_RUNS=<n>, another seed with EXPLAIN_SEED=<n>.
import { test } from 'tap'
import fc from 'fast-check'
import Fastify, { type FastifyInstance, type HTTPMethods, type LightMyRequestResponse } from 'fastify'
import cors, { type CorsOptions, type ExplainedResponse, type Explanation } from '../../index.js'

const SEED = process.env.EXPLAIN_SEED !== undefined ? Number(process.env.EXPLAIN_SEED) : 20261202
const RUNS = process.env.EXPLAIN_RUNS !== undefined ? Number(process.env.EXPLAIN_RUNS) : 120
const PATH = process.env.EXPLAIN_PATH
const RERUN = (seed: number, path?: string): string =>
  `EXPLAIN_SEED=${seed}${path === undefined ? '' : ` EXPLAIN_PATH=${path}`} EXPLAIN_RUNS=${RUNS} npx tap test/properties/explain.test.ts --disable-coverage`

const ORIGINS = ['https://a.test', 'https://b.test']
const REQUEST_ORIGINS = [...ORIGINS, 'https://evil.test', 'null']
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'QUERY'] as const
const PATHS = ['/', '/a', '/a/:id', '/b/*', '/q']
const HOSTS = ['h1.test', 'localhost:80']

/** Where a route is declared: before the plugin, after it at the root, in the child scope (prefix /c), in a scope without the plugin (prefix /s). */
type Place = 'before' | 'root' | 'child' | 'bare'

interface Override { origin: string[], methods?: string[], allowedHeaders?: string[], credentials?: boolean }

interface RouteSpec {
  method: typeof METHODS[number]
  path: string
  place: Place
  host: string | undefined
  version: string | undefined
  tenant: string | undefined
  cors: undefined | false | Override
}

interface AppSpec {
  rootPlugin: boolean
  childPlugin: boolean
  root: CorsOptions
  child: CorsOptions
  routes: RouteSpec[]
}

/** undefined most of the time: one time in `every`, a value. */
function sometimes<T> (arbitrary: fc.Arbitrary<T>, every: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: every - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary })
}

const allowedHeadersArb = fc.option(fc.subarray(['content-type', 'x-custom', 'authorization', 'accept-version', 'x-tenant']), { nil: undefined })
const originArb: fc.Arbitrary<CorsOptions['origin']> = fc.oneof(
  { weight: 4, arbitrary: fc.subarray(ORIGINS, { minLength: 1 }) },
  { weight: 1, arbitrary: fc.constant(ORIGINS[0]) },
  { weight: 1, arbitrary: fc.constant('*') },
  // An origin function: the stand-in request reaches it as the real one does.
  { weight: 1, arbitrary: fc.subarray(ORIGINS).map(list => (origin: string, cb: (error: Error | null, allow?: boolean) => void) => { cb(null, list.includes(origin)) }) }
)
const optionsArb: fc.Arbitrary<CorsOptions> = fc.record({
  origin: originArb,
  methods: sometimes(fc.subarray([...METHODS], { minLength: 1 }), 3),
  allowedHeaders: allowedHeadersArb,
  credentials: fc.boolean(),
  exposedHeaders: fc.option(fc.constant(['x-total']), { nil: undefined }),
  maxAge: fc.option(fc.constant(600), { nil: undefined }),
  preflightContinue: fc.boolean(),
  preflight: fc.oneof({ weight: 7, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  optionsSuccessStatus: fc.constantFrom(200, 204),
  debug: fc.boolean(),
  rejectDisallowed: fc.boolean()
}).map(options => {
  const result: Record<string, unknown> = { ...options }
  for (const key of Object.keys(result)) if (result[key] === undefined) delete result[key]
  // '*' with credentials fails startup, as it should; this property is about apps that start.
  if (result.origin === '*') result.credentials = false
  return result as CorsOptions
})
const overrideArb: fc.Arbitrary<Override> = fc.record({
  origin: fc.subarray(ORIGINS, { minLength: 1 }),
  methods: sometimes(fc.subarray([...METHODS], { minLength: 1 }), 3),
  allowedHeaders: allowedHeadersArb,
  credentials: fc.option(fc.boolean(), { nil: undefined })
}).map(override => {
  const result: Record<string, unknown> = { ...override }
  for (const key of Object.keys(result)) if (result[key] === undefined) delete result[key]
  return result as unknown as Override
})
const routeArb: fc.Arbitrary<RouteSpec> = fc.record({
  method: fc.constantFrom(...METHODS),
  path: fc.constantFrom(...PATHS),
  place: fc.constantFrom<Place>('before', 'root', 'root', 'child', 'child', 'bare'),
  host: sometimes(fc.constant(HOSTS[0]), 5),
  version: sometimes(fc.constant('1.0.0'), 5),
  tenant: sometimes(fc.constantFrom('acme', 'other'), 4),
  cors: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(false as const) },
    { weight: 2, arbitrary: overrideArb }
  )
})
const appArb: fc.Arbitrary<AppSpec> = fc.record({
  rootPlugin: fc.constantFrom(true, true, false),
  childPlugin: fc.boolean(),
  root: optionsArb,
  child: optionsArb,
  routes: fc.array(routeArb, { minLength: 1, maxLength: 7 })
}).map(spec => spec.rootPlugin ? spec : { ...spec, childPlugin: true }) // fastify.cors exists where the plugin is

interface RequestSpec {
  origin: string | undefined
  method: string
  url: string
  headers: Record<string, string>
  credentials: boolean
}

const rarely = fc.constantFrom(false, false, false, true)
const requestArb = (spec: AppSpec): fc.Arbitrary<RequestSpec> => fc.record({
  route: fc.constantFrom(...spec.routes),
  own: fc.constantFrom(true, true, false),
  method: fc.constantFrom(...METHODS, 'HEAD'),
  prefix: fc.constantFrom('', '', '/c', '/s', '/nope'),
  // '/%zz': a bad URL, which Fastify answers with its 400 before routing.
  tail: fc.constantFrom('', '', '', '/', '/', '?x=1', '?x=1', '/%zz'),
  origin: fc.option(fc.constantFrom(...ORIGINS, ...REQUEST_ORIGINS), { nil: undefined, freq: 6 }), // absent 1 in 6
  contentType: fc.option(fc.constantFrom('application/json', 'text/plain'), { nil: undefined }),
  custom: rarely,
  authorization: rarely,
  language: rarely,
  version: rarely,
  tenant: sometimes(fc.constantFrom('acme', 'other'), 4),
  host: fc.constantFrom(...HOSTS),
  credentials: fc.boolean()
}).map(r => {
  const placePrefix = r.route.place === 'child' ? '/c' : r.route.place === 'bare' ? '/s' : ''
  const path = r.route.path.replace(':id', '7').replace('*', 'x/y')
  const url = `${r.own ? placePrefix : r.prefix}${path === '/' && (r.own ? placePrefix : r.prefix) !== '' ? '' : path}${r.tail}`
  const headers: Record<string, string> = { host: r.host }
  const method = r.own ? r.route.method : r.method
  // Fastify answers 400 to a QUERY without a body type; fetch() gives a string body text/plain.
  const contentType = r.contentType ?? (method === 'QUERY' ? 'text/plain' : undefined)
  if (contentType !== undefined) headers['content-type'] = contentType
  if (r.custom) headers['x-custom'] = '1'
  if (r.authorization) headers.authorization = 'Bearer t'
  if (r.language) headers['accept-language'] = 'en'
  if (r.version) headers['accept-version'] = '1.0.0'
  if (r.tenant !== undefined) headers['x-tenant'] = r.tenant
  return { origin: r.origin, method, url: url === '' ? '/' : url, headers, credentials: r.credentials }
})

// The test's own reading of the Fetch Standard, for the few headers it sends:
// which of them a browser lists in Access-Control-Request-Headers.
const SAFE = new Set(['accept-language'])
function unsafeNames (headers: Record<string, string>): string[] {
  return Object.keys(headers).filter(name => name !== 'host' && !SAFE.has(name) && !(name === 'content-type' && headers[name] === 'text/plain')).sort()
}
const SIMPLE = new Set(['GET', 'HEAD', 'POST'])

interface Built { app: FastifyInstance, hits: string[] }

async function build (spec: AppSpec): Promise<Built> {
  const hits: string[] = []
  const app = Fastify()
  // A constraint of the app's own, derived from a header no preflight carries.
  app.addConstraintStrategy({
    name: 'tenant',
    storage () {
      const stores = new Map<string, unknown>()
      return { get: (value: string) => stores.get(value) ?? null, set: (value: string, store: unknown) => { stores.set(value, store) } }
    },
    deriveConstraint: (req: { headers: Record<string, string | string[] | undefined> }) => req.headers['x-tenant'] as string | undefined,
    mustMatchWhenDerived: false
  } as Parameters<FastifyInstance['addConstraintStrategy']>[0])
  app.setNotFoundHandler(async (request, reply) => { hits.push('not-found'); return await reply.code(404).send('not found') })
  const declare = (instance: FastifyInstance, place: Place): void => {
    spec.routes.forEach((route, index) => {
      if (route.place !== place) return
      const constraints: Record<string, string> = {}
      if (route.host !== undefined) constraints.host = route.host
      if (route.version !== undefined) constraints.version = route.version
      if (route.tenant !== undefined) constraints.tenant = route.tenant
      instance.route({
        method: route.method as HTTPMethods,
        url: route.path,
        constraints,
        config: route.cors === undefined ? {} : { cors: route.cors },
        handler: async () => { hits.push(String(index)); return 'handled' }
      })
    })
  }
  declare(app, 'before')
  if (spec.rootPlugin) await app.register(cors, spec.root)
  declare(app, 'root')
  await app.register(async child => {
    if (spec.childPlugin) await child.register(cors, spec.child)
    declare(child, 'child')
  }, { prefix: '/c' })
  await app.register(async bare => { declare(bare, 'bare') }, { prefix: '/s' })
  await app.ready()
  return { app, hits }
}

/** The headers the plugin decides: Access-Control-* and Vary. */
function corsHeaders (headers: Record<string, unknown>): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('access-control-') || name === 'vary') kept[name] = String(value)
  }
  return kept
}

/** Whether the browser lets the page read this response (https://fetch.spec.whatwg.org/#cors-check), written for this test. */
function browserReads (response: LightMyRequestResponse, origin: string, credentials: boolean): boolean {
  const allow = response.headers['access-control-allow-origin']
  if (credentials) return allow === origin && response.headers['access-control-allow-credentials'] === 'true'
  return allow === '*' || allow === origin
}

function preflightPasses (response: LightMyRequestResponse, request: RequestSpec, requested: string[]): boolean {
  if (response.statusCode < 200 || response.statusCode > 299) return false
  if (!browserReads(response, request.origin as string, request.credentials)) return false
  const methods = String(response.headers['access-control-allow-methods'] ?? '').split(',').map(m => m.trim())
  const headers = String(response.headers['access-control-allow-headers'] ?? '').split(',').map(h => h.trim().toLowerCase())
  const wildcard = !request.credentials && headers.includes('*')
  return (SIMPLE.has(request.method) || methods.includes(request.method) || (!request.credentials && methods.includes('*'))) &&
    requested.every(name => headers.includes(name) || (wildcard && name !== 'authorization'))
}

/** Compares one predicted answer with inject's; `ran` is what the handlers recorded. */
function compare (what: string, predicted: ExplainedResponse, response: LightMyRequestResponse, ran: string[]): void {
  const fail = (why: string): never => { throw new Error(`${what}: ${why}\npredicted ${JSON.stringify(predicted)}\ngot ${response.statusCode} ${JSON.stringify(response.headers)} ${response.body} ran ${JSON.stringify(ran)}`) }
  if (predicted.answeredBy === 'cors') {
    if (ran.length > 0) fail('the plugin was to answer, a handler ran')
    if (predicted.status !== response.statusCode) fail('status')
  } else if (predicted.answeredBy === 'fastify') {
    if (ran.length > 0 || response.statusCode < 400) fail('Fastify was to answer with its error, before routing')
  } else if (predicted.answeredBy === 'not-found') {
    if (ran.length !== 1 || ran[0] !== 'not-found') fail('the not-found handler was to answer')
  } else if (ran.length !== 1 || ran[0] === 'not-found') {
    fail('the route\'s handler was to answer')
  }
  const expected = corsHeaders(predicted.headers)
  const got = corsHeaders(response.headers)
  if (JSON.stringify(Object.entries(expected).sort()) !== JSON.stringify(Object.entries(got).sort())) fail('headers')
}

function refusalIn (response: LightMyRequestResponse): string | undefined {
  return /^CORS (?:preflight|request) refused: ([a-z-]+)$/.exec(response.body)?.[1]
}

test('explain() predicts the status, headers, answerer and verdict inject gets, and runs no handler', async t => {
  t.comment(`fast-check seed ${SEED}, ${RUNS} runs (EXPLAIN_SEED / EXPLAIN_RUNS to change)`)
  const counts = { apps: 0, requests: 0, preflights: 0, passed: 0, readable: 0, refused: 0, byRoute: 0, byFastify: 0 }
  const reasons: Record<string, number> = {}
  const property = fc.asyncProperty(appArb.chain(spec => fc.tuple(fc.constant(spec), fc.array(requestArb(spec), { minLength: 1, maxLength: 10 }))), async ([spec, requests]) => {
    let built: Built
    try {
      built = await build(spec)
    } catch (error) {
      // Two routes the router cannot tell apart, or config.cors outside every registration: not this property's concern.
      if (/FST_ERR_DUPLICATED_ROUTE|FST_CORS_UNGOVERNED_ROUTE/.test(String((error as { code?: string }).code))) return
      throw error
    }
    const { app, hits } = built
    counts.apps++
    try {
      for (const request of requests) {
        counts.requests++
        hits.length = 0
        const explanation: Explanation = await app.cors.explain(request)
        if (hits.length > 0) throw new Error(`explain() ran ${JSON.stringify(hits)}`)
        const requested = unsafeNames(request.headers)
        const cross = request.origin !== undefined
        const preflighted = cross && (!SIMPLE.has(request.method) || requested.length > 0)
        if ((explanation.preflight !== null) !== preflighted) throw new Error(`a browser ${preflighted ? 'sends' : 'sends no'} preflight: ${JSON.stringify(explanation)}`)
        let reason: string | undefined
        let readable = true
        if (explanation.preflight !== null) {
          counts.preflights++
          const preflight = await app.inject({
            method: 'OPTIONS',
            url: request.url,
            headers: { host: request.headers.host, origin: request.origin as string, 'access-control-request-method': request.method, ...(requested.length > 0 ? { 'access-control-request-headers': requested.join(',') } : {}) }
          })
          compare(`preflight of ${JSON.stringify(request)}`, explanation.preflight, preflight, hits)
          hits.length = 0
          reason = refusalIn(preflight)
          const passes = preflightPasses(preflight, request, requested)
          if (explanation.preflight.passes !== passes) throw new Error(`preflight passes: predicted ${String(explanation.preflight.passes)}, the browser's check says ${String(passes)}: ${JSON.stringify(explanation)}`)
          if (!passes) {
            readable = false
            if (explanation.actual !== null) throw new Error('an actual request after a failed preflight')
          } else {
            counts.passed++
          }
        }
        if (readable) {
          const type = request.headers['content-type']
          const actual = await app.inject({
            method: request.method as HTTPMethods,
            url: request.url,
            headers: { ...request.headers, ...(cross ? { origin: request.origin } : {}) },
            // A body Fastify's parsers accept: this property is about the plugin's answer, not theirs.
            ...(type === undefined ? {} : { payload: type === 'application/json' ? '{}' : 'x' })
          })
          if (explanation.actual === null) throw new Error(`no actual request predicted: ${JSON.stringify(explanation)}`)
          compare(`actual ${JSON.stringify(request)}`, explanation.actual, actual, hits)
          if (explanation.actual.answeredBy === 'route') counts.byRoute++
          if (explanation.actual.answeredBy === 'fastify') counts.byFastify++
          reason = refusalIn(actual) ?? reason
          readable = !cross || browserReads(actual, request.origin as string, request.credentials)
        }
        if (explanation.readable !== readable) throw new Error(`readable: predicted ${String(explanation.readable)}: ${JSON.stringify(explanation)}`)
        if (readable) counts.readable++
        if (explanation.reason !== null) reasons[explanation.reason] = (reasons[explanation.reason] ?? 0) + 1
        if (reason !== undefined) {
          counts.refused++
          if (explanation.reason !== reason) throw new Error(`the plugin refused with ${reason}; explain() says ${String(explanation.reason)}`)
        }
        if ((explanation.reason === null) !== (explanation.fix === null)) throw new Error('a reason without a fix, or a fix without a reason')
        if (!readable && explanation.reason === null) throw new Error(`unreadable without a reason: ${JSON.stringify(explanation)}`)
      }
    } finally {
      await app.close()
    }
  })
  try {
    await fc.assert(property, { numRuns: RUNS, seed: SEED, ...(PATH !== undefined ? { path: PATH } : {}) })
  } catch (error) {
    const path = /path: ?"([^"]*)"/.exec((error as Error).message)?.[1]
    const cause = (error as { cause?: unknown }).cause
    throw new Error(`${(error as Error).message}\n${cause instanceof Error ? cause.message : String(cause)}\nRerun: ${RERUN(SEED, path)}`)
  }
  t.comment(JSON.stringify(counts))
  t.comment(`reasons: ${JSON.stringify(reasons)}`)
  t.ok(counts.apps > RUNS / 2 && counts.preflights > 0 && counts.passed > 0 && counts.readable > 0 && counts.refused > 0 && counts.byRoute > 0 && counts.byFastify > 0, 'the generator reaches every kind of answer')
})
