// What fast-check draws: configurations (about one in three must fail startup)
// and requests (browser-like, near-valid and garbage), from the models.
import fc from 'fast-check'
import { HOSTS, INVALID_CONFIGURED, REGEXPS, SCHEMES, entryString, type AppModel, type Entry, type FunctionKind, type Model, type OriginConfig } from './options.js'
import { PATHS, routedMethods } from './app.js'
import { MAX_ORIGIN_LENGTH, MAX_REQUEST_HEADERS_COUNT, MAX_REQUEST_HEADERS_LENGTH } from './syntax.js'

export interface Req {
  kind: 'GET' | 'HEAD' | 'PUT' | 'OPTIONS' | 'preflight'
  path: string
  origin: { value: string, invalid: boolean } | undefined
  acrm: string
  acrh: string | undefined
  privateNetwork: boolean
}

export const HEADER_NAMES = ['content-type', 'x-api-key', 'authorization', 'x-requested-with', 'accept', 'x-a', '*', 'X-Custom']
export const SEPARATORS = [',', ', ', ' ,', ',\t', ' , ', ',,']

export function caseVariant (name: string, mode: number): string {
  if (mode === 1) return name.toUpperCase()
  if (mode === 2) return name.split('').map((c, i) => i % 2 === 0 ? c.toUpperCase() : c).join('')
  return name
}

/** A list of exactly `length` characters (when possible) with `distinct` different valid names. */
export function sizedList (length: number, distinct: number): string {
  const names = Array.from({ length: distinct }, (_, i) => `x-h${i}`)
  let value = names.join(',')
  if (value.length < length) value += ',x-' + 'p'.repeat(Math.max(0, length - value.length - 3))
  return value
}

export const acrhArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  {
    weight: 6,
    arbitrary: fc.tuple(
      fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), fc.integer({ min: 0, max: 2 })), { maxLength: 6 }),
      fc.constantFrom(...SEPARATORS), fc.boolean(), fc.boolean()
    ).map(([names, sep, lead, trail]) => (lead ? sep : '') + names.map(([n, mode]) => caseVariant(n, mode)).join(sep) + (trail ? sep : ''))
  },
  // Near the caps: length and distinct-name count just under, at and over them, and far beyond.
  { weight: 3, arbitrary: fc.constantFrom(MAX_REQUEST_HEADERS_LENGTH - 1, MAX_REQUEST_HEADERS_LENGTH, MAX_REQUEST_HEADERS_LENGTH + 1, 100_000, 1 << 20).map(n => sizedList(n, 3)) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(MAX_REQUEST_HEADERS_COUNT - 1, MAX_REQUEST_HEADERS_COUNT, MAX_REQUEST_HEADERS_COUNT + 1, 500), fc.boolean())
      .map(([n, dup]) => { const list = sizedList(0, n); return dup ? list + ',' + list.toUpperCase() : list })
  },
  // Malformed names: spaces inside, separators, non-ASCII, control characters.
  { weight: 2, arbitrary: fc.constantFrom('x y', 'x(y)', 'x:y', '"x"', 'ä', 'x-\u00e4', 'x\r\ny', 'x\ny', 'content-type;', 'x\u0000', '\u212Aey', 'x-a, x b', 'x-a\t,\tx-b', '\t', ' ') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) }
)

export const hostArb = fc.constantFrom(...HOSTS.map(h => h.host), 'evil.com', 'example.com.evil.com', 'evilexample.com', 'barfoo.com', 'evilfoo.com', 'fixed.example.com')
export const structuredOriginArb = fc.record({
  scheme: fc.constantFrom(...SCHEMES),
  sub: fc.constantFrom('', '', 'a.', 'x.y.', 'evil-', 'evil', '-.', 'a..'),
  host: hostArb,
  port: fc.constantFrom(undefined, undefined, '3000', '8080', '65535', '443', '80'),
  trailingDot: fc.boolean()
}).map(c => `${c.scheme}://${c.sub}${c.host}${c.trailingDot ? '.' : ''}${c.port !== undefined ? ':' + c.port : ''}`)

// Mutations that no browser-sent Origin has.
export const MUTATIONS: Array<(s: string) => string> = [
  s => s.toUpperCase(),
  s => s.replace('://', '://user:pw@'),
  s => s + '/',
  s => s + '/path',
  s => s + '?q=1',
  s => s + '#f',
  s => s + '\r\nx-injected: 1',
  s => s + '\n',
  s => s + '\u0000',
  s => ' ' + s,
  s => s + ' ',
  s => s + '\t',
  s => s.replace(/\.([^.]*)$/, '..$1').replace(/^([a-z]+:\/\/)([^.]*)$/, '$1$2..x'),
  s => s.replace('://', '://\u00e4'),
  s => s + '\u00e4',
  s => s.replace(/k|i/, c => c === 'k' ? '\u212A' : '\u0131') + (/[ki]/.test(s) ? '' : '\u00a0'),
  s => s.replace(/\.(?=[^.]*$)/, '\uff0e') + (s.includes('.') ? '' : '\uff0e'),
  s => s + ':',
  s => s + ':00080'
]

