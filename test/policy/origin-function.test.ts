import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import cors, { type CorsOptions, type OriginFunction } from '../../index.js'
import { corsHeaders, get, preflight } from '../fixtures/app.js'

async function appLogging (options: CorsOptions): Promise<{ app: FastifyInstance, errors: Array<Record<string, unknown>> }> {
  const errors: Array<Record<string, unknown>> = []
  const app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => { errors.push(JSON.parse(line)) } } } })
  app.decorate('allowed', ['https://a.com'])
  await app.register(cors, options)
  app.get('/', async () => 'ok')
  app.put('/', async () => 'ok')
  await app.ready()
  return { app, errors }
}

const allowOf = async (app: FastifyInstance, origin: string): Promise<string | undefined> => (await get(app, '/', origin)).headers['access-control-allow-origin'] as string | undefined

test("@fastify/cors's documented callback form works unchanged, on responses and preflights", async t => {
  const { app, errors } = await appLogging({
    origin: (origin, cb) => {
      const hostname = new URL(origin).hostname
      if (hostname === 'localhost') {
        //  Request from localhost will pass
        cb(null, true)
        return
      }
      // Generate an error on other origins, disabling access
      cb(new Error('Not allowed'), false)
    }
  })
  t.equal(await allowOf(app, 'http://localhost:3000'), 'http://localhost:3000')
  const allowed = await preflight(app, '/', 'http://localhost:3000', 'PUT')
  t.equal(allowed.statusCode, 204)
  t.equal(allowed.headers['access-control-allow-origin'], 'http://localhost:3000')
  t.equal(await allowOf(app, 'https://evil.example'), undefined)
  t.equal((await preflight(app, '/', 'https://evil.example', 'PUT')).statusCode, 403)
  t.equal(errors.length, 1, 'the error passed to the callback is logged at error level once, then at debug')
  t.match(errors[0], { corsReason: 'origin-function-error', origin: 'https://evil.example', err: { message: 'Not allowed' } })
})

test("cors (Express)'s documented forms work unchanged: an allowlist check and a database lookup calling back later", async t => {
  const allowlist = ['https://example1.com', 'https://example2.com']
  const { app } = await appLogging({
    origin: function (origin, callback) {
      if (allowlist.indexOf(origin) !== -1) {
        callback(null, true)
      } else {
        callback(new Error('Not allowed by CORS'))
      }
    }
  })
  t.equal(await allowOf(app, 'https://example1.com'), 'https://example1.com')
  t.equal(await allowOf(app, 'https://example3.com'), undefined)

  const db = { loadOrigins (callback: (error: Error | null, origins: string[]) => void) { setTimeout(() => callback(null, allowlist), 5) } }
  const { app: later } = await appLogging({
    origin: function (origin, callback) {
      // db.loadOrigins is an example call to load a list of origins from a backing database
      db.loadOrigins(function (error, origins) {
        callback(error, origins as unknown as boolean)
      })
    }
  })
  t.equal(await allowOf(later, 'https://example2.com'), 'https://example2.com')
  t.equal(await allowOf(later, 'https://example3.com'), undefined)
  t.equal((await preflight(later, '/', 'https://example2.com', 'PUT')).headers['access-control-allow-origin'], 'https://example2.com')
})

test('this is the Fastify instance, and the request is the third argument', async t => {
  const seen: string[] = []
  const { app } = await appLogging({
    origin (origin, callback, request) {
      seen.push(request.url)
      callback(null, (this as FastifyInstance & { allowed: string[] }).allowed.includes(origin))
    }
  })
  t.equal(await allowOf(app, 'https://a.com'), 'https://a.com')
  t.equal(await allowOf(app, 'https://b.com'), undefined)
  t.same(seen, ['/', '/'])
  const byHeader = await appLogging({ origin: (_origin, _callback, request) => request.headers['x-tenant'] === 'a' })
  t.equal((await get(byHeader.app, '/', 'https://a.com', { headers: { 'x-tenant': 'a' } })).headers['access-control-allow-origin'], 'https://a.com', 'a value returned from a three-parameter function')
  t.equal(await allowOf(byHeader.app, 'https://a.com'), undefined)
})

