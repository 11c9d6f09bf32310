// Route registration. Each route carries its compiled policy in its config and
// is copied into the route table that preflights look up (route-table.ts);
// each path pattern has an entry listing its routes by method (the default
// Access-Control-Allow-Methods); and each path gets an OPTIONS route that only
// preflights can match (a router constraint), so that preflights reach the
// plugin's hook without colliding with the app's own OPTIONS or '*' routes.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import type { IncomingMessage } from 'node:http'
import { kContinued, type RouteCors } from './preflight.js'
import type { PathRecord } from './route-table.js'
import { kScope, routePolicy, type Scope } from './scope.js'
import { addVaryOrigin } from './vary.js'

export const kRouteCors = Symbol('cors.route')
export const kPreflightRoute = Symbol('cors.preflightRoute')

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
      return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined && req.headers.origin !== undefined
        ? PREFLIGHT
        : undefined
    }
  } as Parameters<FastifyInstance['addConstraintStrategy']>[0])
}

function varyOnOrigin (_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  addVaryOrigin(reply)
  done(null, payload)
}

function preflightRouteHandler (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply): unknown {
  const entry = (request.routeOptions.config as unknown as Record<symbol, PathRecord>)[kPreflightRoute]
  if (entry.ownOptions !== undefined) return entry.ownOptions.handler.call(entry.ownOptions.instance, request, reply)
  if ((request as unknown as Record<symbol, boolean>)[kContinued] === true) return reply.send()
  reply.callNotFound()
}

/** The onRoute hook of one scope: compiles each route's policy once, at registration. */
export function routeCompiler (scope: Scope) {
  return function onRoute (this: FastifyInstance, route: RouteOptions & { routePath: string, prefix: string }): void {
    const config = (route.config ?? {}) as Record<string | symbol, unknown>
    if (config[kPreflightRoute] !== undefined) return
    // A nested registration of the plugin owns the routes of its own scope.
    if ((this as unknown as Record<symbol, symbol>)[kScope] !== scope.id) return

    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const policy = routePolicy(scope, config.cors, methods, route.url, this.log)
    const table = scope.table
    const entry = table.pathAt(route.url)
    const routeCors: RouteCors = { policy, scope: scope.id, entry }
    const prefixRoot = route.routePath === '' && route.prefix !== '' && (route.prefixTrailingSlash ?? 'both') === 'both'
    for (const method of methods) {
      entry.routes.set(method, routeCors)
      table.add(method, route.url, route.constraints, routeCors, prefixRoot)
    }
    entry.allowMethods = [...entry.routes]
      .filter(([, rc]) => rc.policy?.origin !== undefined)
      .map(([method]) => method)
      .join(', ')
    if (methods.includes('OPTIONS')) entry.ownOptions = { handler: route.handler, instance: this }

    route.config = { ...config, [kRouteCors]: routeCors } as RouteOptions['config']
    if (policy?.varyOnOrigin === true) {
      route.onSend = [...toArray(route.onSend), varyOnOrigin] as RouteOptions['onSend']
    }

    if (!entry.preflightRoute && policy?.preflight !== false) {
      entry.preflightRoute = true
      // A prefix root ('/api' and '/api/') is declared once, with both spellings; the second sees the first here.
      if (this.hasRoute({ method: 'OPTIONS', url: route.url, constraints: { [CONSTRAINT]: PREFLIGHT } })) return
      this.route({
        method: 'OPTIONS',
        url: route.routePath === '' ? '/' : route.routePath,
        constraints: { [CONSTRAINT]: PREFLIGHT },
        prefixTrailingSlash: route.prefixTrailingSlash,
        config: { [kPreflightRoute]: entry } as RouteOptions['config'],
        schema: { hide: scope.hideOptionsRoute } as RouteOptions['schema'],
        ...(scope.logLevel !== undefined ? { logLevel: scope.logLevel as RouteOptions['logLevel'] } : {}),
        handler: preflightRouteHandler
      })
    }
  }
}

function toArray<T> (value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}
