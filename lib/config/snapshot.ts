// Options are data, read once. Before anything checks them, the plugin's
// options and each route's config.cors are copied: own enumerable properties
// only (a polluted Object.prototype with `credentials: true` must not switch
// credentials on), each read exactly once (a getter must not answer one value
// to the checks and another to the compiler), lists copied item by item. The
// copy has no prototype, so a key the user left out reads as undefined whatever
// Object.prototype holds, and everything after this module reads only the copy.
import { show } from './show-value.js'
import type { Problem } from './errors.js'

export interface Snapshot {
  /** The copy, without a prototype. */
  readonly values: Record<string, unknown>
  /** The keys in the user's order (the order problems are reported in). */
  readonly keys: readonly string[]
  readonly problems: Problem[]
}

const UNREADABLE_FIX = 'pass a plain value (options are read once, at startup)'

export function snapshot (raw: object): Snapshot {
  const values: Record<string, unknown> = Object.create(null)
  const problems: Problem[] = []
  let keys: string[]
  try {
    keys = Object.keys(raw)
  } catch (error) {
    problems.push({ kind: 'invalidOption', option: '(options)', why: `listing its keys threw ${show(error)}`, fix: `pass a plain object; ${UNREADABLE_FIX}` })
    return { values, keys: [], problems }
  }
  for (const key of keys) {
    try {
      values[key] = copy((raw as Record<string, unknown>)[key])
    } catch (error) {
      problems.push({ kind: 'invalidOption', option: key, why: `reading it threw ${show(error)}`, fix: UNREADABLE_FIX })
    }
  }
  return { values, keys, problems }
}

/** Lists are copied (each item read once; a hole is undefined, not what Array.prototype holds); other values are kept. */
function copy (value: unknown): unknown {
  if (!Array.isArray(value)) return value
  const length = value.length
  const items: unknown[] = []
  for (let i = 0; i < length; i++) items.push(Object.hasOwn(value, i) ? value[i] : undefined)
  return items
}
