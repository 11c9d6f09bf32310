// The hooks of one registration. Each request is answered by exactly one
// registration: for a routed request, the one that governs its route (see
// routes.ts); for a not-found request, the first whose hook runs, the outermost
// of the not-found handler's scope, which is also the one that answers the
// preflights of requests no route answers.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { handleActual, handleDisabled } from './actual.js'
import { handlePreflight } from './preflight.js'
import type { Registry, RouteCors } from '../routing/registry.js'
import { kState } from '../symbols.js'
import { stateOf } from './request-state.js'
import type { Policy } from '../policy/policy.js'
import type { Scope } from '../policy/scope.js'
import { isPreflight } from '../spec/request-classification.js'
import { VARY_OPTIONS, VARY_PREFLIGHT } from '../spec/vary.js'
import { adoptReply, forgetAnswer, varyOn } from './answer.js'

export function requestHandler (scope: Scope, registry: Registry) {
  // plugin.ts recognises this hook among a route's hooks by its name.
  return function corsOnRequest (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const route = registry.routeOf(request)
    if (route === undefined) {
      if (request[kState]?.claimed === true) return done()
      stateOf(request).claimed = true
      // Routed first, then sent to the not-found handler by reply.callNotFound(): this answer replaces the route's.
      forgetAnswer(request, reply)
    } else if (route.registration !== scope.id) {
      return done()
    }
    answerRequest(scope, registry, route, request, reply, done)
  }
}

/**
 * The answer of the registration `scope` to a request routed to `route`
 * (undefined: to a not-found handler), once the hook has found it is this
 * registration's to answer. explain() (explain.ts) calls it too, on a stand-in request.
 */
export function answerRequest (scope: Scope, registry: Registry, route: RouteCors | undefined, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (request.method === 'OPTIONS') {
    // Usually routed to the app's OPTIONS route or the plugin's own; to the not-found
    // handler when a constraint derived from the preflight itself matches neither.
    if (isPreflight(request.method, request.headers)) return answerPreflight(registry, request, reply, done)
    // With an Origin and an Access-Control-Request-Method it would be a preflight, answered otherwise.
    varyOn(request, reply, VARY_OPTIONS)
  }
  // A not-found request: the policy of the scope whose not-found handler answers it.
  answerActual(route === undefined ? scope.policy : route.policy, scope.policy, request, reply, done)
}

/** A preflight, answered with the policy of the route its actual request reaches, whichever registration governs it. */
function answerPreflight (registry: Registry, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  // Whatever it answers, it answers per origin, requested method and requested headers.
  varyOn(request, reply, VARY_PREFLIGHT)
  handlePreflight(registry, request, reply, done)
}

function answerActual (policy: Policy | undefined, scope: Policy, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (policy?.allow === undefined) return handleDisabled(policy ?? scope, request, reply, done)
  handleActual(policy, request, reply, done)
}

/**
 * For the errors Fastify answers before routing (a bad URL, a parameter over
 * maxParamLength, a failing async constraint). A preflight is answered as the
 * onRequest hook answers one, with the policy of the route its actual request
 * reaches, whichever registration governs it: its own OPTIONS lookup may fail
 * where the actual method's does not (an `ALL` route's parameter over
 * maxParamLength, a strategy that must match), and where the actual request
 * fails too, Fastify answers that one with its error, which the page then
 * reads. Any other request gets the answer of the registration at the root
 * (`atRoot`) to an actual request, as for a not-found request; without one, Fastify's alone.
 */
export function frameworkErrorHandler (atRoot: Scope | undefined, registry: Registry) {
  return function corsOnFrameworkError (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    adoptReply(reply)
    // As for a request the not-found handler answers: the hook's own answer.
    if (atRoot !== undefined) return answerRequest(atRoot, registry, undefined, request, reply, done)
    if (isPreflight(request.method, request.headers)) return answerPreflight(registry, request, reply, done)
    done()
  }
}
