// What the plugin remembers about one request between its hooks. One request
// decoration, kState, holds it: Fastify's Request constructor sets every
// decoration through one keyed store, which turns megamorphic, and so slower
// for every request, with more than one. The state object itself is made on
// the plugin's first write, by stateOf(). Requests of a scope created before
// the plugin's registration, and those Fastify builds for a bad URL, may lack
// the decoration: readers accept undefined as null.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ReadGrant } from '../policy/policy.js'
import type { VaryNames } from '../spec/vary.js'
import { kState } from '../symbols.js'

// The fields are assigned in the constructor (`declare`: no class-field definitions before it), so every state has one shape.
export class RequestState {
  /** The request headers the answer depends on: set on the reply when decided, merged into any Vary set later. null: none. */
  declare vary: VaryNames | null
  /**
   * The plugin's answer, which the reply guards from later writers: what it
   * granted besides Access-Control-Allow-Origin (undefined: the plugin gave no
   * answer: CORS off for the route, or not decided) and the
   * Access-Control-Allow-Origin it sent (undefined: none).
   */
  declare grant: ReadGrant | undefined
  declare allowOrigin: string | undefined
  /** A registration of the plugin has taken this not-found request; the ones whose hooks run after it leave it. */
  declare claimed: boolean
  /** With preflightContinue: the status of the preflight answer, sent by the plugin's own OPTIONS route. 0 otherwise. */
  declare continueStatus: number

  constructor () {
    this.vary = null
    this.grant = undefined
    this.allowOrigin = undefined
    this.claimed = false
    this.continueStatus = 0
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** null until the plugin first records something about the request. */
    [kState]: RequestState | null
  }
}

/** The request's state, made on first use. */
export function stateOf (request: FastifyRequest): RequestState {
  const state = request[kState]
  if (state != null) return state
  return (request[kState] = new RequestState())
}

export function declareRequestState (instance: FastifyInstance): void {
  if (instance.hasRequestDecorator(kState)) return
  instance.decorateRequest(kState, null)
}
