// What the plugin would answer, without sending a request: `fastify.cors.routes()`
// lists every route with its effective policy and the registration that governs
// it; `fastify.cors.explain()` answers one cross-origin request (its preflight,
// when a browser sends one, and the request itself). Both read the registry the
// hooks read, and explain() calls the hooks' own decision functions
// (registry.target, handlePreflight, handleActual) on a stand-in request and a
// reply that only records, so it cannot drift from what the hooks do.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { appRoutes } from './routing/app-routes.js'
import type { Registry, RouteCors } from './routing/registry.js'
import type { Policy } from './policy/policy.js'
import type { Scope } from './policy/scope.js'
import { handlePreflight } from './request/preflight.js'
import { handleActual } from './request/actual.js'
import { isSafelistedContentType } from './spec/request-classification.js'
import { refusalReason } from './spec/origin.js'
import { kRouteCors, kVaryOrigin } from './symbols.js'

export interface ExplainRequest {
  /** The page's origin; without one the request is not a CORS request. */
  origin?: string
  method: string
  /** Path and query, as the page requests it. */
  url: string
  /** Names of the request headers the page sets besides Content-Type (a browser preflights any that is not safelisted). */
  headers?: readonly string[]
  /** The page sends credentials (`credentials: 'include'`, `withCredentials`). */
  credentials?: boolean
  /** The Host the request is sent to (routes with a host constraint). */
  host?: string
  /** The request body's Content-Type, when it has one. */
  contentType?: string
}

export interface ExplainedAnswer {
  /** The status the plugin answers with, or 'route' when the request goes on to its route (its handler answers). */
  status: number | 'route'
  /** The CORS headers of the answer (and Vary), lower-case names. */
  headers: Record<string, string>
  /** Whether the browser lets the page go on: sends the request after this preflight, or lets it read this response. */
  allowed: boolean
}

export interface Explanation {
  /** The route the request reaches (`GET /items/:id`), or null when none does (the not-found handler answers). */
  route: string | null
  /** The registration of the plugin that answers: 'at /' or 'at /api' (its prefix), or null when none does. */
  registration: string | null
  /** The preflight the browser sends first, or null when it sends none (a simple request, or no Origin). */
  preflight: ExplainedAnswer | null
  /** The request itself, or null when the browser never sends it (its preflight failed). */
  actual: ExplainedAnswer | null
  /** Why the page cannot read the response: a refusal reason of the README's table, or null when it can. */
  reason: string | null
  /** What to change, when something is refused. */
  fix: string | null
}

export interface CorsRoute {
  method: string
  url: string
  /** The registration of the plugin whose policy the route has ('at /api'), or null: no CORS. */
  registration: string | null
  /** The effective options: the registration's, with the route's config.cors on top; null when CORS is off. */
  policy: Record<string, unknown> | null
  /** Where the policy comes from. */
  source: 'registration' | 'config.cors' | 'config.cors: false' | 'no registration'
}

// Content-Type is safelisted only with a safelisted value: ExplainRequest.contentType says which.
const SAFELISTED_HEADERS = new Set(['accept', 'accept-language', 'content-language', 'range'])
const FIXES: Record<string, string> = {
  'origin-not-allowed': "add the page's origin, exactly as in its Origin header, to `origin`",
  'malformed-origin': 'the Origin is not a serialized origin (scheme://host[:port]); browsers never send one',
  'opaque-origin': 'serve the page from a real origin (not sandboxed, file: or data:), and request the final URL',
  'method-not-allowed': 'add the method to `methods`, or drop `methods` to allow the method of every route',
  'header-not-allowed': 'add the header to `allowedHeaders`; `Authorization` must be listed even with `*`',
  'too-many-headers': 'request at most 64 header names',
  'headers-too-long': 'request at most 4096 bytes of header names',
  'malformed-headers': 'Access-Control-Request-Headers must be a list of header names',
  'ambiguous-route': 'routes at this method and path differ only by a constraint a preflight does not carry: give them the same `config.cors`',
  'route-mismatch': "the plugin's copy of the routes and Fastify's router disagree: please report it with your router options",
  'cors-disabled': "the route has `config: { cors: false }` or `origin: false`, or the plugin is not registered in the route's scope",
  'credentials-not-allowed': "the page sends credentials but the route's policy has no `credentials: true`: set it (with an origin list), or send the request without credentials"
}

