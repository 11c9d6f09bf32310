// fastify.cors.explain(): what the plugin answers to one cross-origin request
// and to the preflight a browser sends before it, without sending either and
// without running a handler. Nothing is decided here: each request is routed
// by Fastify's own router (registry.route), answered by the hooks' own
// function (answerRequest, which runs registry.target, the policy's origin
// decision and the preflight and actual-request checks) and ended by the
// plugin's OPTIONS route handler, on a stand-in request and a reply that only
// records (what a handler writes later cannot change the answer: answer.ts). So explain() cannot disagree with
// what the hooks do (test/properties/explain.test.ts checks it against inject).
// What is added is what the browser then does with each answer.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Registry, Routed } from '../routing/registry.js'
import type { Scope } from '../policy/scope.js'
import { registrationNames } from '../routing/route-list.js'
import { corsUnsafeHeaderNames, isPreflight, isSafelistedMethod } from '../spec/request-classification.js'
import { MAX_REQUEST_HEADERS_COUNT, MAX_REQUEST_HEADERS_LENGTH } from '../spec/tokens.js'
import { answerRequest, frameworkErrorHandler } from './hooks.js'
import { preflightRouteHandler } from './preflight.js'
import { kPreflightRoute, kStandIn, kState, kWriteHeader } from '../symbols.js'

export interface ExplainRequest {
  /** The page's origin, as its Origin header; without one the request is not a CORS request. */
  origin?: string
  /** As the page gives it to fetch(): browsers upper-case only DELETE GET HEAD OPTIONS POST PUT. */
  method: string
  /** Path and query, as the request line carries it. */
  url: string
  /**
   * The headers the page sets (Content-Type included), by name; `host` for a
   * route with a host constraint (else `localhost:80`, as inject sends).
   */
  headers?: Readonly<Record<string, string>>
  /** The page sends credentials (`credentials: 'include'`, `withCredentials`). */
  credentials?: boolean
}

export interface ExplainedResponse {
  /**
   * Who sends the response: the plugin itself ('cors'), the route's handler
   * ('route'), the not-found handler ('not-found'), or Fastify itself, before
   * routing ('fastify': a bad URL, a parameter over maxParamLength, a failing
   * asynchronous constraint); the last three with the plugin's headers.
   */
  answeredBy: 'cors' | 'route' | 'not-found' | 'fastify'
  /** The status of the plugin's own answer; null when a handler or Fastify answers (its status is its own). */
  status: number | null
  /**
   * The Access-Control-* headers and Vary the response ends with (lower-case
   * names): the plugin's, which the replies guard whatever a handler sets,
   * unless the route has CORS off.
   */
  headers: Record<string, string>
  /** Whether the browser lets the page go on: sends the request after this preflight, or reads this response. */
  passes: boolean
}

export interface Explanation {
  /** The route the request reaches, as declared ('PUT /v1/users/:id'); null when none does (the not-found handler answers). */
  route: string | null
  /** The registration of the plugin that answers it ('at /', 'at /v1'); null when none does. */
  registration: string | null
  /** The preflight the browser sends first; null when it sends none (a simple request, or no origin). */
  preflight: ExplainedResponse | null
  /** The request itself; null when the browser never sends it (its preflight failed). */
  actual: ExplainedResponse | null
  /** Whether the page reads the response. */
  readable: boolean
  /** Why it cannot: the plugin's refusal reason, or what the browser finds missing; null when it can. */
  reason: string | null
  /** What to change, when something is refused. */
  fix: string | null
}

