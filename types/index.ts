// Public types, derived from the TypeBox schema (lib/schema.ts), plus the
// declaration merging that types `config.cors` on every route.
import type { OriginCallback as Callback, OriginFunctionType, PluginOptions, RouteOptions } from '../lib/schema.js'

/** Options of `app.register(corsPlugin, options)`. */
export type CorsOptions = PluginOptions
/** Options of one route's `config.cors`; they override the plugin's for that route. */
export type RouteCorsOptions = RouteOptions
/**
 * `function (this: FastifyInstance, origin, callback, request)`: answer by returning `true`, `false` or an origin
 * string (or a Promise of one), or by calling `callback(error, allow)`, synchronously or later.
 */
export type OriginFunction = OriginFunctionType
/** `callback(null, true)` allows, `callback(null, false)` or `callback(error)` refuses, `callback(null, 'https://a.example')` allows that origin. */
export type OriginCallback = Callback

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` turns CORS off for this route (its responses and its preflights); an object overrides the plugin's options. */
    cors?: RouteCorsOptions | false
  }
}
