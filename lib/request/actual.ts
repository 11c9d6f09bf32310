// Actual (non-preflight) requests: grant or withhold read access to the
// response. The handler runs, except for a cross-origin request that a browser
// sends only after a preflight, and that the route's policy refuses: a cached
// or stale preflight must not let it through (see simple-request.ts).
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { refusalReason } from '../spec/origin.js'
import { allowedOrigin, type Policy } from '../policy/policy.js'
import { debugEnabled, logRefusal, refuse } from './reasons.js'
import { kVaryOrigin } from '../symbols.js'
import { needsPreflight } from '../spec/request-classification.js'
import { isSameOrigin } from './same-origin.js'

function grant (reply: FastifyReply, policy: Policy, allowOrigin: string): void {
  reply.header('access-control-allow-origin', allowOrigin)
  const headers = policy.actualHeaders
  for (let i = 0; i < headers.length; i++) reply.header(headers[i][0], headers[i][1])
}

/** `policy`: the route's, undefined when its CORS is off; `scope`: the registration's, whose checkActualRequests then applies. */
export function handleActual (policy: Policy | undefined, scope: Policy, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const origin = request.headers.origin
  const rule = policy?.origin
  if (policy === undefined || rule === undefined) {
    if (origin !== undefined && (policy ?? scope).checkActualRequests && needsPreflight(request) && !isSameOrigin(request, origin)) {
      return refuse(request, reply, 'request', 'cors-disabled')
    }
    return done()
  }
  request[kVaryOrigin] = policy.varyOnOrigin
  if (rule.kind === 'static') {
    // The same header on every response (no Vary needed); the browser compares it with its origin.
    grant(reply, policy, rule.value)
    if (origin === undefined) return done()
    if (!rule.allows(origin)) return withhold(policy, request, reply, origin, done)
    return checkMethod(policy, request, reply, origin, done)
  }
  if (origin === undefined) return done()
  const verdict = allowedOrigin(rule, origin, request)
  if (typeof verdict === 'string') {
    grant(reply, policy, verdict)
    checkMethod(policy, request, reply, origin, done)
  } else if (verdict === undefined) {
    withhold(policy, request, reply, origin, done)
  } else {
    verdict.then(value => {
      if (value === undefined) return withhold(policy, request, reply, origin, done)
      grant(reply, policy, value)
      checkMethod(policy, request, reply, origin, done)
    }, done)
  }
}

/** An allowed origin: a method outside an explicit `methods` list was never approved by a preflight. */
function checkMethod (policy: Policy, request: FastifyRequest, reply: FastifyReply, origin: string, done: HookHandlerDoneFunction): void {
  if (policy.methods === undefined || !policy.checkActualRequests || policy.methods.has(request.method) || !needsPreflight(request) || isSameOrigin(request, origin)) return done()
  refuse(request, reply, 'request', 'method-not-allowed')
}

function withhold (policy: Policy, request: FastifyRequest, reply: FastifyReply, origin: string, done: HookHandlerDoneFunction): void {
  if ((policy.rejectDisallowed || (policy.checkActualRequests && needsPreflight(request))) && !isSameOrigin(request, origin)) {
    return refuse(request, reply, 'request', refusalReason(origin))
  }
  // The reason costs a validation of the Origin: only worth it when someone reads it.
  if (debugEnabled(request)) logRefusal(request, 'request', refusalReason(origin))
  done()
}
