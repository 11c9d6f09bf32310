// Route truth, as a differential property: random apps (router options at both
// placements, rewriteUrl, static, parametric, regex-parameter and wildcard
// routes, app.all, the app's own OPTIONS and HEAD routes, prefixes with each
// prefixTrailingSlash, the plugin at the root, in a child scope, nested, or
// after some routes, host and version constraints, config.cors overrides and
// false, constraint strategies added at run time — a custom header, a
// must-match query parameter, version replaced by X-API-Version, host replaced
// by X-Forwarded-Host —, not-found handlers at the root, in the child scope or
// under a prefix, QUERY routes where Fastify has them) and random requests
// (case, trailing and duplicate slashes, percent-encoding, ';', query strings,
// long parameters, Host, the strategies' values). Fastify itself
// is the oracle of routing: each handler records its route, so the test sees
// which route really answers the actual request, and judges it by that route's
// policy as the test declared it, never by the plugin's own registry.
//
// For every preflight and its actual request:
// - an approved preflight implies the actual request is granted by its own
//   route's policy, or stopped before any handler runs;
// - an actual request that a browser sends only after a preflight never runs a
//   handler whose policy refuses it (the actual-request check);
// - an actual request its route allows gets its preflight approved, except a
//   preflight refused as 'ambiguous-route' (a value the preflight cannot carry)
//   and one routed to an OPTIONS route or a not-found handler of the app outside
//   the plugin's scopes;
// - a preflight for a request that a not-found handler outside every
//   registration answers is never approved;
// - an app that starts without the plugin starts with it, unless a route outside
//   every registration has config.cors: then startup fails with FST_CORS_UNGOVERNED_ROUTE.
//
// Reproduce a failure: ROUTE_SEED=<seed> ROUTE_PATH=<path> npx tap test/properties/route-truth.test.ts --disable-coverage
// Run longer with ROUTE_RUNS=<n>.
import { test } from 'tap'
import fc from 'fast-check'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import cors from '../../index.js'

const SEED = process.env.ROUTE_SEED !== undefined ? Number(process.env.ROUTE_SEED) : 424242
const RUNS = process.env.ROUTE_RUNS !== undefined ? Number(process.env.ROUTE_RUNS) : 150
const PATH = process.env.ROUTE_PATH

const ORIGINS = ['https://a.test', 'https://b.test', 'https://c.test']
// QUERY (Fastify's fastify.query(), from 5.11) where the installed Fastify routes it.
const HAS_QUERY = typeof (Fastify() as unknown as { query?: unknown }).query === 'function'
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', ...(HAS_QUERY ? ['QUERY'] : [])]
const HOSTS = ['h1.test', 'h2.test']
const CUSTOM_VALUES = ['one', 'two']

/** A constraint strategy the app adds at run time, or none. */
type StrategyKind = 'none' | 'tenant-header' | 'query-must-match' | 'version-header' | 'host-forwarded'
/** Where the app sets a not-found handler of its own, or nowhere. */
type NotFoundAt = 'none' | 'root' | 'child' | 'prefixed'

function mapStorage (): { get: (value: string) => unknown, set: (value: string, store: unknown) => void } {
  const stores = new Map<string, unknown>()
  return { get: value => stores.get(value) ?? null, set: (value, store) => { stores.set(value, store) } }
}

type Raw = { url?: string, headers: Record<string, string | string[] | undefined> }
const STRATEGIES: Record<Exclude<StrategyKind, 'none'>, { name: string, mustMatchWhenDerived: boolean, deriveConstraint: (request: Raw) => unknown }> = {
  'tenant-header': { name: 'tenant', mustMatchWhenDerived: false, deriveConstraint: request => request.headers['x-tenant'] },
  'query-must-match': { name: 'qv', mustMatchWhenDerived: true, deriveConstraint: request => new URLSearchParams((request.url ?? '').split('?')[1] ?? '').get('qv') ?? undefined },
  'version-header': { name: 'version', mustMatchWhenDerived: true, deriveConstraint: request => request.headers['x-api-version'] },
  'host-forwarded': { name: 'host', mustMatchWhenDerived: false, deriveConstraint: request => request.headers['x-forwarded-host'] }
}

