// Compiles resolved options into a Policy: every header value joined, every
// lookup structure built, once. Requests only read a Policy.
import type { FastifyRequest } from 'fastify'
import { buildMatcher, type OriginMatcher } from './origin-matcher.js'
import type { OriginPolicy, ResolvedOptions } from '../config/options.js'
import { callOriginFunction, type OriginFunctionRule } from './origin-function.js'

export type OriginRule =
  /** '*' or one exact origin: the same Access-Control-Allow-Origin on every response, no Vary. */
  | { kind: 'static', value: string, allows: (origin: string) => boolean }
  | { kind: 'matcher', matcher: OriginMatcher }
  | OriginFunctionRule

export type HeaderRule =
  | { kind: 'reflect' }
  | { kind: 'list', any: boolean, names: ReadonlySet<string>, value: string }

export interface Policy {
  readonly origin: OriginRule | undefined // undefined: CORS is off
  readonly credentials: boolean
  /** Whether the answer depends on the request's Origin, so every response must say Vary: Origin. */
  readonly varyOnOrigin: boolean
  /** Headers of an allowed actual response other than Access-Control-Allow-Origin. */
  readonly actualHeaders: ReadonlyArray<readonly [string, string]>
  /** Headers of a successful preflight other than -Allow-Origin, -Methods and -Headers. */
  readonly preflightHeaders: ReadonlyArray<readonly [string, string]>
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
  readonly allowPrivateNetwork: boolean
  readonly debug: boolean
}

function compileOrigin (origin: OriginPolicy): OriginRule | undefined {
  switch (origin.kind) {
    case 'off': return undefined
    case 'any': return { kind: 'static', value: '*', allows: () => true }
    case 'single': return { kind: 'static', value: origin.origin, allows: (candidate) => candidate === origin.origin }
    case 'matcher': return { kind: 'matcher', matcher: buildMatcher(origin.parts) }
    case 'function': return { kind: 'function', decide: origin.decide, timeout: origin.timeout }
  }
}

export function compilePolicy (options: ResolvedOptions): Policy {
  const origin = compileOrigin(options.origin)
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
  const varyOnOrigin = origin !== undefined && (origin.kind !== 'static' || (options.rejectDisallowed && origin.value !== '*'))
  const preflightVary = [...(varyOnOrigin ? ['Origin'] : []), ...(headers.kind === 'reflect' ? ['Access-Control-Request-Headers'] : [])]
  return {
    origin,
    credentials: options.credentials,
    varyOnOrigin,
    preflightVary,
    preflightVaryValue: preflightVary.join(', '),
    actualHeaders,
    preflightHeaders,
    // '*' (allowed without credentials) lets any method the route answers through.
    methods: options.methods === undefined || options.methods.includes('*') ? undefined : new Set(options.methods),
    headers,
    successStatus: options.optionsSuccessStatus,
    preflight: options.preflight,
    preflightContinue: options.preflightContinue,
    rejectDisallowed: options.rejectDisallowed,
    checkActualRequests: options.checkActualRequests,
    allowPrivateNetwork: options.allowPrivateNetwork,
    debug: options.debug
  }
}

/**
 * Decides an origin under a non-static rule. Returns the Access-Control-Allow-Origin
 * value, or undefined when refused; a Promise only for an async origin function.
 */
export function allowedOrigin (rule: OriginRule, origin: string, request: FastifyRequest): string | undefined | Promise<string | undefined> {
  switch (rule.kind) {
    case 'static': return rule.allows(origin) ? rule.value : undefined
    case 'matcher': return rule.matcher.allows(origin) ? origin : undefined
    case 'function': return callOriginFunction(rule, origin, request)
  }
}
