import { test } from 'tap'
import Fastify from 'fastify'
import cors, { ERROR_CODES, type CorsOptions } from '../index.js'
import { backtrackingRisk } from '../lib/options.js'

async function startup (options: unknown): Promise<unknown> {
  const app = Fastify()
  await app.register(cors, options as CorsOptions)
  await app.ready()
  return app
}

async function failure (options: unknown): Promise<Error & { code: string, problems?: Array<{ option: string }> }> {
  try {
    await startup(options)
  } catch (error) {
    return error as Error & { code: string }
  }
  throw new Error(`expected ${JSON.stringify(options)} to fail startup`)
}

test('valid options start', async t => {
  const options: CorsOptions[] = [
    {},
    { origin: '*', methods: 'GET, POST', allowedHeaders: 'x-a, x-b', exposedHeaders: '*', maxAge: 600, cacheControl: 600, optionsSuccessStatus: 200 },
    { origin: ['https://a.com', 'https://*.b.com', 'http://localhost:*', /^https:\/\/c\.com$/], credentials: true, allowedHeaders: ['Authorization'], cacheControl: 'no-store' },
    { origin: true },
    { origin: true, credentials: true, dangerouslyAllowAnyOriginWithCredentials: true },
    { origin: false },
    { origin: () => true, preflight: false, preflightContinue: true, hideOptionsRoute: false, logLevel: 'warn', rejectDisallowed: true, allowPrivateNetwork: true, debug: true },
    { origin: 'https://*.github.io', credentials: true, dangerouslyAllowSubdomainsOfPublicSuffixes: true },
    { origin: 'https://*.com' },
    { origin: /^https:\/\/.*\.example\.com$/ }
  ]
  for (const option of options) await t.resolves(startup(option), JSON.stringify(option))
  await t.resolves(startup(undefined), 'no options at all')
})

test('an unknown option fails startup, with a hint for a typo', async t => {
  const error = await failure({ orign: 'https://a.com' })
  t.equal(error.code, ERROR_CODES.unknownOption)
  t.match(error.message, "cors option 'orign': there is no such option. Fix: did you mean 'origin'?")
  t.match((await failure({ zzz: 1 })).message, /Fix: remove it; the options are origin, methods/)
})

