// Every reliance of the plugin on Fastify's internals, in one module. Route
// truth needs what Fastify's public API does not give: which route, with which
// config and hooks, answers a request; Fastify keeps that in its router, a
// find-my-way instance, and in the router of its not-found handlers. Each
// internal is read here, and `checkInternals` proves at ready that they still
// behave as this module expects: a Fastify release that changes one fails the
// app's startup with a message naming that version, instead of refusing every
// preflight at run time. test/routing/fastify-internals.test.ts pins each one.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { IncomingMessage } from 'node:http'
import createError from '@fastify/error'
import { ERROR_CODES } from '../config/errors.js'

/** What Fastify keeps for one route (its "context"), as far as the plugin reads it. */
export interface RouteContext {
  /** The route's config: the object `request.routeOptions.config` returns for its requests. */
  readonly config: Record<string | symbol, unknown>
  /** The route's onRequest hooks, in the order they run, bound to the route's instance; null when none. */
  readonly onRequest: ReadonlyArray<{ readonly name: string }> | null
  /** The route's onSend hooks, likewise. */
  readonly onSend: ReadonlyArray<{ readonly name: string }> | null
  /** The instance the route (or not-found handler) was declared on. */
  readonly server: FastifyInstance
  /** The class of the route's replies: its instance's, whose prototype chain ends at the app's (replyPrototypeOf). */
  readonly Reply?: { readonly prototype: object }
}

/** One route as a router holds it. */
export interface RouterRoute {
  readonly method: string
  /** The path given to the router: prefix included, as find-my-way parses it. */
  readonly path: string
  readonly constraints: Readonly<Record<string, unknown>>
  readonly context: RouteContext
}

/** A constraint strategy of the router, built in or added by the app (in the server options or at run time). */
export interface Strategy {
  readonly name: string
  /** Fastify's own `host` and `version` are not custom; one the app adds, or a replacement of those, is. */
  readonly custom: boolean
  /** A route without this constraint is not found for a request that derives a value for it. */
  readonly mustMatchWhenDerived: boolean
  readonly deriveConstraint: (req: IncomingMessage, ctx?: unknown) => unknown
}

export interface RouterOptions {
  readonly caseSensitive: boolean
  readonly ignoreTrailingSlash: boolean
  readonly ignoreDuplicateSlashes: boolean
  readonly maxParamLength: number
  readonly allowUnsafeRegex: boolean
  readonly useSemicolonDelimiter: boolean
}

/** What a request must hold for the router's strategies to derive their values from it. */
export interface DerivableRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
}

export interface Found {
  readonly context: RouteContext
  readonly params: Readonly<Record<string, string | undefined>>
}

/** One of Fastify's routers: its routes, and the lookup Fastify itself runs on each request. */
export interface FastifyRouter {
  /**
   * The route that answers `method` (as sent: Fastify does not upper-case it)
   * at `url` (path and query, after rewriteUrl) with these derived constraint
   * values; null when none does (a bad URL or a parameter over maxParamLength included).
   */
  find: (method: string, url: string, constraints: Record<string, unknown>) => Found | null
  /**
   * The constraint values the router derives from a request, as it does before
   * `find` on each request Fastify routes (its strategies' deriveConstraint, async ones included).
   */
  derive: (req: DerivableRequest) => Promise<Record<string, unknown>>
  /**
   * Whether Fastify answers this lookup itself, before routing and with no
   * route, through its `frameworkErrors`: a bad URL, a parameter over maxParamLength.
   */
  failsBeforeRouting: (method: string, url: string, constraints: Record<string, unknown>) => boolean
  routes: () => RouterRoute[]
  /** Every strategy of the router now, including those the app added at run time. */
  strategies: () => Strategy[]
  /**
   * Whether a request for `method` at `url`, with these constraint values, would
   * match the route's path and these of its constraints, were it the only route:
   * a router of the same kind and options holding it alone answers.
   */
  matcher: (route: RouterRoute, constraints: Record<string, unknown>) => (url: string, derived: Record<string, unknown>) => boolean
  readonly options: RouterOptions
}

export interface FastifyInternals {
  /** The app's router. */
  readonly router: FastifyRouter
  /** The router of the not-found handlers: one route per prefix that has its own. */
  readonly notFoundRouter: FastifyRouter
}

