// Same-origin requests are not CORS requests: the actual-request check
// (actual.ts) never refuses them.
import type { FastifyRequest } from 'fastify'

/**
 * Whether a request comes from a page of the API's own origin: browsers say so
 * in Sec-Fetch-Site, which scripts cannot set; without it, compare scheme, host
 * and port (as trustProxy reports them behind a proxy).
 */
export function isSameOrigin (request: FastifyRequest, origin: string): boolean {
  const site = request.headers['sec-fetch-site']
  if (site !== undefined) return site === 'same-origin'
  const protocol = request.protocol
  let host = request.host.toLowerCase()
  const defaultPort = protocol === 'https' ? ':443' : ':80'
  if (host.endsWith(defaultPort)) host = host.slice(0, -defaultPort.length)
  return origin === `${protocol}://${host}`
}