test('value-returning and promise-returning functions work, with or without a callback parameter', async t => {
  const forms: Array<[string, OriginFunction]> = [
    ['returns true', (origin) => origin === 'https://a.com'],
    ['returns the origin string', (origin) => origin === 'https://a.com' ? origin : false],
    ['async', async (origin) => origin === 'https://a.com'],
    ['returns a promise', (origin) => Promise.resolve(origin === 'https://a.com')],
    ['async, calls back', async (origin, callback) => { await Promise.resolve(); callback(null, origin === 'https://a.com') }],
    ['async, calls back after a timer', async (origin, callback) => { setTimeout(() => callback(null, origin === 'https://a.com'), 5) }],
    ['calls back synchronously and returns the same', (origin, callback) => { callback(null, origin === 'https://a.com'); return origin === 'https://a.com' }],
    ['returns undefined, declares no callback (reads as false)', (origin) => { if (origin === 'https://a.com') return true }],
    ['calls back with a list of origins', (_origin, callback) => { (callback as (error: null, origins: string[]) => void)(null, ['https://a.com']) }]
  ]
  for (const [name, origin] of forms) {
    const { app, errors } = await appLogging({ origin, originFunctionTimeout: 1000 })
    t.equal(await allowOf(app, 'https://a.com'), 'https://a.com', name)
    t.equal(await allowOf(app, 'https://b.com'), undefined, name)
    t.same(corsHeaders(await get(app, '/', 'https://b.com')), { vary: 'Origin' }, name)
    t.same(errors, [], `${name}: nothing logged`)
  }
})

test('every misbehaviour refuses the origin, logs once, and the server keeps answering', async t => {
  let twice = 0
  const cases: Array<[string, OriginFunction, RegExp]> = [
    ['throws', () => { throw new Error('boom') }, /threw/],
    ['rejects', () => Promise.reject(new Error('later boom')), /rejected/],
    ['never calls back', (_origin, _callback) => {}, /did not answer within 50 ms \(originFunctionTimeout\)/],
    ['async, never calls back', async (_origin, _callback) => {}, /did not answer within 50 ms/],
    ['a promise that never settles', () => new Promise<boolean>(() => {}), /did not answer within 50 ms/],
    ['calls back twice, synchronously', (_origin, callback) => { twice++; callback(null, true); callback(null, true) }, /called its callback more than once/],
    ['calls back then throws', (_origin, callback) => { callback(null, true); throw new Error('after') }, /threw/],
    ['answers a RegExp', (_origin, callback) => { (callback as (error: null, allow: RegExp) => void)(null, /^https:\/\/a\.com$/) }, /answered \/\^https:.*answer true, false, an origin/],
    ['answers a string that is not an origin', () => 'https://a.com/\r\nx: y', /a string that is not a serialized origin/],
    ['returns a number', () => 42 as unknown as boolean, /answered 42/]
  ]
  for (const [name, origin, message] of cases) {
    const { app, errors } = await appLogging({ origin, originFunctionTimeout: 50 })
    const response = await get(app, '/', 'https://a.com')
    t.equal(response.statusCode, 200, name)
    t.equal(response.headers['access-control-allow-origin'], undefined, name)
    t.equal((await preflight(app, '/', 'https://a.com', 'PUT')).statusCode, 403, `${name}: preflight refused`)
    t.equal(errors.length, 1, `${name}: logged at error level once, the second time at debug`)
    t.match(errors[0], { level: 50, origin: 'https://a.com', msg: message }, name)
  }
  t.equal(twice, 2)
})

test('a callback called twice later: the first answer stands, the second is logged once', async t => {
  const { app, errors } = await appLogging({ origin: (_origin, callback) => { setTimeout(() => { callback(null, true); callback(null, false); callback(null, false) }, 5) } })
  t.equal(await allowOf(app, 'https://a.com'), 'https://a.com')
  await new Promise(resolve => setTimeout(resolve, 20))
  t.equal(errors.length, 1)
  t.match(errors[0], { msg: /called its callback more than once/ })
})

