// How routes get their policies, in three steps:
// 1. onRoute: each route declared after the plugin, in its scope, has its
//    config.cors compiled as it is declared (a bad one fails startup there);
// 2. onReady: every route of the app, whatever its scope or declaration order,
//    is entered in the registry with the policy of the registration whose hook
//    runs last for it (routes declared before the plugin are compiled here),
//    and every not-found handler with the policy of the registration whose
//    hook runs first for it; config.cors on a route no registration governs
//    fails startup;
// 3. one OPTIONS route per registration, which only preflights can match,
//    receives the preflights that no route of the app answers.
import type { FastifyInstance, RouteOptions } from 'fastify'
import type { IncomingMessage } from 'node:http'
import { ungovernedRoutesError } from './config/errors.js'
import type { Policy } from './policy/policy.js'
import { answerFirst, boundName, checkInternals, decorateFrameworkErrors, replyPrototypeOf, runsOnRequest, rootOf, type RouterRoute } from './routing/fastify-internals.js'
import { guardReplies, isGuarded } from './request/answer.js'
import { frameworkErrorHandler } from './request/hooks.js'
import { routeCorsOf, withRouteCors, type Registry, type RouteCors } from './routing/registry.js'
import { routePolicy, type Scope } from './policy/scope.js'
import { isPreflight } from './spec/request-classification.js'
import { preflightRouteHandler } from './request/preflight.js'
import { checkExplainRequest, Explainer, type ExplainRequest, type Explanation } from './request/explain.js'
import { corsRoutes, printCorsRoutes, type CorsRoute } from './routing/route-list.js'
import { kPreflightRoute, kWriteHeader } from './symbols.js'

const CONSTRAINT = 'corsPreflight'
const PREFLIGHT = 'yes'

/** A router constraint that only a preflight satisfies; other requests fall through to unconstrained routes. */
export function installPreflightConstraint (instance: FastifyInstance): void {
  if (instance.hasConstraintStrategy(CONSTRAINT)) return
  instance.addConstraintStrategy({
    name: CONSTRAINT,
    mustMatchWhenDerived: false,
    storage () {
      // The router asks only for derived values, and the only one is PREFLIGHT.
      let preflightStore: unknown = null
      return {
        get: () => preflightStore,
        set: (_value: string, store: unknown) => { preflightStore = store }
      }
    },
    deriveConstraint (req: IncomingMessage) {
      return isPreflight(req.method, req.headers) ? PREFLIGHT : undefined
    }
  } as Parameters<FastifyInstance['addConstraintStrategy']>[0])
}

export function addPreflightRoute (instance: FastifyInstance, scope: Scope): void {
  const constraints = { [CONSTRAINT]: PREFLIGHT }
  // Under a prefix, '*' also covers the prefix itself ('/api' as well as '/api/...').
  const url = instance.prefix === '' ? '/*' : '*'
  // Two registrations under one prefix share it.
  if (instance.hasRoute({ method: 'OPTIONS', url: instance.prefix + url, constraints })) return
  instance.route({
    method: 'OPTIONS',
    url,
    constraints,
    config: { [kPreflightRoute]: true } as RouteOptions['config'],
    schema: { hide: scope.hideOptionsRoute } as RouteOptions['schema'],
    ...(scope.logLevel !== undefined ? { logLevel: scope.logLevel as RouteOptions['logLevel'] } : {}),
    handler: preflightRouteHandler
  })
}

function isOwnRoute (config: Record<string | symbol, unknown>): boolean {
  return config[kPreflightRoute] === true
}

/**
 * The plugin's answer survives whatever writes to a reply after it
 * (request/answer.ts): the app's replies are guarded, once per app. The
 * decoration gives the plugin Fastify's own reply.header to write with, and
 * makes every route's replies come from the app's class, which Fastify skips
 * while no scope decorates it.
 */
export function guardResponses (instance: FastifyInstance): void {
  const root = rootOf(instance)
  if (root.hasReplyDecorator(kWriteHeader as unknown as string)) return
  const prototype = replyPrototypeOf(root)
  root.decorateReply(kWriteHeader as unknown as string, prototype.header)
  guardReplies(prototype)
}

