// Property (d) of issue 14: Vary names every request header the response
// depends on. Random apps (origin lists, patterns, functions, one exact origin,
// '*', credentials, methods lists, allowedHeaders, exposedHeaders, cors: false
// routes, rejectDisallowed, preflightContinue, checkActualRequests,
// allowPrivateNetwork, debug, the app's own Vary and OPTIONS route, hooks
// before and after the plugin, a not-found handler, bad URLs) receive pairs of requests that differ
// only in Origin, only in Access-Control-Request-Method or only in
// Access-Control-Request-Headers. The oracle is the comparison itself, not the
// plugin's code: where the two responses differ (status, body, or any header
// but Vary and Date), the Vary of each must name the header that differed, or
// be '*'. A cache that stored one of them would otherwise serve it for the other.
//
// Reproduce a failure with what fast-check prints:
//   VARY_SEED=<seed> VARY_PATH=<path> npx tap --disable-coverage test/properties/vary.test.ts
// (the failure prints that command)
// Run longer with VARY_RUNS=<n> (each run builds one app and sends PAIRS pairs).
import { test } from 'tap'
import fc from 'fast-check'
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify'
import cors from '../../index.js'
import type { CorsOptions } from '../../index.js'

const SEED = process.env.VARY_SEED !== undefined ? Number(process.env.VARY_SEED) : 141406
const RUNS = process.env.VARY_RUNS !== undefined ? Number(process.env.VARY_RUNS) : 150
const PATH = process.env.VARY_PATH
const PAIRS = 6

const A = 'https://a.example.com'
const B = 'https://b.example.com'
const SUB = 'https://x.tenant.example.org'
// inject sends Host: localhost:80, so this one is same-origin.
const SAME = 'http://localhost'
const ORIGINS = [A, B, SUB, SAME, 'https://evil.example.net', 'null', 'https://a.example.com.evil.net', 'not an origin']

type OriginSpec = 'one' | 'list' | 'pattern' | 'function' | 'async-function' | 'any'

interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'
  path: '/a' | '/b' | '/c/:id'
  cors: 'inherit' | 'off' | 'other-origin'
  /** The handler sets its own Vary. */
  vary: boolean
}

interface AppSpec {
  origin: OriginSpec
  credentials: boolean
  methods: string[] | undefined
  allowedHeaders: string[] | undefined
  rejectDisallowed: boolean
  preflightContinue: boolean
  checkActualRequests: boolean
  exposedHeaders: boolean
  allowPrivateNetwork: boolean
  debug: boolean
  /** An onRequest hook before the plugin that refuses requests without Authorization on /b (an auth plugin). */
  authBefore: boolean
  /** An onSend hook after the plugin that replaces Vary. */
  onSendAfter: boolean
  /** A not-found handler with its own Vary. */
  notFound: boolean
  /** The app's own OPTIONS route at /a, with its own Vary. */
  appOptions: boolean
  routes: RouteSpec[]
}

interface RequestSpec {
  method: string
  url: string
  origin: string | undefined
  acrm: string | undefined
  acrh: string | undefined
  contentType: string | undefined
  authorization: boolean
  /** A header only scripts send (X-CSRF-Token): the request needs a preflight. */
  csrf: boolean
}

type Dimension = 'origin' | 'acrm' | 'acrh'
const HEADER_OF: Record<Dimension, string> = {
  origin: 'origin',
  acrm: 'access-control-request-method',
  acrh: 'access-control-request-headers'
}

function originOption (spec: OriginSpec): CorsOptions['origin'] {
  switch (spec) {
    case 'one': return A
    case 'list': return [A, B]
    case 'pattern': return [A, 'https://*.tenant.example.org']
    case 'function': return (origin: string | undefined, callback: (error: Error | null, allow?: boolean) => void) => callback(null, origin === A || origin === SUB)
    case 'async-function': return async (origin: string | undefined) => origin === B
    case 'any': return '*'
  }
}

