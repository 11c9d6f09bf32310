// Every symbol the plugin keys its state with, in one place: on Fastify
// instances, on route config objects, and on requests. Imports nothing, so
// every layer may use it.

/** On the config of the plugin's own OPTIONS route. */
export const kPreflightRoute = Symbol('cors.preflightRoute')
/** On a route's config (Fastify's copy): the route's CORS record, read through routeCorsOf (routing/registry.ts). */
export const kRouteCors = Symbol('cors.route')
/** On a request: what the plugin remembers about it between its hooks (request/request-state.ts). */
export const kState = Symbol('cors.state')
/** On the app's Reply prototype (and explain()'s stand-in replies): Fastify's own reply.header, which the plugin writes its answer with past the guard (request/answer.ts). */
export const kWriteHeader = Symbol('cors.writeHeader')
/** On explain()'s stand-in requests, which no client sent. */
export const kStandIn = Symbol('cors.standIn')
