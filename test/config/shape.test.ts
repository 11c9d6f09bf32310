import { test } from 'tap'
import Fastify from 'fastify'
import cors, { ERROR_CODES, type CorsOptions } from '../../index.js'
import { startup, failure } from '../fixtures/startup.js'

test('an unknown option fails startup, with a hint for a typo', async t => {
  const error = await failure({ orign: 'https://a.com' })
  t.equal(error.code, ERROR_CODES.unknownOption)
  t.match(error.message, "cors option 'orign': there is no such option. Fix: did you mean 'origin'?")
  t.match((await failure({ zzz: 1 })).message, /Fix: remove it; the options are origin, methods/)
})

test('a wrong type or range names the option, the value and what it takes', async t => {
  const cases: Array<[unknown, RegExp]> = [
    [{ maxAge: 'x' }, /'maxAge': got "x"\. Fix: use an integer number of seconds from 0 to 86400/],
    [{ maxAge: 86401 }, /'maxAge': got 86401/],
    [{ maxAge: 1.5 }, /'maxAge': got 1\.5/],
    [{ optionsSuccessStatus: 301 }, /'optionsSuccessStatus': got 301\. Fix: use an integer from 200 to 299/],
    [{ origin: 5 }, /'origin': got 5\. Fix: use '\*', an origin string/],
    [{ origin: [/^a$/, 5] }, /'origin': got \[\/\^a\$\/,5\]/],
    [{ credentials: 'yes' }, /'credentials': got "yes"\. Fix: use a boolean/],
    [{ logLevel: 'loud' }, /'logLevel': got "loud"/],
    [{ cacheControl: -1 }, /'cacheControl': got -1/],
    [{ methods: 7 }, /'methods': got 7/],
    [{ allowedHeaders: { a: 1 } }, /'allowedHeaders': got \{"a":1\}/],
    [{ origin: Symbol('x') }, /'origin': got Symbol\(x\)/],
    [{ credentials: /yes/ }, /'credentials': got \/yes\//],
    [{ maxAge: -1.5 }, /^cors option 'maxAge': got -1\.5\. Fix: use an integer/]
  ]
  for (const [options, message] of cases) {
    const error = await failure(options)
    t.equal(error.code, ERROR_CODES.invalidOption, JSON.stringify(options) ?? String(options))
    t.match(error.message, message)
  }
  t.match((await failure({ origin: () => true, maxAge: 'long' })).message, /'maxAge'/)
  t.match((await failure({ exposedHeaders: [1] })).message, /'exposedHeaders': got \[1\]/)
  t.match((await failure({ allowedHeaders: 'x'.repeat(100).split('').map(() => 1) })).message, /got \[1,1,1,1,1,1,1,1,…\]\./, 'long values are shortened')
  t.match((await failure({ maxAge: 'x'.repeat(100) })).message, /got "x{56}\.\.\./, 'long strings too')
  t.match((await failure({ origin: () => {}, credentials: () => {} })).message, /'credentials': got a function/)
})

test('options that are not an object fail startup', async t => {
  for (const options of [42, 'https://a.com', [1]]) {
    const error = await failure(options)
    t.equal(error.code, ERROR_CODES.invalidOption)
    t.match(error.message, /options must be an object/)
  }
})

test("@fastify/cors options we do not take say what to use instead; hook: 'onRequest' and strictPreflight: true are no-ops", async t => {
  await t.resolves(startup({ hook: 'onRequest', strictPreflight: true, origin: 'https://a.com' }), 'what this plugin does anyway is accepted')
  const hook = await failure({ hook: 'preHandler' })
  t.equal(hook.code, ERROR_CODES.invalidOption)
  t.match(hook.message, /cors option 'hook': got "preHandler"\. Fix: use 'onRequest' or nothing: this plugin always answers in onRequest, before your auth hooks/)
  t.match((await failure({ strictPreflight: false })).message, /'strictPreflight': got false\. Fix: use true or nothing: preflights are always strict here/)
  t.match((await failure({ delegator: () => {} })).message, /remove it: use a per-route 'config\.cors' or an 'origin' function \(origin, callback, request\)/)
  t.match((await failure({ strictPreflightContinue: true })).message, /preflightContinue/)
})

test("options passed as a function (@fastify/cors's delegator form) fail startup naming the form and the replacement", async t => {
  // Fastify calls an options function with the instance; @fastify/cors's delegator returns (request, callback) => ….
  const app = Fastify()
  app.register(cors, (() => (_request: unknown, callback: (error: null, options: object) => void) => callback(null, { origin: true })) as unknown as CorsOptions)
  const error = await app.ready().then(() => undefined, (error: Error & { code: string }) => error)
  t.equal(error?.code, ERROR_CODES.invalidOption)
  t.match(error?.message, /options are a function: that is @fastify\/cors's delegator form \(\(request, callback\) => callback\(null, options\)\)/)
  t.match(error?.message, /Fix: pass an object\. Options that differ per route go in the route's config\.cors .*an origin function \(origin: \(origin, callback, request\) =>/)
})

test('an explicit origin: undefined fails startup (an unset environment variable); leaving origin out keeps the default', async t => {
  for (const options of [{ origin: undefined }, { origin: process.env.FASTIFY_CORS_EXACT_UNSET_VARIABLE, credentials: false }]) {
    const error = await failure(options)
    t.equal(error.code, ERROR_CODES.invalidOption)
    t.equal(error.message, "cors option 'origin': origin is undefined — is an environment variable unset? Fix: set it, or leave the key out to get the default ('*').")
  }
  const listed = await failure({ origin: ['https://a.com', undefined] })
  t.match(listed.message, /cors option 'origin\[1\]': origin is undefined — is an environment variable unset\? Fix: set it, or remove it from the list\./)
  const route = await failure({ origin: 'https://a.com' }, app => { app.get('/r', { config: { cors: { origin: undefined } } }, async () => 'ok') })
  t.match(route.message, /^route GET \/r: config\.cors option 'origin': origin is undefined — is an environment variable unset\?/)
  const app = await startup({}, app => { app.get('/', async () => 'ok') })
  t.equal((await app.inject({ url: '/', headers: { origin: 'https://a.com' } })).headers['access-control-allow-origin'], '*', 'origin left out: the default')
})

test('plugin-only options in config.cors are "cannot be set per route", not unknown', async t => {
  for (const option of ['hideOptionsRoute', 'logLevel']) {
    const error = await failure({}, app => { app.get('/a', { config: { cors: { [option]: option === 'logLevel' ? 'info' : true } as object } }, async () => 'x') })
    t.equal(error.code, ERROR_CODES.invalidOption)
    t.match(error.message, new RegExp(`route GET /a: config.cors option '${option}': it cannot be set per route\\. Fix: set it in the plugin's options`))
  }
})
