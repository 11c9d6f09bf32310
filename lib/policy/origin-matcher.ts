// An origin list (exact origins, patterns, RegExps) compiled into one test,
// "is this origin on the list?", that never scans the list.
import { isSerializedOrigin } from '../spec/origin.js'
import type { OriginList } from '../config/origin-rules.js'
import { wholeOriginRegExp } from '../config/regexp-safety.js'
import { publicSuffixOf } from '../config/public-suffix.js'

export type OriginTest = (origin: string) => boolean

export function compileOriginList (parts: OriginList): OriginTest {
  const exact = new Set(parts.exact)
  // A pattern with public suffixes beneath its domain ('*.amazonaws.com') is
  // looked up in its own set and each match checked against the list; every
  // other pattern costs nothing more.
  const patterns = new Set(parts.patterns.filter(p => !p.withinSuffixes).map(p => p.pattern))
  const guarded = new Set(parts.patterns.filter(p => p.withinSuffixes).map(p => p.pattern))
  const hasPatterns = patterns.size > 0
  const hasGuarded = guarded.size > 0
  // A RegExp with g or y keeps state between calls (lastIndex): strip them.
  const regexps = parts.regexps.map(wholeOriginRegExp)
  const any = parts.any
  // Only exact origins: a Set lookup says it all (a configured origin is valid by construction).
  if (!any && !hasPatterns && !hasGuarded && regexps.length === 0) return (origin) => exact.has(origin)
  // Exact origins first, before any validation: they were validated at startup.
  if (any) return (origin) => exact.has(origin) || isSerializedOrigin(origin)
  return (origin) => {
    if (exact.has(origin)) return true
    if (!isSerializedOrigin(origin)) return false
    if (hasPatterns && matchesPattern(patterns, origin) !== -1) return true
    if (hasGuarded && matchesWithinSuffixes(guarded, origin)) return true
    for (let i = 0; i < regexps.length; i++) {
      if (regexps[i].test(origin)) return true
    }
    return false
  }
}

// Looks the origin up under each of its candidate pattern spellings: cost grows
// with the number of labels in the host, not with the number of patterns.
// Returns the length of the host part the wildcard stood for (0 for a ':*'
// pattern without one), or -1.
function matchesPattern (patterns: ReadonlySet<string>, origin: string): number {
  const hostStart = origin.indexOf('://') + 3
  const prefix = origin.slice(0, hostStart)
  const portStart = origin.indexOf(':', origin[hostStart] === '[' ? origin.indexOf(']', hostStart) : hostStart)
  const host = portStart === -1 ? origin.slice(hostStart) : origin.slice(hostStart, portStart)
  const port = portStart === -1 ? '' : origin.slice(portStart)
  if (patterns.has(prefix + host + ':*')) return 0
  for (let dot = host.indexOf('.', 1); dot !== -1; dot = host.indexOf('.', dot + 1)) {
    const wildcard = prefix + '*' + host.slice(dot)
    if (patterns.has(wildcard + port) || patterns.has(wildcard + ':*')) return dot
  }
  return -1
}

// A wildcard never crosses a public-suffix boundary: the labels it stands for
// must lie above the host's public suffix, which must then fit in the
// pattern's own domain ('*.amazonaws.com' never grants 'x.s3.amazonaws.com').
function matchesWithinSuffixes (patterns: ReadonlySet<string>, origin: string): boolean {
  const wildcardEnd = matchesPattern(patterns, origin)
  if (wildcardEnd === -1) return false
  const hostStart = origin.indexOf('://') + 3
  const portStart = origin.indexOf(':', hostStart)
  const host = portStart === -1 ? origin.slice(hostStart) : origin.slice(hostStart, portStart)
  return publicSuffixOf(host).length < host.length - wildcardEnd
}
