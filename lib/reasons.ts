// Why a request got no CORS permission: stable codes, logged once at debug
// level (with the request id, which Fastify's request logger carries), and
// sent as the body of a refused preflight. The README maps each to its fix.
import type { FastifyReply, FastifyRequest } from 'fastify'

export type Reason =
  | 'origin-not-allowed'
  | 'malformed-origin'
  | 'opaque-origin'
  | 'method-not-allowed'
  | 'header-not-allowed'
  | 'malformed-headers'
  | 'too-many-headers'
  | 'headers-too-long'
  | 'no-route'
  | 'ambiguous-route'
  | 'route-mismatch'
  | 'cors-disabled'

const MESSAGES: Record<Reason, string> = {
  'origin-not-allowed': 'the origin is not in the allowlist',
  'malformed-origin': 'the Origin header is not a serialized origin',
  'opaque-origin': "the origin 'null' is never allowed",
  'method-not-allowed': 'the requested method is not allowed',
  'header-not-allowed': 'a requested header is not allowed',
  'malformed-headers': 'Access-Control-Request-Headers is not a list of header names',
  'too-many-headers': 'Access-Control-Request-Headers names too many headers',
  'headers-too-long': 'Access-Control-Request-Headers is too long',
  'no-route': 'no route answers this method at this path: the not-found handler will',
  'ambiguous-route': 'routes with different CORS policies answer this method and path, told apart by something a preflight does not carry',
  'route-mismatch': "the plugin's copy of the routes and Fastify's router disagree on the route (please report it)",
  'cors-disabled': 'CORS is disabled for this route, or no registration of the plugin covers it'
}

type Kind = 'preflight' | 'request'

// Built once, so that a refusal with debug logging off costs a no-op call.
const LOG_LINES = Object.fromEntries((['preflight', 'request'] as const).map(kind => [kind, Object.fromEntries(
  Object.entries(MESSAGES).map(([reason, message]) => [reason, {
    bindings: Object.freeze({ corsReason: reason }),
    message: `CORS ${kind} refused: ${reason} (${message})`,
    body: `CORS ${kind} refused: ${reason}`
  }])
)])) as Record<Kind, Record<Reason, { bindings: object, message: string, body: string }>>

/** Whether the request's logger writes debug lines (Fastify's silent default logger has no isLevelEnabled). */
export function debugEnabled (request: FastifyRequest): boolean {
  const log = request.log as FastifyRequest['log'] & { isLevelEnabled?: (level: string) => boolean }
  return log.isLevelEnabled?.('debug') === true
}

export function logRefusal (request: FastifyRequest, kind: Kind, reason: Reason): void {
  const line = LOG_LINES[kind][reason]
  request.log.debug(line.bindings, line.message)
}

/** Answers 403 with the reason as a short plain-text body (never the policy itself). */
export function refuse (request: FastifyRequest, reply: FastifyReply, kind: Kind, reason: Reason): void {
  logRefusal(request, kind, reason)
  reply.code(403).header('content-type', 'text/plain; charset=utf-8').send(LOG_LINES[kind][reason].body)
}