interface FindMyWay {
  find: (method: string, url: string, constraints: Record<string, unknown> | undefined) => { store: RouteContext | null, params: Record<string, string | undefined> } | null
  routes: Array<{ method: string, path: string, opts: { constraints?: Record<string, unknown> }, store: RouteContext | null }>
  constrainer: {
    strategies: Record<string, { name: string, isCustom?: boolean, mustMatchWhenDerived?: boolean, deriveConstraint: Strategy['deriveConstraint'] }>
    deriveConstraints: (req: DerivableRequest, ctx: undefined, done: (err: Error | null, constraints: Record<string, unknown> | undefined) => void) => void
  }
  caseSensitive: boolean
  ignoreTrailingSlash: boolean
  ignoreDuplicateSlashes: boolean
  maxParamLength: number
  allowUnsafeRegex: boolean
  useSemicolonDelimiter: boolean
  hasConstraintStrategy: (name: string) => boolean
}

const FastifyInternalsError = createError(ERROR_CODES.fastifyInternals, '%s', 500)

/** Fastify's not-found module, on the root instance under a symbol described 'fastify.404'; its `router` is a find-my-way instance. */
function notFoundModule (app: FastifyInstance): { router?: unknown } | undefined {
  return underSymbol(app, 'fastify.404')
}

/**
 * What Fastify keeps under the symbol with this description on `instance` or
 * its nearest ancestor that has one (lib/symbols.js); undefined when none does.
 */
function underSymbol<T> (instance: object, description: string): T | undefined {
  for (const level of instanceChain(instance as FastifyInstance)) {
    const key = Object.getOwnPropertySymbols(level).find(symbol => symbol.description === description)
    if (key !== undefined) return (level as Record<symbol, T | undefined>)[key]
  }
  return undefined
}

/**
 * Fastify's router is a find-my-way instance it never exposes; its own
 * `hasConstraintStrategy` calls that instance's method of the same name, which
 * lives on find-my-way's prototype, shared with the not-found router that
 * Fastify does expose (under a symbol). Wrapping that one prototype method for
 * the length of one synchronous call tells which instance it ran on.
 */
function captureRouter (app: FastifyInstance, prototype: { hasConstraintStrategy?: unknown }): FindMyWay | undefined {
  const original = prototype.hasConstraintStrategy
  if (typeof original !== 'function') return undefined
  let captured: FindMyWay | undefined
  prototype.hasConstraintStrategy = function (this: FindMyWay, name: string) {
    captured = this
    return original.call(this, name)
  }
  try {
    app.hasConstraintStrategy('version')
  } finally {
    prototype.hasConstraintStrategy = original
  }
  return captured
}

// find-my-way wants a handler; a matcher's route is only looked up, never called.
const neverCalled = Function.prototype as () => void

function wrap (router: FindMyWay): FastifyRouter {
  const options: RouterOptions = {
    caseSensitive: router.caseSensitive,
    ignoreTrailingSlash: router.ignoreTrailingSlash,
    ignoreDuplicateSlashes: router.ignoreDuplicateSlashes,
    maxParamLength: router.maxParamLength,
    allowUnsafeRegex: router.allowUnsafeRegex,
    useSemicolonDelimiter: router.useSemicolonDelimiter
  }
  const Router = Object.getPrototypeOf(router).constructor as new (options: RouterOptions) => FindMyWay & { on: (method: string, path: string, options: object, handler: () => void) => void }
  return {
    find (method, url, constraints) {
      const found = router.find(method, url, constraints)
      // A bad URL or an over-long parameter is "found" with Fastify's error handler and no route.
      return found === null || found.store === null ? null : { context: found.store, params: found.params }
    },
    failsBeforeRouting (method, url, constraints) {
      const found = router.find(method, url, constraints)
      return found !== null && found.store === null
    },
    derive (req) {
      return new Promise((resolve, reject) => {
        router.constrainer.deriveConstraints(req, undefined, (err, constraints) => {
          if (err !== null) reject(err)
          else resolve(constraints ?? {})
        })
      })
    },
    routes () {
      const routes: RouterRoute[] = []
      for (const route of router.routes) {
        if (route.store !== null) routes.push({ method: route.method, path: route.path, constraints: route.opts.constraints ?? {}, context: route.store })
      }
      return routes
    },
    strategies () {
      return Object.values(router.constrainer.strategies).map(strategy => ({
        name: strategy.name,
        custom: strategy.isCustom === true,
        mustMatchWhenDerived: strategy.mustMatchWhenDerived === true,
        deriveConstraint: strategy.deriveConstraint
      }))
    },
    matcher (route, constraints) {
      const alone = new Router(options)
      // The router holds a path as it parsed it, its trailing slash already trimmed under
      // ignoreTrailingSlash; a new router trims again: give it the slash to trim ('/a//' is held as '/a/').
      alone.on(route.method, options.ignoreTrailingSlash ? `${route.path}/` : route.path, { constraints }, neverCalled)
      return (url, derived) => alone.find(route.method, url, derived) !== null
    },
    options
  }
}