/** Step 1, the onRoute hook of one registration. */
export function routeCompiler (scope: Scope, registry: Registry) {
  return function onRoute (this: FastifyInstance, route: RouteOptions): void {
    const config = (route.config ?? {}) as Record<string | symbol, unknown>
    // Without config.cors the route has its registration's policy: nothing to compile (see step 2).
    if (config.cors === undefined) return
    // A nested registration of the plugin owns the routes of its own scope.
    if (registry.above(this).at(-1) !== scope) return
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const policy = routePolicy(scope, config.cors, methods, route.url, this.log)
    route.config = withRouteCors(config, { policy, registration: scope.id }) as RouteOptions['config']
  }
}

/**
 * Step 2, the onReady hook of every registration: the first to run checks the
 * Fastify internals route truth reads and fills the registry. `hook` is the
 * plugin's onRequest hook, which tells the routes it runs for.
 */
export function registryBuilder (registry: Registry, hook: { readonly name: string }) {
  const hookName = boundName(hook)
  return function onReady (this: FastifyInstance): void {
    if (registry.built) return
    const first = registry.all()[0]
    const internals = checkInternals(this, {
      method: 'OPTIONS',
      // The plugin's route answers every path under its registration's prefix.
      url: `${first.instance.prefix}/`,
      constraints: { [CONSTRAINT]: PREFLIGHT },
      isPluginRoute: isOwnRoute,
      hook,
      guarded: isGuarded,
      registeredOn: first.instance
    })
    const records = new Records()
    const ungoverned: RouterRoute[] = []
    registry.build(internals, CONSTRAINT, route => {
      const config = route.context.config
      if (!runsOnRequest(route.context, hookName)) {
        // No registration's hook runs for it (a sibling scope of the plugin's): no CORS.
        if (config.cors !== undefined) ungoverned.push(route)
        return records.of(undefined, undefined)
      }
      const governing = registry.above(route.context.server)
      const governor = governing[governing.length - 1]
      if (config[kPreflightRoute] === true) return { policy: undefined, registration: governor.id, preflightRoute: true }
      const declared = routeCorsOf(config)
      const policy = declared?.registration === governor.id
        ? declared.policy
        : routePolicy(governor, config.cors, [route.method], route.path, governor.instance.log)
      return records.of(policy, governor.id)
    }, context => {
      if (!runsOnRequest(context, hookName)) return records.of(undefined, undefined)
      // The first hook to run takes a not-found request: the outermost registration's.
      const claimer = registry.above(context.server)[0]
      return records.of(claimer.policy, claimer.id)
    })
    if (ungoverned.length > 0) throw ungovernedRoutesError(ungoverned.map(route => `${route.method} ${route.path}`))
    answerFirst(this, internals, hook)
    // What Fastify answers before any hook (a bad URL): preflights get the plugin's answer, the rest the root registration's.
    decorateFrameworkErrors(this, frameworkErrorHandler(registry.atRoot(), registry))
  }
}

/** One record per (policy, registration), shared by the routes that have it: an app has few. */
class Records {
  private readonly known = new Map<Policy | undefined, Map<symbol | undefined, RouteCors>>()

  of (policy: Policy | undefined, registration: symbol | undefined): RouteCors {
    let byRegistration = this.known.get(policy)
    if (byRegistration === undefined) {
      byRegistration = new Map()
      this.known.set(policy, byRegistration)
    }
    let record = byRegistration.get(registration)
    if (record === undefined) {
      record = { policy, registration }
      byRegistration.set(registration, record)
    }
    return record
  }
}

/** What `fastify.cors` offers: the routes' policies and the answer to a request, once the app is ready. */
export interface CorsInspector {
  routes: () => CorsRoute[]
  printRoutes: () => string
  explain: (request: ExplainRequest) => Promise<Explanation>
}

/**
 * `fastify.cors`, once per app, on its root instance, whichever scope the plugin
 * is registered in: it describes every route of the app (the registry is the app's).
 */
export function decorateInspector (instance: FastifyInstance, registry: Registry): void {
  const root = rootOf(instance)
  if (root.hasDecorator('cors')) return
  const ready = (): void => {
    if (!registry.built) throw new Error('fastify.cors: routes() and explain() read the routes as Fastify holds them once the app is ready; call them after `await fastify.ready()` (or in an onReady hook, or a request handler)')
  }
  const explainer = new Explainer(registry)
  const inspector: CorsInspector = {
    routes () {
      ready()
      return corsRoutes(registry)
    },
    printRoutes () {
      ready()
      return printCorsRoutes(registry)
    },
    async explain (request) {
      ready()
      return await explainer.explain(checkExplainRequest(request))
    }
  }
  root.decorate('cors', Object.freeze(inspector))
}
