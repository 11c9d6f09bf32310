// Every symbol the plugin keys its state with, in one place: on Fastify
// instances, on route config objects, and on requests. Imports nothing, so
// every layer may use it.

/** On the config of the plugin's own OPTIONS route. */
export const kPreflightRoute = Symbol('cors.preflightRoute')
/** On a route's config (Fastify's copy): the route's CORS record, read through routeCorsOf (routing/registry.ts). */
export const kRouteCors = Symbol('cors.route')
/** On a request: the request headers its answer depends on, for Vary. */
export const kVary = Symbol('cors.vary')
/** On a request: what the plugin granted besides Access-Control-Allow-Origin; undefined when it gave no answer. */
export const kGrant = Symbol('cors.grant')
/** On a request: the Access-Control-Allow-Origin the plugin answered with; undefined when none. */
export const kAllowOrigin = Symbol('cors.allowOrigin')
/** On a not-found request: a registration has taken it. */
export const kClaimed = Symbol('cors.claimed')
/** On a preflight, with preflightContinue: the status the plugin's own OPTIONS route answers with. */
export const kContinueStatus = Symbol('cors.continueStatus')
/** On the app's Reply prototype (and explain()'s stand-in replies): Fastify's own reply.header, which the plugin writes its answer with past the guard (request/answer.ts). */
export const kWriteHeader = Symbol('cors.writeHeader')
/** On explain()'s stand-in requests, which no client sent. */
export const kStandIn = Symbol('cors.standIn')
