// Public types, derived from the TypeBox schema (lib/schema.ts), plus the
// declaration merging that types `config.cors` on every route.
import type { OriginCallback as Callback, OriginFunctionType, PluginOptions, RouteOptions } from '../lib/config/schema.js'
import type { CorsInspector } from '../lib/plugin.js'

export type { CorsInspector } from '../lib/plugin.js'
export type { CorsRoute } from '../lib/routing/route-list.js'
export type { ExplainRequest, Explanation, ExplainedResponse } from '../lib/request/explain.js'

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

// Fastify types a route's `config` as `FastifyContextConfig & C`, C inferred from the literal. With `boolean`
// options, TypeScript reduces `RouteCorsOptions & { credentials: string }` to never and reports the mistake
// against `false & …`, naming no option. A boolean option typed `boolean | NotABoolean` (a type no value has)
// is no longer a union of literals, so the error says "Types of property 'credentials' are incompatible".
declare const kNotABoolean: unique symbol
/** No value has this type; it only keeps TypeScript's errors about `config.cors` naming the option. */
export interface NotABoolean { readonly [kNotABoolean]: never }

type WithNamedErrors = {
  [K in keyof RouteCorsOptions]: boolean extends Exclude<RouteCorsOptions[K], undefined>
    ? (Exclude<RouteCorsOptions[K], undefined> extends boolean ? boolean | NotABoolean : RouteCorsOptions[K])
    : RouteCorsOptions[K]
}

/**
 * What a route literal's `config.cors` object is checked against: RouteCorsOptions, with errors that name the
 * option. `valueOf` returning an object (every object's does; a boolean's or a string's does not) makes
 * `cors: true` and `cors: 'x'` errors too, which Fastify's `& C` would otherwise let through. Fastify's `& C`
 * also makes TypeScript report `cors: true` against this interface alone ("Type 'boolean' is not assignable to
 * type …"), never against `false`: the interface's name is the whole message, so it states the rule.
 */
export interface CorsIsAnOptionsObjectOrFalse extends WithNamedErrors {
  valueOf?: () => object
}
/** What `config.cors` takes besides `false`. */
export type RouteCorsConfig = CorsIsAnOptionsObjectOrFalse

declare module 'fastify' {
  interface FastifyInstance {
    /** What the plugin does with each route and request: `routes()`, `printRoutes()` and `explain()`, once the app is ready. */
    readonly cors: CorsInspector
  }
  interface FastifyContextConfig {
    /** `false` turns CORS off for this route (its responses and its preflights); an object overrides the plugin's options. */
    cors?: CorsIsAnOptionsObjectOrFalse | false
  }
}