async function buildApp (spec: AppSpec): Promise<FastifyInstance> {
  const app = Fastify()
  if (spec.authBefore) {
    app.addHook('onRequest', async (request, reply) => {
      if (request.url.startsWith('/b') && request.headers.authorization === undefined) return reply.code(401).send({ error: 'log in' })
    })
  }
  const options: CorsOptions = {
    origin: originOption(spec.origin),
    credentials: spec.credentials && spec.origin !== 'any',
    ...(spec.methods !== undefined ? { methods: spec.methods } : {}),
    ...(spec.allowedHeaders !== undefined ? { allowedHeaders: spec.allowedHeaders } : {}),
    rejectDisallowed: spec.rejectDisallowed,
    preflightContinue: spec.preflightContinue,
    checkActualRequests: spec.checkActualRequests,
    allowPrivateNetwork: spec.allowPrivateNetwork,
    debug: spec.debug,
    ...(spec.exposedHeaders ? { exposedHeaders: ['x-request-id'] } : {}),
    cacheControl: 'public, max-age=60'
  }
  await app.register(cors, options)
  if (spec.onSendAfter) app.addHook('onSend', async (_request, reply) => { reply.header('vary', 'Accept-Language') })
  const declared = new Set<string>()
  for (const route of spec.routes) {
    const key = `${route.method} ${route.path}`
    if (declared.has(key)) continue
    declared.add(key)
    const config = route.cors === 'off' ? { cors: false as const } : route.cors === 'other-origin' ? { cors: { origin: B } } : {}
    app.route({
      method: route.method,
      url: route.path,
      config,
      handler: async (request, reply) => {
        if (route.vary) reply.header('vary', 'Accept-Encoding')
        return { route: key, params: request.params }
      }
    })
  }
  if (spec.appOptions) app.options('/a', async (_request, reply) => reply.header('vary', 'Accept').code(200).send('app options'))
  if (spec.notFound) app.setNotFoundHandler(async (_request, reply) => reply.header('vary', 'Accept').code(404).send('not here'))
  await app.ready()
  return app
}

function inject (app: FastifyInstance, request: RequestSpec): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {}
  if (request.origin !== undefined) headers.origin = request.origin
  if (request.acrm !== undefined) headers['access-control-request-method'] = request.acrm
  if (request.acrh !== undefined) headers['access-control-request-headers'] = request.acrh
  if (request.contentType !== undefined) headers['content-type'] = request.contentType
  if (request.authorization) headers.authorization = 'Bearer t'
  if (request.csrf) headers['x-csrf-token'] = 't'
  const options: InjectOptions = { method: request.method as InjectOptions['method'], url: request.url, headers }
  if (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH') options.payload = request.contentType === 'application/json' ? '{}' : 'x'
  return app.inject(options)
}

/** Everything a cache would store, but Vary itself and Date. */
function observable (response: LightMyRequestResponse): string {
  const headers = Object.entries(response.headers)
    .filter(([name]) => name !== 'vary' && name !== 'date')
    .map(([name, value]) => `${name}: ${String(value)}`)
    .sort()
  return JSON.stringify({ status: response.statusCode, headers, body: response.body })
}

function varies (response: LightMyRequestResponse, header: string): boolean {
  const names = String(response.headers.vary ?? '').split(',').map(name => name.trim().toLowerCase())
  return names.includes('*') || names.includes(header)
}

const routeArb: fc.Arbitrary<RouteSpec> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
  path: fc.constantFrom('/a', '/b', '/c/:id'),
  cors: fc.constantFrom('inherit', 'inherit', 'off', 'other-origin'),
  vary: fc.boolean()
})

