// Property (c) of issue 14: random requests classified by a model of the
// Fetch Standard's preflight rules written here, independently of lib/, sent
// through inject to apps with random policies.
// - A cross-origin request that a browser sends only after a preflight, from
//   an origin its route's policy refuses (or with a method outside its
//   explicit `methods`), never reaches a later hook or the handler.
// - A request that a browser sends without a preflight always reaches it
//   (unless rejectDisallowed refuses its origin).
// Headers are drawn from pools with a known origin: set by scripts (the
// plugin's built-in names and the names the policy lists in allowedHeaders),
// added by proxies and CDNs on the way (never a script's), or set by the
// browser. A custom name the policy does not list is one the plugin cannot
// tell from a proxy's: requests carrying one are sent (no 5xx) but not judged.
//
// Rerun: PREFLIGHT_SEED=<seed> PREFLIGHT_RUNS=<runs> npx tap test/properties/preflight-model.test.ts --disable-coverage
import { test } from 'tap'
import fc from 'fast-check'
import Fastify, { type FastifyInstance } from 'fastify'
import cors from '../../index.js'

const SEED = process.env.PREFLIGHT_SEED !== undefined ? Number(process.env.PREFLIGHT_SEED) : 20261202
const RUNS = process.env.PREFLIGHT_RUNS !== undefined ? Number(process.env.PREFLIGHT_RUNS) : 400
const RERUN = (seed: number, runs: number) => `PREFLIGHT_SEED=${seed} PREFLIGHT_RUNS=${runs} npx tap test/properties/preflight-model.test.ts --disable-coverage`

// ----------------------------------------------------------- the model (Fetch)

/** https://fetch.spec.whatwg.org/#http-whitespace */
const isHttpWhitespace = (c: string) => c === '\t' || c === '\n' || c === '\r' || c === ' '
/** https://mimesniff.spec.whatwg.org/#http-token-code-point */
const isTokenChar = (c: string) => /[A-Za-z0-9]/.test(c) || "!#$%&'*+-.^_`|~".includes(c)

/** https://mimesniff.spec.whatwg.org/#parse-a-mime-type, up to the essence (parameters never fail it). */
function parseMimeEssence (input: string): string | undefined {
  let start = 0
  let end = input.length
  while (start < end && isHttpWhitespace(input[start])) start++
  while (end > start && isHttpWhitespace(input[end - 1])) end--
  const text = input.slice(start, end)
  let position = 0
  let type = ''
  while (position < text.length && text[position] !== '/') type += text[position++]
  if (type === '' || ![...type].every(isTokenChar)) return undefined
  if (position >= text.length) return undefined
  position++ // '/'
  let subtype = ''
  while (position < text.length && text[position] !== ';') subtype += text[position++]
  let subtypeEnd = subtype.length
  while (subtypeEnd > 0 && isHttpWhitespace(subtype[subtypeEnd - 1])) subtypeEnd--
  subtype = subtype.slice(0, subtypeEnd)
  if (subtype === '' || ![...subtype].every(isTokenChar)) return undefined
  return `${type.toLowerCase()}/${subtype.toLowerCase()}`
}

/** https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte */
function hasUnsafeByte (value: string): boolean {
  for (const c of value) {
    const code = c.charCodeAt(0)
    if ((code < 0x20 && code !== 0x09) || code === 0x7f || '"():<>?@[\\]{}'.includes(c)) return true
  }
  return false
}

/** https://fetch.spec.whatwg.org/#cors-safelisted-request-header, for the names this generator draws. */
function isSafelistedHeader (name: string, value: string): boolean {
  if (value.length > 128) return false
  switch (name) {
    case 'accept': return !hasUnsafeByte(value)
    case 'accept-language': case 'content-language': return /^[0-9A-Za-z *,\-.;=]*$/.test(value)
    case 'content-type': {
      if (hasUnsafeByte(value)) return false
      const essence = parseMimeEssence(value)
      return essence === 'application/x-www-form-urlencoded' || essence === 'multipart/form-data' || essence === 'text/plain'
    }
    default: return false
  }
}

const SCRIPT_SET = ['authorization', 'x-requested-with', 'x-csrf-token', 'x-xsrf-token', 'x-api-key']
const LISTED = 'x-tenant'
const UNLISTED = 'x-custom'
const PROXY_ADDED = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'via', 'x-real-ip', 'traceparent', 'tracestate', 'x-request-id', 'x-amzn-trace-id', 'cf-ray', 'cf-connecting-ip']
const BROWSER_SET: Record<string, string> = { accept: '*/*', 'accept-language': 'en-US,en;q=0.9' }

