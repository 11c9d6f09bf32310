// The model of a configuration: configured origins kept as structure, so that
// the expected answer is computed from meaning (scheme, host, port), not by
// re-running the plugin; the plugin's documented rules for which options start,
// and for which origin each configuration allows.
import type { CorsOptions } from '../../../index.js'
import { parseSerialized, TCHAR, type Parts } from './syntax.js'

export interface Host { host: string, publicSuffix: boolean }
export const HOSTS: Host[] = [
  { host: 'example.com', publicSuffix: false },
  { host: 'app.example.com', publicSuffix: false },
  { host: 'foo.com', publicSuffix: false },
  { host: 'bar.com', publicSuffix: false },
  { host: 'localhost', publicSuffix: false },
  { host: '127.0.0.1', publicSuffix: false },
  { host: '[::1]', publicSuffix: false },
  { host: 'com', publicSuffix: true },
  { host: 'github.io', publicSuffix: true },
  { host: 'co.uk', publicSuffix: true }
]
export const SCHEMES = ['https', 'http', 'wss', 'app']

/** valid: whether registration accepts it (anchored, dots escaped, at most quadratic backtracking). */
export interface RegExpEntry { re: RegExp, valid: boolean }
// Valid: anchored, dots escaped, linear or quadratic. Several carry g/y (stateful) or i.
export const REGEXPS: RegExpEntry[] = [
  { re: /^https:\/\/([a-z0-9-]+\.)?example\.com$/, valid: true },
  { re: /^https:\/\/[a-z0-9-]+\.example\.com$/, valid: true },
  { re: /^https:\/\/app\.example\.com(:\d{1,5})?$/, valid: true },
  // A repeated group, yet linear (each label ends at its '.'): accepted.
  { re: /^https:\/\/([a-z0-9-]+\.)+example\.com$/, valid: true },
  // Quadratic: 300 characters cost at most ~10^5 steps, accepted.
  { re: /^https:\/\/\w*\w*\.example\.com$/, valid: true },
  { re: /^http:\/\/localhost:\d+$/, valid: true },
  { re: /^https:\/\/[a-z]+\.foo\.com$/g, valid: true },
  { re: /^https:\/\/[a-z]+\.bar\.com$/y, valid: true },
  { re: /^HTTPS:\/\/FOO\.COM$/i, valid: true },
  { re: /^https:\/\/(foo|bar)\.com$/gi, valid: true },
  // A look-alike: 'wss://evilexample.com' ends with the allowed name.
  { re: /^wss:\/\/[a-z.]*example\.com$/, valid: false },
  // Refused at startup: unanchored, unescaped dot, exponential or cubic backtracking.
  { re: /example\.com$/, valid: false },
  { re: /^https:\/\/example\.com/, valid: false },
  { re: /^https:\/\/app.example.com$/, valid: false },
  { re: /^https:\/\/(a+)+\.com$/, valid: false },
  { re: /^https:\/\/(\w|\d)+\.example\.com$/, valid: false },
  { re: /^https:\/\/\w*\w*\w*\.example\.com$/, valid: false },
  { re: /^https:\/\/example\.com\$/, valid: false }
]

// Strings a browser never sends as an Origin: each must fail startup.
export const INVALID_CONFIGURED = [
  'https://example.com/', 'https://Example.com', 'https://example.com:443', 'http://example.com:80', 'example.com',
  'https://user@example.com', 'https://example.com/path', '', ' https://example.com', 'null', 'https://*example.com',
  'https://ex*.com', 'https://*.*.example.com', 'https://example..com', 'HTTPS://example.com', 'https://exämple.com',
  'https://example.com\r\n', 'https://example.com:0', 'https://example.com:65536'
]

export type Entry =
  | { type: 'exact', scheme: string, host: Host, port: string | undefined }
  | { type: 'pattern', scheme: string, host: Host, subdomains: boolean, port: string | undefined }
  | { type: 'regexp', entry: RegExpEntry }
  | { type: 'invalid', value: string }
  | { type: 'star' }