type Recorded = { status: number | 'route', headers: Record<string, string>, body: string }

/** A reply that records what the hooks' functions answer, and sends nothing. */
function recordingReply (): { reply: FastifyReply, answer: Recorded } {
  const answer: Recorded = { status: 'route', headers: {}, body: '' }
  const reply = {
    header (name: string, value: string) { answer.headers[name.toLowerCase()] = value; return reply },
    getHeader (name: string) { return answer.headers[name.toLowerCase()] },
    code (status: number) { answer.status = status; return reply },
    send (body?: string) { if (answer.status === 'route') answer.status = 200; answer.body = body ?? ''; return reply }
  }
  return { reply: reply as unknown as FastifyReply, answer }
}

/** Runs one of the hooks' decision functions to its answer: a sent reply, or `done()` (the request goes on). */
function decide (run: (reply: FastifyReply, done: () => void) => void): Promise<Recorded> {
  const { reply, answer } = recordingReply()
  return new Promise(resolve => {
    const finish = (): void => resolve(answer)
    const send = reply.send
    reply.send = ((body?: string) => { send(body); finish(); return reply }) as FastifyReply['send']
    run(reply, finish)
  })
}

const silent = { debug () {}, info () {}, warn () {}, error () {}, trace () {}, fatal () {}, isLevelEnabled: () => false }

/** A stand-in request: what the hooks and an origin function read of one (method, url, headers, host, server). */
function standIn (app: FastifyInstance, method: string, url: string, headers: Record<string, string>): FastifyRequest {
  const request = {
    method,
    url,
    headers,
    raw: { method, url, headers },
    host: headers.host,
    protocol: 'http',
    server: app,
    log: silent,
    routeOptions: { config: {} },
    [kVaryOrigin]: false
  }
  return request as unknown as FastifyRequest
}

/** The registrations' names: 'at <prefix>' ('at /' for the root), numbered when two share a prefix. */
function namer (registry: Registry): (id: symbol | undefined) => string | null {
  const names = new Map<symbol, string>()
  const seen = new Map<string, number>()
  for (const scope of registry.registrations.values()) {
    const prefix = scope.instance.prefix === '' ? '/' : scope.instance.prefix
    const count = (seen.get(prefix) ?? 0) + 1
    seen.set(prefix, count)
    names.set(scope.id, count === 1 ? `at ${prefix}` : `at ${prefix} (#${count})`)
  }
  return id => id === undefined ? null : names.get(id) as string
}

function summary (scope: Scope | undefined, override: unknown): Record<string, unknown> | null {
  if (scope === undefined) return null
  const options: Record<string, unknown> = { ...scope.options, ...(typeof override === 'object' && override !== null ? override : {}) }
  delete options.hideOptionsRoute
  delete options.logLevel
  if (typeof options.origin === 'function') options.origin = `function ${options.origin.name || '(anonymous)'}`
  else if (Array.isArray(options.origin)) options.origin = options.origin.map(item => item instanceof RegExp ? String(item) : item)
  else if (options.origin instanceof RegExp) options.origin = String(options.origin)
  return options
}

export class Inspector {
  constructor (private readonly app: FastifyInstance, private readonly registry: Registry) {
    // Usable detached: `const { explain } = app.cors`.
    this.routes = this.routes.bind(this)
    this.explain = this.explain.bind(this)
  }

  private ready (): void {
    if (!this.registry.built) throw new Error('fastify.cors: call routes() and explain() once the app is ready (after `await app.ready()`)')
  }

