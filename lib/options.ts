// Option checking: first the shape (TypeBox), then what a schema cannot say
// (origins that a browser never sends, '*' with credentials, unsafe RegExps).
// The result is a normalized form that lib/policy.ts compiles.
import { Value } from '@sinclair/typebox/value'
import type { TObject } from '@sinclair/typebox'
import { checkSync } from 'recheck'
import { EXPECTED, type OriginFunctionType, type PluginOptions } from './schema.js'
import { parseOriginSetting, type MatcherParts } from './origins.js'
import { isToken } from './tokens.js'
import { isPublicSuffix } from './public-suffix.js'
import type { Problem } from './errors.js'

export type OriginPolicy =
  | { kind: 'off' }
  | { kind: 'any' }
  | { kind: 'single', origin: string }
  | { kind: 'matcher', parts: MatcherParts }
  | { kind: 'function', decide: OriginFunctionType }

export interface ResolvedOptions {
  origin: OriginPolicy
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

const MIGRATION_HINTS: Record<string, string> = {
  strictPreflight: 'preflights are always strict here: an OPTIONS request without Origin and Access-Control-Request-Method is routed like any other request',
  hook: 'this plugin always answers in onRequest, before your auth hooks; register it before hooks that must not see preflights',
  delegator: "use a per-route 'config.cors' or an 'origin' function (origin, request) => boolean | string",
  strictPreflightContinue: "use 'preflightContinue'"
}

const WILDCARD_CREDENTIALS_ERROR =
  "browsers refuse it: \"The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'\""

/** Checks the options' shape against the schema; returns one problem per offending option. */
export function checkShape (schema: TObject, raw: unknown): Problem[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return [{ kind: 'invalidOption', option: '(options)', why: 'options must be an object', fix: 'pass an object such as { origin: \'https://app.example.com\' }' }]
  }
  const problems: Problem[] = []
  // One problem per option, however many errors TypeBox finds inside it.
  const offending = new Set(Array.from(Value.Errors(schema, raw), error => error.path.split('/')[1]))
  for (const option of offending) {
    if (!(option in schema.properties)) {
      problems.push({ kind: 'unknownOption', option, why: 'there is no such option', fix: unknownOptionFix(option, Object.keys(schema.properties)) })
    } else {
      const value = (raw as Record<string, unknown>)[option]
      problems.push({ kind: 'invalidOption', option, why: `got ${show(value)}`, fix: `use ${EXPECTED[option as keyof PluginOptions]}` })
    }
  }
  return problems
}

function unknownOptionFix (option: string, known: string[]): string {
  const hint = MIGRATION_HINTS[option]
  if (hint !== undefined) return `remove it: ${hint}`
  const near = known.find(name => editDistance(name.toLowerCase(), option.toLowerCase()) <= 2)
  return near !== undefined ? `did you mean '${near}'?` : `remove it; the options are ${known.join(', ')}`
}

function editDistance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

