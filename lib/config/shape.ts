// Shape errors: what the schema (schema.ts) refuses, said in words, with the
// fix. TypeBox's own errors ("Expected union value") name neither; these name
// the option, the value, and what a user coming from @fastify/cors should do.
import { Value } from '@sinclair/typebox/value'
import type { TObject } from '@sinclair/typebox'
import { EXPECTED, PluginOptionsSchema, type PluginOptions } from './schema.js'
import type { Problem } from './errors.js'
import { show } from './show-value.js'

/** @fastify/cors options that have no equivalent here, and what to use instead. */
const MIGRATION_HINTS: Record<string, string> = {
  delegator: "use a per-route 'config.cors' or an 'origin' function (origin, callback, request)",
  strictPreflightContinue: "use 'preflightContinue'"
}

const DELEGATOR: Problem = {
  kind: 'invalidOption',
  option: '(options)',
  why: "options are a function: that is @fastify/cors's delegator form ((request, callback) => callback(null, options)), which this plugin does not take, because it compiles each route's policy once, at startup",
  fix: "pass an object. Options that differ per route go in the route's config.cors (app.get('/public', { config: { cors: { origin: '*' } } }, handler)); " +
    "a decision that reads the request goes in an origin function (origin: (origin, callback, request) => callback(null, request.headers['x-tenant'] === 'a'))"
}

const UNDEFINED_ORIGIN = 'origin is undefined — is an environment variable unset?'

/** Options that are not an object at all: the one problem there is. */
export function checkKind (raw: unknown): Problem[] {
  if (typeof raw === 'function') return [DELEGATOR]
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return [{ kind: 'invalidOption', option: '(options)', why: 'options must be an object', fix: 'pass an object such as { origin: \'https://app.example.com\' }' }]
  }
  return []
}

/** Checks the options' shape (their snapshot, see snapshot.ts) against the schema; returns one problem per offending option. */
export function checkShape (schema: TObject, options: Record<string, unknown>): Problem[] {
  const problems: Problem[] = []
  // An explicit `origin: undefined` is almost always `origin: process.env.X` with X unset: never '*' by accident.
  const undefinedOrigin = Object.hasOwn(options, 'origin') && options.origin === undefined
  if (undefinedOrigin) {
    problems.push({ kind: 'invalidOption', option: 'origin', why: UNDEFINED_ORIGIN, fix: "set it, or leave the key out to get the default ('*')" })
  }
  // The common case, checked cheaply: TypeBox's error iterator is the slow path.
  if (Value.Check(schema, options)) return problems
  // One problem per option, however many errors TypeBox finds inside it.
  const offending = new Set(Array.from(Value.Errors(schema, options), error => error.path.split('/')[1]))
  // (TypeBox accepts undefined for an optional property, so an undefined origin is not reported twice.)
  for (const option of offending) {
    problems.push(describeOption(schema, option, options[option]))
  }
  return problems
}

function describeOption (schema: TObject, option: string, value: unknown): Problem {
  // Own properties only: 'constructor' or '__proto__' is no option, whatever Object.prototype says.
  if (!Object.hasOwn(schema.properties, option)) {
    if (Object.hasOwn(PluginOptionsSchema.properties, option)) {
      return { kind: 'invalidOption', option, why: 'it cannot be set per route', fix: `set it in the plugin's options (app.register(cors, { ${option}: … })), which apply to every route of the scope` }
    }
    return { kind: 'unknownOption', option, why: 'there is no such option', fix: unknownOptionFix(option, Object.keys(schema.properties)) }
  }
  if (option === 'origin' && Array.isArray(value)) {
    const index = value.indexOf(undefined)
    if (index !== -1) return { kind: 'invalidOption', option: `origin[${index}]`, why: UNDEFINED_ORIGIN, fix: 'set it, or remove it from the list' }
  }
  return { kind: 'invalidOption', option, why: `got ${show(value)}`, fix: `use ${EXPECTED[option as keyof PluginOptions]}` }
}

function unknownOptionFix (option: string, known: string[]): string {
  if (Object.hasOwn(MIGRATION_HINTS, option)) return `remove it: ${MIGRATION_HINTS[option]}`
  const near = known.find(name => editDistance(name.toLowerCase(), option.toLowerCase()) <= 2)
  return near !== undefined ? `did you mean '${near}'?` : `remove it; the options are ${known.join(', ')}`
}

function editDistance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}
