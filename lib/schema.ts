// The options' shape, in one place: the TypeBox schema validates options at
// registration and the public types are derived from it (see types/).
import { Kind, Type, TypeRegistry, type Static } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'

// TypeBox has no kind for "an instance of RegExp" (Type.RegExp tests a string
// against a pattern), so register one.
const REGEXP_KIND = 'CorsRegExpInstance'
if (!TypeRegistry.Has(REGEXP_KIND)) TypeRegistry.Set(REGEXP_KIND, (_schema, value) => value instanceof RegExp)
const RegExpInstance = Type.Unsafe<RegExp>({ [Kind]: REGEXP_KIND })

const Request = Type.Unsafe<FastifyRequest>({})
const OriginVerdict = Type.Union([Type.Boolean(), Type.String()])
const OriginFunction = Type.Function([Type.String(), Request], Type.Union([OriginVerdict, Type.Promise(OriginVerdict)]))

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
  logLevel: Type.Optional(LogLevel)
}, { additionalProperties: false })

export type PluginOptions = Static<typeof PluginOptionsSchema>
export type RouteOptions = Static<typeof RouteOptionsSchema>
export type OriginFunctionType = Static<typeof OriginFunction>

/** What each option expects, in words, for error messages (TypeBox's union errors say only "Expected union value"). */
export const EXPECTED: Record<keyof PluginOptions, string> = {
  origin: "'*', an origin string or pattern, a RegExp, an array of those, true, false, or a function (origin, request) => boolean | string",
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
  logLevel: "one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'"
}
