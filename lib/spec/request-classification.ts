// What a browser sends, from the Fetch Standard: preflights themselves, and
// which requests it sends only after a successful preflight
// (https://fetch.spec.whatwg.org/#cors-preflight-fetch, step "CORS-preflight
// fetch" of https://fetch.spec.whatwg.org/#http-fetch): a method that is not
// CORS-safelisted, or a header list with a CORS-unsafe request-header name.
//
// Request headers are judged by name, not by "any header that is not
// safelisted": proxies and CDNs add their own (X-Forwarded-For, traceparent,
// CF-Ray...) to simple requests, and such a request must not look like one
// that was preflighted. So a header triggers the check only when it is one
// that pages set from scripts (`SCRIPT_ONLY_HEADERS`, and the names a policy
// lists in allowedHeaders), never a forbidden name (the browser's own), never
// a CORS-safelisted name, never a name proxies add (`isProxyHeader`).
import type { FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'

/** A preflight: OPTIONS with both Origin and Access-Control-Request-Method; any other OPTIONS is an ordinary request. */
export function isPreflight (method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return method === 'OPTIONS' && headers['access-control-request-method'] !== undefined && headers.origin !== undefined
}

/** https://fetch.spec.whatwg.org/#cors-safelisted-method */
export function isSafelistedMethod (method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'POST'
}

/** https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte */
const UNSAFE_BYTE = /[\x00-\x08\x0a-\x1f"():<>?@[\\\]{}\x7f]/ // eslint-disable-line no-control-regex
/** https://fetch.spec.whatwg.org/#http-whitespace: tab, LF, CR and space, and nothing else (not U+00A0, not U+FEFF). */
const LEADING_HTTP_WHITESPACE = /^[\t\n\r ]+/
const TRAILING_HTTP_WHITESPACE = /[\t\n\r ]+$/
/** https://mimesniff.spec.whatwg.org/#http-token-code-point */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const SAFELISTED_ESSENCES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'])

/**
 * The essence ("type/subtype", lower-cased) of a MIME type, or undefined when
 * https://mimesniff.spec.whatwg.org/#parse-a-mime-type fails. Parameters never
 * make parsing fail (a bad one is skipped), so only type and subtype are read.
 */
export function mimeEssence (value: string): string | undefined {
  const input = value.replace(LEADING_HTTP_WHITESPACE, '').replace(TRAILING_HTTP_WHITESPACE, '')
  const slash = input.indexOf('/')
  if (slash === -1) return undefined
  const type = input.slice(0, slash)
  const semicolon = input.indexOf(';', slash + 1)
  const subtype = input.slice(slash + 1, semicolon === -1 ? input.length : semicolon).replace(TRAILING_HTTP_WHITESPACE, '')
  if (!HTTP_TOKEN.test(type) || !HTTP_TOKEN.test(subtype)) return undefined
  return `${type}/${subtype}`.toLowerCase()
}

/** https://fetch.spec.whatwg.org/#cors-safelisted-request-header: no safelisted value is longer. */
const MAX_SAFELISTED_VALUE = 128

/** https://fetch.spec.whatwg.org/#cors-safelisted-request-header, for Content-Type. */
export function isSafelistedContentType (value: string): boolean {
  if (value.length > MAX_SAFELISTED_VALUE || UNSAFE_BYTE.test(value)) return false
  const essence = mimeEssence(value)
  return essence !== undefined && SAFELISTED_ESSENCES.has(essence)
}

/** https://fetch.spec.whatwg.org/#cors-safelisted-request-header, for Accept-Language and Content-Language: the bytes they may hold. */
const LANGUAGE_VALUE = /^[0-9A-Za-z *,\-.;=]*$/
/** https://fetch.spec.whatwg.org/#simple-range-header-value, as a request's Range header carries it. */
const SIMPLE_RANGE = /^bytes=([0-9]+)-([0-9]*)$/

/**
 * https://fetch.spec.whatwg.org/#cors-safelisted-request-header: the names whose
 * values browsers may send without a preflight, each with the values it may have.
 */
const SAFELISTED_VALUES: ReadonlyMap<string, (value: string) => boolean> = new Map([
  ['accept', (value: string) => !UNSAFE_BYTE.test(value)],
  ['accept-language', (value: string) => LANGUAGE_VALUE.test(value)],
  ['content-language', (value: string) => LANGUAGE_VALUE.test(value)],
  ['content-type', isSafelistedContentType],
  ['range', (value: string) => {
    const range = SIMPLE_RANGE.exec(value)
    return range !== null && (range[2] === '' || Number(range[1]) <= Number(range[2]))
  }]
])

/** https://fetch.spec.whatwg.org/#forbidden-request-header: names only the browser sets (lower-case). */
const FORBIDDEN_NAMES = new Set([
  'accept-charset', 'accept-encoding', 'access-control-request-headers', 'access-control-request-method',
  'connection', 'content-length', 'cookie', 'cookie2', 'date', 'dnt', 'expect', 'host', 'keep-alive', 'origin',
  'referer', 'set-cookie', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'via'
])

export function isForbiddenHeaderName (name: string): boolean {
  return FORBIDDEN_NAMES.has(name) || name.startsWith('proxy-') || name.startsWith('sec-')
}

/** Names that reverse proxies, load balancers, CDNs and tracing add to requests on their way. */
const PROXY_NAMES = new Set([
  'forwarded', 'via', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'x-cluster-client-ip', 'client-ip',
  'traceparent', 'tracestate', 'baggage', 'b3', 'x-request-id', 'x-correlation-id', 'request-id', 'x-amzn-trace-id',
  'x-cloud-trace-context', 'x-scheme', 'cdn-loop', 'x-original-url', 'x-original-host', 'x-original-uri', 'x-rewrite-url'
])
const PROXY_PREFIXES = ['x-forwarded-', 'cf-', 'x-b3-', 'x-envoy-', 'fastly-', 'x-amz-cf-', 'x-azure-', 'x-vercel-', 'x-appengine-', 'akamai-', 'x-akamai-', 'x-datadog-']

export function isProxyHeader (name: string): boolean {
  if (PROXY_NAMES.has(name)) return true
  for (const prefix of PROXY_PREFIXES) if (name.startsWith(prefix)) return true
  return false
}

/**
 * Request headers that pages set from scripts and browsers never send by
 * themselves: a request carrying one was preflighted (the "a custom header
 * requires a preflight" CSRF defence rests on that).
 */
export const SCRIPT_ONLY_HEADERS: readonly string[] = ['authorization', 'x-requested-with', 'x-csrf-token', 'x-xsrf-token', 'x-api-key']

/**
 * Whether `headers` holds one of SCRIPT_ONLY_HEADERS, read by name: each read
 * keeps its own inline cache, where one read in a loop over the names sees
 * every name and costs several times as much on each request.
 */
function hasScriptOnlyHeader (headers: IncomingHttpHeaders): boolean {
  return headers.authorization !== undefined || headers['x-requested-with'] !== undefined || headers['x-csrf-token'] !== undefined ||
    headers['x-xsrf-token'] !== undefined || headers['x-api-key'] !== undefined
}

/** Node's headers object inherits from Object.prototype: a listed name such as 'constructor' must be the request's own. */
function hasAny (headers: IncomingHttpHeaders, names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) if (headers[names[i]] !== undefined && Object.hasOwn(headers, names[i])) return true
  return false
}

/**
 * The lower-case header names that make a cross-origin request preflight-only:
 * `SCRIPT_ONLY_HEADERS` and the given names (a policy's allowedHeaders), less
 * the names a page cannot set or sends without a preflight, and those proxies add.
 */
export function scriptOnlyHeaders (listed: readonly string[]): readonly string[] {
  const names = new Set(SCRIPT_ONLY_HEADERS)
  for (const name of listed) {
    const lower = name.toLowerCase()
    if (!SAFELISTED_VALUES.has(lower) && !isForbiddenHeaderName(lower) && !isProxyHeader(lower)) names.add(lower)
  }
  return [...names]
}

/** The names of scriptOnlyHeaders(listed) besides SCRIPT_ONLY_HEADERS, which needsPreflight reads anyway. */
export function addedScriptOnlyHeaders (listed: readonly string[]): readonly string[] {
  return scriptOnlyHeaders(listed).filter(name => !SCRIPT_ONLY_HEADERS.includes(name))
}

/**
 * Whether a browser sends this request only after a successful preflight: a
 * method that is not CORS-safelisted, a Content-Type that is not, or a
 * script-only header: one of SCRIPT_ONLY_HEADERS or of `added` (a policy's
 * addedScriptOnlyHeaders). Sec-Fetch-Mode, which pages cannot
 * set, says when the browser sent it as a navigation or in no-cors mode,
 * where scripts cannot add headers (a no-cors request carries only
 * https://fetch.spec.whatwg.org/#no-cors-safelisted-request-header-name):
 * such a header then came from elsewhere.
 */
export function needsPreflight (request: FastifyRequest, added: readonly string[]): boolean {
  if (!isSafelistedMethod(request.method)) return true
  const headers = request.headers
  const type = headers['content-type']
  if (type !== undefined && !isSafelistedContentType(type)) return true
  if (!hasScriptOnlyHeader(headers) && !hasAny(headers, added)) return false
  const mode = headers['sec-fetch-mode']
  return mode !== 'navigate' && mode !== 'no-cors'
}

/** https://fetch.spec.whatwg.org/#cors-safelisted-request-header, for a lower-case name. */
function isSafelistedHeader (name: string, value: string): boolean {
  const safelisted = SAFELISTED_VALUES.get(name)
  return safelisted !== undefined && value.length <= MAX_SAFELISTED_VALUE && safelisted(value)
}

/**
 * https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names: the names a
 * browser lists in Access-Control-Request-Headers for these request headers
 * (lower-cased, sorted, without duplicates); forbidden names, which scripts
 * cannot set, are left out. A request with any is preflighted. (The spec's
 * 1024-byte limit on safelisted values together cannot be reached with one
 * value per name: five names of at most 128 bytes each.)
 */
export function corsUnsafeHeaderNames (headers: Readonly<Record<string, string>>): string[] {
  const unsafe = new Set<string>()
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (!isForbiddenHeaderName(lower) && !isSafelistedHeader(lower, value)) unsafe.add(lower)
  }
  return [...unsafe].sort()
}
