// The plugin's answer on the response, whatever else writes to it.
// - Where a hook decides (preflight.ts, actual.ts), the decision is recorded on
//   the request, and Vary and the headers are written on the reply at once: a
//   reply written by hand after reply.hijack() (with reply.getHeaders()) or an
//   error thrown later carries them.
// - From then on the app's replies guard it (guardReplies): a handler, a
//   not-found or error handler, a later hook, a proxied upstream or a returned
//   Response that sets Vary has the plugin's names merged into it, and one that
//   sets or removes a read-granting header leaves the plugin's answer as it
//   was: nothing can widen it (`*` beside credentials, a refused origin
//   reading) or duplicate it. What was written on reply.raw is settled when the
//   reply is sent. The guard runs only where something writes, so a request
//   pays nothing for it when nothing does (an onSend hook would cost each one
//   Fastify's hook runner).
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ReadGrant } from '../policy/policy.js'
import type { ReplyPrototype } from '../routing/fastify-internals.js'
import { mergeVary, varyNames, type VaryNames } from '../spec/vary.js'
import { kState, kWriteHeader } from '../symbols.js'
import { stateOf, type RequestState } from './request-state.js'

const ALLOW_ORIGIN = 'access-control-allow-origin'
const ALLOW_CREDENTIALS = 'access-control-allow-credentials'
const EXPOSE_HEADERS = 'access-control-expose-headers'
const VARY = 'vary'
const READ_GRANTING = [ALLOW_ORIGIN, ALLOW_CREDENTIALS, EXPOSE_HEADERS] as const

type WriteHeader = (this: FastifyReply, name: string, value: string) => FastifyReply

declare module 'fastify' {
  interface FastifyReply {
    /** Fastify's own reply.header, unguarded: how the plugin writes its answer. */
    [kWriteHeader]: WriteHeader
  }
}

/** The answer depends on these request headers: say so now; the guard keeps them in any Vary set later. */
export function varyOn (request: FastifyRequest, reply: FastifyReply, vary: VaryNames): void {
  const state = stateOf(request)
  const current = state.vary
  // Several decisions (a plain OPTIONS, then its origin): the answer depends on all they depend on.
  state.vary = current === null || current === vary ? vary : union(current, vary)
  const written = reply.getHeader(VARY)
  if (written === undefined) {
    reply[kWriteHeader](VARY, vary.joined)
  } else {
    const text = headerText(written)
    if (text !== vary.joined) reply[kWriteHeader](VARY, mergeVary(text, vary.names))
  }
}

/** The plugin's lists nest (Origin ⊂ … ⊂ the private-network preflight's): then one of them is the union, made at startup. */
function union (current: VaryNames, more: VaryNames): VaryNames {
  if (covers(current, more)) return current
  if (covers(more, current)) return more
  return varyNames(...current.names, ...more.names.filter(name => !current.names.includes(name)))
}

function covers (wider: VaryNames, narrower: VaryNames): boolean {
  for (let i = 0; i < narrower.names.length; i++) if (!wider.names.includes(narrower.names[i])) return false
  return true
}

/**
 * The response carries the plugin's answer: `allowOrigin` (undefined: none)
 * and, with it, what `grant` adds. Both objects exist before the request: no
 * allocation. The caller writes the matching headers.
 */
export function answerWith (request: FastifyRequest, grant: ReadGrant, allowOrigin: string | undefined): void {
  const state = stateOf(request)
  state.grant = grant
  state.allowOrigin = allowOrigin
}

/**
 * A second answer to the same request (a handler's reply.callNotFound(), whose
 * not-found handler the plugin answers again): the first one's read-granting
 * headers go, so that the second is the only one.
 */
export function forgetAnswer (request: FastifyRequest, reply: FastifyReply): void {
  const state = request[kState]
  if (state == null || state.grant === undefined) return
  state.grant = undefined
  state.allowOrigin = undefined
  for (const name of READ_GRANTING) reply.removeHeader(name)
}

/**
 * A reply Fastify makes outside the app's scopes, for an error it answers before
 * routing (fastify-internals.ts): nothing runs after the plugin on it, so its
 * own reply.header writes the answer.
 */
