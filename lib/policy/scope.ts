// One registration of the plugin: its checked options, its compiled policy,
// and the compilation of a route's `config.cors` on top of them.
import type { FastifyInstance } from 'fastify'
import { optionsError } from '../config/errors.js'
import { checkOptions, type CheckedOptions } from '../config/options.js'
import { compilePolicy, type Policy } from './policy.js'
import { PluginOptionsSchema, RouteOptionsSchema, type PluginOptions } from '../config/schema.js'

export interface Scope {
  readonly id: symbol
  /** The instance the plugin was registered on. */
  readonly instance: FastifyInstance
  readonly options: PluginOptions
  readonly policy: Policy
  readonly hideOptionsRoute: boolean
  readonly logLevel: string | undefined
  /**
   * Policies compiled from a route's config.cors object, by the route's URL and
   * method, so that its automatic HEAD route reuses the GET's (and logs no
   * warning twice), while an object changed between two routes is compiled anew.
   */
  readonly overrides: WeakMap<object, Map<string, Policy>>
}

interface Warn { warn: (message: string) => void }

function compileChecked ({ resolved, problems, warnings }: CheckedOptions, where: string, log: Warn): Policy {
  if (problems.length > 0) throw optionsError(problems, where)
  for (const warning of warnings) log.warn(warning)
  return compilePolicy(resolved)
}

export function openScope (instance: FastifyInstance, raw: unknown, log: Warn): Scope {
  // From here on, only the snapshot the checks read is read.
  const checked = checkOptions(PluginOptionsSchema, raw)
  const policy = compileChecked(checked, 'cors option', log)
  const options = checked.options
  return {
    id: Symbol('cors.scope.id'),
    instance,
    options,
    policy,
    hideOptionsRoute: options.hideOptionsRoute !== false,
    logLevel: options.logLevel,
    overrides: new WeakMap()
  }
}

/**
 * The policy of one route: the scope's own, none for `cors: false`, or the
 * scope's options with the route's overrides, checked as a whole.
 */
export function routePolicy (scope: Scope, override: unknown, methods: string[], url: string, log: Warn): Policy | undefined {
  if (override === undefined) return scope.policy
  if (override === false) return undefined
  const where = `route ${methods.join(',')} ${url}: config.cors option`
  if (typeof override !== 'object' || override === null) {
    throw optionsError([{ kind: 'invalidOption', option: '(config.cors)', why: `got ${String(override)}`, fix: 'use false to turn CORS off for the route, or an object of options' }], where)
  }
  const key = `${methods.map(method => method === 'HEAD' ? 'GET' : method).join(',')} ${url}`
  let compiled = scope.overrides.get(override)
  const cached = compiled?.get(key)
  if (cached !== undefined) return cached
  const policy = compileChecked(checkOptions(RouteOptionsSchema, override, scope.options), where, log)
  if (compiled === undefined) {
    compiled = new Map()
    scope.overrides.set(override, compiled)
  }
  compiled.set(key, policy)
  return policy
}
