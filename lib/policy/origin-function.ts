// Calling a user's origin function, in every form that @fastify/cors and
// `cors` (Express) document: `(origin, callback)` calling back synchronously
// or later, a returned value, a returned Promise. The request is the third
// argument and `this` the Fastify instance. Whatever the function does —
// throws, rejects, never answers, answers twice, answers any JavaScript value
// (a BigInt, a Symbol, a circular object, a Proxy whose traps throw, a
// thenable whose `then` throws) — the request gets exactly one verdict, in
// bounded time, and the process never crashes: every read of what the function
// handed back happens inside a try, and nothing of it reaches the logger raw.
import type { FastifyRequest } from 'fastify'
import { types } from 'node:util'
import { isSerializedOrigin } from '../spec/origin.js'
import { show } from '../config/show-value.js'
import type { OriginCallback, OriginFunctionType } from '../config/schema.js'
import { shouldLogAsError, errorDetail } from './origin-function-log.js'

export interface OriginFunctionRule {
  readonly kind: 'function'
  readonly decide: OriginFunctionType
  /** Milliseconds the function has to answer (return, resolve or call back) before the origin is refused. */
  readonly timeout: number
}

type Verdict = string | undefined

const CALLBACK_ERROR = 'CORS origin function called back with an error; refusing the origin. ' +
  "To refuse an origin, call back cb(null, false): @fastify/cors's cb(new Error('Not allowed'), false) reads here as the function failing"

/**
 * Returns the Access-Control-Allow-Origin value or undefined (refused),
 * synchronously when the function answered synchronously, else a Promise that
 * always resolves (never rejects).
 */
export function callOriginFunction (rule: OriginFunctionRule, origin: string, request: FastifyRequest): Verdict | Promise<Verdict> {
  // The function never sees a value that is not a serialized origin.
  if (!isSerializedOrigin(origin)) return undefined
  const call = new OriginCall(rule.decide, origin, request)
  let returned: unknown
  let waitsForCallback: boolean
  let then: unknown
  try {
    // A function that takes the callback (its second parameter) may return undefined and call back later.
    waitsForCallback = rule.decide.length >= 2
    returned = Reflect.apply(rule.decide, request.server, [origin, call.callback, request])
    // Read once: a getter could answer differently the second time.
    if ((typeof returned === 'object' && returned !== null) || typeof returned === 'function') then = (returned as { then?: unknown }).then
  } catch (error) {
    call.complain(error, 'CORS origin function threw; refusing the origin')
    return call.finish(undefined)
  }
  if (typeof then === 'function') {
    // A Promise or any thenable: its `then` may throw, call back twice or never; the Promise built here absorbs all three.
    const thenable = returned
    new Promise<unknown>((resolve, reject) => { Reflect.apply(then as () => void, thenable, [resolve, reject]) }).then(value => {
      // An async function that answers through its callback resolves to undefined: wait for the callback.
      if (value === undefined && waitsForCallback) return
      call.answer(call.judge(value))
    }, error => {
      call.complain(error, 'CORS origin function rejected; refusing the origin')
      call.answer(undefined)
    })
  } else if (returned !== undefined || !waitsForCallback) {
    // A value (undefined from a function without a callback parameter reads as false).
    call.answer(call.judge(returned))
  }
  return call.settle(rule.timeout)
}

/**
 * Whether `origin` is in `answer`, when `answer` is a list of origin strings (`cors` (Express) documents
 * calling back with the list of allowed origins, loaded from a database); undefined when it is no such list.
 */
function listIncludes (answer: unknown, origin: string): boolean | undefined {
  // A Proxy of an array passes Array.isArray, and a revoked one throws there.
  if (types.isProxy(answer) || !Array.isArray(answer)) return undefined
  let found = false
  // Each item read once, with no method of Array.prototype (which the app may have patched).
  for (let i = 0, length = answer.length; i < length; i++) {
    const item: unknown = answer[i]
    if (typeof item !== 'string') return undefined
    if (item === origin) found = true
  }
  return found
}

class OriginCall {
  readonly decide: OriginFunctionType
  readonly origin: string
  readonly request: FastifyRequest
  /** While the function runs, answers are collected; afterwards they resolve the pending Promise. */
  private synchronous = true
  private answered = false
  private verdict: Verdict
  private calls = 0
  private complained = false
  private resolve: ((verdict: Verdict) => void) | undefined
  private timer: NodeJS.Timeout | undefined

  constructor (decide: OriginFunctionType, origin: string, request: FastifyRequest) {
    this.decide = decide
    this.origin = origin
    this.request = request
  }

  readonly callback: OriginCallback = (error, allow) => {
    this.calls++
    if (this.calls > 1) {
      this.complain(undefined, 'CORS origin function called its callback more than once; refusing the origin (later calls are ignored)')
      // Within the synchronous call nothing was sent yet: the answer becomes a refusal.
      if (this.synchronous) this.verdict = undefined
      return
    }
    if (error !== null && error !== undefined) {
      this.complain(error, CALLBACK_ERROR)
      return this.answer(undefined)
    }
    this.answer(this.judge(allow))
  }

  /** Turns what the function answered into a header value. */
  judge (allow: unknown): Verdict {
    if (allow === true) return this.origin
    if (allow === false || allow === undefined || allow === null) return undefined
    if (typeof allow === 'string') {
      if (isSerializedOrigin(allow)) return allow
      this.complainOfAnswer('a string that is not a serialized origin')
      return undefined
    }
    let listed: boolean | undefined
    try {
      listed = listIncludes(allow, this.origin)
    } catch {
      // An array whose items are getters that throw: as unusable as any other answer below.
    }
    if (listed !== undefined) return listed ? this.origin : undefined
    this.complainOfAnswer(show(allow))
    return undefined
  }

  private complainOfAnswer (what: string): void {
    this.complain(undefined, `CORS origin function answered ${what}; ` +
      'answer true, false, an origin such as \'https://app.example.com\' or a list of origins; refusing the origin', 'origin-function-invalid')
  }

  /** The first answer counts. */
  answer (verdict: Verdict): void {
    if (this.answered) return
    this.answered = true
    this.verdict = verdict
    if (this.resolve !== undefined) this.finish(verdict)
  }

  /**
   * Logs the function's first misbehaviour of this request: at error level the first time this function
   * fails with this message, at debug after, so that no client can flood the error log.
   */
  complain (error: unknown, message: string, reason = 'origin-function-error'): void {
    if (this.complained) return
    this.complained = true
    const err = error === undefined ? undefined : errorDetail(error)
    const level = shouldLogAsError(this.decide, `${err?.message ?? ''}\n${reason}: ${message}`) ? 'error' : 'debug'
    try {
      this.request.log[level]({ err, corsReason: reason, origin: this.origin }, message)
    } catch {
      // A logger that throws (a custom stream, a serializer) must not turn a refusal into a crash.
    }
  }

  finish (verdict: Verdict): Verdict {
    this.answered = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    const resolve = this.resolve
    this.resolve = undefined
    resolve?.(verdict)
    return verdict
  }

  /** After the synchronous call: the answer if there is one, else a Promise bounded by the timeout. */
  settle (timeout: number): Verdict | Promise<Verdict> {
    this.synchronous = false
    if (this.answered) return this.verdict
    return new Promise<Verdict>(resolve => {
      this.resolve = resolve
      this.timer = setTimeout(() => {
        this.complain(undefined, `CORS origin function did not answer within ${timeout} ms (originFunctionTimeout); refusing the origin`)
        this.finish(undefined)
      }, timeout)
    })
  }
}
