// Calling a user's origin function, in every form that @fastify/cors and
// `cors` (Express) document: `(origin, callback)` calling back synchronously
// or later, a returned value, a returned Promise. The request is the third
// argument and `this` the Fastify instance. Whatever the function does —
// throws, rejects, never answers, answers twice — the request gets exactly one
// verdict, in bounded time, and the process never crashes.
import type { FastifyRequest } from 'fastify'
import { isSerializedOrigin } from '../spec/origin.js'
import { show } from '../config/shape.js'
import type { OriginCallback, OriginFunctionType } from '../config/schema.js'

export interface OriginFunctionRule {
  readonly kind: 'function'
  readonly decide: OriginFunctionType
  /** Milliseconds the function has to answer (return, resolve or call back) before the origin is refused. */
  readonly timeout: number
}

type Verdict = string | undefined

/**
 * Returns the Access-Control-Allow-Origin value or undefined (refused),
 * synchronously when the function answered synchronously, else a Promise that
 * always resolves (never rejects).
 */
export function callOriginFunction (rule: OriginFunctionRule, origin: string, request: FastifyRequest): Verdict | Promise<Verdict> {
  // The function never sees a value that is not a serialized origin.
  if (!isSerializedOrigin(origin)) return undefined
  const call = new OriginCall(origin, request)
  let returned: unknown
  try {
    returned = rule.decide.call(request.server, origin, call.callback, request)
  } catch (error) {
    call.complain(error, 'CORS origin function threw; refusing the origin')
    return call.finish(undefined)
  }
  if (isThenable(returned)) {
    Promise.resolve(returned).then(value => {
      // An async function that answers through its callback resolves to undefined: wait for the callback.
      if (value === undefined && declaresCallback(rule.decide)) return
      call.answer(call.judge(value))
    }, error => {
      call.complain(error, 'CORS origin function rejected; refusing the origin')
      call.answer(undefined)
    })
  } else if (returned !== undefined || !declaresCallback(rule.decide)) {
    // A value (undefined from a function without a callback parameter reads as false).
    call.answer(call.judge(returned))
  }
  return call.settle(rule.timeout)
}

function isThenable (value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function'
}

/** Whether the function takes the callback (its second parameter): then a plain `undefined` return means "I will call back". */
function declaresCallback (decide: OriginFunctionType): boolean {
  return decide.length >= 2
}

class OriginCall {
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

  constructor (origin: string, request: FastifyRequest) {
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
      this.complain(error, 'CORS origin function called back with an error; refusing the origin')
      return this.answer(undefined)
    }
    this.answer(this.judge(allow))
  }

  /** Turns what the function answered into a header value. */
  judge (allow: unknown): Verdict {
    if (allow === true) return this.origin
    if (allow === false || allow === undefined || allow === null) return undefined
    if (typeof allow === 'string' && isSerializedOrigin(allow)) return allow
    // `cors` (Express) documents calling back with the list of allowed origins, loaded from a database.
    if (Array.isArray(allow) && allow.every(item => typeof item === 'string')) return allow.includes(this.origin) ? this.origin : undefined
    this.complain(undefined, `CORS origin function answered ${typeof allow === 'string' ? 'a string that is not a serialized origin' : show(allow)}; ` +
      'answer true, false, an origin such as \'https://app.example.com\' or a list of origins; refusing the origin', 'origin-function-invalid')
    return undefined
  }

  /** The first answer counts. */
  answer (verdict: Verdict): void {
    if (this.answered) return
    this.answered = true
    this.verdict = verdict
    if (this.resolve !== undefined) this.finish(verdict)
  }

  /** Logs the function's first misbehaviour of this request, once. */
  complain (error: unknown, message: string, reason = 'origin-function-error'): void {
    if (this.complained) return
    this.complained = true
    this.request.log.error({ err: error, corsReason: reason, origin: this.origin }, message)
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
