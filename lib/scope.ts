// One registration of the plugin: its checked options, its compiled policy,
// and the compilation of a route's `config.cors` on top of them.
import { alreadyRegisteredError, optionsError, type Problem } from './errors.js'
import { checkShape, resolveOptions } from './options.js'
import { compilePolicy, type Policy } from './policy.js'
import { PluginOptionsSchema, RouteOptionsSchema, type PluginOptions, type RouteOptions } from './schema.js'

export interface Scope {
  readonly id: symbol
  readonly options: PluginOptions
  readonly policy: Policy
  readonly hideOptionsRoute: boolean
  readonly logLevel: string | undefined
  /** Policies compiled from a route's config.cors object: the automatic HEAD route and routes sharing a config reuse them. */
  readonly overrides: WeakMap<object, Policy | undefined>
}

/** The property through which a Fastify instance (and, by prototype, its children) names its nearest CORS scope. */
export const kScope = Symbol('cors.scope')

interface Warn { warn: (message: string) => void }

function compileChecked (options: PluginOptions, where: string, shapeProblems: Problem[], log: Warn): Policy {
  if (shapeProblems.length > 0) throw optionsError(shapeProblems, where)
  const { resolved, problems, warnings } = resolveOptions(options)
  if (problems.length > 0) throw optionsError(problems, where)
  for (const warning of warnings) log.warn(warning)
  return compilePolicy(resolved)
}

export function openScope (instance: object, raw: unknown, log: Warn): Scope {
  if (Object.hasOwn(instance, kScope)) throw alreadyRegisteredError()
  const options = raw as PluginOptions
  const policy = compileChecked(options, 'cors option', checkShape(PluginOptionsSchema, raw), log)
  const id = Symbol('cors.scope.id')
  Object.defineProperty(instance, kScope, { value: id })
  return { id, options, policy, hideOptionsRoute: options.hideOptionsRoute !== false, logLevel: options.logLevel, overrides: new WeakMap() }
}

/**
 * The policy of one route: the scope's own, none for `cors: false`, or the
 * scope's options with the route's overrides, checked as a whole.
 */
export function routePolicy (scope: Scope, override: unknown, method: string, url: string, log: Warn): Policy | undefined {
  if (override === undefined) return scope.policy
  if (override === false) return undefined
  const where = `route ${method} ${url}: config.cors option`
  if (typeof override !== 'object' || override === null) {
    throw optionsError([{ kind: 'invalidOption', option: '(config.cors)', why: `got ${String(override)}`, fix: 'use false to turn CORS off for the route, or an object of options' }], where)
  }
  if (scope.overrides.has(override)) return scope.overrides.get(override)
  const merged = { ...scope.options, ...(override as RouteOptions) }
  delete merged.hideOptionsRoute
  delete merged.logLevel
  const policy = compileChecked(merged, where, checkShape(RouteOptionsSchema, override), log)
  scope.overrides.set(override, policy)
  return policy
}
