import { test } from 'tap'
import { snapshot } from '../../lib/config/snapshot.js'
import { ERROR_CODES } from '../../index.js'
import { preflight, get } from '../fixtures/app.js'
import { failure, startup } from '../fixtures/startup.js'

test('a snapshot holds own enumerable properties only, each read once, lists copied, without a prototype', async t => {
  const reads: string[] = []
  const raw = new Proxy({ origin: ['https://a.com'], maxAge: 5 }, { get (target, key, receiver) { reads.push(String(key)); return Reflect.get(target, key, receiver) } })
  Object.defineProperty(raw, 'hidden', { value: true, enumerable: false })
  Object.defineProperty(raw, Symbol('s'), { value: true, enumerable: true })
  const taken = snapshot(raw)
  t.same(reads, ['origin', 'maxAge'])
  t.same(taken.keys, ['origin', 'maxAge'])
  t.equal(Object.getPrototypeOf(taken.values), null)
  t.same({ ...taken.values }, { origin: ['https://a.com'], maxAge: 5 })
  t.not(taken.values.origin, raw.origin, 'the list is a copy')
  t.same(taken.problems, [])
  // eslint-disable-next-line no-sparse-arrays
  t.same(snapshot({ origin: ['https://a.com', , 'https://b.com'] }).values.origin, ['https://a.com', undefined, 'https://b.com'], 'a hole is undefined')
})

test('keys that cannot be listed and values that cannot be read are problems, not crashes', async t => {
  const unlistable = snapshot(new Proxy({}, { ownKeys () { throw new Error('no keys') } }))
  t.match(unlistable.problems, [{ kind: 'invalidOption', option: '(options)', why: 'listing its keys threw Error: "no keys"' }])
  const unreadable = snapshot(Object.defineProperty({ maxAge: 1 }, 'origin', { get () { throw new Error('secret store offline') }, enumerable: true }))
  t.match(unreadable.problems, [{ option: 'origin', why: 'reading it threw Error: "secret store offline"', fix: 'pass a plain value (options are read once, at startup)' }])
  t.same({ ...unreadable.values }, { maxAge: 1 })
})

test('a polluted Object.prototype switches on neither credentials, exposedHeaders nor allowPrivateNetwork', async t => {
  const prototype = Object.prototype as Record<string, unknown>
  const app = await (async () => {
    prototype.credentials = true
    prototype.exposedHeaders = 'x-secret'
    prototype.allowPrivateNetwork = true
    try {
      return await startup({ origin: ['https://a.com'] }, app => {
        app.get('/', async () => 'ok')
        app.get('/route', { config: { cors: { maxAge: 5 } } }, async () => 'ok')
      })
    } finally {
      delete prototype.credentials
      delete prototype.exposedHeaders
      delete prototype.allowPrivateNetwork
    }
  })()
  for (const url of ['/', '/route']) {
    const response = await get(app, url, 'https://a.com')
    t.equal(response.headers['access-control-allow-origin'], 'https://a.com', url)
    t.equal(response.headers['access-control-allow-credentials'], undefined, `${url}: no credentials`)
    t.equal(response.headers['access-control-expose-headers'], undefined, `${url}: nothing exposed`)
    const answer = await preflight(app, url, 'https://a.com', 'GET', undefined, { 'access-control-request-private-network': 'true' })
    t.equal(answer.statusCode, 204)
    t.equal(answer.headers['access-control-allow-private-network'], undefined, `${url}: no private network`)
    t.equal(answer.headers['access-control-allow-credentials'], undefined)
  }
})

test('an option given as a getter is read once: what was checked is what is sent', async t => {
  let reads = 0
  const changing = (first: unknown, later: unknown) => {
    let mine = 0
    return { get: () => { reads++; return mine++ === 0 ? first : later }, enumerable: true }
  }
  const options = Object.defineProperties({ origin: 'https://a.com' }, {
    maxAge: changing(600, -1),
    optionsSuccessStatus: changing(200, 500),
    cacheControl: changing('no-store', 'a\r\nb')
  })
  const app = await startup(options, app => {
    app.put('/', async () => 'ok')
    app.put('/route', { config: { cors: Object.defineProperties({}, { maxAge: changing(60, 'x') }) } }, async () => 'ok')
  })
  for (let i = 0; i < 3; i++) {
    const response = await preflight(app, '/', 'https://a.com', 'PUT')
    t.equal(response.statusCode, 200)
    t.equal(response.headers['access-control-max-age'], '600')
    t.equal(response.headers['cache-control'], 'no-store')
    t.equal((await preflight(app, '/route', 'https://a.com', 'PUT')).headers['access-control-max-age'], '60')
  }
  t.equal(reads, 4, 'each getter read once')
})

test("keys such as __proto__, constructor or toString are unknown options, and their messages print none of Object.prototype's internals", async t => {
  for (const options of [JSON.parse('{"__proto__": 1}'), { constructor: 1 }, { toString: 'x' }, { hasOwnProperty: true }]) {
    const [key] = Object.keys(options)
    for (const error of [await failure(options), await failure({}, app => { app.get('/', { config: { cors: options } }, async () => 'ok') })]) {
      t.equal(error.code, ERROR_CODES.unknownOption, key)
      t.match(error.message, new RegExp(`option '${key}': there is no such option\\. Fix: remove it; the options are origin, methods`), key)
      t.notMatch(error.message, /\[object Object\]|native code|function Object/, key)
    }
  }
})
