// The registry of routes and their CORS policies: one per server, built when the
// app is ready from every route of Fastify's router, whatever its scope or
// declaration order. It keeps each route's record on the route's own config
// object (`routeCorsOf`), and answers two questions:
// - which policy governs the route a request was routed to (`routeOf`), and
// - which route the actual request announced by a preflight will reach (`target`).
// For the second it asks Fastify's own router (fastify-internals.ts) with what
// the preflight says of its actual request: the same URL and Host, the
// requested method, and whether it sends Accept-Version. It keeps no copy of
// the routes, only, per method, the records of its static paths that no
// constraint narrows, which the router would find for exactly that URL.
// Where a constraint the preflight does not carry (a custom strategy, or host
// or version replaced by the app) takes part in the lookup,
// the answer is certain only if every route that constraint could select has
// the same policy; otherwise "uncertain", never a guess. When no route answers,
// the not-found handler Fastify will run says whose policy applies.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { alreadyRegisteredError } from '../config/errors.js'
import type { Policy } from '../policy/policy.js'
import type { Scope } from '../policy/scope.js'
import { kRouteCors } from '../symbols.js'
import { instanceChain, rootOf, routeConfigReader, type DerivableRequest, type FastifyInternals, type FastifyRouter, type RouteContext, type RouterRoute } from './fastify-internals.js'

/** What the plugin knows of one route, or of one not-found handler. */
export interface RouteCors {
  /** undefined: no CORS (`config.cors: false`, or no registration of the plugin governs it). */
  readonly policy: Policy | undefined
  /** The registration of the plugin whose hook answers its requests; undefined when none runs for it. */
  readonly registration: symbol | undefined
  /** The plugin's own route for preflights: never the target of one. */
  readonly preflightRoute?: true
}

/**
 * The one home of a route's CORS data: its config object (the one
 * `request.routeOptions.config` returns), under kRouteCors. The onRoute hook
 * puts there the record compiled by the registration that saw the route; the
 * registry, when the app is ready, the record of the registration that governs it.
 */
export function routeCorsOf (config: object): RouteCors | undefined {
  return (config as Record<symbol, RouteCors | undefined>)[kRouteCors]
}

export function withRouteCors<T extends object> (config: T, record: RouteCors): T {
  return { ...config, [kRouteCors]: record }
}

export type Target =
  | { readonly kind: 'route', readonly route: RouteCors }
  /** No route answers: the not-found handler will, with this record. */
  | { readonly kind: 'none', readonly notFound: RouteCors }
  | { readonly kind: 'uncertain', readonly reason: 'ambiguous-route' }

/**
 * Where Fastify routes one request: a route (its method and path as declared,
 * prefix included), the not-found handler, or neither ('error': Fastify answers it first, with its frameworkErrors).
 */
export type Routed =
  | { readonly kind: 'route', readonly method: string, readonly path: string, readonly record: RouteCors, readonly context: RouteContext }
  | { readonly kind: 'none', readonly record: RouteCors }
  | { readonly kind: 'error' }

/** One route of the app, with its record, in the router's order; `path` as declared, prefix included. */
export interface RegisteredRoute {
  readonly method: string
  readonly path: string
  readonly constraints: Readonly<Record<string, unknown>>
  readonly config: Readonly<Record<string | symbol, unknown>>
  readonly record: RouteCors
}

/** A route constrained by a strategy whose value a preflight does not carry, and whether a URL matches its path. */
interface UnknownRoute {
  readonly record: RouteCors
  readonly matches: (url: string, derived: Record<string, unknown>) => boolean
}

/** A target found by one lookup: a route, or the not-found handler. */
type Answer = Exclude<Target, { kind: 'uncertain' }>

/** Fastify answers the request itself, with no route (its frameworkErrors: a bad URL, a parameter over maxParamLength, a failing asynchronous constraint). */
const FAILS_BEFORE_ROUTING: Routed = Object.freeze({ kind: 'error' })
const ACCEPT_VERSION = 'accept-version'
const AMBIGUOUS: Target = { kind: 'uncertain', reason: 'ambiguous-route' }

