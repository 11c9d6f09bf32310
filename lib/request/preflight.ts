// Preflights (https://fetch.spec.whatwg.org/#cors-preflight-fetch): answered
// from onRequest, so that no later hook (auth, rate limits) and no handler sees
// them, with the policy of the route that Fastify will route the actual request
// to (registry.ts), or, when none will, of the scope whose not-found handler
// answers it: the page then reads the 404 instead of a CORS error.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { refusalReason } from '../spec/origin.js'
import type { Policy } from '../policy/policy.js'
import type { Registry } from '../routing/registry.js'
import { debugEnabled, logRefusal, refuse, type Reason } from './reasons.js'
import { kState, kWriteHeader } from '../symbols.js'
import { stateOf } from './request-state.js'
import { isToken } from '../spec/tokens.js'
import { VARY_PREFLIGHT_PRIVATE } from '../spec/vary.js'
import { answerWith, varyOn } from './answer.js'

/** A refused method or Access-Control-Request-Headers: why, and the requested names that are allowed (for debug answers). */
interface Refusal { readonly reason: Reason, readonly granted: string | undefined }

const NO_ROUTE = Object.freeze({ corsReason: 'no-route' })
const METHOD_REFUSED: Refusal = { reason: 'method-not-allowed', granted: undefined }

/**
 * The handler of the plugin's own OPTIONS route (plugin.ts), which only
 * preflights reach: the plugin's hook answers them; this handler only ends those it let through.
 */
export function preflightRouteHandler (request: FastifyRequest, reply: FastifyReply): void {
  const status = request[kState]?.continueStatus ?? 0
  if (status !== 0) {
    reply.code(status).send()
  } else {
    // preflight: false for the route the preflight announced: as if the plugin had no route here.
    reply.callNotFound()
  }
}

export function handlePreflight (registry: Registry, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const method = request.headers['access-control-request-method'] as string
  const requestedHeaders = request.headers['access-control-request-headers'] as string | undefined
  // Every route of the method and every not-found answer may share one record: then the URL changes nothing.
  const uniform = debugEnabled(request) ? undefined : registry.uniformRecord(method)
  let policy: Policy | undefined
  if (uniform !== undefined) {
    policy = uniform.policy
  } else {
    const target = registry.target(method, request, requestedHeaders)
    if (target.kind === 'uncertain') return refuse(request, reply, 'preflight', target.reason)
    if (target.kind === 'route') {
      policy = target.route.policy
    } else {
      // No route answers: the not-found handler does, with its registration's policy (none outside every registration).
      policy = target.notFound.policy
      request.log.debug(NO_ROUTE, 'CORS preflight for a request no route answers: answered with the not-found policy, so that the page reads the 404')
    }
  }
  const allow = policy?.allow
  if (policy === undefined || allow === undefined) return refuse(request, reply, 'preflight', 'cors-disabled')
  // The answer then also depends on Access-Control-Request-Private-Network.
  if (policy.allowPrivateNetwork) varyOn(request, reply, VARY_PREFLIGHT_PRIVATE)
  if (!policy.preflight) return done()
  const decided = policy
  const allowOrigin = allow(request.headers.origin as string, request)
  if (allowOrigin instanceof Promise) {
    allowOrigin.then(value => settle(decided, value, request, reply, done))
  } else {
    settle(decided, allowOrigin, request, reply, done)
  }
}

function settle (policy: Policy, allowOrigin: string | undefined, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  // Refused unless granted below: a handler under preflightContinue cannot grant it either.
  answerWith(request, policy.preflightGrant, undefined)
  const headers = request.headers
  if (allowOrigin === undefined) return refuse(request, reply, 'preflight', refusalReason(headers.origin as string))
  const method = headers['access-control-request-method'] as string
  // The route answers the method it was found for; an explicit list narrows that.
  if (!isToken(method) || (policy.methods !== undefined && !policy.methods.has(method))) {
    return refuseHeaders(policy, allowOrigin, METHOD_REFUSED, request, reply)
  }
  const allowHeaders = policy.allowHeaders(headers['access-control-request-headers'])
  if (typeof allowHeaders === 'object') return refuseHeaders(policy, allowOrigin, allowHeaders, request, reply)
  answerWith(request, policy.preflightGrant, allowOrigin)
  reply[kWriteHeader]('access-control-allow-origin', allowOrigin)
  const fixed = policy.preflightHeaders
  for (let i = 0; i < fixed.length; i++) reply[kWriteHeader](fixed[i][0], fixed[i][1])
  // The requested method alone: another method at this URL may be another route, with another policy.
  reply[kWriteHeader]('access-control-allow-methods', method)
  if (allowHeaders !== undefined) reply[kWriteHeader]('access-control-allow-headers', allowHeaders)
  if (policy.allowPrivateNetwork && headers['access-control-request-private-network'] === 'true') {
    reply[kWriteHeader]('access-control-allow-private-network', 'true')
  }
  if (policy.preflightContinue) {
    // The app's own OPTIONS route answers with its own status; the plugin's answers with this one.
    stateOf(request).continueStatus = policy.successStatus
    return done()
  }
  reply.code(policy.successStatus)[kWriteHeader]('content-length', '0').send()
}

/**
 * A refused method or header list: a 403, or, with `debug`, a 2xx carrying the
 * allowed origin and what was checked, so that Chromium's console names the
 * method or header instead of "HTTP ok status". 200 rather than
 * optionsSuccessStatus: a 204 would drop the reason from the body.
 */
function refuseHeaders (policy: Policy, allowOrigin: string, refusal: Refusal, request: FastifyRequest, reply: FastifyReply): void {
  if (!policy.debug) return refuse(request, reply, 'preflight', refusal.reason)
  logRefusal(request, 'preflight', refusal.reason)
  answerWith(request, policy.preflightGrant, allowOrigin)
  reply[kWriteHeader]('access-control-allow-origin', allowOrigin)
  if (policy.credentials) reply[kWriteHeader]('access-control-allow-credentials', 'true')
  // The method was allowed when the headers are what is refused.
  if (refusal !== METHOD_REFUSED) reply[kWriteHeader]('access-control-allow-methods', request.headers['access-control-request-method'] as string)
  if (refusal.granted !== undefined) reply[kWriteHeader]('access-control-allow-headers', refusal.granted)
  reply.code(200)[kWriteHeader]('content-type', 'text/plain; charset=utf-8').send(`CORS preflight refused: ${refusal.reason}`)
}