  /** Every route of the app, in the router's order, with its effective policy and its governing registration. */
  routes (): CorsRoute[] {
    this.ready()
    const name = namer(this.registry)
    return appRoutes(this.app).filter(route => (route.config[kRouteCors] as RouteCors).preflightRoute !== true).map(route => {
      const cors = route.config[kRouteCors] as RouteCors
      const scope = cors.registration === undefined ? undefined : this.registry.registrations.get(cors.registration)
      const override = route.config.cors
      const source = scope === undefined ? 'no registration' : override === false ? 'config.cors: false' : override === undefined ? 'registration' : 'config.cors'
      return {
        method: route.method,
        url: route.path,
        registration: name(cors.registration),
        policy: cors.policy === undefined ? null : summary(scope, override),
        source
      }
    })
  }

  /** What the plugin answers to this request and its preflight, and what the browser then does. */
  async explain (input: ExplainRequest): Promise<Explanation> {
    this.ready()
    const name = namer(this.registry)
    const method = input.method
    const requested = (input.headers ?? []).map(header => header.toLowerCase())
    // A body whose Content-Type is not safelisted makes content-type a header the preflight asks for.
    if (input.contentType !== undefined && !isSafelistedContentType(input.contentType) && !requested.includes('content-type')) requested.push('content-type')
    const common: Record<string, string> = { host: input.host ?? 'localhost' }
    if (input.origin !== undefined) common.origin = input.origin
    const actualHeaders: Record<string, string> = { ...common }
    if (input.contentType !== undefined) actualHeaders['content-type'] = input.contentType
    const actualRequest = standIn(this.app, method, input.url, actualHeaders)
    const target = this.registry.target(method, actualRequest, requested.includes('accept-version'))
    const reached = target.kind === 'route' ? target.route : undefined
    const routed = this.preflightRouteOf(input.url, common)
    const routeName = reached === undefined ? null : this.routeName(method, input.url, reached)
    const answering = reached ?? (routed === undefined ? undefined : { registration: this.outermost(routed) })

    if (input.origin === undefined) {
      return { route: routeName, registration: name(answering?.registration), preflight: null, actual: { status: 'route', headers: {}, allowed: true }, reason: null, fix: null }
    }
    const origin = input.origin
    const credentials = input.credentials === true
    let preflight: ExplainedAnswer | null = null
    if (browserPreflights(method, requested)) {
      const preflightHeaders: Record<string, string> = { ...common, 'access-control-request-method': method }
      if (requested.length > 0) preflightHeaders['access-control-request-headers'] = requested.join(',')
      const request = standIn(this.app, 'OPTIONS', input.url, preflightHeaders)
      const answer = routed === undefined || routed.registration === undefined
        ? { status: 'route' as const, headers: {}, body: '' }
        : await decide((reply, done) => handlePreflight(this.registry, routed, request, reply, done))
      // 'route': the request goes on to an OPTIONS route (preflightContinue: with the plugin's headers), whose handler answers.
      const allowed = (answer.status === 'route' || (answer.status >= 200 && answer.status < 300)) &&
        readable(answer.headers, origin, credentials) && methodAllowed(answer.headers, method, credentials) &&
        headersAllowed(answer.headers, requested, credentials)
      preflight = { status: answer.status, headers: answer.headers, allowed }
      if (!allowed) return { route: routeName, registration: name(answering?.registration), preflight, actual: null, ...why(answer, origin, credentials) }
    }
    const governing = reached?.registration ?? (routed === undefined ? undefined : this.outermost(routed))
    const scope = governing === undefined ? undefined : this.registry.registrations.get(governing)
    const policy: Policy | undefined = reached !== undefined ? reached.policy : routed?.notFound
    const answer = target.kind === 'uncertain'
      ? { status: 'route' as const, headers: {}, body: `CORS request refused: ${target.reason}` }
      : scope === undefined
        ? { status: 'route' as const, headers: {}, body: '' }
        : await decide((reply, done) => handleActual(policy, scope.policy, actualRequest, reply, done))
    if (actualRequest[kVaryOrigin]) answer.headers.vary = answer.headers.vary === undefined ? 'Origin' : `${answer.headers.vary}, Origin`
    const allowed = answer.status === 'route' || answer.status < 400 ? readable(answer.headers, origin, credentials) : false
    const actual = { status: answer.status, headers: answer.headers, allowed: allowed && target.kind !== 'uncertain' }
    const verdict = actual.allowed ? { reason: null, fix: null } : why(answer, origin, credentials)
    return { route: routeName, registration: name(answering?.registration), preflight, actual, ...verdict }
  }

