// fastify.cors.routes(): every route of the app with the policy it really has,
// after scopes, route overrides, `cors: false` and registration order: the
// record the hooks read (registry.ts), with the options it was compiled from.
import type { Registry, RegisteredRoute } from './registry.js'

export interface CorsRoute {
  method: string
  /** As declared, prefix included. */
  url: string
  /** The route's constraints (host, version, the app's own); absent when it has none. */
  constraints?: Record<string, unknown>
  /** The registration of the plugin that answers its requests ('at /', 'at /api'); null when none does. */
  registration: string | null
  /**
   * Where its policy comes from: the registration's options, the route's
   * `config.cors` on top of them, `config.cors: false` ('off'), or no registration ('none').
   */
  source: 'registration' | 'config.cors' | 'off' | 'none'
  /** The options its policy was compiled from (functions and RegExps as text); null when CORS is off. */
  options: Record<string, unknown> | null
  /** With source 'config.cors': the route's own options, those that differ from its registration's. */
  overrides?: Record<string, unknown>
}

/** Options a registration has that are not about one route's answers. */
const REGISTRATION_ONLY = new Set(['hideOptionsRoute', 'logLevel'])

/** An option as it reads in a listing: RegExps and functions as text. */
function shown (value: unknown): unknown {
  if (value instanceof RegExp) return String(value)
  if (typeof value === 'function') return `[function ${value.name === '' ? '(anonymous)' : value.name}]`
  if (Array.isArray(value)) return value.map(shown)
  return value
}

/** Options as a listing shows them: RegExps and functions as text, registration-only options left out. */
function shownOptions (raw: object): Record<string, unknown> {
  const options: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(raw)) if (!REGISTRATION_ONLY.has(name)) options[name] = shown(value)
  return options
}

function describe (route: RegisteredRoute, registry: Registry, names: ReadonlyMap<symbol, string>): CorsRoute {
  const { record } = route
  const scope = record.registration === undefined ? undefined : registry.scopeOf(record.registration)
  const entry: CorsRoute = { method: route.method, url: route.path, registration: null, source: 'none', options: null }
  if (Object.keys(route.constraints).length > 0) entry.constraints = { ...route.constraints }
  if (scope === undefined) return entry
  entry.registration = names.get(scope.id) as string
  if (record.policy === undefined) {
    entry.source = 'off'
    return entry
  }
  // A route's policy is its registration's unless config.cors compiled one of its own (an object: false has none).
  const override = record.policy === scope.policy ? undefined : route.config.cors as object
  entry.source = override === undefined ? 'registration' : 'config.cors'
  entry.options = shownOptions({ ...scope.options, ...override })
  if (override !== undefined) entry.overrides = shownOptions(override)
  return entry
}

/** A registration's name: 'at ' and its prefix ('/' for the root), numbered when two share a prefix. */
export function registrationNames (registry: Registry): Map<symbol, string> {
  const names = new Map<symbol, string>()
  const seen = new Map<string, number>()
  for (const scope of registry.all()) {
    const prefix = scope.instance.prefix === '' ? '/' : scope.instance.prefix
    const count = (seen.get(prefix) ?? 0) + 1
    seen.set(prefix, count)
    names.set(scope.id, count === 1 ? `at ${prefix}` : `at ${prefix} (#${count})`)
  }
  return names
}

/** Every route of the app, in the router's order. */
export function corsRoutes (registry: Registry): CorsRoute[] {
  return routesNamed(registry, registrationNames(registry))
}

function routesNamed (registry: Registry, names: ReadonlyMap<symbol, string>): CorsRoute[] {
  return registry.routes().map(route => describe(route, registry, names))
}

/**
 * The same as text, as printRoutes() shows routes: each registration's options
 * once, then a line per route (methods that share a path and a policy on one
 * line), with only the options a route's config.cors changes.
 */
export function printCorsRoutes (registry: Registry): string {
  const names = registrationNames(registry)
  const lines = registry.all().map(scope => `${names.get(scope.id) as string}: ${JSON.stringify(shownOptions(scope.options))}`)
  // One row per path and policy, in the order of their first route; looked up by its cells, not by scanning the rows.
  const rows = new Map<string, string[]>()
  for (const route of routesNamed(registry, names)) {
    const cells = [
      route.url + (route.constraints === undefined ? '' : ` ${JSON.stringify(route.constraints)}`),
      route.registration ?? '-',
      route.source,
      route.overrides === undefined ? '' : JSON.stringify(route.overrides)
    ]
    const key = cells.join('\n')
    const same = rows.get(key)
    if (same !== undefined) same[0] += `, ${route.method}`
    else rows.set(key, [route.method, ...cells])
  }
  const widths = [0, 1, 2, 3].map(column => Math.max(...[...rows.values()].map(row => row[column].length)))
  for (const row of rows.values()) lines.push(row.map((cell, column) => column < 4 ? cell.padEnd(widths[column]) : cell).join('  ').trimEnd())
  return lines.join('\n') + '\n'
}
