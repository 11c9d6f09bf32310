// Serialized origins, as browsers send them in the Origin header
// (https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin):
// the bounded check of a request's Origin, which runs on attacker-controlled input.

/** Longest Origin we look at; a serialized origin with a 253-byte host fits comfortably. */
export const MAX_ORIGIN_LENGTH = 300

// One pass, no nested quantifiers, anchored: linear in the (capped) input.
// Without captures: a request's Origin is checked with test(), which builds no match.
const SERIALIZED_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/(?:[a-z0-9_-][a-z0-9._-]*|\[[0-9a-f:.]+\])(?::[1-9][0-9]{0,4})?$/
/** The same, with an optional leading '*.' and ':*' port: what the `origin` option may hold. */
export const CONFIGURED_ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([a-z0-9_-][a-z0-9._-]*|\[[0-9a-f:.]+\])(?::(\*|[1-9][0-9]{0,4}))?$/
export const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443', ftp: '21' }

export function portIsValid (scheme: string, port: string | undefined): boolean {
  return port === undefined || port === '*' || (Number(port) <= 65535 && DEFAULT_PORTS[scheme] !== port)
}

/** True when `value` is exactly what a browser sends as a (non-opaque) Origin. */
export function isSerializedOrigin (value: string): boolean {
  if (value.length > MAX_ORIGIN_LENGTH || !SERIALIZED_ORIGIN.test(value)) return false
  const hostStart = value.indexOf('://') + 3
  // The host has no ':' (an IPv6 address is bracketed and ends the origin when it has no port), the port no '.'.
  const colon = value.charCodeAt(value.length - 1) === 0x5d ? -1 : value.lastIndexOf(':')
  const hasPort = colon >= hostStart
  if (value.indexOf('..', hostStart) !== -1) return false
  return !hasPort || portIsValid(value.slice(0, hostStart - 3), value.slice(colon + 1))
}

export type OriginRefusal = 'malformed-origin' | 'opaque-origin' | 'origin-not-allowed'

/** Why an origin was refused: the reason a 403 names, and the one logged. */
export function refusalReason (origin: string): OriginRefusal {
  if (origin === 'null') return 'opaque-origin'
  return isSerializedOrigin(origin) ? 'origin-not-allowed' : 'malformed-origin'
}