interface Policy {
  origin: 'list' | 'single' | 'any' | 'function'
  methods: string[] | undefined
  allowedHeaders: string[] | undefined
  rejectDisallowed: boolean
  trustProxy: boolean
}

interface Request {
  method: string
  origin: 'allowed' | 'refused' | 'same' | 'none'
  contentType: string | undefined
  script: string[]
  proxy: string[]
  browser: string[]
  fetchMode: string | undefined
  fetchSite: string | undefined
}

const ALLOWED = 'https://app.example.com'
const REFUSED = 'https://evil.example.net'
// inject's default Host is localhost:80
const SAME = 'http://localhost'

type Verdict = 'reaches' | 'refused' | 'unjudged'

/** What a browser and the plugin's promise say about one request. */
function model (policy: Policy, request: Request): Verdict {
  const listed = policy.allowedHeaders?.map(name => name.toLowerCase()) ?? []
  // The browser's author header list: what scripts set and what the browser sets itself; proxies add theirs later.
  const author: Array<[string, string]> = [...request.script.map(name => [name, '1'] as [string, string]), ...request.browser.map(name => [name, BROWSER_SET[name]] as [string, string])]
  if (request.contentType !== undefined) author.push(['content-type', request.contentType])
  // A navigation or a no-cors request carries no script-set header: those came from elsewhere.
  const scriptsCould = request.fetchMode !== 'navigate' && request.fetchMode !== 'no-cors'
  const unsafeNames = author.filter(([name, value]) => !isSafelistedHeader(name, value) && (name === 'content-type' || scriptsCould)).map(([name]) => name)
  if (unsafeNames.some(name => name === UNLISTED || (name === LISTED && !listed.includes(LISTED)))) return 'unjudged'
  const preflighted = !['GET', 'HEAD', 'POST'].includes(request.method) || unsafeNames.length > 0

  if (request.origin === 'none') return 'reaches'
  // Same-origin: Sec-Fetch-Site when the browser sends it, else the Host (never X-Forwarded-*).
  const sameOrigin = request.fetchSite !== undefined ? request.fetchSite === 'same-origin' : request.origin === 'same'
  if (sameOrigin) return 'reaches'
  const origin = request.origin === 'allowed' ? ALLOWED : request.origin === 'same' ? SAME : REFUSED
  const allowed = policy.origin === 'any' || origin === ALLOWED
  if (allowed) {
    const methodListed = policy.methods === undefined || policy.methods.includes(request.method)
    return methodListed || !preflighted ? 'reaches' : 'refused'
  }
  return preflighted || policy.rejectDisallowed ? 'refused' : 'reaches'
}

// ------------------------------------------------------------------ generators

const policyArb: fc.Arbitrary<Policy> = fc.record({
  origin: fc.constantFrom('list', 'single', 'any', 'function'),
  methods: fc.constantFrom(undefined, ['GET', 'POST'], ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']),
  allowedHeaders: fc.constantFrom(undefined, [LISTED], ['Content-Type', 'X-Tenant', 'Authorization', 'X-Forwarded-For', 'traceparent']),
  rejectDisallowed: fc.boolean(),
  trustProxy: fc.boolean()
})

// Mostly well-formed values with one twist: odd whitespace (HTTP or not), a
// non-token character, odd parameters, non-ASCII, over-long.
const whitespace = fc.constantFrom('', '', '', ' ', '\t', '\u00a0', '\u0085', '\u000b')
const contentTypeArb = fc.option(fc.tuple(
  whitespace,
  fc.constantFrom('text/plain', 'TEXT/Plain', 'multipart/form-data', 'application/x-www-form-urlencoded', 'application/json', 'text/html', 'tëxt/plain', 'text /plain', 'text/ plain', 'text', 'text/'),
  whitespace,
  fc.constantFrom('', '', '; charset=utf-8', ';boundary=x', '; q=é', '; x="y"', ';', '; a=(b)', ';' + 'p'.repeat(130)),
  whitespace
).map(parts => parts.join('')), { nil: undefined, freq: 3 })

const requestArb: fc.Arbitrary<Request> = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH'),
  origin: fc.constantFrom('allowed', 'refused', 'refused', 'same', 'none'),
  contentType: contentTypeArb,
  script: fc.subarray([...SCRIPT_SET, LISTED, UNLISTED], { maxLength: 3 }).chain(names => fc.boolean().map(none => none ? [] : names)),
  proxy: fc.subarray(PROXY_ADDED),
  browser: fc.subarray(Object.keys(BROWSER_SET)),
  fetchMode: fc.constantFrom(undefined, 'cors', 'navigate', 'no-cors'),
  fetchSite: fc.constantFrom(undefined, undefined, 'same-origin', 'cross-site', 'same-site')
})

