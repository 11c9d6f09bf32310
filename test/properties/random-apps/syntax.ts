// The syntax the plugin checks, re-stated from the specs (RFC 6454 serialized
// origins as browsers send them, RFC 9110 tokens and lists), without RegExps
// over a whole value and without lib/.

// Limits pinned as literals: a change to them in lib/ must show up here.
export const MAX_ORIGIN_LENGTH = 300
export const MAX_REQUEST_HEADERS_LENGTH = 4096
export const MAX_REQUEST_HEADERS_COUNT = 64

export const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

export const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443', ftp: '21' }

export interface Parts { scheme: string, host: string, port: string | undefined }

/** A serialized origin as browsers send it (scheme://host[:port], lower case, no default port), parsed without RegExps over the whole value. */
export function parseSerialized (value: string): Parts | undefined {
  if (value.length > MAX_ORIGIN_LENGTH) return undefined
  const schemeEnd = value.indexOf('://')
  if (schemeEnd < 1) return undefined
  const scheme = value.slice(0, schemeEnd)
  for (let i = 0; i < scheme.length; i++) {
    const c = scheme[i]
    const ok = (c >= 'a' && c <= 'z') || (i > 0 && ((c >= '0' && c <= '9') || c === '+' || c === '-' || c === '.'))
    if (!ok) return undefined
  }
  let rest = value.slice(schemeEnd + 3)
  let host: string
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']')
    if (close < 2) return undefined
    host = rest.slice(0, close + 1)
    for (const c of host.slice(1, -1)) if (!'0123456789abcdef:.'.includes(c)) return undefined
    rest = rest.slice(close + 1)
  } else {
    const colon = rest.indexOf(':')
    host = colon === -1 ? rest : rest.slice(0, colon)
    rest = colon === -1 ? '' : rest.slice(colon)
    if (host.length === 0 || host[0] === '.' || host.includes('..')) return undefined
    for (const c of host) if (!'abcdefghijklmnopqrstuvwxyz0123456789._-'.includes(c)) return undefined
  }
  let port: string | undefined
  if (rest.length > 0) {
    port = rest.slice(1)
    if (rest[0] !== ':' || port.length < 1 || port.length > 5 || port[0] === '0') return undefined
    for (const c of port) if (c < '0' || c > '9') return undefined
    if (Number(port) > 65535 || DEFAULT_PORTS[scheme] === port) return undefined
  }
  return { scheme, host, port }
}

/** Access-Control-Request-Headers as the plugin documents it: names, lower-cased, distinct; undefined when refused. */
export function parseRequestHeaders (value: string | undefined): string[] | undefined {
  if (value === undefined) return []
  if (value.length > MAX_REQUEST_HEADERS_LENGTH) return undefined
  const names: string[] = []
  for (const part of value.split(',')) {
    const name = part.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '')
    if (name === '') continue
    if (!TCHAR.test(name)) return undefined
    const lower = name.toLowerCase()
    if (!names.includes(lower)) names.push(lower)
    if (names.length > MAX_REQUEST_HEADERS_COUNT) return undefined
  }
  return names
}