export class Registry {
  /** The registrations of the plugin in the app, by the instance each was made on. */
  private readonly registrations = new Map<object, Scope>()
  private readonly byId = new Map<symbol, Scope>()
  private router!: FastifyRouter
  private notFoundRouter!: FastifyRouter
  /**
   * Per method of the app's routes, the one record of all its routes and all
   * not-found handlers, when they share one; null when they differ.
   */
  private readonly uniform = new Map<string, RouteCors | null>()
  /** The one record of every not-found handler, for methods no route answers; undefined when they differ. */
  private notFoundUniform: RouteCors | undefined
  /** Per method, the target of each static path (no parameter, wildcard or encoding) where no route of the method is constrained. */
  private readonly staticTargets = new Map<string, Map<string, Answer>>()
  /** Per method, the versions its routes are constrained to (Fastify's own version strategy only). */
  private readonly versions = new Map<string, string[]>()
  /** Per method, its routes constrained by a strategy whose value the preflight does not carry. */
  private readonly unknownRoutes = new Map<string, UnknownRoute[]>()
  private readonly notFoundRecords = new Map<RouteContext, RouteCors>()
  private rootNotFound!: RouteCors
  /** Strategies whose value a preflight does not carry: the app's own, and host or version if the app replaced them. */
  private unknown: string[] = []
  private unknownMustMatch = false
  private hostIsBuiltIn = true
  private readonly targets = new Map<RouteCors, Answer>()
  private readonly notFoundTargets = new Map<RouteCors, Answer>()
  built = false

  /** Records a registration of the plugin; one per instance. */
  register (scope: Scope): void {
    if (this.registrations.has(scope.instance)) throw alreadyRegisteredError()
    this.registrations.set(scope.instance, scope)
    this.byId.set(scope.id, scope)
  }

  /** The registration with this id: every record's registration is one. */
  scopeOf (id: symbol): Scope {
    return this.byId.get(id) as Scope
  }

  /** The registration on the app's root instance, if any: the one whose answer Fastify's own errors get. */
  atRoot (): Scope | undefined {
    return this.all().find(scope => scope.instance === rootOf(scope.instance))
  }

  /** Every registration of the plugin in the app, in registration order. */
  all (): Scope[] {
    return [...this.registrations.values()]
  }

  /**
   * The registrations whose hooks run for routes declared on `instance`, outermost
   * first: Fastify gives a hook to the instance it is added to and to all its descendants.
   */
  above (instance: FastifyInstance): Scope[] {
    const found: Scope[] = []
    for (const level of instanceChain(instance)) {
      const scope = this.registrations.get(level)
      if (scope !== undefined) found.unshift(scope)
    }
    return found
  }

  /** The record of the route a request was routed to; undefined for a not-found request. */
  routeOf (request: FastifyRequest): RouteCors | undefined {
    return routeCorsOf(this.configOf(request))
  }

  /** Reads a request's route config; chosen on the first request (fastify-internals.ts). */
  private configOf = (request: FastifyRequest): object => {
    this.configOf = routeConfigReader(request)
    return this.configOf(request)
  }

