// What the plugin remembers about one request between its hooks, declared on
// Fastify's Request with decorateRequest so every request has the same shape.
// Requests of a scope created before the plugin's registration, and those
// Fastify builds for a bad URL, may lack the decorations: readers accept undefined.
import type { FastifyInstance } from 'fastify'
import type { ReadGrant } from '../policy/policy.js'
import type { VaryNames } from '../spec/vary.js'
import { kAllowOrigin, kClaimed, kContinueStatus, kGrant, kVary } from '../symbols.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The request headers the answer depends on: set on the reply when decided, merged into any Vary set later. null: none. */
    [kVary]: VaryNames | null
    /**
     * The plugin's answer, which the reply guards from later writers: the Access-Control-Allow-Origin it
     * sent (undefined: none) and, when it sent one, the rest of the grant.
     * kGrant undefined: the plugin gave no answer (CORS off for the route, or not decided).
     */
    [kGrant]: ReadGrant | undefined
    [kAllowOrigin]: string | undefined
    /** A registration of the plugin has taken this not-found request; the ones whose hooks run after it leave it. */
    [kClaimed]: boolean
    /** With preflightContinue: the status of the preflight answer, sent by the plugin's own OPTIONS route. 0 otherwise. */
    [kContinueStatus]: number
  }
}

/** The state of a request when it arrives: what the decorations below start as. */
export function initialRequestState () {
  return { [kVary]: null, [kGrant]: undefined, [kAllowOrigin]: undefined, [kClaimed]: false, [kContinueStatus]: 0 }
}

export function declareRequestState (instance: FastifyInstance): void {
  if (instance.hasRequestDecorator(kVary)) return
  const initial = initialRequestState()
  instance.decorateRequest(kVary, initial[kVary])
  instance.decorateRequest(kGrant, initial[kGrant])
  instance.decorateRequest(kAllowOrigin, initial[kAllowOrigin])
  instance.decorateRequest(kClaimed, initial[kClaimed])
  instance.decorateRequest(kContinueStatus, initial[kContinueStatus])
}
