// How routes get their policies, in three steps:
// 1. onRoute: each route declared after the plugin, in its scope, has its
//    config.cors compiled as it is declared (a bad one fails startup there);
// 2. onReady: every route of the app, whatever its scope or declaration order,
//    is entered in the registry with the policy of the registration whose hook
//    runs last for it (routes declared before the plugin are compiled here);
// 3. one OPTIONS route per registration, which only preflights can match,
//    receives the preflights that no route of the app answers.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import type { IncomingMessage } from 'node:http'
import type { Policy } from './policy/policy.js'
import { boundName, checkInternals, onRequestHookNames } from './routing/fastify-internals.js'
import type { Registry, RouteCors } from './routing/registry.js'
import { routePolicy, type Scope } from './policy/scope.js'
import { isPreflight } from './spec/request-classification.js'
import { kCompiled, kContinueStatus, kPreflightRoute } from './symbols.js'

const CONSTRAINT = 'corsPreflight'
const PREFLIGHT = 'yes'

interface Compiled { readonly scope: symbol, readonly policy: Policy | undefined }

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

/** The route of step 3: the plugin's hook answers the preflights it receives; this handler only ends those it let through. */
function preflightRouteHandler (request: FastifyRequest, reply: FastifyReply): void {
  const status = request[kContinueStatus]
  if (status !== 0) {
    reply.code(status).send()
  } else {
    // preflight: false for the route the preflight announced: as if the plugin had no route here.
    reply.callNotFound()
  }
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

/** Step 1, the onRoute hook of one registration. */
export function routeCompiler (scope: Scope, registry: Registry) {
  return function onRoute (this: FastifyInstance, route: RouteOptions): void {
    const config = (route.config ?? {}) as Record<string | symbol, unknown>
    // Without config.cors the route has its registration's policy: nothing to compile (see step 2).
    if (config.cors === undefined) return
    // A nested registration of the plugin owns the routes of its own scope.
    if (registry.above(this).at(-1) !== scope) return
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const compiled: Compiled = { scope: scope.id, policy: routePolicy(scope, config.cors, methods, route.url, this.log) }
    route.config = { ...config, [kCompiled]: compiled } as RouteOptions['config']
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
      isPluginRoute: config => config[kPreflightRoute] === true,
      hook,
      registeredOn: first.instance
    })
    const records = new Records()
    registry.build(internals, route => {
      const config = route.context.config
      // No registration's hook runs for it (a sibling scope of the plugin's): no CORS.
      if (!onRequestHookNames(route.context).includes(hookName)) return records.of(undefined, undefined, undefined)
      const governing = registry.above(route.context.server)
      const governor = governing[governing.length - 1]
      const notFound = governing[0].policy
      if (config[kPreflightRoute] === true) return { policy: undefined, registration: governor.id, notFound, preflightRoute: true }
      const compiled = config[kCompiled] as Compiled | undefined
      const policy = compiled?.scope === governor.id
        ? compiled.policy
        : routePolicy(governor, config.cors, [route.method], route.path, governor.instance.log)
      return records.of(policy, governor.id, notFound)
    })
  }
}

/** One record per (policy, registration, not-found policy), shared by the routes that have it: an app has few. */
class Records {
  private readonly known: RouteCors[] = []

  of (policy: Policy | undefined, registration: symbol | undefined, notFound: Policy | undefined): RouteCors {
    let record = this.known.find(known => known.policy === policy && known.registration === registration && known.notFound === notFound)
    if (record === undefined) {
      record = { policy, registration, notFound }
      this.known.push(record)
    }
    return record
  }
}
