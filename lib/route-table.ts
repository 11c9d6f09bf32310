// How a preflight finds the route its actual request will reach: a copy of the
// app's route table in find-my-way, Fastify's own router, with the same
// options, holding each route's CORS policy. Looking up (requested method, URL)
// there answers exactly as Fastify will, across parametric and wildcard routes
// at other paths and host constraints.
import Router from 'find-my-way'
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify'
import type { PathEntry, RouteCors } from './preflight.js'

/** The routes at one path pattern, shared by every scope that declares routes there. */
export interface PathRecord extends PathEntry {
  /** Whether the plugin's preflight-only OPTIONS route exists for this path. */
  preflightRoute: boolean
  /** The app's own OPTIONS handler at this path, which the preflight route defers to. */
  ownOptions: { handler: RouteHandlerMethod, instance: FastifyInstance } | undefined
}

interface Slot {
  route: RouteCors
  /** Routes that Fastify tells apart by a constraint a preflight does not carry (e.g. version), with different policies. */
  ambiguous: boolean
}

export interface RouteTable {
  /** `prefixRoot`: the route is a prefix's root, which Fastify also serves with a trailing slash. */
  add: (method: string, url: string, constraints: Record<string, unknown> | undefined, route: RouteCors, prefixRoot: boolean) => void
  /** The route for the preflight's requested method and URL, 'ambiguous', or undefined when none. */
  find: (method: string, request: FastifyRequest) => RouteCors | 'ambiguous' | undefined
  /** The record of a path pattern (routes differing only in parameter names share one). */
  pathAt: (url: string) => PathRecord
}

const tables = new WeakMap<object, RouteTable>()

/** Routes that differ only in parameter names share a router node: one key for both. */
export function pathKey (url: string): string {
  return url.replace(/:[A-Za-z0-9_$]+/g, ':')
}

/** One table per server, shared by every scope of the plugin: two scopes may declare routes at one path. */
export function routeTableFor (instance: FastifyInstance): RouteTable {
  let table = tables.get(instance.server)
  if (table === undefined) {
    table = createTable(instance)
    tables.set(instance.server, table)
  }
  return table
}

function createTable (instance: FastifyInstance): RouteTable {
  const config = instance.initialConfig as FastifyInstance['initialConfig'] & { allowUnsafeRegex?: boolean, useSemicolonDelimiter?: boolean }
  const router = Router({
    caseSensitive: config.caseSensitive,
    ignoreTrailingSlash: config.ignoreTrailingSlash,
    ignoreDuplicateSlashes: config.ignoreDuplicateSlashes,
    maxParamLength: config.maxParamLength,
    allowUnsafeRegex: config.allowUnsafeRegex,
    useSemicolonDelimiter: config.useSemicolonDelimiter
  } as Router.Config<Router.HTTPVersion.V1>)
  const slots = new Map<string, Slot>()
  const methods = new Set<string>()
  const paths = new Map<string, PathRecord>()

  const table: RouteTable = {
    add (method, url, constraints, route, prefixRoot) {
      if (prefixRoot && config.ignoreTrailingSlash !== true) table.add(method, `${url}/`, constraints, route, false)
      // Only Host is copied: it is the one constraint a preflight carries. Routes
      // that then collide (version: Accept-Version is never in a preflight; custom
      // constraints) are told apart by nothing the preflight says.
      const kept: Record<string, unknown> = {}
      if (constraints?.host !== undefined) kept.host = constraints.host
      const key = `${method} ${pathKey(url)} ${String(kept.host)}`
      const slot = slots.get(key)
      if (slot !== undefined) {
        if (slot.route.policy !== route.policy) slot.ambiguous = true
        return
      }
      const fresh: Slot = { route, ambiguous: false }
      slots.set(key, fresh)
      methods.add(method)
      // The handler is never called: only the store is looked up.
      router.on(method as Router.HTTPMethod, url, { constraints: kept }, Function.prototype as Router.Handler<Router.HTTPVersion.V1>, fresh)
    },
    find (method, request) {
      if (!methods.has(method)) return undefined
      const found = router.find(method as Router.HTTPMethod, request.raw.url as string, { host: request.headers.host })
      if (found === null) return undefined
      const slot = found.store as Slot
      return slot.ambiguous ? 'ambiguous' : slot.route
    },
    pathAt (url) {
      const key = pathKey(url)
      let record = paths.get(key)
      if (record === undefined) {
        record = { routes: new Map(), allowMethods: '', preflightRoute: false, ownOptions: undefined }
        paths.set(key, record)
      }
      return record
    }
  }
  return table
}