/** Where a route is declared. */
type Place = 'root-before' | 'root' | 'child' | 'nested' | 'sibling' | 'prefixed'

interface RouteSpec {
  readonly method: string | 'ALL'
  readonly path: string
  readonly place: Place
  readonly host: string | undefined
  readonly version: string | undefined
  /** The value of the app's own strategy (tenant-header, query-must-match) the route is constrained to. */
  readonly custom: string | undefined
  /** undefined: the scope's policy; false: CORS off; otherwise the route's own origins and methods. */
  readonly cors: false | undefined | { origin: string[], methods: string[] | undefined }
  readonly prefixTrailingSlash: 'both' | 'slash' | 'no-slash'
}

interface AppSpec {
  readonly router: { caseSensitive: boolean, ignoreTrailingSlash: boolean, ignoreDuplicateSlashes: boolean, useSemicolonDelimiter: boolean, maxParamLength: number }
  readonly routerAtTopLevel: boolean
  readonly rewrite: boolean
  /** Where the plugin is registered: the root scope or the child scope. */
  readonly pluginAt: 'root' | 'child'
  /** A second registration in the nested scope, with its own origins. */
  readonly nestedRegistration: boolean
  readonly awaited: boolean
  readonly scopeOrigins: string[]
  readonly nestedOrigins: string[]
  readonly strategy: StrategyKind
  readonly notFound: NotFoundAt
  readonly routes: RouteSpec[]
}

const segment = fc.constantFrom('a', 'b', 'users', 'me', 'Users', ':id', ':name', ':id(^\\d+$)', 'x::y', 'x::z', '*', '')
const pathArb = fc.array(segment, { minLength: 0, maxLength: 3 }).map(parts => {
  const star = parts.indexOf('*')
  const kept = star === -1 ? parts : parts.slice(0, star + 1)
  return '/' + kept.join('/')
})
const originsArb = fc.subarray(ORIGINS, { minLength: 1 })
const routeArb: fc.Arbitrary<RouteSpec> = fc.record({
  method: fc.constantFrom(...METHODS, 'ALL'),
  path: pathArb,
  place: fc.constantFrom<Place>('root-before', 'root', 'root', 'child', 'child', 'nested', 'sibling', 'prefixed'),
  host: fc.option(fc.constantFrom(...HOSTS), { nil: undefined, freq: 4 }),
  version: fc.option(fc.constant('1.0.0'), { nil: undefined, freq: 5 }),
  custom: fc.option(fc.constantFrom(...CUSTOM_VALUES), { nil: undefined, freq: 3 }),
  cors: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(false as const) },
    { weight: 3, arbitrary: fc.record({ origin: originsArb, methods: fc.option(fc.subarray(METHODS, { minLength: 1 }), { nil: undefined }) }) }
  ),
  prefixTrailingSlash: fc.constantFrom('both' as const, 'slash' as const, 'no-slash' as const)
})
const appArb: fc.Arbitrary<AppSpec> = fc.record({
  router: fc.record({
    caseSensitive: fc.boolean(),
    ignoreTrailingSlash: fc.boolean(),
    ignoreDuplicateSlashes: fc.boolean(),
    useSemicolonDelimiter: fc.boolean(),
    maxParamLength: fc.constantFrom(8, 100)
  }),
  routerAtTopLevel: fc.boolean(),
  rewrite: fc.boolean(),
  pluginAt: fc.constantFrom('root' as const, 'root' as const, 'child' as const),
  nestedRegistration: fc.boolean(),
  awaited: fc.boolean(),
  scopeOrigins: originsArb,
  nestedOrigins: originsArb,
  strategy: fc.constantFrom<StrategyKind>('none', 'none', 'tenant-header', 'query-must-match', 'version-header', 'host-forwarded'),
  notFound: fc.constantFrom<NotFoundAt>('none', 'root', 'child', 'prefixed'),
  routes: fc.array(routeArb, { minLength: 1, maxLength: 8 })
})

interface Pair { url: string, method: string, origin: string, host: string, version: boolean, custom: string | undefined, forwarded: string }

