// Compiles resolved options into a Policy: every header value joined, every
// lookup structure built, the origin decision made a closure, once. Requests
// only read a Policy and call its closures.
import type { FastifyRequest } from 'fastify'
import { compileOriginList } from './origin-matcher.js'
import type { OriginOption, ResolvedOptions } from '../config/options.js'
import { callOriginFunction } from './origin-function.js'
import { addedScriptOnlyHeaders } from '../spec/request-classification.js'
import { compileHeaderCheck, type HeaderRule, type HeaderVerdict } from './requested-headers.js'

/**
 * The origin decision: the Access-Control-Allow-Origin value to send, or
 * undefined when the origin is refused; a Promise only for an async origin function.
 */
export type AllowOrigin = (origin: string, request: FastifyRequest) => string | undefined | Promise<string | undefined>

type Headers = ReadonlyArray<readonly [string, string]>

/**
 * The headers that let a page read a response, besides Access-Control-Allow-Origin,
 * as a granted answer carries them: what the plugin's guard on replies keeps
 * whatever a handler or an upstream set (request/answer.ts).
 */
export interface ReadGrant {
  /** Access-Control-Allow-Credentials: 'true', or undefined. */
  readonly credentials: string | undefined
  /** Access-Control-Expose-Headers, or undefined. */
  readonly expose: string | undefined
}

export interface Policy {
  /** undefined: CORS is off. */
  readonly allow: AllowOrigin | undefined
  readonly credentials: boolean
  /** Whether every answer depends on the request's Origin, so every response must say Vary: Origin. */
  readonly varyOnOrigin: boolean
  /**
   * With '*' or one exact origin (the same answer for every origin), whether a
   * request that needs a preflight may still be refused for its origin (the
   * actual-request check): those responses depend on the Origin.
   */
  readonly mayRefusePreflighted: boolean
  /** What a granted actual response carries besides Access-Control-Allow-Origin. */
  readonly actualGrant: ReadGrant
  /** What a granted preflight carries besides Access-Control-Allow-Origin (never exposed headers). */
  readonly preflightGrant: ReadGrant
  /** Headers of an allowed actual response other than Access-Control-Allow-Origin. */
  readonly actualHeaders: Headers
  /**
   * Headers of an actual response whose origin is not granted (refused, or no
   * Origin): with '*' or one exact origin, the same answer as a granted one
   * (Access-Control-Allow-Origin included), so that it need not vary; else none.
   */
  readonly ungrantedHeaders: Headers
  /** With '*' or one exact origin: the Access-Control-Allow-Origin of every actual response; else undefined. */
  readonly fixedOrigin: string | undefined
  /** Headers of a successful preflight other than -Allow-Origin, -Methods and -Headers. */
  readonly preflightHeaders: Headers
  /** undefined: the method the route answers. */
  readonly methods: ReadonlySet<string> | undefined
  /** The answer to a preflight's Access-Control-Request-Headers: allowedHeaders or, without it, the requested ones (requested-headers.ts). */
  readonly allowHeaders: (requested: string | undefined) => HeaderVerdict
  readonly successStatus: number
  readonly preflight: boolean
  readonly preflightContinue: boolean
  readonly rejectDisallowed: boolean
  /** Refuse a cross-origin request that needed a preflight when this policy refuses its origin or method. */
  readonly checkActualRequests: boolean
  /** The request headers besides the built-in ones (SCRIPT_ONLY_HEADERS) that make a request preflight-only: allowedHeaders' (lower-case). */
  readonly addedScriptOnlyHeaders: readonly string[]
  readonly allowPrivateNetwork: boolean
  readonly debug: boolean
}

/** The origin decision, and the one Access-Control-Allow-Origin value every response gets, if there is one. */
function compileOrigin (option: OriginOption): { allow: AllowOrigin | undefined, fixed: string | undefined } {
  switch (option.kind) {
    case 'off': return { allow: undefined, fixed: undefined }
    case 'any': return { allow: () => '*', fixed: '*' }
    case 'single': {
      const only = option.origin
      return { allow: (origin) => origin === only ? only : undefined, fixed: only }
    }
    case 'list': {
      const listed = compileOriginList(option.list)
      return { allow: (origin) => listed(origin) ? origin : undefined, fixed: undefined }
    }
    case 'function': {
      const rule = { kind: 'function', decide: option.decide, timeout: option.timeout } as const
      return { allow: (origin, request) => callOriginFunction(rule, origin, request), fixed: undefined }
    }
  }
}

export function compilePolicy (options: ResolvedOptions): Policy {
  const { allow, fixed } = compileOrigin(options.origin)
  const credentials: Array<[string, string]> = options.credentials ? [['access-control-allow-credentials', 'true']] : []
  const actualHeaders = [...credentials]
  const expose = options.exposedHeaders.length > 0 ? options.exposedHeaders.join(', ') : undefined
  if (expose !== undefined) actualHeaders.push(['access-control-expose-headers', expose])
  const allowCredentials = options.credentials ? 'true' : undefined
  const preflightHeaders = [...credentials]
  if (options.maxAge !== undefined) preflightHeaders.push(['access-control-max-age', String(options.maxAge)])
  if (options.cacheControl !== undefined) preflightHeaders.push(['cache-control', options.cacheControl])

  const allowed = options.allowedHeaders
  const headers: HeaderRule = allowed === undefined
    ? { kind: 'reflect' }
    : { kind: 'list', any: allowed.any, names: new Set(allowed.names), value: (allowed.any ? ['*', ...allowed.names] : allowed.names).join(', ') }

  // A static '*' or single origin is the same for every request, unless a
  // refusal (rejectDisallowed) makes the status depend on the Origin.
  const varyOnOrigin = allow !== undefined && (fixed === undefined || (options.rejectDisallowed && fixed !== '*'))
  const methods = options.methods === undefined || options.methods.includes('*') ? undefined : new Set(options.methods)
  return {
    allow,
    credentials: options.credentials,
    varyOnOrigin,
    // One exact origin refuses the others; '*' refuses only a method outside `methods`, and only cross-origin.
    mayRefusePreflighted: allow !== undefined && options.checkActualRequests && (fixed !== '*' || methods !== undefined),
    actualGrant: Object.freeze({ credentials: allowCredentials, expose }),
    preflightGrant: Object.freeze({ credentials: allowCredentials, expose: undefined }),
    actualHeaders,
    ungrantedHeaders: fixed === undefined ? [] : [['access-control-allow-origin', fixed], ...actualHeaders],
    fixedOrigin: fixed,
    preflightHeaders,
    // '*' (allowed without credentials) lets any method the route answers through.
    methods,
    allowHeaders: compileHeaderCheck(headers),
    successStatus: options.optionsSuccessStatus,
    preflight: options.preflight,
    preflightContinue: options.preflightContinue,
    rejectDisallowed: options.rejectDisallowed,
    checkActualRequests: options.checkActualRequests,
    addedScriptOnlyHeaders: addedScriptOnlyHeaders(allowed?.names ?? []),
    allowPrivateNetwork: options.allowPrivateNetwork,
    debug: options.debug
  }
}
