// What the plugin remembers about one request between its hooks, declared on
// Fastify's Request with decorateRequest so every request has the same shape.
import type { FastifyInstance } from 'fastify'

import { kClaimed, kContinueStatus, kVaryOrigin } from '../symbols.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The response must say Vary: Origin (merged at onSend, after the handler set its own Vary). */
    [kVaryOrigin]: boolean
    /** A registration of the plugin has taken this not-found request; the ones whose hooks run after it leave it. */
    [kClaimed]: boolean
    /** With preflightContinue: the status of the preflight answer, sent by the plugin's own OPTIONS route. 0 otherwise. */
    [kContinueStatus]: number
  }
}

export function declareRequestState (instance: FastifyInstance): void {
  if (instance.hasRequestDecorator(kVaryOrigin)) return
  instance.decorateRequest(kVaryOrigin, false)
  instance.decorateRequest(kClaimed, false)
  instance.decorateRequest(kContinueStatus, 0)
}