export type FunctionKind = 'set' | 'async-set' | 'fixed' | 'bad-string' | 'throws' | 'rejects'
export const FIXED_ORIGIN = 'https://fixed.example.com'

export type OriginConfig =
  | { type: 'default' }
  | { type: 'star' }
  | { type: 'true' }
  | { type: 'false' }
  | { type: 'one', entry: Entry }
  | { type: 'list', entries: Entry[] }
  | { type: 'function', kind: FunctionKind, allow: string[] }

export interface Model {
  origin?: OriginConfig
  credentials?: boolean
  dangerouslyAllowAnyOriginWithCredentials?: boolean
  dangerouslyAllowSubdomainsOfPublicSuffixes?: boolean
  methods?: string[] | string
  allowedHeaders?: string[] | string
  exposedHeaders?: string[] | string
  maxAge?: number
  rejectDisallowed?: boolean
  /** Not drawn: the default (on) always applies. */
  checkActualRequests?: boolean
  debug?: boolean
  allowPrivateNetwork?: boolean
  optionsSuccessStatus?: number
  cacheControl?: number | string
  preflight?: boolean
  preflightContinue?: boolean
}

export interface AppModel {
  scope: Model
  /** config.cors of GET /r and of PUT /p/:id (one object for both) */
  override: Model | false | undefined
  catchAll: boolean
  /** A not-found handler that sets its own Vary. */
  notFoundVary: boolean
}

export function entryString (entry: Entry): string | RegExp {
  switch (entry.type) {
    case 'exact': return `${entry.scheme}://${entry.host.host}${entry.port !== undefined ? ':' + entry.port : ''}`
    case 'pattern': return `${entry.scheme}://${entry.subdomains ? '*.' : ''}${entry.host.host}${entry.port !== undefined ? ':' + entry.port : ''}`
    case 'regexp': return entry.entry.re
    case 'invalid': return entry.value
    case 'star': return '*'
  }
}

/** Calls made to origin functions, checked after each request. */
export const functionCalls: string[] = []

export function originFunction (kind: FunctionKind, allow: string[]): (origin: string) => unknown {
  const set = new Set(allow)
  switch (kind) {
    case 'set': return origin => { functionCalls.push(origin); return set.has(origin) }
    case 'async-set': return async origin => { functionCalls.push(origin); return set.has(origin) }
    case 'fixed': return origin => { functionCalls.push(origin); return origin.endsWith('.example.com') ? FIXED_ORIGIN : false }
    case 'bad-string': return origin => { functionCalls.push(origin); return `${origin}/\r\nx-evil: 1` }
    case 'throws': return origin => { functionCalls.push(origin); throw new Error('origin function failed') }
    case 'rejects': return async origin => { functionCalls.push(origin); throw new Error('origin function failed') }
  }
}

/** A route's config.cors on top of the scope's options; options left undefined are not passed (see toOptions). */
export function mergeModels (scope: Model, override: Model): Model {
  const merged: Record<string, unknown> = { ...scope }
  for (const [key, value] of Object.entries(override)) {
    if (value !== undefined && !(key === 'origin' && (value as OriginConfig).type === 'default')) merged[key] = value
  }
  return merged as Model
}

export function toOptions (model: Model): CorsOptions {
  const options: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(model)) {
    if (key !== 'origin' && value !== undefined) options[key] = value
  }
  const origin = model.origin
  if (origin !== undefined) {
    switch (origin.type) {
      case 'default': break
      case 'star': options.origin = '*'; break
      case 'true': options.origin = true; break
      case 'false': options.origin = false; break
      case 'one': options.origin = entryString(origin.entry); break
      case 'list': options.origin = origin.entries.map(entryString); break
      case 'function': options.origin = originFunction(origin.kind, origin.allow); break
    }
  }
  return options as CorsOptions
}