test('a server whose origin functions call back later, never, throw or reject answers every request and exits normally (child process)', async t => {
  const fixture = fileURLToPath(new URL('../fixtures/origin-function-server.ts', import.meta.url))
  const loader = new URL('../../node_modules/@tapjs/typescript/dist/esm/import.mjs', import.meta.url).href
  const { code, stdout, stderr, ms } = await new Promise<{ code: number | null, stdout: string, stderr: string, ms: number }>(resolve => {
    const started = Date.now()
    const child = execFile(process.execPath, ['--import', loader, fixture], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (error as { code?: number }).code ?? null, stdout, stderr, ms: Date.now() - started })
    })
    child.stdin?.end()
  })
  t.equal(code, 0, `exits normally; stderr: ${stderr}`)
  t.ok(ms < 120_000, 'and by itself: nothing left running')
  const { results, errors } = JSON.parse(stdout) as { results: Record<string, { get: { status: number, allow?: string, ms: number }, preflight: { status: number, allow?: string, ms: number } }>, errors: Array<{ corsReason: string, origin: string, msg: string }> }
  for (const origin of ['https://timer.example', 'https://db.example']) {
    t.match(results[origin], { get: { status: 200, allow: origin }, preflight: { status: 204, allow: origin } }, `${origin}: allowed after calling back later`)
  }
  for (const origin of ['https://never.example', 'https://throws.example', 'https://rejects.example', 'https://other.example']) {
    t.match(results[origin], { get: { status: 200 }, preflight: { status: 403 } }, `${origin}: refused`)
    t.equal(results[origin].get.allow, undefined)
  }
  t.ok(results['https://never.example'].get.ms >= 250 && results['https://never.example'].get.ms < 5000, `never called: answered after the 300 ms timeout (${results['https://never.example'].get.ms} ms)`)
  t.match(results['https://late-throw.example'], { get: { status: 200, allow: 'https://late-throw.example' } }, 'a second callback after the answer changes nothing')
  const count = (origin: string) => errors.filter(line => line.origin === origin).length
  t.equal(count('https://never.example'), 1, 'the timeout is logged at error level once (then at debug)')
  t.equal(count('https://throws.example'), 1)
  t.equal(count('https://rejects.example'), 1)
  t.equal(count('https://late-throw.example'), 1, 'the second callback is logged once')
  t.equal(count('https://other.example'), 0, 'a plain refusal is not an error')
  for (const origin of ['https://bigint-async.example', 'https://circular-later.example', 'https://bigint-sync.example', 'https://proxy-later.example']) {
    t.match(results[origin], { get: { status: 200 }, preflight: { status: 403 } }, `${origin}: refused, and the process lives on`)
    t.equal(count(origin), 1, `${origin}: logged once`)
  }
})