  /** The record of the route a preflight to this URL is routed to: the app's own OPTIONS route, or the plugin's. */
  private preflightRouteOf (url: string, headers: Record<string, string>): RouteCors | undefined {
    const own = this.registry.target('OPTIONS', standIn(this.app, 'OPTIONS', url, headers), false)
    if (own.kind === 'route') return own.route
    // The plugin's OPTIONS routes, one per prefix: the longest prefix that covers the path.
    let best: { prefix: string, cors: RouteCors } | undefined
    const path = url.split('?')[0]
    for (const route of appRoutes(this.app)) {
      const cors = route.config[kRouteCors] as RouteCors
      if (cors.preflightRoute !== true) continue
      const prefix = route.path.replace(/\/?\*$/, '')
      if ((path === prefix || path.startsWith(`${prefix}/`) || prefix === '') && (best === undefined || prefix.length > best.prefix.length)) best = { prefix, cors }
    }
    return best?.cors
  }

  /** The outermost registration above a route, whose not-found answer it has. */
  private outermost (routed: RouteCors): symbol | undefined {
    for (const scope of this.registry.registrations.values()) if (scope.policy === routed.notFound) return scope.id
    return routed.registration
  }

  private routeName (method: string, url: string, reached: RouteCors): string {
    const found = appRoutes(this.app).filter(route => route.method === method && route.config[kRouteCors] === reached)
    return `${method} ${found.length === 1 ? found[0].path : url.split('?')[0]}`
  }
}

/** Whether a browser sends a preflight first (https://fetch.spec.whatwg.org/#cors-preflight-fetch). */
function browserPreflights (method: string, headers: readonly string[]): boolean {
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return true
  return headers.some(name => !SAFELISTED_HEADERS.has(name))
}

/** https://fetch.spec.whatwg.org/#cors-check */
function readable (headers: Record<string, string>, origin: string, credentials: boolean): boolean {
  const allow = headers['access-control-allow-origin']
  if (allow === undefined) return false
  if (!credentials) return allow === '*' || allow === origin
  return allow === origin && headers['access-control-allow-credentials'] === 'true'
}

function listed (value: string | undefined): string[] {
  return (value ?? '').split(',').map(item => item.trim()).filter(item => item !== '')
}

function methodAllowed (headers: Record<string, string>, method: string, credentials: boolean): boolean {
  const methods = listed(headers['access-control-allow-methods'])
  return method === 'GET' || method === 'HEAD' || method === 'POST' || methods.includes(method) || (!credentials && methods.includes('*'))
}

function headersAllowed (headers: Record<string, string>, requested: readonly string[], credentials: boolean): boolean {
  const names = listed(headers['access-control-allow-headers']).map(name => name.toLowerCase())
  return requested.every(name => names.includes(name) || (!credentials && names.includes('*') && name !== 'authorization'))
}

/** The refusal the answer names, else what the browser's check finds missing. */
function why (answer: Recorded, origin: string, credentials: boolean): { reason: string, fix: string } {
  const refused = /^CORS (?:preflight|request) refused: ([a-z-]+)$/.exec(answer.body)
  let reason: string
  if (refused !== null) reason = refused[1]
  else if (answer.headers['access-control-allow-origin'] === undefined) reason = answer.headers.vary === undefined ? 'cors-disabled' : refusalReason(origin)
  else reason = credentials && answer.headers['access-control-allow-credentials'] !== 'true' ? 'credentials-not-allowed' : refusalReason(origin)
  return { reason, fix: FIXES[reason] }
}
