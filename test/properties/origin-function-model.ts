// The model of test/properties/origin-function.test.ts: what an origin function
// may answer (recipes for any JavaScript value, built in the child process), in
// which form and when, and what the plugin must then answer, written from the
// README's rules ("Origin functions"), not from lib/:
// - `true` allows the request's origin; a string that is a serialized origin
//   allows exactly that origin; a list of strings allows the request's origin
//   when it holds it; anything else (false, null, undefined, any other value)
//   refuses;
// - a returned Promise or thenable counts by what it resolves to; a rejection,
//   a throw, a callback error (anything but null or undefined) refuses;
// - the first answer counts, except that two synchronous callbacks refuse;
// - an answer later than originFunctionTimeout refuses; a function that
//   declares the callback and returns undefined is waited for.
import fc from 'fast-check'

/** When an answer is delivered: now, after the current job, after I/O, after a few ms, or after the timeout. */
export type Timing = 'sync' | 'microtask' | 'immediate' | { ms: number } | 'late'
/** Inside a value (a thenable's answer), only timings that cannot cross the timeout: see the property's header. */
type InnerTiming = 'sync' | 'microtask'

export type Special =
  | 'symbol' | 'circular' | 'bigint-row' | 'proxy' | 'proxy-array' | 'revoked' | 'getter' | 'then-getter'
  | 'error' | 'error-bad-message' | 'function' | 'huge-string' | 'huge-array'

export type Recipe =
  | { t: 'plain', v: unknown }
  | { t: 'string', s: string }
  | { t: 'array', items: Recipe[] }
  | { t: 'object', entries: Array<[string, Recipe]> }
  | { t: 'thenable', how: 'resolve' | 'reject' | 'twice' | 'resolve-then-throw' | 'throw' | 'never', timing: InnerTiming, inner: Recipe }
  | { t: 'promise', how: 'resolve' | 'reject', timing: InnerTiming, inner: Recipe }
  | { t: 'special', kind: Special }

export type Form =
  | { f: 'return', declares: boolean, value: Recipe }
  | { f: 'async', declares: boolean, timing: Timing, value: Recipe }
  | { f: 'callback', timing: Timing, error: Recipe | null, value: Recipe }
  | { f: 'twice', first: { timing: Timing, value: Recipe }, second: { timing: Timing, value: Recipe } }
  | { f: 'throw', callbackFirst: boolean, value: Recipe }
  | { f: 'reject', timing: Timing, value: Recipe }
  | { f: 'never', async: boolean }
  | { f: 'async-callback', timing: Timing, value: Recipe }
  | { f: 'callback-and-return', timing: Timing, called: Recipe, returned: Recipe }

export type ParentMessage = { type: 'case', id: number, form: Form } | { type: 'drain', id: number } | { type: 'close' }
export type ChildMessage = { type: 'listening', port: number } | { type: 'ready', id: number } | { type: 'settled', id: number }

/** The Origin of every request. */
export const ORIGIN = 'https://a.example'

// Strings an origin function may answer, each labelled by hand: is it a serialized origin (scheme://host[:port],
// lower case, no default port, no path, at most 300 bytes)?
const STRINGS: Array<{ s: string, origin: boolean }> = [
  { s: ORIGIN, origin: true },
  { s: 'https://other.example:8443', origin: true },
  { s: 'http://localhost:3000', origin: true },
  { s: 'https://a.example/', origin: false },
  { s: 'HTTPS://A.EXAMPLE', origin: false },
  { s: 'https://a.example\r\nx-injected: 1', origin: false },
  { s: 'https://a.example:443', origin: false },
  { s: `https://${'a'.repeat(300)}.example`, origin: false },
  { s: 'a.example', origin: false },
  { s: '*', origin: false },
  { s: 'null', origin: false },
  { s: '', origin: false }
]
const SERIALIZED = new Set(STRINGS.filter(entry => entry.origin).map(entry => entry.s))

// Random strings never hold ':', so that none is a serialized origin by chance: the labelled ones above are.
const randomString = fc.string().map(s => s.replace(/:/g, '_'))
const plain = fc.anything({
  values: [fc.boolean(), fc.integer(), fc.double(), randomString, fc.constant(null), fc.constant(undefined)],
  key: randomString,
  maxDepth: 2,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true
}).map(v => ({ t: 'plain', v }) as Recipe)

const SPECIALS: Special[] = ['symbol', 'circular', 'bigint-row', 'proxy', 'proxy-array', 'revoked', 'getter', 'then-getter', 'error', 'error-bad-message', 'function', 'huge-string', 'huge-array']

const innerTiming = fc.constantFrom<InnerTiming>('sync', 'microtask')
export const timing: fc.Arbitrary<Timing> = fc.oneof(
  { arbitrary: fc.constantFrom<Timing>('sync', 'microtask', 'immediate'), weight: 6 },
  { arbitrary: fc.integer({ min: 1, max: 10 }).map(ms => ({ ms })), weight: 3 },
  { arbitrary: fc.constant<Timing>('late'), weight: 1 }
)

