// fastify-cors-exact: spec-exact, route-aware CORS for Fastify 5.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { openScope } from './lib/scope.js'
import { installPreflightConstraint, routeCompiler } from './lib/routes.js'
import { requestHandler, varyOnNotFound } from './lib/hooks.js'
import type { CorsOptions } from './types/index.js'

export type { CorsOptions, RouteCorsOptions, OriginFunction } from './types/index.js'
export { ERROR_CODES } from './lib/errors.js'

async function cors (fastify: FastifyInstance, options: CorsOptions): Promise<void> {
  // Check every option and compile the scope's policy; a bad option fails startup here.
  const scope = openScope(fastify, options, fastify.log)
  // Preflights are routed to a per-path OPTIONS route that only they can match.
  installPreflightConstraint(fastify)
  // Each route declared after this point gets its policy compiled once.
  fastify.addHook('onRoute', routeCompiler(scope))
  // Each request reads its route's policy: preflights are answered, actual responses decorated.
  fastify.addHook('onRequest', requestHandler(scope))
  // A 404's Vary: Origin must survive a not-found handler that sets its own Vary.
  if (scope.policy.varyOnOrigin) fastify.addHook('onSend', varyOnNotFound)
}

export const corsPlugin = fp(cors, { fastify: '5.x', name: 'fastify-cors-exact' })
export default corsPlugin
