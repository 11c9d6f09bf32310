// A policy's answer to a preflight's Access-Control-Request-Headers, compiled
// once per policy. The verdict depends on the list alone, and the preflights
// of one page repeat the same list: the last list and its verdict are kept, so
// that a repeat costs one string comparison instead of a parse.
import { parseHeaderList } from '../spec/tokens.js'

export type HeaderRule =
  | { kind: 'reflect' }
  | { kind: 'list', any: boolean, names: ReadonlySet<string>, value: string }

/** Why the requested headers are refused, and the requested names that are allowed (for debug answers). */
export interface HeaderRefusal {
  readonly reason: 'header-not-allowed' | 'malformed-headers' | 'too-many-headers' | 'headers-too-long'
  readonly granted: string | undefined
}

/** The Access-Control-Allow-Headers value to send (undefined: none), or why the requested headers are refused. */
export type HeaderVerdict = string | undefined | HeaderRefusal

const AUTHORIZATION = 'authorization'
const MALFORMED: Record<'too-long' | 'too-many' | 'malformed', HeaderRefusal> = {
  'too-long': { reason: 'headers-too-long', granted: undefined },
  'too-many': { reason: 'too-many-headers', granted: undefined },
  malformed: { reason: 'malformed-headers', granted: undefined }
}

function judge (rule: HeaderRule, requested: string): HeaderVerdict {
  const parsed = parseHeaderList(requested)
  if (!parsed.ok) return MALFORMED[parsed.reason]
  const names = parsed.names
  if (rule.kind === 'reflect') return names.length > 0 ? names.join(',') : undefined
  // Per the spec, '*' never covers Authorization: it must be listed by name.
  const allowed = (name: string): boolean => rule.names.has(name) || (rule.any && name !== AUTHORIZATION)
  if (names.every(allowed)) return rule.value
  return { reason: 'header-not-allowed', granted: names.filter(allowed).join(',') || undefined }
}

/** The verdict on a preflight's requested headers (undefined: it requested none). */
export function compileHeaderCheck (rule: HeaderRule): (requested: string | undefined) => HeaderVerdict {
  const none = rule.kind === 'list' ? rule.value : undefined
  let lastRequested: string | undefined
  let lastVerdict: HeaderVerdict
  return function allowHeaders (requested) {
    if (requested === undefined) return none
    if (requested !== lastRequested) {
      lastVerdict = judge(rule, requested)
      lastRequested = requested
    }
    return lastVerdict
  }
}
