// An origin list (exact origins, patterns, RegExps) compiled into one test,
// "is this origin on the list?", that never scans the list.
import { MAX_ORIGIN_LENGTH, isSerializedOrigin, rememberingLast } from '../spec/origin.js'
import type { OriginList } from '../config/origin-rules.js'
import { wholeOriginRegExp } from '../config/regexp-safety.js'
import { publicSuffixOf } from '../config/public-suffix.js'

export type OriginTest = (origin: string) => boolean

type Pattern = OriginList['patterns'][number]

/** Patterns as a lookup reads them. */
interface PatternIndex {
  readonly keys: ReadonlySet<string>
  /**
   * 1 at n when some '*.domain' pattern's '.domain' is n characters long: a
   * host suffix of another length cannot match one, and is not looked up.
   */
  readonly suffixLengths: Uint8Array
  /** Whether some pattern has a ':*' port. */
  readonly anyPort: boolean
}

function indexPatterns (patterns: readonly Pattern[]): PatternIndex {
  const suffixLengths = new Uint8Array(MAX_ORIGIN_LENGTH + 1)
  for (const pattern of patterns) if (pattern.subdomains) suffixLengths[pattern.host.length + 1] = 1
  return { keys: new Set(patterns.map(p => p.pattern)), suffixLengths, anyPort: patterns.some(p => p.anyPort) }
}

export function compileOriginList (parts: OriginList): OriginTest {
  const exact = new Set(parts.exact)
  // A pattern with public suffixes beneath its domain ('*.amazonaws.com') is
  // looked up in its own set and each match checked against the list; every
  // other pattern costs nothing more.
  const patterns = indexPatterns(parts.patterns.filter(p => !p.withinSuffixes))
  const guarded = indexPatterns(parts.patterns.filter(p => p.withinSuffixes))
  const hasPatterns = patterns.keys.size > 0
  const hasGuarded = guarded.keys.size > 0
  // A RegExp with g or y keeps state between calls (lastIndex): strip them.
  const regexps = parts.regexps.map(wholeOriginRegExp)
  const any = parts.any
  // Only exact origins: a Set lookup says it all (a configured origin is valid by construction).
  if (!any && !hasPatterns && !hasGuarded && regexps.length === 0) return (origin) => exact.has(origin)
  // Exact origins first, before any validation: they were validated at startup.
  if (any) return (origin) => exact.has(origin) || isSerializedOrigin(origin)
  const matches = (origin: string): boolean => {
    if (!isSerializedOrigin(origin)) return false
    if (hasPatterns && matchesPattern(patterns, origin) !== -1) return true
    if (hasGuarded && matchesWithinSuffixes(guarded, origin)) return true
    for (let i = 0; i < regexps.length; i++) {
      if (regexps[i].test(origin)) return true
    }
    return false
  }
  // A repeat costs one comparison instead of a validation and a pattern lookup.
  const remembered = rememberingLast(matches)
  return (origin) => exact.has(origin) || remembered(origin)
}

// Looks the origin up under each of its candidate pattern spellings: cost grows
// with the number of labels in the host, not with the number of patterns, and
// only the spellings whose domain has the length of some pattern's are built.
// Returns the length of the host part the wildcard stood for (0 for a ':*'
// pattern without one), or -1.
function matchesPattern (patterns: PatternIndex, origin: string): number {
  const hostStart = origin.indexOf('://') + 3
  const portStart = origin.indexOf(':', origin[hostStart] === '[' ? origin.indexOf(']', hostStart) : hostStart)
  const hostEnd = portStart === -1 ? origin.length : portStart
  if (patterns.anyPort && patterns.keys.has(origin.slice(0, hostEnd) + ':*')) return 0
  for (let dot = origin.indexOf('.', hostStart + 1); dot !== -1 && dot < hostEnd; dot = origin.indexOf('.', dot + 1)) {
    if (patterns.suffixLengths[hostEnd - dot] !== 1) continue
    const wildcard = origin.slice(0, hostStart) + '*' + origin.slice(dot, hostEnd)
    if (patterns.keys.has(portStart === -1 ? wildcard : wildcard + origin.slice(portStart))) return dot - hostStart
    if (patterns.anyPort && patterns.keys.has(wildcard + ':*')) return dot - hostStart
  }
  return -1
}

// A wildcard never crosses a public-suffix boundary: the labels it stands for
// must lie above the host's public suffix, which must then fit in the
// pattern's own domain ('*.amazonaws.com' never grants 'x.s3.amazonaws.com').
function matchesWithinSuffixes (patterns: PatternIndex, origin: string): boolean {
  const wildcardEnd = matchesPattern(patterns, origin)
  if (wildcardEnd === -1) return false
  const hostStart = origin.indexOf('://') + 3
  const portStart = origin.indexOf(':', hostStart)
  const host = portStart === -1 ? origin.slice(hostStart) : origin.slice(hostStart, portStart)
  return publicSuffixOf(host).length < host.length - wildcardEnd
}
