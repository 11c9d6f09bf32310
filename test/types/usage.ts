// Type tests, compiled by `npm run test:types`: correct use compiles, and
// every `@ts-expect-error` line must fail to compile (an unused one is an error).
import Fastify, { type FastifyRequest } from 'fastify'
import cors, { corsPlugin, type CorsOptions, type CorsRoute, type Explanation, type ExplainRequest, type OriginCallback, type OriginFunction, type RouteCorsOptions } from '../../index.js'

const app = Fastify()

// Registration with and without options.
await app.register(cors)
await app.register(corsPlugin, { origin: ['https://a.com', /^https:\/\/b\.example\.com$/], credentials: true, maxAge: 600 })
await app.register(cors, { origin: async (origin: string, _callback: OriginCallback, request: FastifyRequest) => origin === request.headers.host })
await app.register(cors, { origin: (origin) => origin.endsWith('.example.com') ? origin : false })

// Every form of origin function, with named, typed parameters and `this` the Fastify instance.
await app.register(cors, { origin: (origin, cb) => { cb(null, new URL(origin).hostname === 'localhost') } })
await app.register(cors, { origin: (origin, cb) => { cb(new Error('Not allowed')) } })
await app.register(cors, { origin: function (origin, callback) { callback(null, this.hasDecorator('x') ? origin : false) } })
await app.register(cors, { origin: (origin, callback) => { setTimeout(() => callback(null, true), 10) } })
await app.register(cors, { origin: async (origin, callback, request) => { callback(null, request.headers['x-tenant'] === origin) } })
await app.register(cors, { origin: (_origin, _callback, request) => request.url === '/' })
await app.register(cors, { origin: async function (origin) { return this.hasDecorator(origin) } })
await app.register(cors, { origin: () => Promise.resolve('https://a.com'), originFunctionTimeout: 2000 })
// @fastify/cors options accepted as no-ops.
await app.register(cors, { hook: 'onRequest', strictPreflight: true })
await app.register(cors, { origin: true, methods: 'GET, POST', allowedHeaders: '*', exposedHeaders: ['x-a'], cacheControl: 'no-store', logLevel: 'warn' })

// @ts-expect-error maxAge is a number
await app.register(cors, { maxAge: 'x' })
// @ts-expect-error unknown option (a typo)
await app.register(cors, { orign: 'https://a.com' })
// @ts-expect-error origin takes no numbers
await app.register(cors, { origin: 5 })
// @ts-expect-error an origin function returns a boolean or a string
await app.register(cors, { origin: () => 42 })
// @ts-expect-error logLevel is a Fastify level
await app.register(cors, { logLevel: 'loud' })
// @ts-expect-error checkActualRequests is a boolean
await app.register(cors, { checkActualRequests: 'no' })
// @ts-expect-error the callback takes an error and true, false or an origin
await app.register(cors, { origin: (origin, cb) => { cb(null, 42) } })
// @ts-expect-error the callback's first argument is an error or null
await app.register(cors, { origin: (origin, cb) => { const reason = 'no'; cb(reason) } })
// @ts-expect-error the third argument is the request, not the reply
await app.register(cors, { origin: (origin, cb, request) => request.code(200) })
// @ts-expect-error only hook 'onRequest' is accepted
await app.register(cors, { hook: 'preHandler' })
// @ts-expect-error strictPreflight can only be true (what this plugin does)
await app.register(cors, { strictPreflight: false })

// Per-route config, typed by declaration merging on FastifyContextConfig.
app.get('/a', { config: { cors: false } }, async () => 'a')
app.get('/b', { config: { cors: { origin: 'https://partner.com', maxAge: 60 } } }, async () => 'b')
app.route({ method: 'PUT', url: '/c', config: { cors: { allowedHeaders: ['content-type'] } }, handler: async () => 'c' })

app.get('/b2', { config: { cors: { origin: (origin, cb, request) => { cb(null, request.url === '/b2' ? origin : false) }, credentials: true } } }, async () => 'b')

// @ts-expect-error config.cors.maxAge is a number
app.get('/d', { config: { cors: { maxAge: 'x' } } }, async () => 'd')
// @ts-expect-error config.cors.credentials is a boolean (the error names 'credentials': test/types.test.ts)
app.get('/d2', { config: { cors: { credentials: 'yes' } } }, async () => 'd')
// @ts-expect-error config.cors is false or an object, never true
app.get('/d3', { config: { cors: true } }, async () => 'd')
// @ts-expect-error config.cors is false or an object, never a string
app.get('/d4', { config: { cors: 'https://a.com' } }, async () => 'd')
// Fastify infers a route's config type from the literal and intersects it with
// FastifyContextConfig, so a misspelled key inside a route literal is not
// caught by the compiler: the schema refuses it at startup
// (test/routes.test.ts), and `satisfies RouteCorsOptions` catches it early:
// @ts-expect-error unknown option in config.cors, checked with satisfies
app.get('/e', { config: { cors: { orign: 'https://a.com' } satisfies RouteCorsOptions } }, async () => 'e')
// @ts-expect-error hideOptionsRoute is a plugin option only
app.get('/g', { config: { cors: { hideOptionsRoute: true } satisfies RouteCorsOptions } }, async () => 'g')
// @ts-expect-error outside a route literal, config is checked as declared
const config: import('fastify').FastifyContextConfig = { cors: true }

// The exported types are the schema's.
const options: CorsOptions = { origin: 'https://a.com', rejectDisallowed: true, checkActualRequests: false, allowPrivateNetwork: true, debug: true }
const route: RouteCorsOptions = { credentials: true }
const decide: OriginFunction = (origin) => Promise.resolve(origin === 'https://a.com')
// @ts-expect-error RouteCorsOptions has no logLevel
const badRoute: RouteCorsOptions = { logLevel: 'info' }
await app.register(cors, options)

// fastify.cors: the routes' policies and explain(), typed.
const listedRoutes: CorsRoute[] = app.cors.routes()
const firstSource: 'registration' | 'config.cors' | 'off' | 'none' | undefined = listedRoutes[0]?.source
const printed: string = app.cors.printRoutes()
const explained: Explanation = await app.cors.explain({ origin: 'https://a.com', method: 'PUT', url: '/items/1', headers: { 'content-type': 'application/json' }, credentials: true })
const minimal: ExplainRequest = { method: 'GET', url: '/' }
const answeredBy: 'cors' | 'route' | 'not-found' | 'fastify' | undefined = explained.preflight?.answeredBy
const status: number | null | undefined = explained.actual?.status
const reason: string | null = explained.reason
// @ts-expect-error explain() needs a url
await app.cors.explain({ method: 'GET' })
// @ts-expect-error headers are names to string values, not a list of names
await app.cors.explain({ method: 'GET', url: '/', headers: ['x-custom'] })
// @ts-expect-error credentials is a boolean
await app.cors.explain({ method: 'GET', url: '/', credentials: 'include' })
// @ts-expect-error an unknown field (the request's body is not read)
await app.cors.explain({ method: 'POST', url: '/', body: '{}' })
// @ts-expect-error explain() answers a Promise: await it
const notAwaited: Explanation = app.cors.explain(minimal)
// @ts-expect-error fastify.cors is read-only
app.cors = { routes: () => [], printRoutes: () => '', explain: async () => explained }
// @ts-expect-error routes() lists; it takes no filter
app.cors.routes('/items')
export { options, route, decide, badRoute, config, firstSource, printed, answeredBy, status, reason, notAwaited }
