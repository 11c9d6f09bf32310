// Option checking and normalisation: a snapshot of the options first
// (snapshot.ts), their shape (shape.ts), then what a schema cannot say —
// origins (origin-rules.ts), method and header tokens, '*' with credentials —
// every problem found, in one list. The result is a normalized form that
// lib/policy/policy.ts compiles.
import type { TObject } from '@sinclair/typebox'
import { isToken } from '../spec/tokens.js'
import { resolveOrigin, type OriginOption } from './origin-rules.js'
import { show } from './show-value.js'
import { snapshot, type Snapshot } from './snapshot.js'
import { checkKind, checkShape } from './shape.js'
import { RouteOptionsSchema, type PluginOptions } from './schema.js'
import type { Problem } from './errors.js'

export type { OriginOption } from './origin-rules.js'

export interface ResolvedOptions {
  origin: OriginOption
  methods: string[] | undefined
  allowedHeaders: { any: boolean, names: string[] } | undefined
  exposedHeaders: string[]
  credentials: boolean
  maxAge: number | undefined
  cacheControl: string | undefined
  optionsSuccessStatus: number
  preflight: boolean
  preflightContinue: boolean
  rejectDisallowed: boolean
  checkActualRequests: boolean
  allowPrivateNetwork: boolean
  debug: boolean
}

function toList (value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const items = typeof value === 'string' ? value.split(',') : value
  return items.map(item => item.trim()).filter(item => item.length > 0)
}

export interface CheckedOptions {
  /** The snapshot the checks read: what the rest of the plugin reads too. */
  options: PluginOptions
  resolved: ResolvedOptions
  /** Every problem, in the order of the options they are about. */
  problems: Problem[]
  warnings: string[]
}

/**
 * The one way in for options, the plugin's and each route's config.cors (`inherited`: its scope's options, which
 * the route's override). Reads a snapshot, checks its shape, then checks the meaning of every option whose shape
 * is right, so that one error lists every problem, each with its fix.
 */
export function checkOptions (schema: TObject, raw: unknown, inherited?: PluginOptions): CheckedOptions {
  const kind = checkKind(raw)
  const taken: Snapshot = kind.length > 0 ? { values: Object.create(null), keys: [], problems: kind } : snapshot(raw as object)
  const shapeProblems = [...taken.problems, ...(kind.length > 0 ? [] : checkShape(schema, taken.values))]
  const merged: Record<string, unknown> = Object.create(null)
  if (inherited !== undefined) {
    for (const key of Object.keys(inherited)) if (Object.hasOwn(RouteOptionsSchema.properties, key)) merged[key] = (inherited as Record<string, unknown>)[key]
  }
  Object.assign(merged, taken.values)
  // What the shape check refused is not checked further: no second, confusing message about it.
  const refused = new Set(shapeProblems.map(problem => topLevel(problem.option)))
  const checkable: Record<string, unknown> = Object.assign(Object.create(null), merged)
  for (const key of refused) delete checkable[key]
  // Without its origin, the options would read as the default '*', and be checked as such.
  if (refused.has('origin')) checkable.origin = false
  const { resolved, problems, warnings } = resolveOptions(checkable as PluginOptions)
  const order = (problem: Problem): number => {
    const index = taken.keys.indexOf(topLevel(problem.option))
    return index === -1 ? taken.keys.length : index
  }
  const all = [...shapeProblems, ...problems].map((problem, index) => ({ problem, index }))
  all.sort((a, b) => order(a.problem) - order(b.problem) || a.index - b.index)
  return { options: merged as PluginOptions, resolved, problems: all.map(({ problem }) => problem), warnings }
}

/** 'origin[2]' → 'origin'. */
function topLevel (option: string): string {
  const bracket = option.indexOf('[')
  return bracket === -1 ? option : option.slice(0, bracket)
}

/** Checks the meaning of shape-valid options and normalizes them. */
export function resolveOptions (options: PluginOptions): { resolved: ResolvedOptions, problems: Problem[], warnings: string[] } {
  const problems: Problem[] = []
  const warnings: string[] = []
  const credentials = options.credentials === true
  const origin = resolveOrigin(options, credentials, problems, warnings)

  const methods = toList(options.methods)?.map(method => method.toUpperCase())
  checkTokens('methods', methods, credentials, problems)

  const allowedList = toList(options.allowedHeaders)
  checkTokens('allowedHeaders', allowedList, credentials, problems)
  const allowedHeaders = allowedList === undefined
    ? undefined
    : { any: allowedList.includes('*'), names: allowedList.filter(name => name !== '*').map(name => name.toLowerCase()) }

  const exposedHeaders = toList(options.exposedHeaders) ?? []
  checkTokens('exposedHeaders', exposedHeaders, credentials, problems)

  let cacheControl: string | undefined
  if (typeof options.cacheControl === 'number') {
    cacheControl = `max-age=${options.cacheControl}`
  } else if (options.cacheControl !== undefined) {
    if (/^[\x20-\x7e]+$/.test(options.cacheControl)) cacheControl = options.cacheControl
    else problems.push({ kind: 'invalidOption', option: 'cacheControl', why: 'a header value must be printable ASCII without line breaks', fix: "use a value such as 'public, max-age=600'" })
  }

  return {
    problems,
    warnings,
    resolved: {
      origin,
      methods,
      allowedHeaders,
      exposedHeaders,
      credentials,
      maxAge: options.maxAge,
      cacheControl,
      optionsSuccessStatus: options.optionsSuccessStatus ?? 204,
      preflight: options.preflight !== false,
      preflightContinue: options.preflightContinue === true,
      rejectDisallowed: options.rejectDisallowed === true,
      checkActualRequests: options.checkActualRequests !== false,
      allowPrivateNetwork: options.allowPrivateNetwork === true,
      debug: options.debug === true
    }
  }
}

const WILDCARD_FIXES: Record<string, string> = {
  methods: "leave 'methods' out: the default already allows the method of every route (or list the names, or set credentials: false)",
  allowedHeaders: "leave 'allowedHeaders' out: the default already allows every requested header, Authorization included (or list the names, or set credentials: false)",
  exposedHeaders: 'list the names explicitly, or set credentials: false'
}

function checkTokens (option: string, list: string[] | undefined, credentials: boolean, problems: Problem[]): void {
  if (list === undefined) return
  list.forEach((item, index) => {
    const path = `${option}[${index}]`
    if (item === '*') {
      if (credentials) {
        problems.push({ kind: 'wildcardWithCredentials', option: path, why: `with credentials, browsers read '*' in ${option} as a literal name, not a wildcard`, fix: WILDCARD_FIXES[option] })
      }
    } else if (!isToken(item)) {
      const what = option === 'methods' ? 'method' : 'header name'
      const words = item.split(/\s+/)
      if (words.length > 1 && words.every(isToken)) {
        // 'GET POST': a list written with spaces, as some other frameworks take it.
        problems.push({
          kind: 'invalidToken',
          option: path,
          why: `${show(item)} holds ${words.length} ${what}s separated by spaces`,
          fix: `separate ${what}s with commas or use an array: ${option}: [${words.map(word => `'${word}'`).join(', ')}]`
        })
      } else {
        problems.push({ kind: 'invalidToken', option: path, why: `${show(item)} is not a valid ${what}`, fix: 'use letters, digits and !#$%&\'*+-.^_`|~ only' })
      }
    }
  })
}