function looksLikeFindMyWay (router: unknown): router is FindMyWay {
  const candidate = router as Partial<FindMyWay> | null | undefined
  return typeof candidate?.find === 'function' && Array.isArray(candidate.routes) &&
    typeof candidate.constrainer?.strategies === 'object' && typeof candidate.caseSensitive === 'boolean'
}

const known = new WeakMap<object, FastifyInternals>()

/**
 * The routers of the app `app` belongs to, read once per app (any instance of
 * it gives the same). Throws FST_CORS_FASTIFY_INTERNALS when one cannot be read.
 */
export function internalsOf (app: FastifyInstance): FastifyInternals {
  const notFound = notFoundModule(app)
  const cached = notFound === undefined ? undefined : known.get(notFound)
  if (cached !== undefined) return cached
  const notFoundRouter = notFound?.router
  if (!looksLikeFindMyWay(notFoundRouter)) throw changed(app, "the not-found handlers' router (the 'fastify.404' symbol's router)")
  const router = captureRouter(app, Object.getPrototypeOf(notFoundRouter))
  if (router === notFoundRouter || !looksLikeFindMyWay(router)) throw changed(app, 'the router (the find-my-way instance behind hasConstraintStrategy)')
  const internals = { router: wrap(router), notFoundRouter: wrap(notFoundRouter) }
  known.set(notFound as object, internals)
  return internals
}

/** The instance and its ancestors, nearest first: Fastify makes each child scope with Object.create(parent). */
export function * instanceChain (instance: FastifyInstance): Generator<object> {
  for (let level: object | null = instance; level !== null && level !== Object.prototype; level = Object.getPrototypeOf(level)) yield level
}

/** The app itself, which ends the chain of any of its instances: its decorations are every scope's. */
export function rootOf (instance: FastifyInstance): FastifyInstance {
  return [...instanceChain(instance)].at(-1) as FastifyInstance
}

/** The name Fastify gives a hook function once it has bound it to a route's instance. */
export function boundName (hook: { readonly name: string }): string {
  return `bound ${hook.name}`
}

/** Whether one of a context's onRequest hooks has this (bound) name: asked of every route when the app is ready. */
export function runsOnRequest (context: RouteContext, name: string): boolean {
  const hooks = context.onRequest
  if (hooks == null) return false
  for (let i = 0; i < hooks.length; i++) if (hooks[i].name === name) return true
  return false
}

/**
 * What the plugin knows must hold of its own OPTIONS route, which every app
 * with the plugin has: Fastify's router finds it with its own context, that
 * context carries the plugin's hook under its bound name, and its instance
 * descends from the instance the plugin was registered on.
 */
export interface Expectations {
  /** The plugin's OPTIONS route: its method, a URL it answers, the constraints it needs. */
  readonly method: string
  readonly url: string
  readonly constraints: Record<string, unknown>
  /** Tells the plugin's route from others by its config. */
  readonly isPluginRoute: (config: Record<string | symbol, unknown>) => boolean
  /** The plugin's onRequest hook function, before Fastify binds it. */
  readonly hook: { readonly name: string }
  /** Whether replies made from this prototype are guarded (request/answer.ts). */
  readonly guarded: (prototype: object) => boolean
  /** The instance the plugin was registered on. */
  readonly registeredOn: FastifyInstance
}

