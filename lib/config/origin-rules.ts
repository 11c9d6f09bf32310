// Origin-list rules: what the `origin` option may hold beyond its shape.
// Origins a browser never sends, '*' or any origin with credentials, wildcards
// on public suffixes, and RegExps that match origins nobody means to allow.
import { parseOriginSetting, type OriginSetting } from './origin-settings.js'
import { isPublicSuffix } from './public-suffix.js'
import { checkRegExp, probeRegExp } from './regexp-safety.js'
import { show } from './shape.js'
import type { OriginFunctionType, PluginOptions } from './schema.js'
import type { Problem } from './errors.js'

/** How long an origin function may take to answer before the origin is refused. */
export const DEFAULT_ORIGIN_FUNCTION_TIMEOUT = 5000

export interface OriginList {
  exact: string[]
  patterns: Array<Extract<OriginSetting, { kind: 'pattern' }>>
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
      const problem = checkRegExp(item)
      if (problem !== undefined) problems.push({ kind: 'unsafeRegExp', option: path, ...problem })
      else {
        if (credentials) checkRegExpUnderCredentials(item, path, options, problems, warnings)
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
      case 'pattern':
        parts.patterns.push(setting)
        if (credentials) {
          warnInsecure(path, setting.pattern, warnings)
          if (setting.subdomains && isPublicSuffix(setting.host) && options.dangerouslyAllowSubdomainsOfPublicSuffixes !== true) {
            problems.push(publicSuffixProblem(path, setting.host, `allow your own domain's subdomains (e.g. '${setting.scheme}://*.yourname.${setting.host.replace(/\.$/, '')}')`))
          }
        }
        break
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

/** With credentials, a RegExp must not match origins anyone can own, whatever its author meant. */
function checkRegExpUnderCredentials (regexp: RegExp, path: string, options: PluginOptions, problems: Problem[], warnings: string[]): void {
  for (const finding of probeRegExp(regexp)) {
    switch (finding.kind) {
      case 'any':
        if (options.dangerouslyAllowAnyOriginWithCredentials !== true) {
          problems.push({ kind: 'anyOriginWithCredentials', option: path, why: `${String(regexp)} matches '${finding.probe}': with credentials, any website could read your users' authenticated responses`, fix: ANY_ORIGIN_FIX })
        }
        break
      case 'publicSuffix':
        if (options.dangerouslyAllowSubdomainsOfPublicSuffixes !== true) {
          problems.push(publicSuffixProblem(path, finding.suffix, `${String(regexp)} matches '${finding.probe}'. Allow your own domain's subdomains instead`))
        }
        break
      case 'endsWith':
        if (options.dangerouslyAllowAnyOriginWithCredentials !== true) {
          problems.push({
            kind: 'unsafeRegExp',
            option: path,
            why: `${String(regexp)} matches '${finding.probe}', a domain anyone can register that merely ends with '${finding.domain}'`,
            fix: `require a dot before the domain, e.g. /^https:\\/\\/([a-z0-9-]+\\.)*${finding.domain.replace(/\./g, '\\.')}$/, or list the origins`
          })
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
