// Compiles resolved options into a Policy: every header value joined, every
// lookup structure built, the origin decision made a closure, once. Requests
// only read a Policy and call its closures.
import type { FastifyRequest } from 'fastify'
import { compileOriginList } from './origin-matcher.js'
import type { OriginOption, ResolvedOptions } from '../config/options.js'
import { callOriginFunction } from './origin-function.js'
import { scriptOnlyHeaders } from '../spec/request-classification.js'

/**
 * The origin decision: the Access-Control-Allow-Origin value to send, or
 * undefined when the origin is refused; a Promise only for an async origin function.
 */
export type AllowOrigin = (origin: string, request: FastifyRequest) => string | undefined | Promise<string | undefined>

export type HeaderRule =
  | { kind: 'reflect' }
  | { kind: 'list', any: boolean, names: ReadonlySet<string>, value: string }

type Headers = ReadonlyArray<readonly [string, string]>

export interface Policy {
  /** undefined: CORS is off. */
  readonly allow: AllowOrigin | undefined
  readonly credentials: boolean
  /** Whether the answer depends on the request's Origin, so every response must say Vary: Origin. */
  readonly varyOnOrigin: boolean
  /** Headers of an allowed actual response other than Access-Control-Allow-Origin. */
  readonly actualHeaders: Headers
  /**
   * Headers of an actual response whose origin is not granted (refused, or no
   * Origin): with '*' or one exact origin, the same answer as a granted one
   * (Access-Control-Allow-Origin included), so that it need not vary; else none.
   */
  readonly ungrantedHeaders: Headers
  /** Headers of a successful preflight other than -Allow-Origin, -Methods and -Headers. */
  readonly preflightHeaders: Headers
  /** undefined: the method the route answers. */
  readonly methods: ReadonlySet<string> | undefined
  readonly headers: HeaderRule
  /** Vary on preflight answers: Origin when the answer depends on it, and the request headers when they are reflected. */
  readonly preflightVary: readonly string[]
  readonly preflightVaryValue: string
  readonly successStatus: number
  readonly preflight: boolean
  readonly preflightContinue: boolean
  readonly rejectDisallowed: boolean
  /** Refuse a cross-origin request that needed a preflight when this policy refuses its origin or method. */
  readonly checkActualRequests: boolean
  /** The request headers that make a request preflight-only (lower-case): the built-in ones and allowedHeaders'. */
  readonly scriptOnlyHeaders: readonly string[]
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
  if (options.exposedHeaders.length > 0) actualHeaders.push(['access-control-expose-headers', options.exposedHeaders.join(', ')])
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
  const preflightVary = [...(varyOnOrigin ? ['Origin'] : []), ...(headers.kind === 'reflect' ? ['Access-Control-Request-Headers'] : [])]
  return {
    allow,
    credentials: options.credentials,
    varyOnOrigin,
    preflightVary,
    preflightVaryValue: preflightVary.join(', '),
    actualHeaders,
    ungrantedHeaders: fixed === undefined ? [] : [['access-control-allow-origin', fixed], ...actualHeaders],
    preflightHeaders,
    // '*' (allowed without credentials) lets any method the route answers through.
    methods: options.methods === undefined || options.methods.includes('*') ? undefined : new Set(options.methods),
    headers,
    successStatus: options.optionsSuccessStatus,
    preflight: options.preflight,
    preflightContinue: options.preflightContinue,
    rejectDisallowed: options.rejectDisallowed,
    checkActualRequests: options.checkActualRequests,
    scriptOnlyHeaders: scriptOnlyHeaders(allowed?.names ?? []),
    allowPrivateNetwork: options.allowPrivateNetwork,
    debug: options.debug
  }
}