  /**
   * Fills the registry from the app's routers. `describe` gives each route's
   * record, `describeNotFound` each not-found handler's; `ownStrategy` is the
   * plugin's own constraint, which no actual request derives.
   */
  build (internals: FastifyInternals, ownStrategy: string, describe: (route: RouterRoute) => RouteCors, describeNotFound: (context: RouteContext) => RouteCors): void {
    this.router = internals.router
    this.notFoundRouter = internals.notFoundRouter
    const unknown = this.router.strategies().filter(strategy => strategy.custom && strategy.name !== ownStrategy)
    this.unknown = unknown.map(strategy => strategy.name)
    this.unknownMustMatch = unknown.some(strategy => strategy.mustMatchWhenDerived)
    this.hostIsBuiltIn = !this.unknown.includes('host')
    const versionIsBuiltIn = !this.unknown.includes('version')
    const byMethod = new Map<string, Set<RouteCors>>()
    const constrained = new Map<string, Set<string>>()
    for (const route of this.router.routes()) {
      const record = describe(route)
      route.context.config[kRouteCors] = record
      if (record.preflightRoute === true) continue
      entry(byMethod, route.method, () => new Set()).add(record)
      if (isStaticPath(route.path)) {
        if (Object.keys(route.constraints).length > 0) entry(constrained, route.method, () => new Set()).add(route.path)
        else entry(this.staticTargets, route.method, () => new Map()).set(route.path, this.routeTarget(record))
      }
      if (Object.keys(route.constraints).some(name => this.unknown.includes(name))) {
        // Only the host, when Fastify derives it, tells it apart from the other routes at its path.
        const known = this.hostIsBuiltIn && route.constraints.host !== undefined ? { host: route.constraints.host } : {}
        entry(this.unknownRoutes, route.method, () => []).push({ record, matches: this.router.matcher(route, known) })
      }
      const version = route.constraints.version
      if (versionIsBuiltIn && typeof version === 'string') {
        const versions = entry(this.versions, route.method, () => [])
        if (!versions.includes(version)) versions.push(version)
      }
    }
    for (const route of this.notFoundRouter.routes()) {
      if (!this.notFoundRecords.has(route.context)) this.notFoundRecords.set(route.context, describeNotFound(route.context))
    }
    this.rootNotFound = this.notFoundRecords.get(this.notFoundRouter.find('GET', '/', {})?.context as RouteContext) as RouteCors
    const notFound = new Set(this.notFoundRecords.values())
    this.notFoundUniform = notFound.size === 1 ? this.rootNotFound : undefined
    for (const [method, records] of byMethod) {
      const [record] = records
      // Every route of the method and every not-found handler have one record: which answers changes nothing.
      this.uniform.set(method, records.size === 1 && this.notFoundUniform === record ? record : null)
    }
    // A constrained route at a static path may answer there instead: the router decides.
    for (const [method, paths] of constrained) for (const path of paths) this.staticTargets.get(method)?.delete(path)
    this.built = true
  }

  /**
   * The record every request of this method gets, whatever its URL, when
   * there is one: every route of the method and every not-found handler share it.
   * undefined: it depends on the URL (ask `target`).
   */
  uniformRecord (method: string): RouteCors | undefined {
    const uniform = this.uniform.get(method)
    return uniform === undefined ? this.notFoundUniform : uniform ?? undefined
  }

  /**
   * The route that the actual request announced by this preflight will reach:
   * same URL (after rewriteUrl), same Host or :authority, the requested method.
   * `requestedHeaders`: the preflight's Access-Control-Request-Headers, read
   * only once some route is versioned, for an Accept-Version header whose value it does not carry.
   */
  target (method: string, request: FastifyRequest, requestedHeaders: string | undefined): Target {
    const url = request.raw.url as string
    const withVersion = this.versions.size > 0 && requestedHeaders?.toLowerCase().includes(ACCEPT_VERSION) === true
    if (this.unknown.length === 0 && !withVersion) {
      // What find-my-way finds for a URL that is exactly one of these paths: a static match comes first, whatever the Host.
      const atStaticPath = this.staticTargets.get(method)?.get(url)
      if (atStaticPath !== undefined) return atStaticPath
    }
    // As find-my-way derives it: Host over HTTP/1, :authority over HTTP/2.
    const host = this.hostIsBuiltIn ? request.headers.host || request.headers[':authority'] as string | undefined : undefined
    const consulted = { unknown: false }
    let outcomes: Answer[]
    if (withVersion) {
      // The request will carry an Accept-Version whose value the preflight does not tell. Once a route of the
      // app is versioned, find-my-way derives it and then matches only versioned routes: the request reaches
      // one of this method's versions at this URL or, with any other value, the not-found handler.
      outcomes = (this.versions.get(method) ?? [])
        .map(version => this.lookup(method, url, this.constraints(host, version, consulted)))
        .filter(outcome => outcome.kind === 'route')
      outcomes.push(this.notFoundTarget(this.notFoundRecord(method, url)))
    } else {
      outcomes = [this.lookup(method, url, this.constraints(host, undefined, consulted))]
    }
    if (consulted.unknown) {
      // The lookup read a value the preflight does not carry: any route at this URL that value
      // selects may answer and, for a strategy that must match once derived, none.
      const known = this.constraints(host, undefined, consulted)
      for (const route of this.unknownRoutes.get(method) ?? []) {
        if (route.matches(url, known)) outcomes.push(this.routeTarget(route.record))
      }
      if (this.unknownMustMatch) outcomes.push(this.notFoundTarget(this.notFoundRecord(method, url)))
    }
    const chosen = outcomes[0]
    for (let i = 1; i < outcomes.length; i++) if (!sameAnswer(outcomes[i], chosen)) return AMBIGUOUS
    return chosen
  }

