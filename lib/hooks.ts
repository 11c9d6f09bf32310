// The onRequest hook of one scope: a preflight is answered here; any other
// request gets its route's CORS headers before auth or other hooks can reply.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { handleActual } from './actual.js'
import { handlePreflight, type PathEntry, type RouteCors } from './preflight.js'
import { kPreflightRoute, kRouteCors } from './routes.js'
import type { Scope } from './scope.js'
import { addVaryOrigin } from './vary.js'

export function requestHandler (scope: Scope) {
  const fallback = scope.policy
  return function onRequest (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const config = request.routeOptions.config as unknown as Record<symbol, unknown>
    const route = config[kRouteCors] as RouteCors | undefined
    const headers = request.headers
    if (request.method === 'OPTIONS' && headers['access-control-request-method'] !== undefined && headers.origin !== undefined) {
      const target = scope.table.find(headers['access-control-request-method'] as string, request)
      // No route for it: with preflights off, let the router's answer (404) happen.
      if (target === undefined && !fallback.preflight) return done()
      return handlePreflight(target, (config[kPreflightRoute] as PathEntry | undefined) ?? route?.entry, request, reply, done)
    }
    if (route === undefined) {
      // No compiled route (a 404, or a route declared before the plugin): the scope's own policy.
      // No route hook will add Vary; for 404s varyOnNotFound merges it again at onSend.
      if (fallback.origin === undefined) return done()
      if (fallback.varyOnOrigin) addVaryOrigin(reply)
      return handleActual(fallback.origin, fallback, request, reply, done)
    }
    const policy = route.policy
    if (route.scope !== scope.id || policy === undefined || policy.origin === undefined) return done()
    handleActual(policy.origin, policy, request, reply, done)
  }
}

/** Unmatched requests (404s) have no route hook to merge Vary into what a not-found handler sets: do it at onSend. */
export function varyOnNotFound (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  if (request.is404) addVaryOrigin(reply)
  done(null, payload)
}
