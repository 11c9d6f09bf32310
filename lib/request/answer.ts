// The plugin's answer on the response, whatever else writes to it. Two
// moments, so that neither can be forgotten:
// - where a hook decides (preflight.ts, actual.ts), the decision is recorded on
//   the request and Vary is set on the reply at once: a reply written by hand
//   after reply.hijack() (with reply.getHeaders()) or an error thrown later
//   carries it;
// - at onSend, where the plugin's hook runs after every other one
//   (fastify-internals.ts), Vary is merged again into whatever a handler, a
//   not-found or error handler or a later hook set, and the headers that let a
//   page read the response are made the plugin's again: a handler or a proxied
//   upstream can neither widen the answer (`*` beside credentials, a refused
//   origin reading) nor duplicate it.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ReadGrant } from '../policy/policy.js'
import { addVary, varyNames, type VaryNames } from '../spec/vary.js'
import { kAllowOrigin, kGrant, kVary } from '../symbols.js'

const ALLOW_ORIGIN = 'access-control-allow-origin'
const ALLOW_CREDENTIALS = 'access-control-allow-credentials'
const EXPOSE_HEADERS = 'access-control-expose-headers'

/** The answer depends on these request headers: say so now, and again at onSend. */
export function varyOn (request: FastifyRequest, reply: FastifyReply, vary: VaryNames): void {
  const current = request[kVary]
  // Several decisions (a plain OPTIONS, then its origin): the answer depends on all they depend on.
  // == null: a request Fastify builds for a bad URL lacks the decoration.
  request[kVary] = current == null || current === vary ? vary : union(current, vary)
  addVary(reply, vary)
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
 * and, with it, what `grant` adds. Both objects exist before the request: no allocation.
 */
export function answerWith (request: FastifyRequest, grant: ReadGrant, allowOrigin: string | undefined): void {
  request[kGrant] = grant
  request[kAllowOrigin] = allowOrigin
}

/** The onSend hook: Vary and the read-granting headers, as the plugin decided them. */
export function finishResponse (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  const vary = request[kVary]
  if (vary != null) addVary(reply, vary)
  const grant = request[kGrant]
  if (grant !== undefined) {
    const allowOrigin = request[kAllowOrigin]
    keep(reply, ALLOW_ORIGIN, allowOrigin)
    keep(reply, ALLOW_CREDENTIALS, allowOrigin === undefined ? undefined : grant.credentials)
    keep(reply, EXPOSE_HEADERS, allowOrigin === undefined ? undefined : grant.expose)
  }
  done(null, payload)
}

/** Exactly `value` (absent when undefined), one line: what the plugin answered, not what was set since. */
function keep (reply: FastifyReply, name: string, value: string | undefined): void {
  const current = reply.getHeader(name)
  if (current === value) return
  if (value === undefined) reply.removeHeader(name)
  else reply.header(name, value)
}