/** Fails startup, naming the Fastify version, when an internal this module reads no longer behaves as it expects. */
export function checkInternals (app: FastifyInstance, expect: Expectations): FastifyInternals {
  const internals = internalsOf(app)
  const routes = internals.router.routes()
  const route = routes.find(route => route.method === expect.method && expect.isPluginRoute(route.context.config))
  if (route === undefined) throw changed(app, "the router's list of routes (find-my-way's `routes`, each with Fastify's context as its store)")
  // An app's own route at that URL may answer before the plugin's: any route's context will do.
  const found = internals.router.find(expect.method, expect.url, expect.constraints)
  if (found === null || !routes.some(route => route.context === found.context)) throw changed(app, "the router's lookup (find-my-way's `find`, returning the route's context as its store)")
  if (!runsOnRequest(route.context, boundName(expect.hook))) throw changed(app, "the names of a route's onRequest hooks (Fastify binds each hook to the route's instance)")
  if (route.context.Reply === undefined || !expect.guarded(route.context.Reply.prototype)) throw changed(app, "the class of a route's replies (Fastify builds each scope's Reply from its parent's, down from the app's)")
  if (![...instanceChain(route.context.server)].includes(expect.registeredOn)) throw changed(app, 'the prototype chain of scoped instances (Fastify makes a child scope with Object.create(parent))')
  if (internals.notFoundRouter.find('GET', '/', {}) === null) throw changed(app, "the not-found router's routes (one per prefix with a not-found handler, the root's at '/')")
  return internals
}

function changed (app: FastifyInstance, what: string): Error {
  return new FastifyInternalsError(
    `fastify-cors-exact cannot read ${what} in Fastify ${app.version}: this Fastify changed an internal the plugin relies on to know which route answers a request, so it cannot answer preflights correctly. Fix: use a Fastify version within the plugin's peerDependencies range, or upgrade fastify-cors-exact to a release that supports Fastify ${app.version}.`
  )
}

/** The description of the symbol under which a Fastify request keeps its route's context (lib/request.js). */
const ROUTE_CONTEXT = 'fastify.context'

type ConfigReader = (request: FastifyRequest) => object

const publicConfig: ConfigReader = request => request.routeOptions.config

/**
 * How to read a request's route config. `request.routeOptions` is a getter
 * that builds a 12-field object (and asks for the version constraint
 * strategy) on each call; the route's context, which holds the same config
 * object, is one property read away. Chosen on one request: the context's
 * config must be the very object routeOptions returns, else routeOptions it is.
 */
export function routeConfigReader (request: FastifyRequest): ConfigReader {
  const symbol = Object.getOwnPropertySymbols(request).find(candidate => candidate.description === ROUTE_CONTEXT)
  if (symbol === undefined) return publicConfig
  const context = (request as unknown as Record<symbol, { config?: object } | undefined>)[symbol]
  if (context === undefined || context.config !== request.routeOptions.config) return publicConfig
  return request => (request as unknown as Record<symbol, { config: object }>)[symbol].config
}

/** A context's onRequest hooks, as Fastify reads them on each request (lib/route.js). */
type HookArrays = { onRequest: Array<{ readonly name: string }> | null }

/**
 * Runs the plugin's onRequest hooks (`first`) before every other onRequest hook
 * of each route and not-found handler they run for, keeping their own order
 * (one per registration). Hooks run in registration order, and an auth or
 * rate-limit plugin registered first (as their docs show) would otherwise
 * answer preflights with its 401 or 429, and send those without CORS headers.
 * Fastify binds the hooks into each context's arrays at preReady and reads
 * those arrays on every request: reordered once here, they cost nothing per request.
 */
export function answerFirst (app: FastifyInstance, internals: FastifyInternals, first: { readonly name: string }): void {
  const firstName = boundName(first)
  const contexts = new Set<RouteContext>()
  for (const route of internals.router.routes()) contexts.add(route.context)
  for (const route of internals.notFoundRouter.routes()) contexts.add(route.context)
  for (const context of contexts) {
    const hooks = context as unknown as HookArrays
    if (!isHookArray(hooks.onRequest)) throw changed(app, "a route's hooks (Fastify keeps each kind as an array of bound functions in the route's context, or null)")
    if (hooks.onRequest === null || !runsOnRequest(context, firstName)) continue
    moveToFront(hooks.onRequest, firstName)
  }
}

