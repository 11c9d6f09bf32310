// Startup errors: one stable code per kind of mistake, each message naming the
// option, why it is refused, and the fix. All problems are reported at once.
import createError from '@fastify/error'

export const ERROR_CODES = {
  unknownOption: 'FST_CORS_UNKNOWN_OPTION',
  invalidOption: 'FST_CORS_INVALID_OPTION',
  wildcardWithCredentials: 'FST_CORS_WILDCARD_WITH_CREDENTIALS',
  anyOriginWithCredentials: 'FST_CORS_ANY_ORIGIN_WITH_CREDENTIALS',
  invalidOrigin: 'FST_CORS_INVALID_ORIGIN',
  unsafeRegExp: 'FST_CORS_UNSAFE_REGEXP',
  invalidToken: 'FST_CORS_INVALID_TOKEN',
  publicSuffixWildcard: 'FST_CORS_PUBLIC_SUFFIX_WILDCARD',
  alreadyRegistered: 'FST_CORS_ALREADY_REGISTERED',
  fastifyInternals: 'FST_CORS_FASTIFY_INTERNALS',
  ungovernedRoute: 'FST_CORS_UNGOVERNED_ROUTE',
  several: 'FST_CORS_INVALID_OPTIONS'
} as const

export type ErrorKind = keyof typeof ERROR_CODES

export interface Problem {
  kind: Exclude<ErrorKind, 'several' | 'alreadyRegistered' | 'fastifyInternals' | 'ungovernedRoute'>
  /** The option's path, e.g. `origin[2]` or `maxAge`. */
  option: string
  why: string
  fix: string
}

const constructors = Object.fromEntries(
  Object.entries(ERROR_CODES).map(([kind, code]) => [kind, createError(code, '%s', 500)])
) as Record<ErrorKind, ReturnType<typeof createError>>

export type CorsOptionsError = Error & { code: string, problems: Problem[] }

export function describe (problem: Problem, where: string): string {
  // A `why` that is a question ('… unset?') keeps its own punctuation.
  return `${where} '${problem.option}': ${problem.why}${problem.why.endsWith('?') ? '' : '.'} Fix: ${problem.fix}.`
}

/** Builds the error thrown at startup for one or more problems. */
export function optionsError (problems: Problem[], where: string): CorsOptionsError {
  const lines = problems.map(problem => describe(problem, where))
  const Constructor = constructors[problems.length === 1 ? problems[0].kind : 'several']
  const error = new Constructor(problems.length === 1 ? lines[0] : `${problems.length} problems with ${where}s:\n  - ${lines.join('\n  - ')}`)
  return Object.assign(error, { problems })
}

export function alreadyRegisteredError (): Error {
  const AlreadyRegistered = constructors.alreadyRegistered
  return new AlreadyRegistered(
    'the CORS plugin is already registered in this scope. Fix: register it once per scope; use route config.cors to change one route, or register it in a child scope (fastify.register) to give a group of routes other options.'
  )
}

/** config.cors on routes that no registration of the plugin governs: it would be silently ignored. */
export function ungovernedRoutesError (routes: string[]): Error {
  const UngovernedRoute = constructors.ungovernedRoute
  // An automatic HEAD route repeats its GET route.
  const listed = routes.filter(route => !(route.startsWith('HEAD ') && routes.includes(`GET ${route.slice(5)}`)))
  return new UngovernedRoute(
    `config.cors is set on ${listed.length === 1 ? 'a route' : `${listed.length} routes`} that no registration of the CORS plugin governs, so it would be ignored: ${listed.join(', ')}. Fix: register the plugin in the scope that declares ${listed.length === 1 ? 'this route' : 'these routes'} or in one above it, or remove config.cors from ${listed.length === 1 ? 'it' : 'them'}.`
  )
}
