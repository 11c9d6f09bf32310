// The options Fastify's router really runs with. Fastify 5 takes them under
// `routerOptions` or, deprecated, at the top level; `initialConfig` shows both,
// but fills `routerOptions` with defaults the user never set. A value that is
// not the default was set by the user; otherwise the top-level one applies.
import type { FastifyInstance } from 'fastify'

export interface RouterOptions {
  caseSensitive: boolean
  ignoreTrailingSlash: boolean
  ignoreDuplicateSlashes: boolean
  maxParamLength: number
  allowUnsafeRegex: boolean
  useSemicolonDelimiter: boolean
  /** Names of the constraint strategies the app itself defines; `host` or `version` here replace Fastify's own. */
  customConstraints: string[]
}

const DEFAULTS = {
  caseSensitive: true,
  ignoreTrailingSlash: false,
  ignoreDuplicateSlashes: false,
  maxParamLength: 100,
  allowUnsafeRegex: false,
  useSemicolonDelimiter: false
}

type Key = keyof typeof DEFAULTS

export function routerOptionsOf (app: FastifyInstance): RouterOptions {
  const config = app.initialConfig as Record<string, unknown>
  const nested = (config.routerOptions ?? {}) as Record<string, unknown>
  const pick = <K extends Key>(key: K): (typeof DEFAULTS)[K] => {
    // initialConfig has every top-level key, with its default when unset.
    const fallback = config[key] as (typeof DEFAULTS)[K]
    return Object.hasOwn(nested, key) && nested[key] !== DEFAULTS[key] ? nested[key] as (typeof DEFAULTS)[K] : fallback
  }
  const strategies = { ...(config.constraints as object | undefined), ...(nested.constraints as object | undefined) }
  return {
    caseSensitive: pick('caseSensitive'),
    ignoreTrailingSlash: pick('ignoreTrailingSlash'),
    ignoreDuplicateSlashes: pick('ignoreDuplicateSlashes'),
    maxParamLength: pick('maxParamLength'),
    allowUnsafeRegex: pick('allowUnsafeRegex'),
    useSemicolonDelimiter: pick('useSemicolonDelimiter'),
    customConstraints: Object.keys(strategies)
  }
}
