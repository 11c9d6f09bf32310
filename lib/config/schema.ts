// The options' shape, in one place: the TypeBox schema validates options at
// registration and the public types are derived from it (see types/).
import { Kind, Type, TypeRegistry, type Static } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'

// TypeBox has no kind for "an instance of RegExp" (Type.RegExp tests a string
// against a pattern), so register one.
const REGEXP_KIND = 'CorsRegExpInstance'
if (!TypeRegistry.Has(REGEXP_KIND)) TypeRegistry.Set(REGEXP_KIND, (_schema, value) => value instanceof RegExp)
const RegExpInstance = Type.Unsafe<RegExp>({ [Kind]: REGEXP_KIND })

/**
 * The callback of an origin function, as in `@fastify/cors` and `cors`: `callback(null, true)` allows the
 * request's origin, `callback(null, 'https://a.example')` allows exactly that origin, `callback(null, false)`
 * or `callback(error)` refuses.
 */
export type OriginCallback = (error: Error | null, allow?: boolean | string) => void

/**
 * Decides an origin per request. Answer in one of three ways: return `true`, `false` or an origin string; return a
 * Promise of one; or call `callback(error, allow)`, synchronously or later (within `originFunctionTimeout`).
 * `this` is the Fastify instance; the request is the third argument.
 */
export type OriginFunctionType = (
  this: FastifyInstance,
  origin: string,
  callback: OriginCallback,
  request: FastifyRequest
) => void | boolean | string | Promise<void | boolean | string>

// TypeBox checks only `typeof value === 'function'`; the TypeScript type is the one above, with named parameters.
const OriginFunction = Type.Unsafe<OriginFunctionType>(Type.Function([], Type.Unknown()))

const StringOrList = Type.Union([Type.String(), Type.Array(Type.String())])

const LogLevel = Type.Union([
  Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'),
  Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')
])

/** Options that make sense both for the plugin and for one route (`config.cors`). */
const routeProperties = {
  origin: Type.Optional(Type.Union([
    Type.String(),
    RegExpInstance,
    Type.Array(Type.Union([Type.String(), RegExpInstance])),
    Type.Boolean(),
    OriginFunction
  ])),
  methods: Type.Optional(StringOrList),
  allowedHeaders: Type.Optional(StringOrList),
  exposedHeaders: Type.Optional(StringOrList),
  credentials: Type.Optional(Type.Boolean()),
  originFunctionTimeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
  maxAge: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
  cacheControl: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String()])),
  optionsSuccessStatus: Type.Optional(Type.Integer({ minimum: 200, maximum: 299 })),
  preflight: Type.Optional(Type.Boolean()),
  preflightContinue: Type.Optional(Type.Boolean()),
  rejectDisallowed: Type.Optional(Type.Boolean()),
  checkActualRequests: Type.Optional(Type.Boolean()),
  allowPrivateNetwork: Type.Optional(Type.Boolean()),
  debug: Type.Optional(Type.Boolean()),
  dangerouslyAllowAnyOriginWithCredentials: Type.Optional(Type.Boolean()),
  dangerouslyAllowSubdomainsOfPublicSuffixes: Type.Optional(Type.Boolean())
}

export const RouteOptionsSchema = Type.Object(routeProperties, { additionalProperties: false })

export const PluginOptionsSchema = Type.Object({
  ...routeProperties,
  hideOptionsRoute: Type.Optional(Type.Boolean()),
  logLevel: Type.Optional(LogLevel),
  /** Accepted from `@fastify/cors` as a no-op: this plugin always answers in onRequest. */
  hook: Type.Optional(Type.Literal('onRequest')),
  /** Accepted from `@fastify/cors` as a no-op: preflights are always strict here. */
  strictPreflight: Type.Optional(Type.Literal(true))
}, { additionalProperties: false })

export type PluginOptions = Static<typeof PluginOptionsSchema>
export type RouteOptions = Static<typeof RouteOptionsSchema>

/** What each option expects, in words, for error messages (TypeBox's union errors say only "Expected union value"). */
export const EXPECTED: Record<keyof PluginOptions, string> = {
  origin: "'*', an origin string or pattern, a RegExp, an array of those, true, false, or a function (origin, callback, request) that returns or calls back true, false or an origin",
  originFunctionTimeout: 'an integer number of milliseconds from 1 to 60000 (how long an origin function may take to answer)',
  methods: "a method name or an array of method names, e.g. ['GET', 'PUT']",
  allowedHeaders: "a header name, an array of header names, or '*'",
  exposedHeaders: "a header name, an array of header names, or '*'",
  credentials: 'a boolean',
  maxAge: 'an integer number of seconds from 0 to 86400 (Chromium caps it at 7200, Firefox at 86400)',
  cacheControl: "an integer number of seconds (sent as 'max-age=N') or a Cache-Control string",
  optionsSuccessStatus: 'an integer from 200 to 299 (browsers reject any other preflight status)',
  preflight: 'a boolean',
  preflightContinue: 'a boolean',
  rejectDisallowed: 'a boolean',
  checkActualRequests: 'a boolean',
  allowPrivateNetwork: 'a boolean',
  debug: 'a boolean',
  dangerouslyAllowAnyOriginWithCredentials: 'a boolean',
  dangerouslyAllowSubdomainsOfPublicSuffixes: 'a boolean',
  hideOptionsRoute: 'a boolean',
  logLevel: "one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'",
  hook: "'onRequest' or nothing: this plugin always answers in onRequest, before your auth hooks (register it before hooks that must not see preflights)",
  strictPreflight: 'true or nothing: preflights are always strict here (an OPTIONS request without Origin and Access-Control-Request-Method is routed like any other request)'
}