export function longOrigin (length: number): string {
  const suffix = '.example.com'
  let host = ''
  while (('https://' + host + suffix).length < length) host += (host.length % 51 === 50 ? '.' : 'a')
  if (host.endsWith('.')) host = host.slice(0, -1) + 'b'
  return ('https://' + host).slice(0, length - suffix.length) + suffix
}

/** Origins derived from what is configured, so that allowed ones are common. */
export function configuredOriginArb (model: AppModel): fc.Arbitrary<string> {
  const configured: string[] = []
  for (const m of [model.scope, model.override === false ? undefined : model.override]) {
    const o = m?.origin
    const entries = o?.type === 'one' ? [o.entry] : o?.type === 'list' ? o.entries : []
    for (const e of entries) {
      if (e.type === 'exact') configured.push(entryString(e) as string)
      if (e.type === 'pattern') {
        const base = `${e.scheme}://${e.subdomains ? 'a.' : ''}${e.host.host}`
        configured.push(base, e.port === '*' ? base + ':8443' : base + (e.port !== undefined ? ':' + e.port : ''), base.replace('://a.', '://'))
      }
    }
    if (o?.type === 'function') configured.push(...o.allow)
  }
  return configured.length > 0 ? fc.constantFrom(...configured) : structuredOriginArb
}

export function originArb (model: AppModel): fc.Arbitrary<{ value: string, invalid: boolean } | undefined> {
  const pool = configuredOriginArb(model)
  const valid = fc.oneof({ weight: 2, arbitrary: structuredOriginArb }, { weight: 4, arbitrary: pool }, { weight: 1, arbitrary: fc.constantFrom('http://localhost', 'http://localhost:80', 'https://app.example.com', 'https://a.foo.com', 'https://FOO.com', 'https://foo.com') })
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: valid.map(value => ({ value, invalid: false })) },
    { weight: 4, arbitrary: fc.tuple(valid, fc.integer({ min: 0, max: MUTATIONS.length - 1 })).map(([s, i]) => ({ value: MUTATIONS[i](s), invalid: true })) },
    { weight: 1, arbitrary: fc.constantFrom('null', '', '*', 'file://', 'https://', 'https:', '//example.com').map(value => ({ value, invalid: true })) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(MAX_ORIGIN_LENGTH - 1, MAX_ORIGIN_LENGTH, MAX_ORIGIN_LENGTH + 1, 2 * MAX_ORIGIN_LENGTH, 10_000, 100_000)
        .map(n => ({ value: longOrigin(n), invalid: n > MAX_ORIGIN_LENGTH }))
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(s => ({ value: s, invalid: !s.includes('://') })) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 30 }).map(s => ({ value: 'https://' + s, invalid: false })) }
  )
}

// Browser-like preflights: a route's own method, a configured origin, a short header list.
export const simpleAcrhArb = fc.oneof(
  fc.constant(undefined),
  fc.subarray(['content-type', 'x-api-key', 'authorization', 'x-requested-with']).map(names => names.join(','))
)

export function requestArb (model: AppModel): fc.Arbitrary<Req> {
  const origin = originArb(model)
  const anyRequest = fc.record({
    kind: fc.constantFrom<Req['kind']>('GET', 'GET', 'HEAD', 'PUT', 'OPTIONS', 'preflight', 'preflight'),
    path: fc.constantFrom(...PATHS),
    origin,
    acrm: fc.constantFrom('GET', 'GET', 'PUT', 'DELETE', 'PATCH', 'patch', 'get', 'HEAD', 'OPTIONS', 'POST', '', 'G ET', 'GET\r\n'),
    acrh: acrhArb,
    privateNetwork: fc.boolean()
  })
  const browserPreflight = fc.constantFrom(...PATHS.filter(p => p !== '/missing'))
    .chain(path => fc.record({
      kind: fc.constant<Req['kind']>('preflight'),
      path: fc.constant(path),
      origin: fc.oneof({ weight: 3, arbitrary: configuredOriginArb(model).map(value => ({ value, invalid: false })) }, { weight: 1, arbitrary: origin }),
      acrm: fc.constantFrom(...routedMethods(path)),
      acrh: fc.oneof({ weight: 2, arbitrary: simpleAcrhArb }, { weight: 1, arbitrary: acrhArb }),
      privateNetwork: fc.boolean()
    }))
  return fc.oneof({ weight: 3, arbitrary: anyRequest }, { weight: 2, arbitrary: browserPreflight })
}

