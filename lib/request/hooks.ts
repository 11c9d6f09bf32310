// The hooks of one registration. Each request is answered by exactly one
// registration: for a routed request, the one that governs its route (see
// routes.ts); for a not-found request, the first whose hook runs, the outermost
// of the not-found handler's scope, which is also the one that answers the
// preflights of requests no route answers.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { handleActual, handleDisabled } from './actual.js'
import { handlePreflight } from './preflight.js'
import type { Registry } from '../routing/registry.js'
import { kClaimed, kVaryOrigin } from '../symbols.js'
import type { Scope } from '../policy/scope.js'
import { isPreflight } from '../spec/request-classification.js'
import { addVaryOrigin } from '../spec/vary.js'

export function requestHandler (scope: Scope, registry: Registry) {
  // plugin.ts recognises this hook among a route's hooks by its name.
  return function corsOnRequest (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const route = registry.routeOf(request)
    if (route === undefined) {
      if (request[kClaimed]) return done()
      request[kClaimed] = true
    } else if (route.registration !== scope.id) {
      return done()
    }
    if (isPreflight(request.method, request.headers)) {
      // Usually routed to the app's OPTIONS route or the plugin's own; to the not-found
      // handler when a constraint derived from the preflight itself matches neither.
      return handlePreflight(registry, request, reply, done)
    }
    // A not-found request: the policy of the scope whose not-found handler answers it.
    const policy = route === undefined ? scope.policy : route.policy
    if (policy?.allow === undefined) return handleDisabled(policy ?? scope.policy, request, reply, done)
    handleActual(policy, request, reply, done)
  }
}

/** Vary: Origin merged into whatever the handler or a not-found handler set. */
export function varyOnOrigin (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  if (request[kVaryOrigin]) addVaryOrigin(reply)
  done(null, payload)
}
