// HTTP tokens (RFC 9110 §5.6.2) and the Access-Control-Request-Headers list.
// Everything here runs on attacker-controlled input, so each function is one
// linear pass with a hard cap, and nothing it returns contains a byte that is
// not a token character or the ',' separator.

/** Longest Access-Control-Request-Headers value we parse; over it, the preflight is refused. */
export const MAX_REQUEST_HEADERS_LENGTH = 4096
/** Most distinct header names we accept in one preflight. */
export const MAX_REQUEST_HEADERS_COUNT = 64

const TCHAR = (() => {
  const table = new Uint8Array(128)
  const extra = "!#$%&'*+-.^_`|~"
  for (let c = 0x30; c <= 0x39; c++) table[c] = 1
  for (let c = 0x41; c <= 0x5a; c++) table[c] = 1
  for (let c = 0x61; c <= 0x7a; c++) table[c] = 1
  for (const ch of extra) table[ch.charCodeAt(0)] = 1
  return table
})()

export function isToken (value: string): boolean {
  if (value.length === 0) return false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c > 127 || TCHAR[c] === 0) return false
  }
  return true
}

export type HeaderListResult =
  | { ok: true, names: string[] }
  | { ok: false, reason: 'too-long' | 'too-many' | 'malformed' }

/**
 * Parses a comma-separated header-name list as browsers send it (lower-case,
 * sorted, no spaces) and as proxies rewrite it (spaces or tabs around commas,
 * several lines joined with ', ', mixed case, duplicates, empty elements).
 * Returns the distinct names, lower-cased, in first-seen order.
 */
export function parseHeaderList (value: string): HeaderListResult {
  if (value.length > MAX_REQUEST_HEADERS_LENGTH) return { ok: false, reason: 'too-long' }
  const names: string[] = []
  const seen = new Set<string>()
  let start = -1
  let end = -1
  for (let i = 0; i <= value.length; i++) {
    const c = i === value.length ? 0x2c : value.charCodeAt(i)
    if (c === 0x2c) {
      if (start !== -1) {
        const name = value.slice(start, end + 1).toLowerCase()
        if (!seen.has(name)) {
          if (names.length === MAX_REQUEST_HEADERS_COUNT) return { ok: false, reason: 'too-many' }
          seen.add(name)
          names.push(name)
        }
      }
      start = -1
      end = -1
    } else if (c === 0x20 || c === 0x09) {
      // optional whitespace around an element; a token character after it
      // within the same element is caught below (end !== i - 1)
    } else if (c < 128 && TCHAR[c] === 1) {
      if (start === -1) start = i
      else if (end !== i - 1) return { ok: false, reason: 'malformed' }
      end = i
    } else {
      return { ok: false, reason: 'malformed' }
    }
  }
  return { ok: true, names }
}
