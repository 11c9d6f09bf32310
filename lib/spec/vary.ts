// Vary is a list (RFC 9110 §12.5.5): merge our names into whatever the app or
// another plugin set, without duplicates; '*' already varies on everything.
import type { FastifyReply } from 'fastify'

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

/** Adds `names` to the reply's Vary header; `joined` is names.join(', '), precomputed by the caller. */
export function addVary (reply: FastifyReply, names: readonly string[], joined: string): void {
  const current = reply.getHeader('vary')
  if (current === undefined) {
    reply.header('vary', joined)
  } else {
    const text = Array.isArray(current) ? current.join(', ') : String(current)
    if (text !== joined) reply.header('vary', mergeVary(text, names))
  }
}

const ORIGIN = ['Origin']

/** Vary: Origin, for every response of a policy whose answer depends on the request's origin. */
export function addVaryOrigin (reply: FastifyReply): void {
  addVary(reply, ORIGIN, 'Origin')
}