const appArb: fc.Arbitrary<AppSpec> = fc.record({
  origin: fc.constantFrom<OriginSpec>('one', 'list', 'pattern', 'function', 'async-function', 'any'),
  credentials: fc.boolean(),
  methods: fc.option(fc.subarray(['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], { minLength: 1 }), { nil: undefined }),
  allowedHeaders: fc.option(fc.constantFrom(['content-type'], ['content-type', 'x-api-key', 'authorization'], ['*']), { nil: undefined }),
  rejectDisallowed: fc.boolean(),
  preflightContinue: fc.boolean(),
  checkActualRequests: fc.boolean(),
  exposedHeaders: fc.boolean(),
  allowPrivateNetwork: fc.boolean(),
  debug: fc.boolean(),
  authBefore: fc.boolean(),
  onSendAfter: fc.boolean(),
  notFound: fc.boolean(),
  appOptions: fc.boolean(),
  routes: fc.array(routeArb, { minLength: 1, maxLength: 5 })
  // Startup refuses credentials beside '*' (origin or allowedHeaders).
}).map(spec => spec.credentials && (spec.origin === 'any' || spec.allowedHeaders?.includes('*') === true) ? { ...spec, credentials: false } : spec)

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 3 })
const originArb = maybe(fc.constantFrom(...ORIGINS))
const acrmArb = maybe(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'patch', 'OPTIONS', 'BAD METHOD'))
const acrhArb = maybe(fc.constantFrom('content-type', 'x-api-key', 'authorization', 'content-type,x-api-key', 'x-other', 'bad header!', ''))

const requestArb: fc.Arbitrary<RequestSpec> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'OPTIONS', 'OPTIONS'),
  url: fc.constantFrom('/a', '/b', '/c/1', '/nope', '/q/%zz'),
  origin: originArb,
  acrm: acrmArb,
  acrh: acrhArb,
  contentType: maybe(fc.constantFrom('text/plain', 'application/json')),
  authorization: fc.boolean(),
  csrf: fc.boolean()
})

/** A request and a twin that differs in one header only (present, absent or another value). */
const pairArb: fc.Arbitrary<[RequestSpec, Dimension, RequestSpec]> = fc.tuple(requestArb, fc.constantFrom<Dimension>('origin', 'acrm', 'acrh'), originArb, acrmArb, acrhArb)
  .map(([request, dimension, origin, acrm, acrh]) => {
    const other = { ...request }
    if (dimension === 'origin') other.origin = origin
    if (dimension === 'acrm') other.acrm = acrm
    if (dimension === 'acrh') other.acrh = acrh
    return [request, dimension, other]
  })

test('property (d): where two responses differ by one request header, Vary names it on both', async t => {
  t.comment(`fast-check seed ${SEED}, ${RUNS} runs of ${PAIRS} pairs (VARY_SEED / VARY_RUNS to change)`)
  let compared = 0
  let differing = 0
  await fc.assert(fc.asyncProperty(appArb, fc.array(pairArb, { minLength: PAIRS, maxLength: PAIRS }), async (spec, pairs) => {
    const app = await buildApp(spec)
    try {
      for (const [first, dimension, second] of pairs) {
        const [one, two] = [await inject(app, first), await inject(app, second)]
        compared++
        if (observable(one) === observable(two)) continue
        differing++
        const header = HEADER_OF[dimension]
        if (!varies(one, header) || !varies(two, header)) {
          throw new Error(`responses differ by ${header} without Vary naming it:\n${JSON.stringify(first)} -> ${one.statusCode} vary=${String(one.headers.vary)} ${observable(one)}\n${JSON.stringify(second)} -> ${two.statusCode} vary=${String(two.headers.vary)} ${observable(two)}`)
        }
      }
    } finally {
      await app.close()
    }
  }), { numRuns: RUNS, seed: SEED, ...(PATH !== undefined ? { path: PATH } : {}) }).catch((error: unknown) => {
    const path = /path: "([^"]*)"/.exec(String((error as Error).message))?.[1]
    t.comment(`rerun: VARY_SEED=${SEED} VARY_RUNS=${RUNS}${path === undefined ? '' : ` VARY_PATH=${path}`} npx tap --disable-coverage test/properties/vary.test.ts`)
    throw error
  })
  t.ok(differing > compared / 10, `the pairs exercise the property: ${differing} of ${compared} pairs differ`)
})
