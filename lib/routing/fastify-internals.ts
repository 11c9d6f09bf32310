// Every use the plugin makes of Fastify's internals lives here, each looked up
// once and checked against Fastify's public answer before it is trusted, with
// the public way as the fallback.
import type { FastifyRequest } from 'fastify'

/** The description of the symbol under which a Fastify request keeps its route's context (lib/request.js). */
const ROUTE_CONTEXT = 'fastify.context'

type ConfigReader = (request: FastifyRequest) => object | undefined

const publicConfig: ConfigReader = request => request.routeOptions.config

/**
 * How to read a request's route config. `request.routeOptions` is a getter
 * that builds a 12-field object (and asks for the version constraint
 * strategy) on each call; the route's context, which holds the same config
 * object, is one property read away. Chosen on one request: the context's
 * config must be the very object routeOptions returns, else routeOptions it is.
 */
export function routeConfigReader (request: FastifyRequest): ConfigReader {
  const symbol = Object.getOwnPropertySymbols(request).find(candidate => candidate.description === ROUTE_CONTEXT)
  if (symbol === undefined) return publicConfig
  const context = (request as unknown as Record<symbol, { config?: object } | undefined>)[symbol]
  if (context === undefined || context.config !== request.routeOptions.config) return publicConfig
  return request => (request as unknown as Record<symbol, { config?: object }>)[symbol].config
}