/** A request aimed at one of the routes, spelled the ways clients and browsers do, or at something near it. */
const pairsArb = (spec: AppSpec): fc.Arbitrary<Pair[]> => fc.array(fc.record({
  route: fc.constantFrom(...spec.routes),
  value: fc.constantFrom('7', 'me', 'a', 'ABC', 'x'.repeat(12), '%41b', 'a%2Fb'),
  tail: fc.constantFrom('', '', '', '/', '//', ';jsessionid=1', '?q=1', '/a'),
  prefix: fc.constantFrom('', '', '', '/p', '/old'),
  upper: fc.boolean(),
  doubled: fc.boolean(),
  ownMethod: fc.boolean(),
  otherMethod: fc.constantFrom(...METHODS),
  origin: fc.constantFrom(...ORIGINS),
  ownHost: fc.boolean(),
  otherHost: fc.constantFrom(...HOSTS),
  version: fc.boolean(),
  ownCustom: fc.boolean(),
  otherCustom: fc.option(fc.constantFrom(...CUSTOM_VALUES), { nil: undefined }),
  forwarded: fc.constantFrom(...HOSTS)
}).map(({ route, value, tail, prefix, upper, doubled, ownMethod, otherMethod, origin, ownHost, otherHost, version, ownCustom, otherCustom, forwarded }) => {
  let path = route.path.replace(/::/g, '~').replace(/:[a-z]+(\([^)]*\))?/g, value).replace(/~/g, ':').replace('*', 'rest/of')
  if (upper) path = path.toUpperCase()
  if (doubled) path = path.replace('/', '//')
  const joined = `${prefix}${path === '/' && prefix !== '' ? '' : path}${tail}`
  const custom = ownCustom && route.custom !== undefined ? route.custom : otherCustom
  const url = joined === '' ? '/' : joined
  return {
    // The query-parameter strategy reads the URL, which the preflight carries too.
    url: spec.strategy === 'query-must-match' && custom !== undefined ? `${url}${url.includes('?') ? '&' : '?'}qv=${custom}` : url,
    method: ownMethod && route.method !== 'ALL' ? route.method : otherMethod,
    origin,
    host: ownHost && route.host !== undefined ? route.host : otherHost,
    version: version || route.version !== undefined,
    custom,
    forwarded
  }
}), { minLength: 1, maxLength: 12 })

interface Built { app: FastifyInstance, hits: string[] }

function serverOptions (spec: AppSpec): FastifyServerOptions {
  const options: Record<string, unknown> = spec.routerAtTopLevel ? { ...spec.router } : { routerOptions: { ...spec.router } }
  if (spec.rewrite) options.rewriteUrl = (req: { url?: string }) => (req.url ?? '/').startsWith('/old/') ? (req.url as string).slice(4) : req.url as string
  return options as FastifyServerOptions
}

/** Builds the app; with `plugin` false, the same app without the plugin. Every handler records its route's index. */
async function build (spec: AppSpec, plugin: boolean): Promise<Built> {
  const hits: string[] = []
  const app = Fastify(serverOptions(spec))
  // Added at run time: the plugin reads it from Fastify's router, not from the server options.
  if (spec.strategy !== 'none') app.addConstraintStrategy({ ...STRATEGIES[spec.strategy], storage: mapStorage } as never)
  const customName = spec.strategy === 'tenant-header' || spec.strategy === 'query-must-match' ? STRATEGIES[spec.strategy].name : undefined
  const notFound = (instance: FastifyInstance, at: NotFoundAt): void => {
    if (spec.notFound === at) instance.setNotFoundHandler(async (_request, reply) => { hits.push(`nf:${at}`); return reply.code(404).send('not found here') })
  }
  const declare = (instance: FastifyInstance, place: Place): void => {
    spec.routes.forEach((route, index) => {
      if (route.place !== place) return
      const constraints: Record<string, string> = {}
      if (route.host !== undefined) constraints.host = route.host
      if (route.version !== undefined) constraints.version = route.version
      if (route.custom !== undefined && customName !== undefined) constraints[customName] = route.custom
      instance.route({
        method: route.method === 'ALL' ? METHODS : route.method as 'GET',
        url: route.path,
        constraints,
        prefixTrailingSlash: route.prefixTrailingSlash,
        config: route.cors === undefined ? {} : { cors: route.cors === false ? false : { origin: route.cors.origin, ...(route.cors.methods !== undefined ? { methods: route.cors.methods } : {}) } },
        handler: async () => { hits.push(String(index)); return 'handled' }
      })
    })
  }
  notFound(app, 'root')
  declare(app, 'root-before')
  const options = { origin: spec.scopeOrigins }
  if (plugin && spec.pluginAt === 'root') {
    if (spec.awaited) await app.register(cors, options)
    else app.register(cors, options) // the CommonJS habit: not awaited
  }
  declare(app, 'root')
  app.register(async child => {
    if (plugin && spec.pluginAt === 'child') await child.register(cors, options)
    notFound(child, 'child')
    declare(child, 'child')
    await child.register(async nested => {
      if (plugin && spec.nestedRegistration) await nested.register(cors, { origin: spec.nestedOrigins })
      declare(nested, 'nested')
    })
  })
  app.register(async sibling => { declare(sibling, 'sibling') })
  app.register(async prefixed => {
    notFound(prefixed, 'prefixed')
    declare(prefixed, 'prefixed')
  }, { prefix: '/p' })
  await app.ready()
  return { app, hits }
}