export const hostModelArb = fc.constantFrom(...HOSTS)
export const entryArb: fc.Arbitrary<Entry> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ type: fc.constant('exact' as const), scheme: fc.constantFrom(...SCHEMES), host: hostModelArb, port: fc.constantFrom(undefined, undefined, '3000', '8080') }) },
  { weight: 8, arbitrary: fc.record({ type: fc.constant('pattern' as const), scheme: fc.constantFrom(...SCHEMES), host: hostModelArb, subdomains: fc.constant(true), port: fc.constantFrom(undefined, undefined, '*', '8080') }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('pattern' as const), scheme: fc.constantFrom(...SCHEMES), host: hostModelArb, subdomains: fc.constant(false), port: fc.constant('*') }) },
  { weight: 6, arbitrary: fc.constantFrom(...REGEXPS.filter(r => r.valid !== false)).map(entry => ({ type: 'regexp' as const, entry })) },
  { weight: 1, arbitrary: fc.constantFrom(...REGEXPS.filter(r => r.valid === false)).map(entry => ({ type: 'regexp' as const, entry })) },
  { weight: 1, arbitrary: fc.constantFrom(...INVALID_CONFIGURED).map(value => ({ type: 'invalid' as const, value })) },
  { weight: 1, arbitrary: fc.constant({ type: 'star' as const }) }
)

export const originConfigArb: fc.Arbitrary<OriginConfig> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom<OriginConfig>({ type: 'default' }, { type: 'star' }, { type: 'true' }, { type: 'false' }) },
  { weight: 3, arbitrary: entryArb.map(entry => ({ type: 'one' as const, entry })) },
  { weight: 6, arbitrary: fc.array(entryArb, { maxLength: 4 }).map(entries => ({ type: 'list' as const, entries })) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('function' as const),
      kind: fc.constantFrom<FunctionKind>('set', 'async-set', 'fixed', 'bad-string', 'throws', 'rejects'),
      allow: fc.subarray(['https://example.com', 'https://app.example.com', 'http://localhost:3000', 'https://foo.com', 'app://x'])
    })
  }
)

/** Mostly `valid`, sometimes `invalid`: about one configuration in three must fail startup. */
export function mostly<T> (valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 39, arbitrary: valid }, { weight: 1, arbitrary: invalid })
}

export const listArb = (names: string[], bad: string): fc.Arbitrary<string[] | string | undefined> => mostly(fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.subarray(names) },
  { weight: 1, arbitrary: fc.subarray(names).map(list => list.join(' , ')) },
  { weight: 1, arbitrary: fc.constant('*') }
), fc.subarray(names).map(list => [...list, bad]))

export const modelFields = {
  origin: originConfigArb,
  credentials: fc.constantFrom(true, false, false, false),
  dangerouslyAllowAnyOriginWithCredentials: fc.constantFrom(true, false, false),
  dangerouslyAllowSubdomainsOfPublicSuffixes: fc.constantFrom(true, false, false),
  methods: listArb(['GET', 'PUT', 'post', 'DELETE', 'PATCH', '*'], 'G ET'),
  allowedHeaders: listArb(['content-type', 'X-Api-Key', 'authorization', '*', 'x-requested-with'], 'bad name'),
  exposedHeaders: listArb(['x-total', 'ETag', '*'], 'bad(name)'),
  maxAge: mostly(fc.integer({ min: 0, max: 86400 }), fc.constantFrom(-1, 86401, 1.5)),
  rejectDisallowed: fc.boolean(),
  debug: fc.boolean(),
  allowPrivateNetwork: fc.boolean(),
  optionsSuccessStatus: mostly(fc.constantFrom(200, 204, 299), fc.constant(300)),
  cacheControl: mostly(fc.constantFrom<number | string>(600, 'public, max-age=600'), fc.constant('x\r\ny')),
  preflight: fc.constantFrom(true, true, true, false),
  preflightContinue: fc.constantFrom(false, false, false, true)
}

export const scopeArb = fc.record(modelFields, { requiredKeys: ['origin'] }) as fc.Arbitrary<Model>

export const { origin: routeOrigin, credentials: routeCredentials, methods: routeMethods, allowedHeaders: routeAllowed, rejectDisallowed: routeReject, maxAge: routeMaxAge } = modelFields
export const overrideArb: fc.Arbitrary<Model | false | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant(false as const) },
  { weight: 3, arbitrary: fc.record({ origin: routeOrigin, credentials: routeCredentials, methods: routeMethods, allowedHeaders: routeAllowed, rejectDisallowed: routeReject, maxAge: routeMaxAge }, { requiredKeys: [] }) as fc.Arbitrary<Model> }
)

export const appModelArb: fc.Arbitrary<AppModel> = fc.record({ scope: scopeArb, override: overrideArb, catchAll: fc.boolean(), notFoundVary: fc.boolean() })

export const scenarioArb = appModelArb.chain(model => fc.tuple(fc.constant(model), fc.array(requestArb(model), { minLength: 1, maxLength: 6 })))