/** The fix of each reason; the README's table of refusal reasons says the same. */
const FIXES: Record<string, string> = {
  'origin-not-allowed': "add the page's origin, exactly as in its Origin header, to `origin`",
  'malformed-origin': 'the Origin is not a serialized origin (scheme://host[:port]); browsers never send one',
  'opaque-origin': 'serve the page from a real origin (not sandboxed, file: or data:), and request the final URL, not one that redirects',
  'method-not-allowed': 'add the method to `methods`, or drop `methods` to allow the method of every route',
  'header-not-allowed': 'add the header to `allowedHeaders`; `Authorization` must be listed even with `*`',
  'malformed-headers': 'Access-Control-Request-Headers must be a comma-separated list of header names',
  'too-many-headers': `request at most ${MAX_REQUEST_HEADERS_COUNT} header names`,
  'headers-too-long': `request at most ${MAX_REQUEST_HEADERS_LENGTH} bytes of header names`,
  'ambiguous-route': 'routes at this method and path differ only by a constraint a preflight does not carry: give them the same `config.cors`',
  'cors-disabled': "the route has `config: { cors: false }` or `origin: false`, or no registration of the plugin covers the route's scope",
  'preflight-not-answered': 'the policy has `preflight: false`: answer preflights in your own OPTIONS route, or drop `preflight: false`',
  'framework-error': 'Fastify answers this URL with an error before routing it (a malformed percent-encoding, a parameter over maxParamLength, a failing asynchronous constraint): correct the URL; only a registration of the plugin at the root adds its headers to that error',
  'credentials-not-allowed': "the page sends credentials and the route's policy has no `credentials: true`: set it (with an origin list, not `'*'`), or send the request without credentials"
}

const EXAMPLE = "e.g. fastify.cors.explain({ origin: 'https://app.example.com', method: 'PUT', url: '/items/1', headers: { 'content-type': 'application/json' }, credentials: true })"

/** The input of explain(), checked: a clear error for anything else, never a guess. */
export function checkExplainRequest (input: unknown): ExplainRequest {
  const problems: string[] = []
  if (typeof input !== 'object' || input === null) throw new TypeError(`fastify.cors.explain() takes one object describing a request, ${EXAMPLE}`)
  const { origin, method, url, headers, credentials, ...unknown } = input as Record<string, unknown>
  for (const name of Object.keys(unknown)) problems.push(`'${name}' is not a field of the request (origin, method, url, headers, credentials)`)
  if (origin !== undefined && typeof origin !== 'string') problems.push("'origin' must be a string (the page's Origin header), or absent")
  if (typeof method !== 'string' || method === '') problems.push("'method' must be a method name, such as 'GET'")
  if (typeof url !== 'string' || !url.startsWith('/')) problems.push("'url' must be a path (and query) starting with '/'")
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Array.isArray(headers) ||
    Object.values(headers).some(value => typeof value !== 'string'))) problems.push("'headers' must be an object of header names to string values")
  if (credentials !== undefined && typeof credentials !== 'boolean') problems.push("'credentials' must be true or false")
  if (problems.length > 0) throw new TypeError(`fastify.cors.explain(): ${problems.join('; ')}; ${EXAMPLE}`)
  return input as ExplainRequest
}

/** What an answer looks like once the hooks are done with it. */
interface Recorded {
  answeredBy: ExplainedResponse['answeredBy']
  status: number | null
  headers: Record<string, string>
  /** A registration of the plugin answered (its hook runs for the route). */
  governed: boolean
}

/** A reply that records what the plugin's functions do to it, and sends nothing. */
export class RecordingReply {
  readonly headers: Record<string, string> = {}
  statusCode = 200
  notFound = false
  /** Set by run(). */
  onEnd!: () => void
  header (name: string, value: string): this {
    this.headers[name.toLowerCase()] = value
    return this
  }

  /** No handler runs after the plugin here: nothing to guard its answer from. */
  [kWriteHeader] (name: string, value: string): this {
    return this.header(name, value)
  }

  getHeader (name: string): string | undefined {
    return this.headers[name.toLowerCase()]
  }

  code (status: number): this {
    this.statusCode = status
    return this
  }

  send (): this {
    this.onEnd()
    return this
  }

  callNotFound (): this {
    this.notFound = true
    this.onEnd()
    return this
  }
}

type Step = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

/** Runs `step` to its end: a sent reply, or done() (the request goes on to its handler). */
function run (step: Step, request: FastifyRequest, reply: RecordingReply): Promise<boolean> {
  return new Promise(resolve => {
    reply.onEnd = () => resolve(false)
    // The plugin's functions never pass done() an error: an origin function's failure is a refusal.
    step(request, reply as unknown as FastifyReply, () => resolve(true))
  })
}