export const recipe: fc.Arbitrary<Recipe> = fc.letrec<{ recipe: Recipe }>(tie => ({
  recipe: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.constant<Recipe>({ t: 'plain', v: true }), weight: 3 },
    { arbitrary: fc.constant<Recipe>({ t: 'plain', v: false }), weight: 1 },
    { arbitrary: plain, weight: 3 },
    { arbitrary: fc.constantFrom(...STRINGS).map(({ s }) => ({ t: 'string', s }) as Recipe), weight: 4 },
    { arbitrary: fc.constantFrom(...SPECIALS).map(kind => ({ t: 'special', kind }) as Recipe), weight: 3 },
    { arbitrary: fc.array(tie('recipe'), { maxLength: 4 }).map(items => ({ t: 'array', items }) as Recipe), weight: 2 },
    { arbitrary: fc.array(fc.tuple(randomString, tie('recipe')), { maxLength: 3 }).map(entries => ({ t: 'object', entries }) as Recipe), weight: 1 },
    {
      arbitrary: fc.record({ how: fc.constantFrom('resolve', 'reject', 'twice', 'resolve-then-throw', 'throw', 'never'), timing: innerTiming, inner: tie('recipe') })
        .map(r => ({ t: 'thenable', ...r }) as Recipe),
      weight: 2
    },
    {
      arbitrary: fc.record({ how: fc.constantFrom('resolve', 'reject'), timing: innerTiming, inner: tie('recipe') }).map(r => ({ t: 'promise', ...r }) as Recipe),
      weight: 1
    }
  )
})).recipe

export const form: fc.Arbitrary<Form> = fc.oneof(
  fc.record({ f: fc.constant('return'), declares: fc.boolean(), value: recipe }),
  fc.record({ f: fc.constant('async'), declares: fc.boolean(), timing, value: recipe }),
  fc.record({ f: fc.constant('callback'), timing, error: fc.option(recipe, { nil: null, freq: 3 }), value: recipe }),
  fc.record({ f: fc.constant('twice'), first: fc.record({ timing, value: recipe }), second: fc.record({ timing, value: recipe }) }),
  fc.record({ f: fc.constant('throw'), callbackFirst: fc.boolean(), value: recipe }),
  fc.record({ f: fc.constant('reject'), timing, value: recipe }),
  fc.record({ f: fc.constant('never'), async: fc.boolean() }),
  fc.record({ f: fc.constant('async-callback'), timing, value: recipe }),
  fc.record({ f: fc.constant('callback-and-return'), timing, called: recipe, returned: plain })
) as fc.Arbitrary<Form>

/** The value a recipe builds, when it is a string primitive. */
function stringOf (value: Recipe): string | undefined {
  if (value.t === 'string') return value.s
  if (value.t === 'plain' && typeof value.v === 'string') return value.v
  return undefined
}

/** What the plugin must allow for a value handed over as such (called back, or what a Promise resolved to). */
function judged (value: Recipe): string | undefined {
  if (value.t === 'plain') return value.v === true ? ORIGIN : undefined
  if (value.t === 'string') return SERIALIZED.has(value.s) ? value.s : undefined
  if (value.t === 'array') {
    const strings = value.items.map(stringOf)
    return strings.every(s => s !== undefined) && strings.includes(ORIGIN) ? ORIGIN : undefined
  }
  // Objects, Symbols, Proxies, functions, errors, thenables passed to the callback: none is an answer.
  return undefined
}

/** For a value returned or resolved: a thenable counts by what it resolves to, in time (inner timings are). */
function adopted (value: Recipe): string | undefined {
  if (value.t === 'thenable' || value.t === 'promise') {
    return value.how === 'resolve' || value.how === 'twice' || value.how === 'resolve-then-throw' ? adopted(value.inner) : undefined
  }
  return judged(value)
}

const REFUSED = { allow: undefined }
/** `either`: the two answers the plugin may give when the order of two timers is not defined (setImmediate vs setTimeout). */
export type Expected = { allow: string | undefined, either?: string | undefined }

function rank (t: Timing): number {
  if (t === 'sync') return 0
  if (t === 'microtask') return 1
  if (t === 'immediate') return 2
  if (t === 'late') return 1000
  return 2 + t.ms
}

/** The Access-Control-Allow-Origin the plugin must send (undefined: refused) for a case. */
export function expected (form: Form): Expected {
  switch (form.f) {
    case 'return': return { allow: adopted(form.value) }
    case 'async': return form.timing === 'late' ? REFUSED : { allow: adopted(form.value) }
    case 'callback':
      if (form.timing === 'late') return REFUSED
      if (form.error !== null && !(form.error.t === 'plain' && (form.error.v === null || form.error.v === undefined))) return REFUSED
      return { allow: judged(form.value) }
    case 'twice': {
      const { first, second } = form
      if (first.timing === 'sync' && second.timing === 'sync') return REFUSED
      // Both scheduled in one call: the earlier fires first; at equal times, the one scheduled first.
      const ordered = rank(second.timing) < rank(first.timing) ? [second, first] : [first, second]
      if (ordered[0].timing === 'late') return REFUSED
      const result: Expected = { allow: judged(ordered[0].value) }
      // Node orders setImmediate against setTimeout, and timers of different durations (kept in separate lists, each
      // run whole when due), by how late the loop is: on a loaded machine either answer may come first.
      const a = first.timing
      const b = second.timing
      const unordered = (a === 'immediate' && typeof b === 'object') || (b === 'immediate' && typeof a === 'object') ||
        (typeof a === 'object' && typeof b === 'object' && a.ms !== b.ms)
      if (unordered) result.either = judged(ordered[1].value)
      return result
    }
    case 'throw': return REFUSED
    case 'reject': return REFUSED
    case 'never': return REFUSED
    case 'async-callback': return form.timing === 'late' ? REFUSED : { allow: judged(form.value) }
    case 'callback-and-return':
      if (form.timing === 'sync') return { allow: judged(form.called) }
      if (!(form.returned.t === 'plain' && form.returned.v === undefined)) return { allow: judged(form.returned) }
      return form.timing === 'late' ? REFUSED : { allow: judged(form.called) }
  }
}

/** The route whose origin function declares the callback parameter ('/') or none ('/no-callback'). */
export function pathOf (form: Form): string {
  return (form.f === 'return' || form.f === 'async') && !form.declares ? '/no-callback' : '/'
}
