// The registry of routes and their CORS policies: one per server, built when the
// app is ready from every route of Fastify's router (app-routes.ts), whatever
// its scope or declaration order. It answers two questions:
// - which policy governs the route a request was routed to (`routeOf`), and
// - which route the actual request announced by a preflight will reach (`target`).
// For the second, where every route of a method has one policy it only asks
// Fastify's `findRoute` whether a route answers; for the other methods it keeps
// a copy of their routes in find-my-way, Fastify's router, with the app's
// router options, paths and constraints, so it routes as Fastify does. Each
// answer of the copy is checked against `findRoute`; where they disagree, or
// where a constraint the preflight does not carry could change the route, the
// answer is "uncertain", never a guess.
import Router from 'find-my-way'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AppRoute } from './app-routes.js'
import type { Policy } from '../policy/policy.js'
import { routeConfigReader } from './fastify-internals.js'
import { routerOptionsOf } from './router-options.js'
import { kRouteCors } from '../symbols.js'
import type { Scope } from '../policy/scope.js'

/** What the plugin knows of one route. */
export interface RouteCors {
  /** undefined: no CORS for the route (`config.cors: false`, or no registration of the plugin governs it). */
  readonly policy: Policy | undefined
  /** The registration of the plugin whose hook answers the route's requests; undefined when none runs for it. */
  readonly registration: symbol | undefined
  /**
   * For a preflight routed here whose actual request no route answers: the policy
   * of the not-found answer, which the outermost registration of the route's scope gives.
   */
  readonly notFound: Policy | undefined
  /** The plugin's own route for preflights: never the target of one. */
  readonly preflightRoute?: true
}

export type Target =
  | { readonly kind: 'route', readonly route: RouteCors }
  /** No route answers: the not-found handler will. */
  | { readonly kind: 'none' }
  | { readonly kind: 'uncertain', readonly reason: 'ambiguous-route' | 'route-mismatch' }

interface Slot {
  readonly route: RouteCors
  /** Another route may answer instead, told apart by something the preflight does not carry (a custom constraint). */
  uncertain: boolean
  /** Every route in this slot (several only when told apart by custom constraints alone). */
  readonly routes: RouteCors[]
}

/** A route with a custom constraint, which the request may reach or not, depending on values a preflight does not carry. */
interface CustomRoute {
  readonly route: RouteCors
  readonly matches: (url: string, constraints: Record<string, unknown>) => boolean
}

type Find = (method: string, url: string, constraints: Record<string, unknown>) => { store: unknown, params: { [name: string]: string | undefined } } | null

const NONE: Target = { kind: 'none' }
const AMBIGUOUS: Target = { kind: 'uncertain', reason: 'ambiguous-route' }
const MISMATCH: Target = { kind: 'uncertain', reason: 'route-mismatch' }
const BUILT_IN = ['host', 'version']
const ROUTE_HANDLER = 'routeHandler'
// The copy's handlers are never called: only the store is looked up.
const noop = Function.prototype as Router.Handler<Router.HTTPVersion.V1>

export class Registry {
  /** The registrations of the plugin in the app, by id. */
  readonly registrations = new Map<symbol, Scope>()
  private find!: Find
  private realFind!: (options: { method: string, url: string, constraints: Record<string, unknown> }) => { handler: { name: string }, params: object } | null
  private findWithoutCustom!: Find
  /** Per method, its routes with custom constraints. */
  private readonly custom = new Map<string, CustomRoute[]>()
  /** Per method whose routes all have one record: that record. */
  private readonly uniform = new Map<string, RouteCors>()
  private readonly targets = new Map<RouteCors, Target>()
  /** Per method, the versions its routes are constrained to. */
  private readonly versions = new Map<string, Set<string>>()
  built = false

  /** The record of the route a request was routed to; undefined for a not-found request. */
  routeOf (request: FastifyRequest): RouteCors | undefined {
    return (this.configOf(request) as Record<symbol, RouteCors | undefined> | undefined)?.[kRouteCors]
  }

  /** Reads a request's route config; chosen on the first request (fastify-internals.ts). */
  private configOf = (request: FastifyRequest): object | undefined => {
    this.configOf = routeConfigReader(request)
    return this.configOf(request)
  }