/**
 * The log of a stand-in request: the app's, except that it keeps the reasons
 * the plugin gives at debug level instead of writing them (nobody sent this
 * request). An origin function's errors still reach the app's log.
 */
function reasonLog (log: FastifyRequest['log'], reasons: string[]): FastifyRequest['log'] {
  return Object.assign(Object.create(log), {
    isLevelEnabled: () => true,
    debug (bindings: { corsReason?: string }): void {
      if (bindings.corsReason !== undefined) reasons.push(bindings.corsReason)
    }
  })
}

/** What the plugin and an origin function read of a request. */
function standIn (server: FastifyInstance, method: string, url: string, headers: Record<string, string>, log: FastifyRequest['log']): FastifyRequest {
  const raw = { method, url, headers, socket: null }
  return Object.assign(Object.create(null), {
    [kState]: null,
    [kStandIn]: true,
    id: 'cors-explain',
    method,
    url,
    originalUrl: url,
    headers,
    raw,
    host: headers.host,
    protocol: 'http',
    ip: '127.0.0.1',
    query: {},
    params: {},
    server,
    log
  }) as FastifyRequest
}

export class Explainer {
  constructor (private readonly registry: Registry) {}

  async explain (input: ExplainRequest): Promise<Explanation> {
    const method = input.method
    const headers: Record<string, string> = { host: 'localhost:80' }
    for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value
    if (input.origin !== undefined) headers.origin = input.origin
    const actualRouted = await this.registry.route({ method, url: input.url, headers })
    const route = actualRouted.kind === 'route' ? `${actualRouted.method} ${actualRouted.path}` : null
    const registration = this.nameOf(this.governing(actualRouted)?.id)
    const origin = input.origin
    const credentials = input.credentials === true
    let preflight: ExplainedResponse | null = null
    const reasons: string[] = []
    const requested = corsUnsafeHeaderNames(input.headers ?? {})
    if (origin !== undefined && (!isSafelistedMethod(method) || requested.length > 0)) {
      const preflightHeaders: Record<string, string> = { host: headers.host, origin, 'access-control-request-method': method }
      if (requested.length > 0) preflightHeaders['access-control-request-headers'] = requested.join(',')
      const answer = await this.answer('OPTIONS', input.url, preflightHeaders, reasons)
      // The not-found handler's 404 and Fastify's own errors are never a preflight's 2xx.
      const passes = (answer.status === null || (answer.status >= 200 && answer.status < 300)) && answer.answeredBy !== 'not-found' && answer.answeredBy !== 'fastify' &&
        readable(answer.headers, origin, credentials) && methodAllowed(answer.headers, method) &&
        headersAllowed(answer.headers, requested, credentials)
      preflight = { answeredBy: answer.answeredBy, status: answer.status, headers: answer.headers, passes }
      if (!passes) return { route, registration, preflight, actual: null, readable: false, ...why(reasons, answer, credentials, true) }
    }
    const answer = await this.answer(method, input.url, headers, reasons, actualRouted)
    const passes = origin === undefined || readable(answer.headers, origin, credentials)
    const actual = { answeredBy: answer.answeredBy, status: answer.status, headers: answer.headers, passes }
    // The plugin answers an actual request itself only to refuse it (the page may read that 403).
    const verdict = passes && answer.answeredBy !== 'cors' ? { reason: null, fix: null } : why(reasons, answer, credentials, false)
    return { route, registration, preflight, actual, readable: passes, ...verdict }
  }