  /**
   * Where Fastify routes this request, as it does: the router's strategies derive
   * their values from the request (its Host, Accept-Version, the app's own
   * strategies, the plugin's preflight constraint), then the router looks it up.
   */
  async route (request: DerivableRequest): Promise<Routed> {
    let constraints: Record<string, unknown>
    try {
      constraints = await this.router.derive(request)
    } catch {
      // An asynchronous strategy's failure: Fastify answers it before routing, as a bad URL.
      return FAILS_BEFORE_ROUTING
    }
    if (this.router.failsBeforeRouting(request.method, request.url, constraints)) return FAILS_BEFORE_ROUTING
    const found = this.router.find(request.method, request.url, constraints)
    if (found === null) {
      // No route has the method: the router gives up before reading the URL; the not-found router reads it, and fails on a bad one.
      if (this.notFoundRouter.failsBeforeRouting(request.method, request.url, {})) return FAILS_BEFORE_ROUTING
      return { kind: 'none', record: this.notFoundRecord(request.method, request.url) }
    }
    const config = found.context.config
    return { kind: 'route', method: request.method, path: config.url as string, record: routeCorsOf(config) as RouteCors, context: found.context }
  }

  /** Every route of the app, in the router's order, with its record; the plugin's own OPTIONS routes left out. */
  routes (): RegisteredRoute[] {
    const routes: RegisteredRoute[] = []
    for (const route of this.router.routes()) {
      const record = routeCorsOf(route.context.config) as RouteCors
      if (record.preflightRoute !== true) routes.push({ method: route.method, path: route.context.config.url as string, constraints: route.constraints, config: route.context.config, record })
    }
    return routes
  }

  private lookup (method: string, url: string, constraints: Record<string, unknown>): Answer {
    const found = this.router.find(method, url, constraints)
    if (found === null) return this.notFoundTarget(this.notFoundRecord(method, url))
    // Every route of the router has its record once the app is ready: Fastify adds none after.
    return this.routeTarget(routeCorsOf(found.context.config) as RouteCors)
  }

  /** The record of the not-found handler Fastify runs for this request: the one of the longest prefix that has one. */
  private notFoundRecord (method: string, url: string): RouteCors {
    const found = this.notFoundRouter.find(method, url, {})
    return found === null ? this.rootNotFound : this.notFoundRecords.get(found.context) as RouteCors
  }

  /**
   * The constraint values of the actual request, as far as the preflight tells
   * them; reading any other strategy's value marks the lookup as depending on it.
   */
  private constraints (host: string | undefined, version: string | undefined, consulted: { unknown: boolean }): Record<string, unknown> {
    const derived: Record<string, unknown> = {}
    if (host !== undefined) derived.host = host
    if (version !== undefined) derived.version = version
    for (const name of this.unknown) {
      Object.defineProperty(derived, name, { enumerable: true, get () { consulted.unknown = true } })
    }
    return derived
  }

  private routeTarget (route: RouteCors): Answer {
    return entry(this.targets, route, () => ({ kind: 'route', route }))
  }

  private notFoundTarget (notFound: RouteCors): Answer {
    return entry(this.notFoundTargets, notFound, () => ({ kind: 'none', notFound }))
  }
}

/**
 * A path the router matches only by equality with the URL: no parameter (':'),
 * wildcard ('*'), percent-encoding the router would decode, or query, fragment or
 * semicolon delimiter it would cut at.
 */
function isStaticPath (path: string): boolean {
  return !/[:*%?#;]/.test(path)
}

/** The value at `key`, created and stored on first use. */
function entry<K, V> (map: { get: (key: K) => V | undefined, set: (key: K, value: V) => unknown }, key: K, create: () => V): V {
  let value = map.get(key)
  if (value === undefined) {
    value = create()
    map.set(key, value)
  }
  return value
}

function recordOf (answer: Answer): RouteCors {
  return answer.kind === 'route' ? answer.route : answer.notFound
}

function sameAnswer (a: Answer, b: Answer): boolean {
  const one = recordOf(a)
  const other = recordOf(b)
  return one.policy === other.policy && one.registration === other.registration
}

const registries = new WeakMap<object, Registry>()

/** One registry per server, shared by every registration of the plugin in the app. */
export function registryFor (instance: FastifyInstance): Registry {
  return entry(registries, instance.server, () => new Registry())
}
