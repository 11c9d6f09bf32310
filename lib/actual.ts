// Actual (non-preflight) requests: grant or withhold read access to the
// response. The handler always runs unless rejectDisallowed asks otherwise:
// CORS protects responses, not servers.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { refusalReason } from './origins.js'
import { allowedOrigin, type OriginRule, type Policy } from './policy.js'
import { debugEnabled, logRefusal, refuse } from './reasons.js'

function grant (reply: FastifyReply, policy: Policy, allowOrigin: string): void {
  reply.header('access-control-allow-origin', allowOrigin)
  const headers = policy.actualHeaders
  for (let i = 0; i < headers.length; i++) reply.header(headers[i][0], headers[i][1])
}

export function handleActual (rule: OriginRule, policy: Policy, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const origin = request.headers.origin
  if (rule.kind === 'static') {
    // The same header on every response (no Vary needed); the browser compares it with its origin.
    grant(reply, policy, rule.value)
    if (origin !== undefined && !rule.allows(origin)) return withhold(policy, request, reply, origin, done)
    return done()
  }
  if (origin === undefined) return done()
  const verdict = allowedOrigin(rule, origin, request)
  if (typeof verdict === 'string') {
    grant(reply, policy, verdict)
    done()
  } else if (verdict === undefined) {
    withhold(policy, request, reply, origin, done)
  } else {
    verdict.then(value => {
      if (value === undefined) return withhold(policy, request, reply, origin, done)
      grant(reply, policy, value)
      done()
    }, done)
  }
}

function withhold (policy: Policy, request: FastifyRequest, reply: FastifyReply, origin: string, done: HookHandlerDoneFunction): void {
  if (policy.rejectDisallowed && !isSameOrigin(request, origin)) return refuse(request, reply, 'request', refusalReason(origin))
  // The reason costs a validation of the Origin: only worth it when someone reads it.
  if (debugEnabled(request)) logRefusal(request, 'request', refusalReason(origin))
  done()
}

const DEFAULT_PORT_SUFFIX: Record<string, string> = { http: ':80', https: ':443' }

/** Whether the Origin is the request's own origin (scheme, host and port; behind a proxy, as trustProxy reports them). */
export function isSameOrigin (request: FastifyRequest, origin: string): boolean {
  const protocol = request.protocol
  let host = request.host.toLowerCase()
  const defaultPort = DEFAULT_PORT_SUFFIX[protocol]
  if (host.endsWith(defaultPort)) host = host.slice(0, -defaultPort.length)
  return origin === `${protocol}://${host}`
}
