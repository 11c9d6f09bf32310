// fastify-cors-exact: spec-exact, route-aware CORS for Fastify 5.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { openScope } from './lib/policy/scope.js'
import { registryFor } from './lib/routing/registry.js'
import { declareRequestState } from './lib/request/request-state.js'
import { addPreflightRoute, decorateInspector, guardResponses, installPreflightConstraint, registryBuilder, routeCompiler } from './lib/plugin.js'
import { requestHandler } from './lib/request/hooks.js'
import type { CorsOptions } from './types/index.js'

export type { CorsOptions, RouteCorsOptions, OriginFunction, OriginCallback, CorsInspector, CorsRoute, ExplainRequest, Explanation, ExplainedResponse } from './types/index.js'
export { ERROR_CODES } from './lib/config/errors.js'
export { REFUSAL_CHANNEL, type RefusalMessage } from './lib/request/reasons.js'

async function cors (fastify: FastifyInstance, options: CorsOptions): Promise<void> {
  // Check every option and compile the scope's policy; a bad option fails startup here.
  const scope = openScope(fastify, options, fastify.log)
  const registry = registryFor(fastify)
  registry.register(scope)
  declareRequestState(fastify)
  // Preflights that no route of the app answers reach one OPTIONS route that only they can match.
  installPreflightConstraint(fastify)
  addPreflightRoute(fastify, scope)
  // Routes declared from here on have their config.cors compiled as they are declared...
  fastify.addHook('onRoute', routeCompiler(scope, registry))
  // Each request is answered with its route's policy: preflights here, actual responses decorated.
  const onRequest = requestHandler(scope, registry)
  // ...and when the app is ready, every route is in the registry, whatever its scope or order.
  // The hook is moved at ready before every other onRequest hook.
  fastify.addHook('onReady', registryBuilder(registry, onRequest))
  fastify.addHook('onRequest', onRequest)
  // Vary and the Access-Control-* headers survive a handler, an upstream or a later hook that sets its own.
  guardResponses(fastify)
  // fastify.cors.routes() and explain(): what the hooks would answer, read from the same registry.
  decorateInspector(fastify, registry)
}

// The peer range (package.json): Fastify refuses, at registration, to load the plugin into a release outside it
// (FST_ERR_PLUGIN_VERSION_MISMATCH, naming both versions). Earlier 5.x releases fail tests that guard what a page
// may read (README, "Why not older Fastify 5 releases"); pre-releases of the next major are let through by Fastify.
export const corsPlugin = fp(cors, { fastify: '^5.12.8', name: 'fastify-cors-exact' })
export default corsPlugin