  /** Fills the registry from the app's routes; `describe` says what the plugin knows of each. */
  build (app: FastifyInstance, routes: readonly AppRoute[], describe: (route: AppRoute) => RouteCors): void {
    const options = routerOptionsOf(app)
    const newRouter = (): Router.Instance<Router.HTTPVersion.V1> => Router({
      caseSensitive: options.caseSensitive,
      ignoreTrailingSlash: options.ignoreTrailingSlash,
      ignoreDuplicateSlashes: options.ignoreDuplicateSlashes,
      maxParamLength: options.maxParamLength,
      allowUnsafeRegex: options.allowUnsafeRegex,
      useSemicolonDelimiter: options.useSemicolonDelimiter
    } as Router.Config<Router.HTTPVersion.V1>)
    // Host and version are the strategies the copy shares with Fastify, unless the app replaced them.
    const shared = BUILT_IN.filter(name => !options.customConstraints.includes(name))
    const byMethod = new Map<string, Array<{ route: AppRoute, cors: RouteCors, kept: Record<string, unknown>, custom: boolean }>>()
    for (const route of routes) {
      const cors = describe(route)
      // On the route's own config object (Fastify's copy, which request.routeOptions.config
      // returns), not in a WeakMap: one with an entry per route slows every garbage collection.
      route.config[kRouteCors] = cors
      if (cors.preflightRoute === true) continue
      const kept: Record<string, unknown> = {}
      let custom = false
      for (const [name, value] of Object.entries(route.constraints)) {
        if (shared.includes(name)) kept[name] = value
        else custom = true
      }
      if (typeof kept.version === 'string') entry(this.versions, route.method, () => new Set()).add(kept.version)
      entry(byMethod, route.method, () => []).push({ route, cors, kept, custom })
    }
    // Fastify's router holds each path as it parsed it, its trailing slash already trimmed under
    // ignoreTrailingSlash; the copy trims again: give it the slash to trim ('/a//' is held as '/a/').
    const pathOf = (route: AppRoute): string => options.ignoreTrailingSlash ? `${route.path}/` : route.path
    const router = newRouter()
    const plain: Array<[AppRoute, Record<string, unknown>, Slot]> = []
    for (const [method, list] of byMethod) {
      // Every route of the method has one record: which route answers does not matter, only whether one does.
      if (list.every(entry => !entry.custom && entry.cors === list[0].cors)) {
        this.uniform.set(method, list[0].cors)
        continue
      }
      for (const { route, cors, kept, custom } of list) {
        const slot: Slot = { route: cors, uncertain: custom, routes: [cors] }
        if (custom) {
          const alone = newRouter()
          alone.on(method as Router.HTTPMethod, pathOf(route), { constraints: kept }, noop)
          entry(this.custom, method, () => []).push({ route: cors, matches: (url, constraints) => alone.find(method as Router.HTTPMethod, url, constraints) !== null })
        } else {
          plain.push([route, kept, slot])
        }
        try {
          router.on(method as Router.HTTPMethod, pathOf(route), { constraints: kept }, noop, slot)
        } catch {
          // Only routes told apart by a custom constraint collide here.
          const existing = router.findRoute(method as Router.HTTPMethod, pathOf(route), kept)?.store as Slot
          existing.uncertain = true
          existing.routes.push(cors)
        }
      }
    }
    this.find = (method, url, constraints) => router.find(method as Router.HTTPMethod, url, constraints)
    if (this.custom.size > 0) {
      // Where a custom constraint may send the request elsewhere: the same lookup among the other routes.
      const withoutCustom = newRouter()
      for (const [route, kept, slot] of plain) withoutCustom.on(route.method as Router.HTTPMethod, pathOf(route), { constraints: kept }, noop, slot)
      this.findWithoutCustom = (method, url, constraints) => withoutCustom.find(method as Router.HTTPMethod, url, constraints)
    }
    this.realFind = app.findRoute.bind(app) as Registry['realFind']
    this.built = true
  }

  /** The policy every route of the method has, or null when they differ (undefined: no CORS). */
  uniformPolicy (method: string): Policy | undefined | null {
    const uniform = this.uniform.get(method)
    return uniform === undefined ? null : uniform.policy
  }