function isHookArray (hooks: unknown): boolean {
  return hooks === null || (Array.isArray(hooks) && hooks.every(hook => typeof hook === 'function'))
}

/** In place: Fastify holds the array in the context, and may hold it elsewhere too. */
function moveToFront (hooks: Array<{ readonly name: string }>, name: string): void {
  // Usually they already are (the plugin registered before the other hooks): no copy.
  let front = 0
  while (front < hooks.length && hooks[front].name === name) front++
  let rest = front
  while (rest < hooks.length && hooks[rest].name !== name) rest++
  if (rest === hooks.length) return
  const ours = hooks.filter(hook => hook.name === name)
  const others = hooks.filter(hook => hook.name !== name)
  hooks.splice(0, hooks.length, ...ours, ...others)
}

/** What the plugin wraps of Fastify's replies (lib/reply.js). */
export interface ReplyPrototype {
  header: (this: FastifyReply, name: string, value?: unknown) => FastifyReply
  removeHeader: (this: FastifyReply, name: string) => FastifyReply
  send: (this: FastifyReply, payload?: unknown) => FastifyReply
}

/**
 * The prototype of the app's replies, under the root instance's symbol
 * described 'fastify.Reply': each scope's Reply class is built from its
 * parent's. A route's replies come from the nearest decorated one of its
 * scope's class and the classes above (undecorated, Fastify's own base class,
 * shared by every app in the process): once the app's class is decorated,
 * every reply of the app's routes and not-found handlers inherits from this
 * prototype (checkInternals proves it for the plugin's own route).
 */
export function replyPrototypeOf (app: FastifyInstance): ReplyPrototype {
  // The root's own: a child scope holds its own class, built from the app's.
  const prototype = underSymbol<{ prototype?: Partial<ReplyPrototype> }>(rootOf(app), 'fastify.Reply')?.prototype
  if (typeof prototype?.header !== 'function' || typeof prototype.removeHeader !== 'function' || typeof prototype.send !== 'function') {
    throw changed(app, "the app's reply class (the 'fastify.Reply' symbol's class, with header, removeHeader and send)")
  }
  return prototype as ReplyPrototype
}

type FrameworkErrors = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void

/** Fastify's options object, which it reads `frameworkErrors` from on each such error (fastify.js). */
function serverOptions (app: FastifyInstance): { frameworkErrors?: FrameworkErrors } | undefined {
  return underSymbol(app, 'fastify.options')
}

/**
 * A bad URL (`/q/%zz`), a parameter over maxParamLength or a failing async
 * constraint is answered by Fastify before any hook runs, with no CORS
 * headers, unless the app set the `frameworkErrors` option. `decorate` runs
 * first for these, then the app's own `frameworkErrors`, or an answer
 * identical to Fastify's own.
 */
export function decorateFrameworkErrors (app: FastifyInstance, decorate: (request: FastifyRequest, reply: FastifyReply, then: HookHandlerDoneFunction) => void): void {
  const options = serverOptions(app)
  const own = options?.frameworkErrors ?? answerAsFastify
  if (options === undefined || typeof own !== 'function') throw changed(app, "the server options (the 'fastify.options' symbol's object, whose frameworkErrors Fastify calls for a bad URL)")
  options.frameworkErrors = (error, request, reply) => {
    decorate(request, reply, () => own(error, request, reply))
  }
}

/** What Fastify writes for these errors when the app has no frameworkErrors (fastify.js: onBadUrl, onMaxParamLength, buildAsyncConstraintCallback). */
function answerAsFastify (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const statusCode = error.statusCode ?? 500
  const body = statusCode === 500
    ? { error: 'Internal Server Error', message: error.message, statusCode }
    : { error: 'Bad Request', code: error.code, message: error.message, statusCode }
  // A Buffer: Fastify would add a charset to a string's content-type, which its own answer lacks.
  reply.code(statusCode).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body)))
}
