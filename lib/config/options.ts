// Option checking and normalisation: the shape first (shape.ts), then what a
// schema cannot say — origins (origin-rules.ts), method and header tokens,
// '*' with credentials. The result is a normalized form that lib/policy/policy.ts compiles.
import { isToken } from '../spec/tokens.js'
import { resolveOrigin, type OriginOption } from './origin-rules.js'
import { show } from './shape.js'
import type { PluginOptions } from './schema.js'
import type { Problem } from './errors.js'

export { checkShape } from './shape.js'
export type { OriginOption } from './origin-rules.js'

export interface ResolvedOptions {
  origin: OriginOption
  methods: string[] | undefined
  allowedHeaders: { any: boolean, names: string[] } | undefined
  exposedHeaders: string[]
  credentials: boolean
  maxAge: number | undefined
  cacheControl: string | undefined
  optionsSuccessStatus: number
  preflight: boolean
  preflightContinue: boolean
  rejectDisallowed: boolean
  checkActualRequests: boolean
  allowPrivateNetwork: boolean
  debug: boolean
}

function toList (value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const items = typeof value === 'string' ? value.split(',') : value
  return items.map(item => item.trim()).filter(item => item.length > 0)
}

/** Checks the meaning of shape-valid options and normalizes them. */
export function resolveOptions (options: PluginOptions): { resolved: ResolvedOptions, problems: Problem[], warnings: string[] } {
  const problems: Problem[] = []
  const warnings: string[] = []
  const credentials = options.credentials === true
  const origin = resolveOrigin(options, credentials, problems, warnings)

  const methods = toList(options.methods)?.map(method => method.toUpperCase())
  checkTokens('methods', methods, credentials, problems)

  const allowedList = toList(options.allowedHeaders)
  checkTokens('allowedHeaders', allowedList, credentials, problems)
  const allowedHeaders = allowedList === undefined
    ? undefined
    : { any: allowedList.includes('*'), names: allowedList.filter(name => name !== '*').map(name => name.toLowerCase()) }

  const exposedHeaders = toList(options.exposedHeaders) ?? []
  checkTokens('exposedHeaders', exposedHeaders, credentials, problems)

  let cacheControl: string | undefined
  if (typeof options.cacheControl === 'number') {
    cacheControl = `max-age=${options.cacheControl}`
  } else if (options.cacheControl !== undefined) {
    if (/^[\x20-\x7e]+$/.test(options.cacheControl)) cacheControl = options.cacheControl
    else problems.push({ kind: 'invalidOption', option: 'cacheControl', why: 'a header value must be printable ASCII without line breaks', fix: "use a value such as 'public, max-age=600'" })
  }

  return {
    problems,
    warnings,
    resolved: {
      origin,
      methods,
      allowedHeaders,
      exposedHeaders,
      credentials,
      maxAge: options.maxAge,
      cacheControl,
      optionsSuccessStatus: options.optionsSuccessStatus ?? 204,
      preflight: options.preflight !== false,
      preflightContinue: options.preflightContinue === true,
      rejectDisallowed: options.rejectDisallowed === true,
      checkActualRequests: options.checkActualRequests !== false,
      allowPrivateNetwork: options.allowPrivateNetwork === true,
      debug: options.debug === true
    }
  }
}

const WILDCARD_FIXES: Record<string, string> = {
  methods: "leave 'methods' out: the default already allows the method of every route (or list the names, or set credentials: false)",
  allowedHeaders: "leave 'allowedHeaders' out: the default already allows every requested header, Authorization included (or list the names, or set credentials: false)",
  exposedHeaders: 'list the names explicitly, or set credentials: false'
}

function checkTokens (option: string, list: string[] | undefined, credentials: boolean, problems: Problem[]): void {
  if (list === undefined) return
  list.forEach((item, index) => {
    const path = `${option}[${index}]`
    if (item === '*') {
      if (credentials) {
        problems.push({ kind: 'wildcardWithCredentials', option: path, why: `with credentials, browsers read '*' in ${option} as a literal name, not a wildcard`, fix: WILDCARD_FIXES[option] })
      }
    } else if (!isToken(item)) {
      problems.push({ kind: 'invalidToken', option: path, why: `${show(item)} is not a valid ${option === 'methods' ? 'method' : 'header name'}`, fix: 'use letters, digits and !#$%&\'*+-.^_`|~ only' })
    }
  })
}
