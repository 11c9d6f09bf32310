// Serialized origins, as browsers send them in the Origin header
// (https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin):
// the bounded check of a request's Origin, which runs on attacker-controlled input.

/** Longest Origin we look at; a serialized origin with a 253-byte host fits comfortably. */
export const MAX_ORIGIN_LENGTH = 300

/** The same, with an optional leading '*.' and ':*' port: what the `origin` option may hold. One pass, anchored, linear. */
export const CONFIGURED_ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([a-z0-9_-][a-z0-9._-]*|\[[0-9a-f:.]+\])(?::(\*|[1-9][0-9]{0,4}))?$/
export const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443', ftp: '21' }

export function portIsValid (scheme: string, port: string | undefined): boolean {
  return port === undefined || port === '*' || (Number(port) <= 65535 && DEFAULT_PORTS[scheme] !== port)
}

/** Byte classes of a serialized origin: which ASCII codes may appear where. */
function byteClass (chars: string): Uint8Array {
  const table = new Uint8Array(128)
  for (const range of chars.split(' ')) {
    const [from, to] = [range.charCodeAt(0), range.charCodeAt(range.length - 1)]
    for (let c = from; c <= to; c++) table[c] = 1
  }
  return table
}
const SCHEME = byteClass('a-z 0-9 + . -')
const HOST = byteClass('a-z 0-9 _ -')
const IPV6 = byteClass('0-9 a-f : .')
const DOT = 0x2e
const COLON = 0x3a
const SLASH = 0x2f
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const ZERO = 0x30
const NINE = 0x39

/** How many bytes from `from` on are in `table`, never running two dots together; -1 if two are. */
function run (value: string, from: number, table: Uint8Array, dots: boolean): number {
  let i = from
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === DOT && dots) {
      if (value.charCodeAt(i - 1) === DOT) return -1
    } else if (c >= 128 || table[c] === 0) {
      break
    }
  }
  return i - from
}

/**
 * True when `value` is exactly what a browser sends as a (non-opaque) Origin:
 * `scheme://host[:port]`, the scheme `[a-z][a-z0-9+.-]*`, the host lower-case
 * `[a-z0-9_-][a-z0-9._-]*` or a bracketed IPv6 address, never with '..', the
 * port 1–65535 without leading zeros and never the scheme's default. One pass
 * over the (capped) input, without a RegExp match or any allocation but the port.
 */
export function isSerializedOrigin (value: string): boolean {
  const length = value.length
  if (length > MAX_ORIGIN_LENGTH) return false
  const first = value.charCodeAt(0)
  if (!(first >= 0x61 && first <= 0x7a)) return false
  const schemeEnd = 1 + run(value, 1, SCHEME, false)
  if (value.charCodeAt(schemeEnd) !== COLON || value.charCodeAt(schemeEnd + 1) !== SLASH || value.charCodeAt(schemeEnd + 2) !== SLASH) return false
  const hostStart = schemeEnd + 3
  let hostEnd: number
  if (value.charCodeAt(hostStart) === OPEN_BRACKET) {
    const inside = run(value, hostStart + 1, IPV6, true)
    if (inside <= 0 || value.charCodeAt(hostStart + 1 + inside) !== CLOSE_BRACKET) return false
    hostEnd = hostStart + inside + 2
  } else {
    const first = value.charCodeAt(hostStart)
    if (first >= 128 || HOST[first] !== 1) return false
    const rest = run(value, hostStart + 1, HOST, true)
    if (rest === -1) return false
    hostEnd = hostStart + 1 + rest
  }
  if (hostEnd === length) return true
  if (value.charCodeAt(hostEnd) !== COLON) return false
  const digits = length - hostEnd - 1
  const lead = value.charCodeAt(hostEnd + 1)
  if (digits < 1 || digits > 5 || lead <= ZERO || lead > NINE) return false
  for (let i = hostEnd + 2; i < length; i++) {
    const c = value.charCodeAt(i)
    if (c < ZERO || c > NINE) return false
  }
  return portIsValid(value.slice(0, schemeEnd), value.slice(hostEnd + 1))
}

export type OriginRefusal = 'malformed-origin' | 'opaque-origin' | 'origin-not-allowed'

/**
 * `decide`, remembering its answer for the last origin it was asked about:
 * pages from one origin ask one after another, and a repeat then costs one
 * string comparison. `decide` must depend on the origin alone. An origin over
 * MAX_ORIGIN_LENGTH is never kept.
 */
export function rememberingLast<T> (decide: (origin: string) => T): (origin: string) => T {
  let lastOrigin: string | undefined
  let lastAnswer: T
  return (origin) => {
    if (origin === lastOrigin) return lastAnswer
    if (origin.length > MAX_ORIGIN_LENGTH) return decide(origin)
    lastAnswer = decide(origin)
    lastOrigin = origin
    return lastAnswer
  }
}

// A refused page usually asks again, from the same origin.
const serializedReason = rememberingLast((origin): OriginRefusal => isSerializedOrigin(origin) ? 'origin-not-allowed' : 'malformed-origin')

/** Why an origin was refused: the reason a 403 names, and the one logged. */
export function refusalReason (origin: string): OriginRefusal {
  return origin === 'null' ? 'opaque-origin' : serializedReason(origin)
}