  /**
   * The route that the actual request announced by this preflight will reach:
   * same URL (after rewriteUrl), same Host or :authority, the requested method.
   * `versioned`: the preflight announces an Accept-Version header, whose value it does not carry.
   */
  target (method: string, request: FastifyRequest, versioned: boolean): Target {
    const url = request.raw.url as string
    // As find-my-way derives it: Host over HTTP/1, :authority over HTTP/2.
    const constraints: Record<string, unknown> = { host: request.headers.host || request.headers[':authority'] }
    const versions = versioned ? this.versions.get(method) : undefined
    const uniform = this.uniform.get(method)
    if (uniform !== undefined) {
      if (this.fastifyHasRoute(method, url, constraints)) return this.targetOf(uniform)
      // The request will carry some Accept-Version: it may reach a versioned route.
      for (const version of versions ?? []) if (this.fastifyHasRoute(method, url, { ...constraints, version })) return this.targetOf(uniform)
      return NONE
    }
    const found = this.find(method, url, constraints)
    const slot = found?.store as Slot | undefined
    // Fastify's findRoute is given no custom constraint value: it answers like the copy without those routes.
    const comparable = slot?.uncertain === true ? this.findWithoutCustom(method, url, constraints) : found
    if (!this.agreesWithFastify(method, url, constraints, comparable)) return MISMATCH
    if (versions === undefined) return slot === undefined ? NONE : this.outcome(method, url, constraints, slot, comparable)
    // The request will carry some Accept-Version: it reaches one of these.
    const slots = [found, ...[...versions].map(version => this.find(method, url, { ...constraints, version }))]
      .filter(result => result !== null)
      .map(result => result.store as Slot)
    if (slots.length === 0) return NONE
    if (slots.some(slot => slot.uncertain || !samePolicy(slot.route, slots[0].route))) return AMBIGUOUS
    return this.targetOf(slots[0].route)
  }

  /**
   * A slot holding custom-constrained routes: the request reaches one of them,
   * another custom-constrained route that matches the URL, or, when its custom
   * values match none, the route found without them. Certain only when all of
   * those share one record.
   */
  private outcome (method: string, url: string, constraints: Record<string, unknown>, slot: Slot, otherwise: ReturnType<Find>): Target {
    if (!slot.uncertain) return this.targetOf(slot.route)
    const route = slot.route
    if (slot.routes.some(other => !samePolicy(other, route))) return AMBIGUOUS
    if (otherwise !== null && !samePolicy((otherwise.store as Slot).route, route)) return AMBIGUOUS
    for (const custom of this.custom.get(method) as CustomRoute[]) {
      if (!samePolicy(custom.route, route) && custom.matches(url, constraints)) return AMBIGUOUS
    }
    return this.targetOf(route)
  }

  /** Fastify's own answer, as a route (with its parameters) or null. */
  private fastifyRoute (method: string, url: string, constraints: Record<string, unknown>): { params: object } | null {
    // findRoute upper-cases the method; Fastify routes a request by its method as sent.
    const real = method === method.toUpperCase() ? this.realFind({ method, url, constraints }) : null
    // A bad URL is "found" too, with an error handler: a route has Fastify's routeHandler.
    return real !== null && real.handler.name === ROUTE_HANDLER ? real : null
  }

  private fastifyHasRoute (method: string, url: string, constraints: Record<string, unknown>): boolean {
    return this.fastifyRoute(method, url, constraints) !== null
  }

  private agreesWithFastify (method: string, url: string, constraints: Record<string, unknown>, found: ReturnType<Find>): boolean {
    const real = this.fastifyRoute(method, url, constraints)
    if (found === null || real === null) return found === real
    return sameParams(found.params, real.params as Record<string, string | undefined>)
  }

  private targetOf (route: RouteCors): Target {
    return entry(this.targets, route, () => ({ kind: 'route', route }))
  }
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

function samePolicy (a: RouteCors, b: RouteCors): boolean {
  return a.policy === b.policy && a.registration === b.registration
}

function sameParams (a: Record<string, string | undefined>, b: Record<string, string | undefined>): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) if (a[key] !== b[key]) return false
  return true
}

const registries = new WeakMap<object, Registry>()

/** One registry per server, shared by every registration of the plugin in the app. */
export function registryFor (instance: FastifyInstance): Registry {
  return entry(registries, instance.server, () => new Registry())
}