/** Whether a registration of the plugin covers route `index`. */
function governed (spec: AppSpec, index: number): boolean {
  const place = spec.routes[index].place
  return spec.pluginAt === 'root' || place === 'child' || place === 'nested'
}

/** Whether a registration's hooks run for the app's not-found handler set at `at`. */
function notFoundGoverned (spec: AppSpec, at: string): boolean {
  // The child scope has no prefix: its not-found handler is the root's, with the child's hooks.
  return spec.pluginAt === 'root' || (at === 'child' && spec.pluginAt === 'child')
}

/** The policy the test declared for route `index`: the origins and methods it allows, or undefined for no CORS. */
function declaredPolicy (spec: AppSpec, index: number): { origins: string[], methods: string[] | undefined } | undefined {
  const route = spec.routes[index]
  const nested = route.place === 'nested' && spec.nestedRegistration
  if (!governed(spec, index) || route.cors === false) return undefined
  const scopeOrigins = nested ? spec.nestedOrigins : spec.scopeOrigins
  if (route.cors === undefined) return { origins: scopeOrigins, methods: undefined }
  return { origins: route.cors.origin, methods: route.cors.methods }
}

function allows (policy: { origins: string[], methods: string[] | undefined } | undefined, origin: string, method: string): boolean {
  return policy !== undefined && policy.origins.includes(origin) && (policy.methods === undefined || policy.methods.includes(method))
}

const SIMPLE = ['GET', 'HEAD', 'POST']

