// How a value appears in an error message or a log line: short, one line, and
// never an exception. The values come from users (options, what an origin
// function answered), so they can be anything JavaScript has: a BigInt or a
// circular object (JSON.stringify throws on both), a Proxy whose traps throw, a
// getter that throws, a megabyte string. Describing one must not crash the
// process that is refusing it, nor cost more than a few property reads.
import { types } from 'node:util'

const MAX_LENGTH = 60
/** Properties or items shown per object or array: enough to recognise it, bounded whatever its size. */
const MAX_ENTRIES = 8
/** Nesting shown; deeper values (and so every cycle) print as `{…}` or `[…]`. */
const MAX_DEPTH = 2

/** A value as it appears in an error message: at most 60 characters, one line, whatever the value. */
export function show (value: unknown): string {
  let text: string
  try {
    text = describe(value, 0)
  } catch {
    // A getter or a trap threw while we looked: say what kind of value it is, which typeof tells without running anything.
    text = `an unreadable ${typeof value}`
  }
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 3)}...` : text
}

function describe (value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string': return JSON.stringify(value.length > MAX_LENGTH ? value.slice(0, MAX_LENGTH) : value)
    case 'number': return Object.is(value, -0) ? '-0' : String(value)
    case 'bigint': return `${value}n`
    case 'symbol': return `Symbol(${value.description ?? ''})`
    case 'function': return 'a function'
    case 'boolean':
    case 'undefined': return String(value)
  }
  if (value === null) return 'null'
  // Before anything reads it: a Proxy runs its traps on every look, and a revoked one throws on all of them.
  if (types.isProxy(value)) return 'a Proxy'
  if (types.isRegExp(value)) return RegExp.prototype.toString.call(value)
  if (types.isNativeError(value)) {
    const name: unknown = (value as Error).name
    return `${typeof name === 'string' ? name.slice(0, MAX_LENGTH) : 'Error'}: ${describe((value as Error).message, MAX_DEPTH)}`
  }
  if (types.isPromise(value)) return 'a Promise'
  const array = Array.isArray(value)
  if (depth >= MAX_DEPTH) return array ? '[…]' : '{…}'
  const keys = array ? [] : Object.keys(value as object)
  const count = array ? (value as unknown[]).length : keys.length
  const parts: string[] = []
  for (let i = 0; i < Math.min(count, MAX_ENTRIES); i++) {
    if (array) {
      parts.push(describe((value as unknown[])[i], depth + 1))
    } else {
      parts.push(`${describe(keys[i], MAX_DEPTH)}:${describe((value as Record<string, unknown>)[keys[i]], depth + 1)}`)
    }
  }
  if (count > MAX_ENTRIES) parts.push('…')
  return array ? `[${parts.join(',')}]` : `{${parts.join(',')}}`
}