// ------------------------------------------------------------------------ apps

interface Built { app: FastifyInstance, reached: string[] }
const apps = new Map<string, Promise<Built>>()

function appFor (policy: Policy): Promise<Built> {
  const key = JSON.stringify(policy)
  let built = apps.get(key)
  if (built === undefined) {
    built = (async () => {
      const app = Fastify({ trustProxy: policy.trustProxy })
      const origin = policy.origin === 'list'
        ? [ALLOWED, 'https://*.example.org']
        : policy.origin === 'single' ? ALLOWED : policy.origin === 'any' ? '*' : async (candidate: string) => candidate === ALLOWED
      await app.register(cors, { origin, methods: policy.methods, allowedHeaders: policy.allowedHeaders, rejectDisallowed: policy.rejectDisallowed })
      const reached: string[] = []
      // A later hook: the plugin's refusals come before it, and before the body is parsed.
      app.addHook('onRequest', async request => { reached.push(request.id) })
      app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'], url: '/r', handler: async () => 'ok' })
      await app.ready()
      return { app, reached }
    })()
    apps.set(key, built)
  }
  return built
}

function headersOf (request: Request): Record<string, string> {
  const headers: Record<string, string> = {}
  if (request.origin !== 'none') headers.origin = request.origin === 'allowed' ? ALLOWED : request.origin === 'same' ? SAME : REFUSED
  if (request.contentType !== undefined) headers['content-type'] = request.contentType
  for (const name of request.script) headers[name] = '1'
  for (const name of request.proxy) headers[name] = name === 'x-forwarded-host' ? 'evil.example.net' : name === 'x-forwarded-proto' ? 'https' : '1.2.3.4'
  for (const name of request.browser) headers[name] = BROWSER_SET[name]
  if (request.fetchMode !== undefined) headers['sec-fetch-mode'] = request.fetchMode
  if (request.fetchSite !== undefined) headers['sec-fetch-site'] = request.fetchSite
  return headers
}

test('preflight model: preflight-only requests from refused origins never reach the handler; simple requests always do', async t => {
  t.comment(`fast-check seed ${SEED}, ${RUNS} runs (PREFLIGHT_SEED / PREFLIGHT_RUNS to change)`)
  const counts = { reaches: 0, refused: 0, unjudged: 0 }
  try {
    await fc.assert(fc.asyncProperty(policyArb, fc.array(requestArb, { minLength: 1, maxLength: 4 }), async (policy, requests) => {
      const { app, reached } = await appFor(policy)
      for (const request of requests) {
        reached.length = 0
        const response = await app.inject({ method: request.method as 'GET', url: '/r', headers: headersOf(request) })
        if (response.statusCode >= 500) throw new Error(`status ${response.statusCode}: ${response.body}`)
        const verdict = model(policy, request)
        counts[verdict]++
        if (verdict === 'refused' && (reached.length > 0 || response.statusCode !== 403)) {
          throw new Error(`a preflight-only request from a refused origin or method reached the handler (${response.statusCode}): ${JSON.stringify(request)}`)
        }
        // Past the plugin, Fastify may still answer 400 or 415 to a body it cannot parse.
        if (verdict === 'reaches' && (reached.length !== 1 || response.statusCode === 403)) {
          throw new Error(`a request the model says is sent without a preflight was refused (${response.statusCode} ${response.body}): ${JSON.stringify(request)}`)
        }
      }
    }), { numRuns: RUNS, seed: SEED })
  } catch (error) {
    throw new Error(`${(error as Error).message}\nRerun: ${RERUN(SEED, RUNS)}`)
  } finally {
    for (const built of apps.values()) await (await built).app.close()
    apps.clear()
  }
  t.comment(`requests: ${counts.reaches} simple or allowed (reached), ${counts.refused} preflight-only and refused, ${counts.unjudged} with an unlisted custom header (not judged)`)
  t.ok(counts.reaches > 0 && counts.refused > 0, 'the generator produces both kinds')
})
