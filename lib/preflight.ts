// Preflights (https://fetch.spec.whatwg.org/#cors-preflight-fetch): answered
// with the policy of the route the actual request will reach, from onRequest,
// so that no later hook (auth, rate limits) and no handler sees them.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { refusalReason } from './origins.js'
import { allowedOrigin, type HeaderRule, type Policy } from './policy.js'
import { logRefusal, refuse, type Reason } from './reasons.js'
import { parseHeaderList } from './tokens.js'
import { addVary } from './vary.js'

/** The routes registered at one path, shared by every scope that declares routes there. */
export interface PathEntry {
  readonly routes: Map<string, RouteCors>
  /** Access-Control-Allow-Methods when a policy does not set `methods`: the path's CORS-enabled methods. */
  allowMethods: string
}

export interface RouteCors {
  /** undefined: `config: { cors: false }`. */
  readonly policy: Policy | undefined
  readonly scope: symbol
  readonly entry: PathEntry
}

/** Set on a request whose preflight headers were written and that goes on to a handler (preflightContinue). */
export const kContinued = Symbol('cors.preflightContinued')

type HeaderVerdict = { ok: true, value: string | undefined } | { ok: false, reason: Reason, granted: string | undefined }

const AUTHORIZATION = 'authorization'

function checkRequestedHeaders (rule: HeaderRule, requested: string | undefined): HeaderVerdict {
  if (requested === undefined) return { ok: true, value: rule.kind === 'list' ? rule.value : undefined }
  const parsed = parseHeaderList(requested)
  if (!parsed.ok) {
    const reason = parsed.reason === 'too-long' ? 'headers-too-long' : parsed.reason === 'too-many' ? 'too-many-headers' : 'malformed-headers'
    return { ok: false, reason, granted: undefined }
  }
  const names = parsed.names
  if (rule.kind === 'reflect') return { ok: true, value: names.length > 0 ? names.join(',') : undefined }
  for (let i = 0; i < names.length; i++) {
    const name = names[i]
    // Per the spec, '*' never covers Authorization: it must be listed by name.
    if (!rule.names.has(name) && !(rule.any && name !== AUTHORIZATION)) {
      return { ok: false, reason: 'header-not-allowed', granted: names.filter(n => rule.names.has(n) || (rule.any && n !== AUTHORIZATION)).join(',') || undefined }
    }
  }
  return { ok: true, value: rule.value }
}

/**
 * `target` is the route the actual request will reach (see route-table.ts);
 * `entry` the routes at the path the preflight itself was routed to, which
 * `debug` uses to explain a method no route answers.
 */
export function handlePreflight (target: RouteCors | 'ambiguous' | undefined, entry: PathEntry | undefined, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const method = request.headers['access-control-request-method'] as string
  const origin = request.headers.origin as string
  if (target === 'ambiguous') return refuse(request, reply, 'preflight', 'ambiguous-route')
  if (target === undefined) return refuseNoRoute(entry, origin, request, reply)
  const policy = target.policy
  if (policy === undefined || policy.origin === undefined) return refuse(request, reply, 'preflight', 'cors-disabled')
  if (!policy.preflight) return done()
  settle(allowedOrigin(policy.origin, origin, request), allowOrigin => allowOrigin === undefined
    ? refuseOrigin(policy, origin, request, reply)
    : answer(policy, target.entry, allowOrigin, method, request, reply, done))
}

function settle<T> (value: T | Promise<T>, then: (value: T) => void): void {
  if (value instanceof Promise) value.then(then)
  else then(value)
}

function refuseOrigin (policy: Policy, origin: string, request: FastifyRequest, reply: FastifyReply): void {
  addPreflightVary(reply, policy)
  refuse(request, reply, 'preflight', refusalReason(origin))
}

/**
 * No route for the method at this path. With `debug` on a sibling route that
 * allows the origin, answer like a refused method, so that Chromium names it.
 */
function refuseNoRoute (entry: PathEntry | undefined, origin: string, request: FastifyRequest, reply: FastifyReply): void {
  let sibling: Policy | undefined
  for (const route of entry?.routes.values() ?? []) {
    if (route.policy?.origin !== undefined && route.policy.debug) sibling = route.policy
  }
  if (sibling === undefined) return refuse(request, reply, 'preflight', 'no-route')
  const policy = sibling
  settle(allowedOrigin(policy.origin!, origin, request), allowOrigin => allowOrigin === undefined
    ? refuse(request, reply, 'preflight', 'no-route')
    : refuseForDebugging(policy, allowOrigin, (entry as PathEntry).allowMethods, undefined, 'no-route', request, reply))
}

/**
 * Debug: a 2xx carrying the allowed origin and what was checked, so that
 * Chromium's console names the method or header instead of "HTTP ok status".
 * 200 rather than optionsSuccessStatus: a 204 would drop the reason from the body.
 */
function refuseForDebugging (policy: Policy, allowOrigin: string, allowMethods: string, allowHeaders: string | undefined, reason: Reason, request: FastifyRequest, reply: FastifyReply): void {
  logRefusal(request, 'preflight', reason)
  addPreflightVary(reply, policy)
  reply.header('access-control-allow-origin', allowOrigin)
  if (policy.credentials) reply.header('access-control-allow-credentials', 'true')
  reply.header('access-control-allow-methods', allowMethods)
  if (allowHeaders !== undefined) reply.header('access-control-allow-headers', allowHeaders)
  reply.code(200).header('content-type', 'text/plain; charset=utf-8').send(`CORS preflight refused: ${reason}`)
}

function addPreflightVary (reply: FastifyReply, policy: Policy): void {
  if (policy.preflightVary.length > 0) addVary(reply, policy.preflightVary, policy.preflightVaryValue)
}

function answer (policy: Policy, entry: PathEntry, allowOrigin: string, method: string, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const allowMethods = policy.allowMethods ?? entry.allowMethods
  const methodAllowed = policy.methods === undefined || policy.methods.has(method)
  const headers = methodAllowed
    ? checkRequestedHeaders(policy.headers, request.headers['access-control-request-headers'] as string | undefined)
    : undefined
  if (headers === undefined || !headers.ok) {
    const reason = headers === undefined ? 'method-not-allowed' : headers.reason
    if (policy.debug) return refuseForDebugging(policy, allowOrigin, allowMethods, headers?.granted, reason, request, reply)
    addPreflightVary(reply, policy)
    return refuse(request, reply, 'preflight', reason)
  }
  addPreflightVary(reply, policy)
  reply.code(policy.successStatus)
  reply.header('access-control-allow-origin', allowOrigin)
  const fixed = policy.preflightHeaders
  for (let i = 0; i < fixed.length; i++) reply.header(fixed[i][0], fixed[i][1])
  reply.header('access-control-allow-methods', allowMethods)
  if (headers.value !== undefined) reply.header('access-control-allow-headers', headers.value)
  if (policy.allowPrivateNetwork && request.headers['access-control-request-private-network'] === 'true') {
    reply.header('access-control-allow-private-network', 'true')
  }
  if (policy.preflightContinue) {
    (request as unknown as Record<symbol, boolean>)[kContinued] = true
    return done()
  }
  reply.header('content-length', '0')
  reply.send()
}