export function adoptReply (reply: FastifyReply): void {
  if (reply[kWriteHeader] === undefined) reply[kWriteHeader] = reply.header as WriteHeader
}

/** What the plugin answered for a read-granting header (lower case); undefined: absent. */
function answered (state: RequestState, grant: ReadGrant, name: string): string | undefined {
  const allowOrigin = state.allowOrigin
  if (name === ALLOW_ORIGIN || allowOrigin === undefined) return allowOrigin
  return name === ALLOW_CREDENTIALS ? grant.credentials : grant.expose
}

function isReadGranting (name: string): boolean {
  return name === ALLOW_ORIGIN || name === ALLOW_CREDENTIALS || name === EXPOSE_HEADERS
}

function headerText (value: unknown): string {
  return Array.isArray(value) ? value.join(', ') : String(value)
}

/** The request's state once the plugin has answered or named a Vary; undefined while there is nothing to guard. */
function toGuard (reply: FastifyReply): RequestState | undefined {
  const state = reply.request[kState]
  return state != null && (state.grant !== undefined || state.vary !== null) ? state : undefined
}

/** The guarding methods, to tell a guarded prototype. */
const guards = new WeakSet<object>()

/**
 * Guards every reply made from `prototype` (the app's Reply prototype, from
 * which every scope's inherits: fastify-internals.ts), once per app. The
 * plugin writes with Fastify's own reply.header, kWriteHeader (plugin.ts).
 */
export function guardReplies (prototype: ReplyPrototype): void {
  if (isGuarded(prototype)) return
  const { header, removeHeader, send } = prototype

  prototype.header = function header$guarded (name, value) {
    const state = toGuard(this)
    if (state === undefined) return header.call(this, name, value)
    const { vary, grant } = state
    const lower = String(name).toLowerCase()
    if (lower === VARY && vary !== null) return header.call(this, name, mergeVary(headerText(value ?? ''), vary.names))
    if (grant !== undefined && isReadGranting(lower)) return this
    return header.call(this, name, value)
  }

  prototype.removeHeader = function removeHeader$guarded (name) {
    const state = toGuard(this)
    if (state === undefined) return removeHeader.call(this, name)
    const { vary, grant } = state
    const lower = String(name).toLowerCase()
    if (grant !== undefined && isReadGranting(lower)) return this
    removeHeader.call(this, name)
    // Whatever replaces it, the answer still depends on these.
    if (lower === VARY && vary !== null) header.call(this, VARY, vary.joined)
    return this
  }

  prototype.send = function send$guarded (payload) {
    const state = toGuard(this)
    if (state !== undefined) settleRaw(this, state, header)
    return send.call(this, payload)
  }
  guards.add(prototype.header).add(prototype.removeHeader).add(prototype.send)
}

/**
 * Headers written on reply.raw (an Express middleware under @fastify/middie, a
 * handler) bypass reply.header; Node sends them unless the reply holds the same
 * name. A read-granting one the plugin did not answer with goes; a raw Vary is
 * merged into the reply's.
 */
function settleRaw (reply: FastifyReply, state: RequestState, header: ReplyPrototype['header']): void {
  const raw = reply.raw
  const grant = state.grant
  if (grant !== undefined) {
    for (const name of READ_GRANTING) if (answered(state, grant, name) === undefined && raw.hasHeader(name)) raw.removeHeader(name)
  }
  const vary = state.vary
  if (vary !== null && raw.hasHeader(VARY)) {
    const own = reply.getHeader(VARY)
    const rawVary = headerText(raw.getHeader(VARY))
    if (own !== rawVary) header.call(reply, VARY, mergeVary(rawVary, headerText(own).split(',').map(name => name.trim())))
  }
}

/** Whether replies made from `prototype` are guarded. */
export function isGuarded (prototype: object): boolean {
  // A WeakSet holds no undefined: a missing method is not a guard.
  const methods = prototype as Record<keyof ReplyPrototype, object>
  return guards.has(methods.header) && guards.has(methods.removeHeader) && guards.has(methods.send)
}
