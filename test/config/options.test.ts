import { test } from 'tap'
import { ERROR_CODES, type CorsOptions } from '../../index.js'
import { startup, failure } from '../fixtures/startup.js'

test('valid options start', async t => {
  const options: CorsOptions[] = [
    {},
    { origin: '*', methods: 'GET, POST', allowedHeaders: 'x-a, x-b', exposedHeaders: '*', maxAge: 600, cacheControl: 600, optionsSuccessStatus: 200 },
    { origin: ['https://a.com', 'https://*.b.com', 'http://localhost:*', /^https:\/\/c\.com$/], credentials: true, allowedHeaders: ['Authorization'], cacheControl: 'no-store' },
    { origin: true },
    { origin: true, credentials: true, dangerouslyAllowAnyOriginWithCredentials: true },
    { origin: false },
    { origin: () => true, originFunctionTimeout: 100, preflight: false, preflightContinue: true, hideOptionsRoute: false, logLevel: 'warn', rejectDisallowed: true, allowPrivateNetwork: true, debug: true },
    { origin: 'https://*.github.io', credentials: true, dangerouslyAllowSubdomainsOfPublicSuffixes: true },
    { origin: 'https://*.com' },
    { origin: /^https:\/\/.*\.example\.com$/ }
  ]
  for (const option of options) await t.resolves(startup(option), JSON.stringify(option))
  await t.resolves(startup(undefined), 'no options at all')
})

test("'*' in methods, allowedHeaders or exposedHeaders with credentials fails startup", async t => {
  for (const option of ['methods', 'allowedHeaders', 'exposedHeaders']) {
    const error = await failure({ origin: 'https://a.com', credentials: true, [option]: ['x-a', '*'] })
    t.equal(error.code, ERROR_CODES.wildcardWithCredentials)
    t.match(error.message, `cors option '${option}[1]': with credentials, browsers read '*' in ${option} as a literal name`)
  }
})

test("a FastAPI-style config ('*' methods and headers with credentials) is told that leaving both out does what it means", async t => {
  const error = await failure({ origin: ['https://app.example.com'], credentials: true, methods: '*', allowedHeaders: '*' })
  t.equal(error.code, ERROR_CODES.several)
  t.match(error.message, /'methods\[0\]'.*Fix: leave 'methods' out: the default already allows the method of every route/)
  t.match(error.message, /'allowedHeaders\[0\]'.*Fix: leave 'allowedHeaders' out: the default already allows every requested header, Authorization included/)
  // The fix, applied, starts and allows what '*' meant.
  const app = await startup({ origin: ['https://app.example.com'], credentials: true }, app => { app.delete('/items/:id', async () => 'ok') })
  const response = await app.inject({ method: 'OPTIONS', url: '/items/1', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization,x-custom' } })
  t.equal(response.statusCode, 204)
  t.equal(response.headers['access-control-allow-methods'], 'DELETE')
  t.equal(response.headers['access-control-allow-headers'], 'authorization,x-custom')
})

test('invalid method or header names fail startup', async t => {
  const error = await failure({ methods: ['GET', 'BAD METHOD'] })
  t.equal(error.code, ERROR_CODES.invalidToken)
  t.match(error.message, /'methods\[1\]': "BAD METHOD" is not a valid method/)
  t.match((await failure({ allowedHeaders: ['x:y'] })).message, /'allowedHeaders\[0\]': "x:y" is not a valid header name/)
  t.match((await failure({ exposedHeaders: ['ä'] })).message, /'exposedHeaders\[0\]'/)
})

test('a Cache-Control string must be a printable header value', async t => {
  t.match((await failure({ cacheControl: 'max-age=1\r\nx: y' })).message, /'cacheControl': a header value must be printable ASCII/)
})

test('every problem is reported at once', async t => {
  const error = await failure({ origin: ['https://a.com/', 'null'], maxAge: -1, credentials: true, methods: ['*'] })
  t.equal(error.code, ERROR_CODES.invalidOption, 'shape problems come first')
  const semantic = await failure({ origin: ['https://a.com/', 'null'], credentials: true, methods: ['*'] })
  t.equal(semantic.code, ERROR_CODES.several)
  t.match(semantic.message, /^3 problems with cors options:\n {2}- cors option 'origin\[0\]'.*\n {2}- cors option 'origin\[1\]'.*\n {2}- cors option 'methods\[0\]'/)
  t.same(semantic.problems?.map(p => p.option), ['origin[0]', 'origin[1]', 'methods[0]'])
})