export function toList (value: string[] | string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  return (typeof value === 'string' ? value.split(',') : value).map(item => item.trim()).filter(item => item.length > 0)
}

/** Whether registration must succeed for these (merged) options. */
export function isValid (model: Model): boolean {
  const credentials = model.credentials === true
  const origin = model.origin ?? { type: 'default' }
  if (origin.type === 'default' || origin.type === 'star') {
    if (credentials) return false
  }
  if (origin.type === 'true' && credentials && model.dangerouslyAllowAnyOriginWithCredentials !== true) return false
  const entries = origin.type === 'one' ? [origin.entry] : origin.type === 'list' ? origin.entries : []
  for (const entry of entries) {
    if (entry.type === 'invalid') return false
    if (entry.type === 'regexp' && entry.entry.valid === false) return false
    if (entry.type === 'star' && credentials) return false
    if (entry.type === 'pattern' && entry.subdomains && entry.host.publicSuffix && credentials && model.dangerouslyAllowSubdomainsOfPublicSuffixes !== true) return false
  }
  for (const list of [toList(model.methods)?.map(m => m.toUpperCase()), toList(model.allowedHeaders), toList(model.exposedHeaders)]) {
    for (const item of list ?? []) {
      if (item === '*' ? credentials : !TCHAR.test(item)) return false
    }
  }
  if (model.maxAge !== undefined && !(Number.isInteger(model.maxAge) && model.maxAge >= 0 && model.maxAge <= 86400)) return false
  if (model.optionsSuccessStatus !== undefined && !(model.optionsSuccessStatus >= 200 && model.optionsSuccessStatus <= 299)) return false
  if (typeof model.cacheControl === 'string' && !/^[\x20-\x7e]+$/.test(model.cacheControl)) return false
  return true
}

export function entryAllows (entry: Entry, origin: string, parts: Parts): boolean {
  switch (entry.type) {
    case 'exact': return origin === entryString(entry)
    case 'pattern': {
      if (parts.scheme !== entry.scheme) return false
      const base = entry.host.host
      const hostOk = entry.subdomains ? parts.host.length > base.length + 1 && parts.host.endsWith('.' + base) : parts.host === base
      const portOk = entry.port === '*' || parts.port === entry.port
      return hostOk && portOk
    }
    case 'regexp': return new RegExp(entry.entry.re.source, entry.entry.re.flags.replace(/[gy]/g, '')).test(origin)
    default: return false
  }
}

export type Decision =
  | { kind: 'off' }
  | { kind: 'static', value: string, allows: (origin: string) => boolean }
  | { kind: 'dynamic', decide: (origin: string) => string | undefined }

export function decision (model: Model): Decision {
  const origin = model.origin ?? { type: 'default' }
  switch (origin.type) {
    case 'false': return { kind: 'off' }
    case 'default':
    case 'star': return { kind: 'static', value: '*', allows: () => true }
    case 'true': return { kind: 'dynamic', decide: o => parseSerialized(o) !== undefined ? o : undefined }
    case 'function': return {
      kind: 'dynamic',
      decide: o => {
        if (parseSerialized(o) === undefined) return undefined
        if (origin.kind === 'set' || origin.kind === 'async-set') return origin.allow.includes(o) ? o : undefined
        if (origin.kind === 'fixed') return o.endsWith('.example.com') ? FIXED_ORIGIN : undefined
        return undefined
      }
    }
    case 'one':
    case 'list': {
      const entries = origin.type === 'one' ? [origin.entry] : origin.entries
      if (entries.some(e => e.type === 'star')) return { kind: 'static', value: '*', allows: () => true }
      if (entries.length === 1 && entries[0].type === 'exact') {
        const value = entryString(entries[0]) as string
        return { kind: 'static', value, allows: o => o === value }
      }
      return {
        kind: 'dynamic',
        decide: o => {
          const parts = parseSerialized(o)
          return parts !== undefined && entries.some(e => entryAllows(e, o, parts)) ? o : undefined
        }
      }
    }
  }
}