function show (value: unknown): string {
  if (typeof value === 'function') return 'a function'
  if (value instanceof RegExp) return String(value)
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text
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

function checkTokens (option: string, list: string[] | undefined, credentials: boolean, problems: Problem[]): void {
  if (list === undefined) return
  list.forEach((item, index) => {
    const path = `${option}[${index}]`
    if (item === '*') {
      if (credentials) {
        problems.push({
          kind: 'wildcardWithCredentials',
          option: path,
          why: `with credentials, browsers read '*' in ${option} as a literal name, not a wildcard`,
          fix: 'list the names explicitly, or set credentials: false'
        })
      }
    } else if (!isToken(item)) {
      problems.push({ kind: 'invalidToken', option: path, why: `${show(item)} is not a valid ${option === 'methods' ? 'method' : 'header name'}`, fix: 'use letters, digits and !#$%&\'*+-.^_`|~ only' })
    }
  })
}

function resolveOrigin (options: PluginOptions, credentials: boolean, problems: Problem[], warnings: string[]): OriginPolicy {
  const origin = options.origin ?? '*'
  if (origin === false) return { kind: 'off' }
  if (typeof origin === 'function') return { kind: 'function', decide: origin }
  if (origin === true) {
    if (credentials && options.dangerouslyAllowAnyOriginWithCredentials !== true) {
      problems.push({
        kind: 'anyOriginWithCredentials',
        option: 'origin',
        why: 'origin: true with credentials lets every website read your users\' authenticated responses',
        fix: 'list the origins you trust, or, if every origin really may, also set dangerouslyAllowAnyOriginWithCredentials: true'
      })
    }
    return { kind: 'matcher', parts: { exact: [], patterns: [], regexps: [], any: true } }
  }
  const items = Array.isArray(origin) ? origin : [origin]
  const parts: MatcherParts = { exact: [], patterns: [], regexps: [], any: false }
  let wildcard = false
  items.forEach((item, index) => {
    const path = Array.isArray(origin) ? `origin[${index}]` : 'origin'
    if (item instanceof RegExp) {
      const problem = checkRegExp(item)
      if (problem !== undefined) problems.push({ kind: 'unsafeRegExp', option: path, ...problem })
      else parts.regexps.push(item)
      return
    }
    const setting = parseOriginSetting(item)
    switch (setting.kind) {
      case 'any':
        wildcard = true
        if (credentials) problems.push({ kind: 'wildcardWithCredentials', option: path, why: WILDCARD_CREDENTIALS_ERROR, fix: "list the allowed origins (e.g. origin: ['https://app.example.com']) or set credentials: false" })
        break
      case 'invalid':
        problems.push({ kind: 'invalidOrigin', option: path, why: `${show(item)} is refused: ${setting.why}`, fix: setting.fix })
        break
      case 'exact':
        parts.exact.push(setting.origin)
        if (credentials) warnInsecure(path, setting.origin, warnings)
        break
      case 'pattern':
        parts.patterns.push(setting)
        if (credentials) {
          warnInsecure(path, setting.pattern, warnings)
          if (setting.subdomains && isPublicSuffix(setting.host) && options.dangerouslyAllowSubdomainsOfPublicSuffixes !== true) {
            problems.push({
              kind: 'publicSuffixWildcard',
              option: path,
              why: `'${setting.host}' is a public suffix: anyone can register a subdomain of it and read your users' authenticated responses`,
              fix: `allow your own domain's subdomains (e.g. '${setting.scheme}://*.yourname.${setting.host}'), or set dangerouslyAllowSubdomainsOfPublicSuffixes: true`
            })
          }
        }
        break
    }
  })
  if (wildcard) return { kind: 'any' }
  if (parts.exact.length === 1 && items.length === 1) return { kind: 'single', origin: parts.exact[0] }
  return { kind: 'matcher', parts }
}

const LOOPBACK_HOST = /^http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\]|(\*\.)?[a-z0-9.-]+\.localhost)(:|$)/

function warnInsecure (path: string, origin: string, warnings: string[]): void {
  if (origin.startsWith('http://') && !LOOPBACK_HOST.test(origin)) {
    warnings.push(`cors option '${path}': '${origin}' is plain http with credentials: anyone on the network path can impersonate it. Use https.`)
  }
}

/** Refuses RegExps that would allow more than their author meant. */
function checkRegExp (regexp: RegExp): { why: string, fix: string } | undefined {
  const source = regexp.source
  if (!source.startsWith('^') || !source.endsWith('$') || source.endsWith('\\$')) {
    return {
      why: `${String(regexp)} is not anchored: it also matches origins that merely contain a match (e.g. 'https://example.com.evil.com')`,
      fix: 'start it with ^ and end it with $'
    }
  }
  const dot = literalDotIndex(source)
  if (dot !== -1) {
    return {
      why: `${String(regexp)} has an unescaped '.' at index ${dot}, which matches any character ('https://appxexample.com' for 'app.example.com')`,
      fix: "escape it as '\\.'"
    }
  }
  const risk = backtrackingRisk(regexp)
  if (risk !== undefined) {
    return {
      why: `${String(regexp)} ${risk}`,
      fix: "simplify it (no overlapping alternatives or quantifiers under a repetition), or use a pattern string such as 'https://*.example.com'"
    }
  }
  return undefined
}

/**
 * Proves a RegExp linear enough for an Origin of at most MAX_ORIGIN_LENGTH
 * characters, with recheck (a ReDoS checker: automaton analysis, then fuzzing).
 * Quadratic is allowed: 300² steps are harmless; cubic and worse are not.
 */
export function backtrackingRisk (regexp: RegExp, timeout = 10_000): string | undefined {
  const diagnostics = checkSync(regexp.source, regexp.flags.replace(/[gy]/g, ''), { timeout })
  switch (diagnostics.status) {
    case 'safe': return undefined
    case 'vulnerable': {
      const complexity = diagnostics.complexity
      if (complexity.type === 'exponential') return `can backtrack exponentially on a crafted Origin (e.g. ${JSON.stringify(diagnostics.attack.pattern)})`
      return complexity.degree >= 3 ? `can backtrack in ${complexity.summary} time on a crafted Origin` : undefined
    }
    default: return `could not be proven free of catastrophic backtracking (${diagnostics.error.kind})`
  }
}

/** Index of the first '.' that stands for "any character" and is not quantified (so meant literally), or -1. */
function literalDotIndex (source: string): number {
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '.' && !'*+?{'.includes(source[i + 1])) return i
  }
  return -1
}