  /** The plugin's answer to one request, routed as Fastify routes it. */
  private async answer (method: string, url: string, headers: Record<string, string>, reasons: string[], known?: Routed): Promise<Recorded> {
    const routed = known ?? await this.registry.route({ method, url, headers })
    const answeredBy = routed.kind === 'route' ? 'route' : routed.kind === 'none' ? 'not-found' : 'fastify'
    // A preflight Fastify fails before routing is the plugin's to answer, whichever registration is at the root (hooks.ts).
    const scope = this.governing(routed) ?? (routed.kind === 'error' && isPreflight(method, headers) ? this.registry.all()[0] : undefined)
    // No registration's hook runs for it: the plugin adds nothing.
    if (scope === undefined) return { answeredBy, status: null, headers: {}, governed: false }
    const request = standIn(scope.instance, method, url, headers, reasonLog(scope.instance.log, reasons))
    const reply = new RecordingReply()
    const routeRecord = routed.kind === 'route' ? routed.record : undefined
    const step: Step = routed.kind === 'error'
      ? frameworkErrorHandler(this.registry.atRoot(), this.registry)
      : (request, reply, done) => { answerRequest(scope, this.registry, routeRecord, request, reply, done) }
    const goesOn = await run(step, request, reply)
    let recorded: Recorded = { answeredBy: 'cors', status: reply.statusCode, headers: reply.headers, governed: true }
    if (goesOn) {
      recorded = { answeredBy, status: null, headers: reply.headers, governed: true }
      if (routed.kind === 'route' && routed.context.config[kPreflightRoute] === true) {
        await run(request => preflightRouteHandler(request, reply as unknown as FastifyReply), request, reply)
        recorded = reply.notFound ? { ...recorded, answeredBy: 'not-found' } : { ...recorded, answeredBy: 'cors', status: reply.statusCode }
      }
    }
    return { ...recorded, headers: corsHeaders(reply.headers) }
  }

  /**
   * The registration whose hook answers: the route's, the not-found handler's,
   * or, for what Fastify answers before routing, the one at the root (plugin.ts).
   */
  private governing (routed: Routed): Scope | undefined {
    if (routed.kind === 'error') return this.registry.atRoot()
    const id = routed.record.registration
    return id === undefined ? undefined : this.registry.scopeOf(id)
  }

  private nameOf (id: symbol | undefined): string | null {
    return id === undefined ? null : registrationNames(this.registry).get(id) as string
  }
}

/** What explain() reports of a response's headers: the Access-Control-* headers and Vary (a refusal's Content-Type is not the page's concern). */
function corsHeaders (headers: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) if (name.startsWith('access-control-') || name === 'vary') kept[name] = value
  return kept
}

// What the browser does with an answer (https://fetch.spec.whatwg.org/#cors-check
// and the method and header checks of https://fetch.spec.whatwg.org/#cors-preflight-fetch).

function readable (headers: Record<string, string>, origin: string, credentials: boolean): boolean {
  const allow = headers['access-control-allow-origin']
  if (allow === undefined) return false
  if (!credentials) return allow === '*' || allow === origin
  return allow === origin && headers['access-control-allow-credentials'] === 'true'
}

function listed (value: string | undefined): string[] {
  return (value ?? '').split(',').map(item => item.trim()).filter(item => item !== '')
}

/** The plugin lists the requested method itself, never '*'. */
function methodAllowed (headers: Record<string, string>, method: string): boolean {
  return isSafelistedMethod(method) || listed(headers['access-control-allow-methods']).includes(method)
}

function headersAllowed (headers: Record<string, string>, requested: readonly string[], credentials: boolean): boolean {
  const names = listed(headers['access-control-allow-headers']).map(name => name.toLowerCase())
  return requested.every(name => names.includes(name) || (!credentials && names.includes('*') && name !== 'authorization'))
}

/** The plugin's last refusal reason, else what the browser finds missing. */
function why (reasons: readonly string[], answer: Recorded, credentials: boolean, preflight: boolean): { reason: string, fix: string } {
  // A preflight Fastify answers with its error fails whatever the plugin added to it.
  const failedBeforeRouting = answer.answeredBy === 'fastify'
  let reason = failedBeforeRouting && preflight ? undefined : reasons.filter(reason => reason !== 'no-route').at(-1)
  if (reason === undefined) {
    // The plugin refused nothing: the browser refuses what it answered, or that it did not answer.
    if (failedBeforeRouting) reason = 'framework-error'
    else if (answer.headers['access-control-allow-origin'] !== undefined) reason = 'credentials-not-allowed'
    else if (preflight && answer.governed) reason = 'preflight-not-answered'
    else reason = 'cors-disabled'
  }
  return { reason, fix: FIXES[reason] }
}
