// Origins: the bounded check of a request's Origin header, the parsing of the
// configured allowlist, and the lookup structure that answers "is this origin
// allowed?" without scanning the list.
// Serialization: https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin

/** Longest Origin we look at; a serialized origin with a 253-byte host fits comfortably. */
export const MAX_ORIGIN_LENGTH = 300

// One pass, no nested quantifiers, anchored: linear in the (capped) input.
const SERIALIZED_ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/([a-z0-9_-][a-z0-9._-]*|\[[0-9a-f:.]+\])(?::([1-9][0-9]{0,4}))?$/
const CONFIGURED_ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([a-z0-9_-][a-z0-9._-]*|\[[0-9a-f:.]+\])(?::(\*|[1-9][0-9]{0,4}))?$/
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443', ftp: '21' }

function portIsValid (scheme: string, port: string | undefined): boolean {
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

export type OriginSetting =
  | { kind: 'any' }
  | { kind: 'exact', origin: string }
  | { kind: 'pattern', pattern: string, scheme: string, host: string, subdomains: boolean, anyPort: boolean }
  | { kind: 'invalid', why: string, fix: string }

/**
 * Parses one configured origin string: '*', an exact serialized origin, or a
 * pattern with a leading '*.' (one or more subdomain labels) and/or a ':*' port.
 */
export function parseOriginSetting (value: string): OriginSetting {
  if (value === '*') return { kind: 'any' }
  if (value === 'null') {
    return {
      kind: 'invalid',
      why: "'null' is the opaque origin that sandboxed iframes, file: pages and redirected requests send: any site can produce it",
      fix: 'remove it; serve such documents from a real origin and allow that origin'
    }
  }
  const match = value.length <= MAX_ORIGIN_LENGTH ? CONFIGURED_ORIGIN.exec(value) : null
  if (match !== null && !match[3].includes('..') && portIsValid(match[1], match[4])) {
    const [, scheme, star, host, port] = match
    if (star === undefined && port !== '*') return { kind: 'exact', origin: value }
    return { kind: 'pattern', pattern: value, scheme, host, subdomains: star !== undefined, anyPort: port === '*' }
  }
  return explainBadOrigin(value)
}

function explainBadOrigin (value: string): OriginSetting {
  const schemeEnd = value.indexOf('://')
  if (schemeEnd <= 0) {
    return { kind: 'invalid', why: 'it has no scheme', fix: `write it as a serialized origin, e.g. 'https://${value.replace(/^\/*/, '').split('/')[0]}'` }
  }
  const scheme = value.slice(0, schemeEnd).toLowerCase()
  let rest = value.slice(schemeEnd + 3)
  const problems: string[] = []
  const cut = rest.search(/[/?#]/)
  if (cut !== -1) {
    const tail = rest.slice(cut)
    problems.push(tail === '/' ? 'a trailing slash' : tail[0] === '/' ? `a path ('${tail}')` : tail[0] === '?' ? 'a query' : 'a fragment')
    rest = rest.slice(0, cut)
  }
  const at = rest.lastIndexOf('@')
  if (at !== -1) {
    problems.push('user info')
    rest = rest.slice(at + 1)
  }
  if (/[A-Z]/.test(value.slice(0, schemeEnd) + rest)) {
    problems.push('upper-case letters')
    rest = rest.toLowerCase()
  }
  const portMatch = /:(\d+)$/.exec(rest)
  if (portMatch !== null && DEFAULT_PORTS[scheme] === portMatch[1]) {
    problems.push(`the default port :${portMatch[1]} (browsers omit it)`)
    rest = rest.slice(0, portMatch.index)
  }
  const suggestion = `${scheme}://${rest}`
  if (problems.length === 0 || parseOriginSetting(suggestion).kind === 'invalid') {
    return {
      kind: 'invalid',
      why: 'it is not a serialized origin (scheme://host[:port], lower case)',
      fix: "write it as a browser sends it in the Origin header, e.g. 'https://app.example.com' or 'http://localhost:3000'"
    }
  }
  return { kind: 'invalid', why: `a browser never sends an Origin with ${problems.join(' and ')}`, fix: `use '${suggestion}'` }
}

/** Decides whether an origin that is not matched exactly is allowed. */
export interface OriginMatcher {
  /** Fast path: exact configured origins, checked before any validation (they were validated at startup). */
  readonly exact: ReadonlySet<string>
  allows (origin: string): boolean
}

export interface MatcherParts {
  exact: string[]
  patterns: Array<Extract<OriginSetting, { kind: 'pattern' }>>
  regexps: RegExp[]
  any: boolean
}

export function buildMatcher (parts: MatcherParts): OriginMatcher {
  const exact = new Set(parts.exact)
  const patterns = new Set(parts.patterns.map(p => p.pattern))
  const hasPatterns = patterns.size > 0
  // A RegExp with g or y keeps state between calls (lastIndex): strip them.
  const regexps = parts.regexps.map(r => new RegExp(`^(?:${r.source.slice(1, -1)})$`, r.flags.replace(/[gy]/g, '')))
  const any = parts.any
  // Only exact origins: a Set lookup says it all (a configured origin is valid by construction).
  if (!any && !hasPatterns && regexps.length === 0) return { exact, allows: (origin: string) => exact.has(origin) }
  return {
    exact,
    allows (origin: string): boolean {
      if (exact.has(origin)) return true
      if (!isSerializedOrigin(origin)) return false
      if (any) return true
      if (hasPatterns && matchesPattern(patterns, origin)) return true
      for (let i = 0; i < regexps.length; i++) {
        if (regexps[i].test(origin)) return true
      }
      return false
    }
  }
}

// Looks the origin up under each of its candidate pattern spellings: cost grows
// with the number of labels in the host, not with the number of patterns.
function matchesPattern (patterns: ReadonlySet<string>, origin: string): boolean {
  const hostStart = origin.indexOf('://') + 3
  const prefix = origin.slice(0, hostStart)
  const portStart = origin.indexOf(':', origin[hostStart] === '[' ? origin.indexOf(']', hostStart) : hostStart)
  const host = portStart === -1 ? origin.slice(hostStart) : origin.slice(hostStart, portStart)
  const port = portStart === -1 ? '' : origin.slice(portStart)
  if (patterns.has(prefix + host + ':*')) return true
  for (let dot = host.indexOf('.', 1); dot !== -1; dot = host.indexOf('.', dot + 1)) {
    const wildcard = prefix + '*' + host.slice(dot)
    if (patterns.has(wildcard + port) || patterns.has(wildcard + ':*')) return true
  }
  return false
}