test('@fastify/cors options we do not take say what to use instead', async t => {
  t.match((await failure({ strictPreflight: true })).message, /preflights are always strict here/)
  t.match((await failure({ hook: 'preHandler' })).message, /always answers in onRequest/)
  t.match((await failure({ delegator: () => {} })).message, /config\.cors.*origin' function/)
  t.match((await failure({ strictPreflightContinue: true })).message, /preflightContinue/)
})

test('a wrong type or range names the option, the value and what it takes', async t => {
  const cases: Array<[unknown, RegExp]> = [
    [{ maxAge: 'x' }, /'maxAge': got "x"\. Fix: use an integer number of seconds from 0 to 86400/],
    [{ maxAge: 86401 }, /'maxAge': got 86401/],
    [{ maxAge: 1.5 }, /'maxAge': got 1\.5/],
    [{ optionsSuccessStatus: 301 }, /'optionsSuccessStatus': got 301\. Fix: use an integer from 200 to 299/],
    [{ origin: 5 }, /'origin': got 5\. Fix: use '\*', an origin string/],
    [{ origin: [/^a$/, 5] }, /'origin': got \[\{\},5\]/],
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
  t.match((await failure({ allowedHeaders: 'x'.repeat(100).split('').map(() => 1) })).message, /got \[1,1,1,.*\.\.\./, 'long values are shortened')
  t.match((await failure({ origin: () => {}, credentials: () => {} })).message, /'credentials': got a function/)
})

test('options that are not an object fail startup', async t => {
  for (const options of [42, 'https://a.com', [1]]) {
    const error = await failure(options)
    t.equal(error.code, ERROR_CODES.invalidOption)
    t.match(error.message, /options must be an object/)
  }
})

test("'*' with credentials fails startup, quoting the browser", async t => {
  for (const origin of ['*', ['https://a.com', '*']]) {
    const error = await failure({ origin, credentials: true })
    t.equal(error.code, ERROR_CODES.wildcardWithCredentials)
    t.match(error.message, /must not be the wildcard '\*' when the request's credentials mode is 'include'/)
    t.match(error.message, /Fix: list the allowed origins/)
  }
  await t.rejects(startup({ credentials: true }), { code: ERROR_CODES.wildcardWithCredentials }, 'the default origin is * too')
})

test("'*' in methods, allowedHeaders or exposedHeaders with credentials fails startup", async t => {
  for (const option of ['methods', 'allowedHeaders', 'exposedHeaders']) {
    const error = await failure({ origin: 'https://a.com', credentials: true, [option]: ['x-a', '*'] })
    t.equal(error.code, ERROR_CODES.wildcardWithCredentials)
    t.match(error.message, `cors option '${option}[1]': with credentials, browsers read '*' in ${option} as a literal name`)
  }
})

test('origin: true with credentials fails startup unless explicitly dangerous', async t => {
  const error = await failure({ origin: true, credentials: true })
  t.equal(error.code, ERROR_CODES.anyOriginWithCredentials)
  t.match(error.message, /dangerouslyAllowAnyOriginWithCredentials: true/)
})

test('an origin that is not a serialized origin fails startup with the correct form', async t => {
  const error = await failure({ origin: ['https://a.com', 'https://B.com/'] })
  t.equal(error.code, ERROR_CODES.invalidOrigin)
  t.match(error.message, "cors option 'origin[1]': \"https://B.com/\" is refused: a browser never sends an Origin with a trailing slash and upper-case letters. Fix: use 'https://b.com'.")
  t.match((await failure({ origin: 'null' })).message, /'origin': "null" is refused: 'null' is the opaque origin/)
})

test('RegExps must be anchored, escaped and safe', async t => {
  const unanchored = await failure({ origin: /example\.com$/ })
  t.equal(unanchored.code, ERROR_CODES.unsafeRegExp)
  t.match(unanchored.message, /is not anchored.*Fix: start it with \^ and end it with \$/)
  t.match((await failure({ origin: /^https:\/\/example\.com/ })).message, /not anchored/)
  t.match((await failure({ origin: /^https:\/\/example\.com\$/ })).message, /not anchored/, 'an escaped $ is not an anchor')
  const dotted = await failure({ origin: [/^https:\/\/app.example\.com$/] })
  t.match(dotted.message, /'origin\[0\]'.*unescaped '\.' at index 14.*appxexample.*Fix: escape it as '\\\.'/)
  t.resolves(startup({ origin: /^https:\/\/[a.]+\.example\.com$/ }), 'a dot in a class is literal')
  t.resolves(startup({ origin: /^https:\/\/.+\.example\.com$/ }), 'a quantified dot is meant')
  await t.resolves(startup({ origin: /^https:\/\/([a-z0-9-]+\.)?partner\.example$/ }), 'an optional group is linear')
  await t.resolves(startup({ origin: /^https:\/\/(?:app|www)\.example\.com(?::\d+?)?$/ }), 'group syntax and lazy quantifiers')
  await t.resolves(startup({ origin: /^https:\/\/([a-z]+\.)*example\.com$/ }), 'a repeated group that cannot overlap is linear')
  await t.resolves(startup({ origin: /^https:\/\/[a-z]*[a-z]*\.example\.com$/ }), 'quadratic is harmless on a 300-character Origin')
  for (const regexp of [/^(a+)+$/, /^https:\/\/(a|a)*\.example\.com$/, /^https:\/\/(\w|\d)+\.example\.com$/, /^https:\/\/([a-z]|[a-z0-9])+\.example\.com$/]) {
    const error = await failure({ origin: regexp })
    t.equal(error.code, ERROR_CODES.unsafeRegExp)
    t.match(error.message, /can backtrack exponentially on a crafted Origin \(e\.g\. ".+"\)\. Fix: simplify it/, String(regexp))
  }
  t.match((await failure({ origin: /^https:\/\/[a-z0-9-]*[a-z0-9-]*[a-z0-9-]*\.example\.com$/ })).message, /backtrack in 3rd degree polynomial time/)
})

test('a RegExp that cannot be proven safe in time is refused', async t => {
  t.match(backtrackingRisk(/^https:\/\/([a-z]+\.)*example\.com$/, 0), /could not be proven free of catastrophic backtracking \(timeout\)/)
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

test('a wildcard on a public suffix with credentials fails startup', async t => {
  for (const origin of ['https://*.com', 'https://*.github.io', 'https://*.co.uk:*']) {
    const error = await failure({ origin, credentials: true })
    t.equal(error.code, ERROR_CODES.publicSuffixWildcard, origin)
    t.match(error.message, /is a public suffix.*dangerouslyAllowSubdomainsOfPublicSuffixes/)
  }
  await t.resolves(startup({ origin: ['https://*.example.com', 'http://*.localhost:*'], credentials: true }))
})

test('plain http origins with credentials log a warning, loopback ones do not', async t => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(line) } } } })
  await app.register(cors, {
    origin: ['http://app.example.com', 'http://*.example.org', 'http://localhost:3000', 'http://127.0.0.1:*', 'http://[::1]:8080', 'http://app.localhost:3000', 'https://secure.example.com'],
    credentials: true
  })
  await app.ready()
  t.equal(lines.length, 2)
  t.match(lines[0], /'origin\[0\]': 'http:\/\/app.example.com' is plain http with credentials/)
  t.match(lines[1], /'origin\[1\]'/)
})

test('every problem is reported at once', async t => {
  const error = await failure({ origin: ['https://a.com/', 'null'], maxAge: -1, credentials: true, methods: ['*'] })
  t.equal(error.code, ERROR_CODES.invalidOption, 'shape problems come first')
  const semantic = await failure({ origin: ['https://a.com/', 'null'], credentials: true, methods: ['*'] })
  t.equal(semantic.code, ERROR_CODES.several)
  t.match(semantic.message, /^3 problems with cors options:\n {2}- cors option 'origin\[0\]'.*\n {2}- cors option 'origin\[1\]'.*\n {2}- cors option 'methods\[0\]'/)
  t.same(semantic.problems?.map(p => p.option), ['origin[0]', 'origin[1]', 'methods[0]'])
})
