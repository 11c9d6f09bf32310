// Compiling checked options into a Policy: the origin decision as a closure,
// and every header value a response carries, built once.
import { test } from 'tap'
import type { FastifyRequest } from 'fastify'
import { checkOptions } from '../../lib/config/options.js'
import { PluginOptionsSchema } from '../../lib/config/schema.js'
import { compilePolicy, type Policy } from '../../lib/policy/policy.js'

function compile (options: object): Policy {
  const checked = checkOptions(PluginOptionsSchema, options)
  if (checked.problems.length > 0) throw new Error(`test options are invalid: ${JSON.stringify(checked.problems)}`)
  return compilePolicy(checked.resolved)
}

const request = { server: {} } as unknown as FastifyRequest

test('origin: false compiles to no decision at all: CORS is off and nothing depends on Origin', async t => {
  const policy = compile({ origin: false, exposedHeaders: 'x-a' })
  t.equal(policy.allow, undefined)
  t.equal(policy.varyOnOrigin, false)
  t.same(policy.ungrantedHeaders, [])
})

test("'*' allows every origin with '*', the same answer for all: no Vary, and Origin-less requests get it too", async t => {
  const policy = compile({ origin: '*', exposedHeaders: ['x-total'] })
  t.equal(policy.allow?.('https://a.com', request), '*')
  t.equal(policy.allow?.('https://b.com', request), '*')
  t.equal(policy.varyOnOrigin, false)
  t.same(policy.ungrantedHeaders, [['access-control-allow-origin', '*'], ['access-control-expose-headers', 'x-total']])
})

test('one exact origin allows itself alone, and is sent to everyone, so it need not vary', async t => {
  const policy = compile({ origin: 'https://a.com', credentials: true })
  t.equal(policy.allow?.('https://a.com', request), 'https://a.com')
  t.equal(policy.allow?.('https://b.com', request), undefined)
  t.equal(policy.allow?.('https://a.com.evil.com', request), undefined)
  t.equal(policy.varyOnOrigin, false)
  t.same(policy.ungrantedHeaders, [['access-control-allow-origin', 'https://a.com'], ['access-control-allow-credentials', 'true']])
})

test('rejectDisallowed makes one exact origin vary (the status depends on Origin), but not \'*\' (it refuses no origin)', async t => {
  t.equal(compile({ origin: 'https://a.com', rejectDisallowed: true }).varyOnOrigin, true)
  t.equal(compile({ origin: '*', rejectDisallowed: true }).varyOnOrigin, false)
})

test('a list reflects the origin it allows, varies on Origin, and sends nothing to the others', async t => {
  const policy = compile({ origin: ['https://a.com', 'https://*.b.com', /^https:\/\/c\.com$/] })
  for (const origin of ['https://a.com', 'https://x.b.com', 'https://c.com']) t.equal(policy.allow?.(origin, request), origin, origin)
  for (const origin of ['https://b.com', 'https://evil.com', 'https://a.com/']) t.equal(policy.allow?.(origin, request), undefined, origin)
  t.equal(policy.varyOnOrigin, true)
  t.same(policy.ungrantedHeaders, [])
})

test('an origin function is called with the origin and the request, and varies on Origin', async t => {
  const seen: unknown[] = []
  const policy = compile({ origin: (origin: string, _callback: unknown, req: unknown) => { seen.push([origin, req]); return origin === 'https://a.com' } })
  t.equal(policy.allow?.('https://a.com', request), 'https://a.com')
  t.equal(policy.allow?.('https://b.com', request), undefined)
  t.same(seen, [['https://a.com', request], ['https://b.com', request]])
  t.equal(policy.varyOnOrigin, true)
})

test('actual responses carry credentials and exposed headers, joined once; preflights carry credentials, max-age and cache-control', async t => {
  const policy = compile({ origin: ['https://a.com'], credentials: true, exposedHeaders: 'X-Total, X-Page', maxAge: 600, cacheControl: 300 })
  t.same(policy.actualHeaders, [['access-control-allow-credentials', 'true'], ['access-control-expose-headers', 'X-Total, X-Page']])
  t.same(policy.preflightHeaders, [['access-control-allow-credentials', 'true'], ['access-control-max-age', '600'], ['cache-control', 'max-age=300']])
  t.equal(policy.credentials, true)
  const bare = compile({ origin: ['https://a.com'] })
  t.same(bare.actualHeaders, [], 'none of them unless configured')
  t.same(bare.preflightHeaders, [])
  t.equal(bare.credentials, false)
})

test('a Cache-Control string is sent as written', async t => {
  t.same(compile({ cacheControl: 'public, max-age=60' }).preflightHeaders, [['cache-control', 'public, max-age=60']])
})

test("methods: a set of upper-case names; left out or '*', whatever the route answers", async t => {
  t.same([...compile({ methods: 'get, Put' }).methods ?? []], ['GET', 'PUT'])
  t.equal(compile({}).methods, undefined)
  t.equal(compile({ methods: ['GET', '*'] }).methods, undefined)
})

test("allowedHeaders: reflected when left out; else the lower-case names, '*' first in the value when listed", async t => {
  t.equal(compile({}).allowHeaders('X-A, x-b'), 'x-a,x-b')
  const listed = compile({ allowedHeaders: 'Content-Type, X-Api-Key' })
  t.equal(listed.allowHeaders(undefined), 'content-type, x-api-key')
  t.equal(listed.allowHeaders('x-api-key'), 'content-type, x-api-key')
  t.match(listed.allowHeaders('x-other'), { reason: 'header-not-allowed' })
  t.equal(compile({ allowedHeaders: ['x-a', '*'] }).allowHeaders('x-b'), '*, x-a')
})

test('the headers that make a request preflight-only include the listed allowedHeaders a page can set', async t => {
  const listed = compile({ allowedHeaders: ['x-tenant', 'content-type', 'Authorization'] }).addedScriptOnlyHeaders
  t.same(listed, ['x-tenant'], 'a custom listed header, not a safelisted one, nor a built-in one, which needsPreflight reads anyway')
  t.same(compile({}).addedScriptOnlyHeaders, [])
})

test('the remaining switches are carried over as resolved', async t => {
  t.match(compile({}), { successStatus: 204, preflight: true, preflightContinue: false, rejectDisallowed: false, checkActualRequests: true, allowPrivateNetwork: false, debug: false })
  t.match(compile({ optionsSuccessStatus: 200, preflight: false, preflightContinue: true, rejectDisallowed: true, checkActualRequests: false, allowPrivateNetwork: true, debug: true }),
    { successStatus: 200, preflight: false, preflightContinue: true, rejectDisallowed: true, checkActualRequests: false, allowPrivateNetwork: true, debug: true })
})