test('an answer JSON.stringify throws on (a BigInt row count, a circular ORM row) refuses the origin: async, called back later or returned', async t => {
  const circular: Record<string, unknown> = { id: 1 }
  circular.self = circular
  const forms: Array<[string, OriginFunction, RegExp]> = [
    ['async BigInt', async (origin) => (origin === 'https://a.com' ? 1n : 0n) as unknown as boolean, /answered 1n/],
    ['BigInt called back later', (_origin, callback) => { setTimeout(() => callback(null, 1n as unknown as boolean), 5) }, /answered 1n/],
    ['BigInt returned', () => 1n as unknown as boolean, /answered 1n/],
    ['circular, async', async () => circular as unknown as boolean, /answered \{"id":1,"self":\{"id":1,"self":\{…\}\}\}/],
    ['circular called back later', (_origin, callback) => { setTimeout(() => callback(null, circular as unknown as boolean), 5) }, /answered \{"id":1/],
    ['circular returned', () => circular as unknown as boolean, /answered \{"id":1/]
  ]
  for (const [name, origin, message] of forms) {
    const { app, errors } = await appLogging({ origin, originFunctionTimeout: 1000 })
    const response = await get(app, '/', 'https://a.com')
    t.equal(response.statusCode, 200, `${name}: the request goes on`)
    t.equal(response.headers['access-control-allow-origin'], undefined, `${name}: refused`)
    t.equal((await preflight(app, '/', 'https://a.com', 'PUT')).statusCode, 403, `${name}: preflight refused, not 500`)
    t.match(errors[0], { corsReason: 'origin-function-invalid', msg: message }, name)
  }
})

test('hostile values thrown, rejected or answered (Symbols, Proxies whose traps throw, throwing getters, odd thenables) refuse the origin without a 5xx', async t => {
  const trap = new Proxy({}, { get () { throw new Error('trap') }, getPrototypeOf () { throw new Error('trap') }, ownKeys () { throw new Error('trap') }, has () { throw new Error('trap') } })
  const revocable = Proxy.revocable([], {})
  revocable.revoke()
  const getter = Object.defineProperty({}, 'then', { get () { throw new Error('then getter') } })
  const badError = Object.defineProperty(new Error('x'), 'message', { get () { throw new Error('message getter') } })
  const throwingItem = Object.defineProperty(['https://a.com'], 0, { get () { throw new Error('item getter') } })
  const as = (value: unknown) => value as boolean
  const forms: Array<[string, OriginFunction]> = [
    ['returns a Symbol', () => as(Symbol('s'))],
    ['throws a Symbol', () => { throw Symbol('s') }],
    ['rejects with a BigInt', () => Promise.reject(1n)], // eslint-disable-line prefer-promise-reject-errors
    ['calls back a Proxy error', (_origin, callback) => { callback(trap as unknown as Error) }],
    ['throws a Proxy', () => { throw trap }],
    ['rejects with a Proxy', () => Promise.reject(trap)],
    ['throws an Error whose message getter throws', () => { throw badError }],
    ['answers a Proxy', () => as(trap)],
    ['answers a revoked Proxy', () => as(revocable.proxy)],
    ['answers a list whose item getter throws', () => as(throwingItem)],
    ['answers a list holding a non-string', () => as(['https://a.com', 1])],
    ['answers an object whose then getter throws', () => as(getter)],
    ['answers a thenable whose then throws', () => as({ then () { throw new Error('then') } })],
    ['a function whose length getter throws', Object.defineProperty(() => true, 'length', { get () { throw new Error('length') } })],
    ['answers a thenable resolving a thenable whose then throws', () => as({ then (resolve: (value: unknown) => void) { resolve({ then () { throw new Error('inner') } }) } })],
    ['answers a thenable that never settles', () => as({ then () {} })]
  ]
  for (const [name, origin] of forms) {
    const { app, errors } = await appLogging({ origin, originFunctionTimeout: 50 })
    const response = await get(app, '/', 'https://a.com')
    t.equal(response.statusCode, 200, `${name}: the request goes on`)
    t.equal(response.headers['access-control-allow-origin'], undefined, `${name}: refused`)
    t.equal((await preflight(app, '/', 'https://a.com', 'PUT')).statusCode, 403, `${name}: preflight refused, not 500`)
    t.equal(errors.length, 1, `${name}: logged once`)
  }
})

test('a thenable that resolves twice or resolves a list: the first answer counts', async t => {
  const { app, errors } = await appLogging({ origin: () => ({ then (resolve: (value: unknown) => void) { resolve(['https://a.com']); resolve(false) } }) as unknown as boolean })
  t.equal(await allowOf(app, 'https://a.com'), 'https://a.com')
  t.equal(await allowOf(app, 'https://b.com'), undefined)
  t.same(errors, [])
})

test("refusing the @fastify/cors way, cb(new Error('Not allowed'), false), cannot flood the error log, and the line says to call back cb(null, false)", async t => {
  const lines: Array<Record<string, unknown>> = []
  const app = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  await app.register(cors, { origin: (origin, cb) => { cb(origin === 'https://a.com' ? null : new Error('Not allowed'), origin === 'https://a.com') } })
  app.get('/', async () => 'ok')
  await app.ready()
  for (let i = 0; i < 50; i++) t.equal((await get(app, '/', `https://c${i}.example`)).statusCode, 200)
  const refusals = lines.filter(line => line.corsReason === 'origin-function-error')
  t.equal(refusals.length, 50, 'each refusal is still logged...')
  t.equal(refusals.filter(line => line.level === 50).length, 1, '...at error level once, at debug after')
  t.match(refusals[0], { level: 50, err: { type: 'Error', message: 'Not allowed' }, msg: /called back with an error; refusing the origin\. To refuse an origin, call back cb\(null, false\)/ })
  t.equal(typeof (refusals[0].err as { stack: string }).stack, 'string', 'the first line has the stack')
  t.match(refusals[1], { level: 20 })
})

test('an error message built from the request (one per origin) is logged at error level for at most 100 distinct messages', async t => {
  const { app, errors } = await appLogging({ origin: (origin, cb) => { cb(new Error(`Not allowed: ${origin}`)) } })
  for (let i = 0; i < 150; i++) await get(app, '/', `https://c${i}.example`)
  t.equal(errors.length, 100)
  await get(app, '/', 'https://c0.example')
  t.equal(errors.length, 100, 'a message seen before stays at debug')
})

test('a logger that throws does not turn a refusal into a 5xx', async t => {
  const app = Fastify({ logger: { level: 'error', stream: { write: () => { throw new Error('disk full') } } } })
  await app.register(cors, { origin: () => { throw new Error('boom') } })
  app.get('/', async () => 'ok')
  const response = await get(app, '/', 'https://a.com')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['access-control-allow-origin'], undefined)
})
