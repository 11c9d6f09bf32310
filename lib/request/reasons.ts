// Why a request got no CORS permission: stable codes, logged once at debug
// level (with the request id, which Fastify's request logger carries, and the
// refused origin, method and requested headers), published on a diagnostics
// channel for metrics, and sent as the body of a refused preflight. The README
// maps each to its fix.
import diagnostics from 'node:diagnostics_channel'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { MAX_ORIGIN_LENGTH } from '../spec/origin.js'
import { kStandIn, kWriteHeader } from '../symbols.js'

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
  'cors-disabled': 'CORS is disabled for this route, or no registration of the plugin covers it'
}

type Kind = 'preflight' | 'request'

/** The name of the diagnostics channel on which every refusal is published. */
export const REFUSAL_CHANNEL = 'fastify-cors-exact:refusal'

/** What the refusal channel publishes: strings only, each bounded and printable (see `printable`). */
export interface RefusalMessage {
  reason: Reason
  kind: Kind
  /** The request's Origin (escaped and truncated); '' when absent. */
  origin: string
  /** The requested method for a preflight, the request's method otherwise. */
  method: string
  url: string
}

// Publishing costs one property read when nobody subscribes.
const refusals = diagnostics.channel(REFUSAL_CHANNEL)

// Built once, so that a refusal with debug logging off costs a no-op call.
const LOG_LINES = Object.fromEntries((['preflight', 'request'] as const).map(kind => [kind, Object.fromEntries(
  Object.entries(MESSAGES).map(([reason, message]) => [reason, {
    bindings: Object.freeze({ corsReason: reason }),
    message: `CORS ${kind} refused: ${reason} (${message})`,
    body: `CORS ${kind} refused: ${reason}`
  }])
)])) as Record<Kind, Record<Reason, { bindings: object, message: string, body: string }>>

type LevelLogger = FastifyRequest['log'] & { isLevelEnabled?: (level: string) => boolean }

/** Whether the request's logger writes debug lines (Fastify's silent default logger has no isLevelEnabled). */
function logsDebug (request: FastifyRequest): boolean {
  return (request.log as LevelLogger).isLevelEnabled?.('debug') === true
}

/**
 * Whether anyone reads refusals: the request's logger writes debug lines, or
 * the refusal channel has a subscriber. Callers skip the cost of a refusal's
 * reason when nobody does.
 */
export function debugEnabled (request: FastifyRequest): boolean {
  return refusals.hasSubscribers || logsDebug(request)
}

const MAX_HEADERS_SHOWN = 200

/**
 * A request header value as it may appear in a log line or a metric: truncated,
 * and every byte outside printable ASCII escaped (\xHH), so that nothing a
 * client sends can forge a line or a terminal escape.
 */
export function printable (value: string | string[] | undefined, max: number): string {
  if (value === undefined) return ''
  const text = Array.isArray(value) ? value.join(',') : value
  const cut = text.length > max ? text.slice(0, max) : text
  const escaped = cut.replace(/[^\x20-\x7e]|\\/g, escape)
  return cut.length < text.length ? `${escaped}...` : escaped
}

function escape (c: string): string {
  if (c === '\\') return '\\\\'
  const code = c.charCodeAt(0)
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

export function logRefusal (request: FastifyRequest, kind: Kind, reason: Reason): void {
  const debug = logsDebug(request)
  if (!debug && !refusals.hasSubscribers) return
  const headers = request.headers
  const origin = printable(headers.origin, MAX_ORIGIN_LENGTH)
  const method = kind === 'preflight' ? printable(headers['access-control-request-method'], 40) : request.method
  if (debug) {
    const line = LOG_LINES[kind][reason]
    const requested = kind === 'preflight' ? printable(headers['access-control-request-headers'], MAX_HEADERS_SHOWN) : ''
    request.log.debug(
      { ...line.bindings, origin, method, requestedHeaders: requested },
      `${line.message}: origin '${origin}', method ${method}${requested === '' ? '' : `, headers '${requested}'`}`
    )
  }
  // explain()'s stand-in requests (explain.ts) were never sent: no metric counts them.
  if (refusals.hasSubscribers && !(kStandIn in request)) {
    const message: RefusalMessage = { reason, kind, origin, method, url: printable(request.url, 2048) }
    refusals.publish(message)
  }
}

/** Answers 403 with the reason as a short plain-text body (never the policy itself). */
export function refuse (request: FastifyRequest, reply: FastifyReply, kind: Kind, reason: Reason): void {
  logRefusal(request, kind, reason)
  reply.code(403)[kWriteHeader]('content-type', 'text/plain; charset=utf-8').send(LOG_LINES[kind][reason].body)
}
