// Actual (non-preflight) requests: grant or withhold read access to the
// response. The handler runs, except for a cross-origin request that a browser
// sends only after a preflight (request-classification.ts), and that the
// route's policy refuses: a cached or stale preflight must not let it through.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { refusalReason } from '../spec/origin.js'
import type { Policy } from '../policy/policy.js'
import { debugEnabled, logRefusal, refuse } from './reasons.js'
import { needsPreflight } from '../spec/request-classification.js'
import { VARY_ORIGIN } from '../spec/vary.js'
import { isSameOrigin } from './same-origin.js'
import { answerWith, varyOn } from './answer.js'
import { kWriteHeader } from '../symbols.js'

type Headers = Policy['actualHeaders']

function writeHeaders (reply: FastifyReply, headers: Headers): void {
  for (let i = 0; i < headers.length; i++) reply[kWriteHeader](headers[i][0], headers[i][1])
}

/**
 * A request to a route whose CORS is off (`cors: false`): `scope` is the
 * registration's policy, whose checks apply. The plugin gives no answer: the
 * route's own Access-Control-* headers, if any, stand.
 */
export function handleDisabled (scope: Policy, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (scope.checkActualRequests && needsPreflight(request, scope.addedScriptOnlyHeaders)) {
    // Refused from another origin, let through from this one or without an Origin: the answer depends on it.
    varyOn(request, reply, VARY_ORIGIN)
    const origin = request.headers.origin
    if (origin !== undefined && !isSameOrigin(request, origin)) return refuse(request, reply, 'request', 'cors-disabled')
  }
  done()
}

/** `policy`: the route's, with CORS on (`policy.allow` defined). */
export function handleActual (policy: Policy, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const origin = request.headers.origin
  // '*' or one exact origin answers every origin alike, unless the actual-request check may refuse this request.
  if (!policy.varyOnOrigin && (!policy.mayRefusePreflighted || !needsPreflight(request, policy.addedScriptOnlyHeaders))) return answerFixed(policy, origin, request, reply, done)
  varyOn(request, reply, VARY_ORIGIN)
  if (origin === undefined) {
    answerWith(request, policy.actualGrant, policy.fixedOrigin)
    writeHeaders(reply, policy.ungrantedHeaders)
    return done()
  }
  const verdict = policy.allow!(origin, request)
  if (typeof verdict === 'string') {
    grant(request, reply, policy, verdict)
    checkMethod(policy, request, reply, done)
  } else if (verdict === undefined) {
    withhold(policy, request, reply, done)
  } else {
    verdict.then(value => {
      if (value === undefined) return withhold(policy, request, reply, done)
      grant(request, reply, policy, value)
      checkMethod(policy, request, reply, done)
    }, done)
  }
}

/**
 * With '*' or one exact origin, for a request nothing can refuse: the same
 * headers whatever the Origin (for a refused one the browser compares them with
 * its origin), with the refusal's reason logged for whoever reads it.
 */
function answerFixed (policy: Policy, origin: string | undefined, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  answerWith(request, policy.actualGrant, policy.fixedOrigin)
  writeHeaders(reply, policy.ungrantedHeaders)
  if (origin !== undefined && origin !== policy.fixedOrigin && policy.fixedOrigin !== '*' && debugEnabled(request)) logRefusal(request, 'request', refusalReason(origin))
  done()
}

function grant (request: FastifyRequest, reply: FastifyReply, policy: Policy, allowOrigin: string): void {
  answerWith(request, policy.actualGrant, allowOrigin)
  reply[kWriteHeader]('access-control-allow-origin', allowOrigin)
  writeHeaders(reply, policy.actualHeaders)
}

/** An allowed origin: a method outside an explicit `methods` list was never approved by a preflight. */
function checkMethod (policy: Policy, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const methods = policy.methods
  if (methods === undefined || methods.has(request.method) || !policy.checkActualRequests || !needsPreflight(request, policy.addedScriptOnlyHeaders) || isSameOrigin(request, request.headers.origin as string)) return done()
  refuse(request, reply, 'request', 'method-not-allowed')
}

function withhold (policy: Policy, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const origin = request.headers.origin as string
  // With '*' or one exact origin, the same headers as a granted answer: the browser compares them with its origin.
  answerWith(request, policy.actualGrant, policy.fixedOrigin)
  writeHeaders(reply, policy.ungrantedHeaders)
  if ((policy.rejectDisallowed || (policy.checkActualRequests && needsPreflight(request, policy.addedScriptOnlyHeaders))) && !isSameOrigin(request, origin)) {
    return refuse(request, reply, 'request', refusalReason(origin))
  }
  // The reason costs a validation of the Origin: only worth it when someone reads it.
  if (debugEnabled(request)) logRefusal(request, 'request', refusalReason(origin))
  done()
}
