// Origin-list rules: what the `origin` option may hold beyond its shape.
// Origins a browser never sends, '*' or any origin with credentials, wildcards
// on public suffixes, and RegExps that match origins nobody means to allow.
import { parseOriginSetting, type OriginSetting } from './origin-settings.js'
import { isPublicSuffix, suffixBeneath } from './public-suffix.js'
import { regExpVerdict, type RegExpVerdict } from './regexp-safety.js'
import { show } from './show-value.js'
import type { OriginFunctionType, PluginOptions } from './schema.js'
import type { Problem } from './errors.js'

/** How long an origin function may take to answer before the origin is refused. */
export const DEFAULT_ORIGIN_FUNCTION_TIMEOUT = 5000

export interface OriginList {
  exact: string[]
  /** withinSuffixes: a public suffix lies beneath the pattern's domain, so each match is checked against the list at request time. */
  patterns: Array<Extract<OriginSetting, { kind: 'pattern' }> & { withinSuffixes: boolean }>
  regexps: RegExp[]
  any: boolean
}

export type OriginOption =
  | { kind: 'off' }
  | { kind: 'any' }
  | { kind: 'single', origin: string }
  | { kind: 'list', list: OriginList }
  | { kind: 'function', decide: OriginFunctionType, timeout: number }

const WILDCARD_CREDENTIALS_ERROR =
  "browsers refuse it: \"The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'\""

const ANY_ORIGIN_FIX = 'list the origins you trust, or, if every origin really may, also set dangerouslyAllowAnyOriginWithCredentials: true'

export function resolveOrigin (options: PluginOptions, credentials: boolean, problems: Problem[], warnings: string[]): OriginOption {
  const origin = options.origin ?? '*'
  if (origin === false) return { kind: 'off' }
  if (typeof origin === 'function') return { kind: 'function', decide: origin, timeout: options.originFunctionTimeout ?? DEFAULT_ORIGIN_FUNCTION_TIMEOUT }
  if (origin === true) {
    if (credentials && options.dangerouslyAllowAnyOriginWithCredentials !== true) {
      problems.push({
        kind: 'anyOriginWithCredentials',
        option: 'origin',
        why: 'origin: true with credentials lets every website read your users\' authenticated responses',
        fix: ANY_ORIGIN_FIX
      })
    }
    return { kind: 'list', list: { exact: [], patterns: [], regexps: [], any: true } }
  }
  const items = Array.isArray(origin) ? origin : [origin]
  const parts: OriginList = { exact: [], patterns: [], regexps: [], any: false }
  let wildcard = false
  items.forEach((item, index) => {
    const path = Array.isArray(origin) ? `origin[${index}]` : 'origin'
    if (item instanceof RegExp) {
      const verdict = regExpVerdict(item)
      if (verdict.unsafe !== undefined) problems.push({ kind: 'unsafeRegExp', option: path, ...verdict.unsafe })
      else {
        if (credentials) checkRegExpUnderCredentials(item, verdict, path, options, problems, warnings)
        parts.regexps.push(item)
      }
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
      case 'pattern': {
        const beneath = setting.subdomains ? suffixBeneath(setting.host) : undefined
        parts.patterns.push({ ...setting, withinSuffixes: beneath !== undefined })
        if (credentials) {
          warnInsecure(path, setting.pattern, warnings)
          if (setting.subdomains && options.dangerouslyAllowSubdomainsOfPublicSuffixes !== true) {
            if (isPublicSuffix(setting.host)) {
              problems.push(publicSuffixProblem(path, setting.host, `allow your own domain's subdomains (e.g. '${setting.scheme}://*.yourname.${setting.host.replace(/\.$/, '')}')`))
            } else if (beneath !== undefined) {
              problems.push(suffixBeneathProblem(path, setting, beneath))
            }
          }
        }
        break
      }
    }
  })
  if (wildcard) return { kind: 'any' }
  if (parts.exact.length === 1 && items.length === 1) return { kind: 'single', origin: parts.exact[0] }
  return { kind: 'list', list: parts }
}

function publicSuffixProblem (path: string, suffix: string, fix: string): Problem {
  return {
    kind: 'publicSuffixWildcard',
    option: path,
    why: `'${suffix}' is a public suffix: anyone can register a subdomain of it and read your users' authenticated responses`,
    fix: `${fix}, or set dangerouslyAllowSubdomainsOfPublicSuffixes: true`
  }
}

function suffixBeneathProblem (path: string, setting: Extract<OriginSetting, { kind: 'pattern' }>, beneath: string): Problem {
  const example = beneath.replace(/^\*(?=\.)/, 'x')
  return {
    kind: 'publicSuffixWildcard',
    option: path,
    why: `'${setting.pattern}' reaches public suffixes beneath '${setting.host}', such as '${beneath}': anyone can register a name there (${setting.scheme}://attacker.${example}) and read your users' authenticated responses. At request time the pattern never grants such names, but with credentials it is refused so that you see it`,
    fix: `list your origins under '${setting.host}' (e.g. '${setting.scheme}://app.${setting.host}'), or set dangerouslyAllowSubdomainsOfPublicSuffixes: true to keep the names above those suffixes`
  }
}

/** With credentials, a RegExp must not match origins anyone can own, whatever its author meant. */
function checkRegExpUnderCredentials (regexp: RegExp, verdict: RegExpVerdict, path: string, options: PluginOptions, problems: Problem[], warnings: string[]): void {
  const any = verdict.probes.find(finding => finding.kind === 'any')
  if (any === undefined && verdict.reach.kind === 'analysed' && verdict.reach.publicSuffix !== undefined && options.dangerouslyAllowSubdomainsOfPublicSuffixes !== true) {
    const { probe, suffix } = verdict.reach.publicSuffix
    problems.push(publicSuffixProblem(path, suffix, `${String(regexp)} matches '${probe}'. Allow your own domain's subdomains instead`))
  }
  for (const finding of verdict.probes) {
    switch (finding.kind) {
      case 'any':
        if (options.dangerouslyAllowAnyOriginWithCredentials !== true) {
          problems.push({ kind: 'anyOriginWithCredentials', option: path, why: `${String(regexp)} matches '${finding.probe}': with credentials, any website could read your users' authenticated responses`, fix: ANY_ORIGIN_FIX })
        }
        break
      case 'plainHttp':
        warnings.push(`cors option '${path}': ${String(regexp)} matches '${finding.probe}', plain http with credentials: anyone on the network path can impersonate it. Use https.`)
        break
    }
  }
}

const LOOPBACK_HOST = /^http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\]|(\*\.)?[a-z0-9.-]+\.localhost)(:|$)/

function warnInsecure (path: string, origin: string, warnings: string[]): void {
  if (origin.startsWith('http://') && !LOOPBACK_HOST.test(origin)) {
    warnings.push(`cors option '${path}': '${origin}' is plain http with credentials: anyone on the network path can impersonate it. Use https.`)
  }
}
