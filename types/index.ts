// Public types, derived from the TypeBox schema (lib/schema.ts), plus the
// declaration merging that types `config.cors` on every route.
import type { OriginFunctionType, PluginOptions, RouteOptions } from '../lib/schema.js'

/** Options of `app.register(corsPlugin, options)`. */
export type CorsOptions = PluginOptions
/** Options of one route's `config.cors`; they override the plugin's for that route. */
export type RouteCorsOptions = RouteOptions
/** `(origin, request) => boolean | string | Promise<boolean | string>`: a string allows exactly that origin. */
export type OriginFunction = OriginFunctionType

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` turns CORS off for this route (its responses and its preflights); an object overrides the plugin's options. */
    cors?: RouteCorsOptions | false
  }
}
