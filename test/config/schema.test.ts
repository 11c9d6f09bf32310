// The options' schema: what it accepts and refuses, option by option, and its
// words for each option. Ranges are pinned as literals, as a user reads them in
// the README.
import { test } from 'tap'
import { Value } from '@sinclair/typebox/value'
import { EXPECTED, PluginOptionsSchema, RouteOptionsSchema } from '../../lib/config/schema.js'

const accepts = (schema: typeof PluginOptionsSchema | typeof RouteOptionsSchema, options: unknown) => Value.Check(schema, options)

test('origin takes a string, a RegExp instance, a list of those, a boolean or a function, and nothing else', async t => {
  for (const origin of ['https://a.com', /^https:\/\/a\.com$/, ['https://a.com', /^https:\/\/b\.com$/], [], true, false, () => true, async () => 'https://a.com']) {
    t.ok(accepts(PluginOptionsSchema, { origin }), `accepts ${String(origin)}`)
  }
  const regexpLike = { source: '^https://a\\.com$', flags: '', test: () => true, exec: () => null }
  for (const origin of [5, null, {}, regexpLike, [5], [true], [['https://a.com']], Symbol('x')]) {
    t.notOk(accepts(PluginOptionsSchema, { origin }), `refuses ${typeof origin === 'symbol' ? 'a symbol' : JSON.stringify(origin)}`)
  }
  t.notOk(accepts(PluginOptionsSchema, { origin: [regexpLike] }), 'an object that looks like a RegExp is not one, in a list either')
})

test('lists take a comma-separated string or an array of strings', async t => {
  for (const option of ['methods', 'allowedHeaders', 'exposedHeaders']) {
    t.ok(accepts(PluginOptionsSchema, { [option]: 'a, b' }), `${option}: a string`)
    t.ok(accepts(PluginOptionsSchema, { [option]: ['a', 'b'] }), `${option}: an array`)
    t.notOk(accepts(PluginOptionsSchema, { [option]: ['a', 1] }), `${option}: an array with a number`)
    t.notOk(accepts(PluginOptionsSchema, { [option]: 7 }), `${option}: a number`)
  }
})

test('integer options are integers within their ranges', async t => {
  const ranges: Array<[string, number, number | undefined]> = [
    ['originFunctionTimeout', 1, 60_000],
    ['maxAge', 0, 86400],
    ['optionsSuccessStatus', 200, 299],
    ['cacheControl', 0, undefined]
  ]
  for (const [option, low, high] of ranges) {
    t.ok(accepts(PluginOptionsSchema, { [option]: low }), `${option}: ${low} is accepted`)
    t.notOk(accepts(PluginOptionsSchema, { [option]: low - 1 }), `${option}: ${low - 1} is refused`)
    t.notOk(accepts(PluginOptionsSchema, { [option]: low + 0.5 }), `${option}: ${low + 0.5} is refused`)
    if (high !== undefined) {
      t.ok(accepts(PluginOptionsSchema, { [option]: high }), `${option}: ${high} is accepted`)
      t.notOk(accepts(PluginOptionsSchema, { [option]: high + 1 }), `${option}: ${high + 1} is refused`)
    }
  }
  t.ok(accepts(PluginOptionsSchema, { cacheControl: 'no-store' }), 'cacheControl also takes a string')
  t.notOk(accepts(PluginOptionsSchema, { maxAge: '600' }), 'a number in a string is not a number')
})

test('boolean options take booleans only', async t => {
  const booleans = ['credentials', 'preflight', 'preflightContinue', 'rejectDisallowed', 'checkActualRequests', 'allowPrivateNetwork', 'debug',
    'dangerouslyAllowAnyOriginWithCredentials', 'dangerouslyAllowSubdomainsOfPublicSuffixes', 'hideOptionsRoute']
  for (const option of booleans) {
    t.ok(accepts(PluginOptionsSchema, { [option]: false }), `${option}: false`)
    t.notOk(accepts(PluginOptionsSchema, { [option]: 'true' }), `${option}: 'true' is refused`)
    t.notOk(accepts(PluginOptionsSchema, { [option]: 1 }), `${option}: 1 is refused`)
  }
})

test("@fastify/cors's hook and strictPreflight are accepted only with the value this plugin always has", async t => {
  t.ok(accepts(PluginOptionsSchema, { hook: 'onRequest' }))
  for (const hook of ['preHandler', 'onSend', 'preParsing']) t.notOk(accepts(PluginOptionsSchema, { hook }), `hook: '${hook}' is refused`)
  t.ok(accepts(PluginOptionsSchema, { strictPreflight: true }))
  t.notOk(accepts(PluginOptionsSchema, { strictPreflight: false }), 'strictPreflight: false is refused')
})

test("logLevel is one of Fastify's level names", async t => {
  for (const logLevel of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) t.ok(accepts(PluginOptionsSchema, { logLevel }), logLevel)
  for (const logLevel of ['WARN', 'verbose', '', 30]) t.notOk(accepts(PluginOptionsSchema, { logLevel }), `${String(logLevel)} is refused`)
})

test('unknown options are refused; the options that concern the registration alone are refused on a route', async t => {
  t.notOk(accepts(PluginOptionsSchema, { orign: 'https://a.com' }))
  t.notOk(accepts(RouteOptionsSchema, { orign: 'https://a.com' }))
  for (const option of ['hideOptionsRoute', 'logLevel', 'hook', 'strictPreflight']) {
    const value = option === 'logLevel' ? 'warn' : option === 'hook' ? 'onRequest' : true
    t.ok(accepts(PluginOptionsSchema, { [option]: value }), `${option} is a plugin option`)
    t.notOk(accepts(RouteOptionsSchema, { [option]: value }), `${option} cannot be set per route`)
  }
  t.ok(accepts(RouteOptionsSchema, { origin: 'https://a.com', credentials: true, maxAge: 60 }), 'the others can')
})

test('every option has words saying what it takes, and only options do', async t => {
  t.same(Object.keys(EXPECTED).sort(), Object.keys(PluginOptionsSchema.properties).sort())
  for (const [option, words] of Object.entries(EXPECTED)) t.ok(words.length > 0, `${option}: ${words}`)
})
