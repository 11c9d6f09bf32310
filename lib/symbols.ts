// Every symbol the plugin keys its state with, in one place: on Fastify
// instances, on route config objects, and on requests. Imports nothing, so
// every layer may use it.

/** On the config of the plugin's own OPTIONS route. */
export const kPreflightRoute = Symbol('cors.preflightRoute')
/** On a route's config (Fastify's copy): the route's CORS record, read through routeCorsOf (routing/registry.ts). */
export const kRouteCors = Symbol('cors.route')
/** On a request: the response must say Vary: Origin. */
export const kVaryOrigin = Symbol('cors.varyOrigin')
/** On a not-found request: a registration has taken it. */
export const kClaimed = Symbol('cors.claimed')
/** On a preflight, with preflightContinue: the status the plugin's own OPTIONS route answers with. */
export const kContinueStatus = Symbol('cors.continueStatus')