test('route truth: a preflight never approves what the route Fastify chooses refuses', async t => {
  t.comment(`fast-check seed ${SEED}, ${RUNS} runs (ROUTE_SEED / ROUTE_RUNS to change)`)
  let preflights = 0
  let approved = 0
  let checked = 0
  let notFound = 0
  await fc.assert(fc.asyncProperty(appArb.chain(spec => fc.tuple(fc.constant(spec), pairsArb(spec))), async ([spec, pairs]) => {
    let bare: Built
    try {
      bare = await build(spec, false)
    } catch {
      return // the app does not start without the plugin either
    }
    await bare.app.close()
    if (spec.routes.some((route, index) => route.cors !== undefined && !governed(spec, index))) {
      // config.cors where no registration governs it would be ignored: startup says so instead.
      const refused = await build(spec, true).then(() => undefined, (error: { code?: string }) => error.code)
      if (refused !== 'FST_CORS_UNGOVERNED_ROUTE') throw new Error(`config.cors on a route outside every registration: startup gave ${String(refused)}`)
      return
    }
    const { app, hits } = await build(spec, true) // throws (and fails the property) if only the plugin breaks startup
    try {
      for (const pair of pairs) {
        const headers: Record<string, string> = { origin: pair.origin, host: pair.host }
        // A proxy sets X-Forwarded-Host on both; the page sets the other headers on the actual request only, and names them in the preflight.
        if (spec.strategy === 'host-forwarded') headers['x-forwarded-host'] = pair.forwarded
        const sent: Record<string, string> = {}
        if (pair.version) sent[spec.strategy === 'version-header' ? 'x-api-version' : 'accept-version'] = '1.0.0'
        if (spec.strategy === 'tenant-header' && pair.custom !== undefined) sent['x-tenant'] = pair.custom
        // QUERY carries its query as a body, with a Content-Type (Fastify refuses one without).
        if (pair.method === 'QUERY') sent['content-type'] = 'application/json'
        const requested = Object.keys(sent).sort().join(',')
        hits.length = 0
        const pre = await app.inject({
          method: 'OPTIONS',
          url: pair.url,
          headers: { ...headers, 'access-control-request-method': pair.method, ...(requested !== '' ? { 'access-control-request-headers': requested } : {}) }
        })
        preflights++
        if (pre.statusCode >= 500) throw new Error(`preflight answered ${pre.statusCode}: ${pre.body}`)
        const isApproved = pre.statusCode >= 200 && pre.statusCode < 300 && pre.headers['access-control-allow-origin'] === pair.origin &&
          (SIMPLE.includes(pair.method) || pre.headers['access-control-allow-methods'] === pair.method)
        if (isApproved) approved++
        // An OPTIONS route or a not-found handler of the app outside the plugin's scopes answers the preflights routed to it
        // itself (a must-match strategy derived from the preflight's own URL sends it to the not-found handler), as does
        // Fastify's own 404 there.
        const answeredByApp = (hits.length > 0 && (hits[0].startsWith('nf:') ? !notFoundGoverned(spec, hits[0].slice(3)) : !governed(spec, Number(hits[0])))) ||
          (pre.statusCode === 404 && !pre.body.startsWith('CORS'))
        hits.length = 0
        const actual = await app.inject({ method: pair.method as 'GET', url: pair.url, headers: { ...headers, ...sent }, ...(pair.method === 'QUERY' ? { payload: '{}' } : {}) })
        if (actual.statusCode >= 500) throw new Error(`actual request answered ${actual.statusCode}: ${actual.body}`)
        if (hits[0]?.startsWith('nf:') === true) {
          notFound++
          if (isApproved && !notFoundGoverned(spec, hits[0].slice(3))) throw new Error(`preflight approved ${pair.method} ${pair.url} from ${pair.origin}, which the not-found handler at ${hits[0].slice(3)}, outside every registration, answers`)
          continue
        }
        const reached = hits.length > 0 ? Number(hits[0]) : undefined
        if (reached === undefined) continue
        checked++
        const policy = declaredPolicy(spec, reached)
        const allowed = allows(policy, pair.origin, pair.method)
        if (isApproved && !allowed) throw new Error(`preflight approved ${pair.method} ${pair.url} from ${pair.origin}, and the handler of route ${reached} (${JSON.stringify(spec.routes[reached])}) ran though its policy refuses it`)
        // Outside every registration no hook of the plugin runs: the check needs one.
        if (!SIMPLE.includes(pair.method) && !allowed && governed(spec, reached)) throw new Error(`the actual ${pair.method} ${pair.url} from ${pair.origin} reached route ${reached}, whose policy refuses it`)
        if (allowed && !isApproved && !answeredByApp && pre.body !== 'CORS preflight refused: ambiguous-route') {
          throw new Error(`route ${reached} (${JSON.stringify(spec.routes[reached])}) allows ${pair.method} from ${pair.origin}, but its preflight got ${pre.statusCode} ${pre.body} ${JSON.stringify(pre.headers)}`)
        }
      }
    } finally {
      await app.close()
    }
  }), { numRuns: RUNS, seed: SEED, ...(PATH !== undefined ? { path: PATH } : {}) })
  t.comment(`${preflights} preflights (${approved} approved), ${checked} actual requests reached a handler, ${notFound} the app's not-found handler${HAS_QUERY ? '' : ' (no QUERY: this Fastify does not route it)'}`)
  // A replayed counterexample (ROUTE_PATH) is one app: it need not reach a handler.
  if (PATH === undefined) t.ok(approved > 0 && checked > 0, 'the generator reaches handlers and approves preflights')
})
