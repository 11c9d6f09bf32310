// Vary is a list (RFC 9110 §12.5.5): merge our names into whatever the app or
// another plugin set, without duplicates; '*' already varies on everything.
export function mergeVary (current: string, names: readonly string[]): string {
  const kept: string[] = []
  const present = new Set<string>()
  for (const part of current.split(',')) {
    const name = part.trim()
    const lower = name.toLowerCase()
    if (lower === '*') return '*'
    if (name.length > 0 && !present.has(lower)) {
      present.add(lower)
      kept.push(name)
    }
  }
  for (const name of names) {
    if (!present.has(name.toLowerCase())) kept.push(name)
  }
  return kept.join(', ')
}

/** Names for a Vary header, with their joined form computed once. */
export interface VaryNames {
  readonly names: readonly string[]
  readonly joined: string
}

export function varyNames (...names: string[]): VaryNames {
  return Object.freeze({ names: Object.freeze(names), joined: names.join(', ') })
}

/** The Origin alone: an actual request whose answer depends on where it comes from. */
export const VARY_ORIGIN = varyNames('Origin')
/**
 * A preflight's answer depends on all three (https://fetch.spec.whatwg.org/#cors-preflight-fetch):
 * the origin, the method it echoes in Access-Control-Allow-Methods and the headers it checks.
 */
export const VARY_PREFLIGHT = varyNames('Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers')
/** With Private Network Access allowed, the answer also depends on Access-Control-Request-Private-Network. */
export const VARY_PREFLIGHT_PRIVATE = varyNames('Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers', 'Access-Control-Request-Private-Network')
/**
 * An OPTIONS request that is not a preflight would have been one with an Origin
 * and an Access-Control-Request-Method, and answered otherwise.
 */
export const VARY_OPTIONS = varyNames('Origin', 'Access-Control-Request-Method')
