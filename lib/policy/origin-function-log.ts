// What an origin function's failures leave in the log, bounded: the requests
// that trigger them come from any client, so a function that fails on every
// request (or refuses the @fastify/cors way, with an error) must not write one
// error-level line per request. Each distinct message is logged at error level
// once per origin function, then at debug; the memory of messages is capped.
import { types } from 'node:util'
import { show } from '../config/show-value.js'

/** Distinct messages remembered per function; past that, new ones go to debug too. */
const MAX_MESSAGES = 100
/** Characters of an error's message kept: a message built from the request is still bounded. */
const MAX_MESSAGE_LENGTH = 200
const MAX_STACK_LENGTH = 4000

// Keyed by the function, so that it is forgotten with it (a registration's and its routes' policies share it).
const logged = new WeakMap<object, Set<string>>()

/** True the first time `fn` fails with `message` (while fewer than MAX_MESSAGES are remembered); `message` is bounded by its caller. */
export function shouldLogAsError (fn: object, message: string): boolean {
  let seen = logged.get(fn)
  if (seen === undefined) {
    seen = new Set()
    logged.set(fn, seen)
  }
  if (seen.has(message) || seen.size >= MAX_MESSAGES) return false
  seen.add(message)
  return true
}

export interface ErrorDetail { name: string, message: string, stack?: string }

/**
 * What the logger gets instead of the thrown or rejected value itself: plain strings, read once each inside a
 * try. A serializer handed the value would read its getters (which may throw) and walk it (it may be circular).
 */
export function errorDetail (error: unknown): ErrorDetail {
  // (A Proxy is never a native error: its traps are never run here.)
  // Without a prototype, so that pino's error serializer takes `name` for the type instead of the constructor's name.
  const detail: ErrorDetail = Object.create(null)
  if (!types.isNativeError(error)) return Object.assign(detail, { name: typeof error, message: show(error) })
  detail.name = 'Error'
  detail.message = ''
  try {
    detail.name = String((error as Error).name).slice(0, MAX_MESSAGE_LENGTH)
    detail.message = String((error as Error).message).slice(0, MAX_MESSAGE_LENGTH)
    const stack: unknown = (error as Error).stack
    if (typeof stack === 'string') detail.stack = stack.slice(0, MAX_STACK_LENGTH)
  } catch {
    detail.message ||= 'an Error whose properties cannot be read'
  }
  return detail
}
