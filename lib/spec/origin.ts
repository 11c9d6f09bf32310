// Serialized origins, as browsers send them in the Origin header
// (https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin):
// the bounded check of a request's Origin, which runs on attacker-controlled input.

/** Longest Origin we look at; a serialized origin with a 253-byte host fits comfortably. */
export const MAX_ORIGIN_LENGTH = 300

// One pass, no nested quantifiers, anchored: linear in the (capped) input.
const SERIALIZED_ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/([a-z0-9_-][a-z0-9._-]*|\[[0-9a-f:.]+\])(?::([1-9][0-9]{0,4}))?$/
/** The same, with an optional leading '*.' and ':*' port: what the `origin` option may hold. */
export const CONFIGURED_ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([a-z0-9_-][a-z0-9._-]*|\[[0-9a-f:.]+\])(?::(\*|[1-9][0-9]{0,4}))?$/
export const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443', ftp: '21' }

export function portIsValid (scheme: string, port: string | undefined): boolean {
  return port === undefined || port === '*' || (Number(port) <= 65535 && DEFAULT_PORTS[scheme] !== port)
}

/** True when `value` is exactly what a browser sends as a (non-opaque) Origin. */
export function isSerializedOrigin (value: string): boolean {
  if (value.length > MAX_ORIGIN_LENGTH) return false
  const match = SERIALIZED_ORIGIN.exec(value)
  return match !== null && !match[2].includes('..') && portIsValid(match[1], match[3])
}

export type OriginRefusal = 'malformed-origin' | 'opaque-origin' | 'origin-not-allowed'

/** Why an origin was refused; only called when logging, never on the hot path. */
export function refusalReason (origin: string): OriginRefusal {
  if (origin === 'null') return 'opaque-origin'
  return isSerializedOrigin(origin) ? 'origin-not-allowed' : 'malformed-origin'
}
