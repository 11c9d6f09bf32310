// Same-origin requests are not CORS requests: the actual-request check
// (actual.ts) never refuses them. Deciding that must rest only on what a page
// cannot set, or a page could make its cross-origin request look same-origin.
import type { FastifyRequest } from 'fastify'
import type { TLSSocket } from 'node:tls'

/**
 * Whether a request comes from a page of the API's own origin. Browsers say so
 * in Sec-Fetch-Site, a forbidden header name that scripts cannot set. Without
 * it (older browsers, non-browser clients), the Origin is compared with the
 * scheme of the connection and the Host header (or :authority), which pages
 * cannot set either; never with X-Forwarded-Host, X-Forwarded-Proto or
 * Forwarded, which they can, even under trustProxy. Behind a proxy that
 * terminates TLS or rewrites Host this finds no match, so such requests get
 * the actual-request check like any cross-origin one: the safe side.
 */
export function isSameOrigin (request: FastifyRequest, origin: string): boolean {
  const headers = request.headers
  const site = headers['sec-fetch-site']
  if (site !== undefined) return site === 'same-origin'
  const authority = headers.host ?? headers[':authority']
  if (typeof authority !== 'string') return false
  const secure = (request.raw.socket as TLSSocket | null)?.encrypted === true
  let host = authority.toLowerCase()
  const defaultPort = secure ? ':443' : ':80'
  if (host.endsWith(defaultPort)) host = host.slice(0, -defaultPort.length)
  return origin === (secure ? 'https://' : 'http://') + host
}
