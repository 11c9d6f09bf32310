// What a browser sends: preflights themselves, and which requests it sends
// only after a successful preflight
// (https://fetch.spec.whatwg.org/#cors-preflight-fetch): a method other than
// GET, HEAD and POST, or a Content-Type that is not CORS-safelisted. Other
// request headers also call for a preflight, but proxies add their own, so the
// plugin does not judge a request by them.
import type { FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'

const SAFELISTED_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'])
/** https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte */
const UNSAFE_BYTE = /[\x00-\x08\x0a-\x1f"():<>?@[\\\]{}\x7f]/ // eslint-disable-line no-control-regex

/** A preflight: OPTIONS with both Origin and Access-Control-Request-Method; any other OPTIONS is an ordinary request. */
export function isPreflight (method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return method === 'OPTIONS' && headers['access-control-request-method'] !== undefined && headers.origin !== undefined
}

/** https://fetch.spec.whatwg.org/#cors-safelisted-request-header, for Content-Type. */
export function isSafelistedContentType (value: string): boolean {
  if (value.length > 128 || UNSAFE_BYTE.test(value)) return false
  const end = value.indexOf(';')
  const essence = (end === -1 ? value : value.slice(0, end)).trim().toLowerCase()
  return SAFELISTED_TYPES.has(essence)
}

export function needsPreflight (request: FastifyRequest): boolean {
  const method = request.method
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return true
  const type = request.headers['content-type']
  return type !== undefined && !isSafelistedContentType(type)
}
