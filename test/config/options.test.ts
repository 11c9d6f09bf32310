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
  const error = await failure({ methods: ['GET', 'BAD/METHOD'] })
  t.equal(error.code, ERROR_CODES.invalidToken)
  t.match(error.message, /'methods\[1\]': "BAD\/METHOD" is not a valid method/)
  t.match((await failure({ allowedHeaders: ['x:y'] })).message, /'allowedHeaders\[0\]': "x:y" is not a valid header name/)
  t.match((await failure({ exposedHeaders: ['ä'] })).message, /'exposedHeaders\[0\]'/)
})

test('a Cache-Control string must be a printable header value', async t => {
  t.match((await failure({ cacheControl: 'max-age=1\r\nx: y' })).message, /'cacheControl': a header value must be printable ASCII/)
})

test('every problem is reported at once, in the order of the options, each with its fix', async t => {
  const error = await failure({ origin: ['https://a.com/', 'null'], maxAge: -1, credentials: true, methods: ['*'] })
  t.equal(error.code, ERROR_CODES.several)
  t.same(error.problems?.map(p => p.option), ['origin[0]', 'origin[1]', 'maxAge', 'methods[0]'], 'a range problem hides none of the others')
  const semantic = await failure({ origin: ['https://a.com/', 'null'], credentials: true, methods: ['*'] })
  t.equal(semantic.code, ERROR_CODES.several)
  t.match(semantic.message, /^3 problems with cors options:\n {2}- cors option 'origin\[0\]'.*\n {2}- cors option 'origin\[1\]'.*\n {2}- cors option 'methods\[0\]'/)
  t.same(semantic.problems?.map(p => p.option), ['origin[0]', 'origin[1]', 'methods[0]'])
})

test("the issue's example: an origin with a trailing slash, a negative maxAge and methods separated by a space are three problems in one error", async t => {
  const error = await failure({ origin: 'https://a.example/', maxAge: -1, methods: 'GET POST' })
  t.equal(error.code, ERROR_CODES.several)
  t.equal(error.message, [
    '3 problems with cors options:',
    "  - cors option 'origin': \"https://a.example/\" is refused: a browser never sends an Origin with a trailing slash. Fix: use 'https://a.example'.",
    "  - cors option 'maxAge': got -1. Fix: use an integer number of seconds from 0 to 86400 (Chromium caps it at 7200, Firefox at 86400).",
    "  - cors option 'methods[0]': \"GET POST\" holds 2 methods separated by spaces. Fix: separate methods with commas or use an array: methods: ['GET', 'POST']."
  ].join('\n'))
  t.match((await failure({ allowedHeaders: 'x-a x-b' })).message, /'allowedHeaders\[0\]': "x-a x-b" holds 2 header names separated by spaces\. Fix: separate header names with commas or use an array: allowedHeaders: \['x-a', 'x-b'\]/)
})

test('an unknown option no longer hides the other problems', async t => {
  const error = await failure({ orign: 'https://a.com', origin: 'https://b.com/', credentials: 'yes', exposedHeaders: ['x y', 'ä'] })
  t.equal(error.code, ERROR_CODES.several)
  t.same(error.problems?.map(p => p.option), ['orign', 'origin', 'credentials', 'exposedHeaders[0]', 'exposedHeaders[1]'])
  t.match(error.message, /'orign': there is no such option\. Fix: did you mean 'origin'\?/)
})

test('an option whose shape is refused is not checked again: an invalid origin is not read as the default *', async t => {
  const error = await failure({ origin: 5, credentials: true })
  t.equal(error.code, ERROR_CODES.invalidOption, 'one problem: no wildcard-with-credentials error about a * nobody wrote')
  t.same(error.problems?.map(p => p.option), ['origin'])
  const undefinedOrigin = await failure({ origin: undefined, credentials: true, maxAge: 'x' })
  t.same(undefinedOrigin.problems?.map(p => p.option), ['origin', 'maxAge'])
})

test('a route override is checked the same way: every problem at once, over its scope\'s options', async t => {
  const error = await failure({ origin: 'https://a.com', credentials: true }, app => {
    app.get('/r', { config: { cors: { origin: '*', maxAge: -1, methods: 'GET POST', bogus: 1 } as object } }, async () => 'ok')
  })
  t.equal(error.code, ERROR_CODES.several)
  t.same(error.problems?.map(p => p.option), ['origin', 'maxAge', 'methods[0]', 'bogus'])
  t.match(error.message, /^4 problems with route GET \/r: config\.cors options:/)
})
