import { test } from 'tap'
import Fastify from 'fastify'
import cors, { ERROR_CODES, type CorsOptions } from '../../index.js'
import { appWith, assertRefused, corsHeaders, describeOptions, get, preflight, refusedAtStartup } from '../fixtures/app.js'
import { startup, failure } from '../fixtures/startup.js'

const ok = async () => 'ok'

test("'*' with credentials fails startup, quoting the browser", async t => {
  for (const origin of ['*', ['https://a.com', '*']]) {
    const error = await failure({ origin, credentials: true })
    t.equal(error.code, ERROR_CODES.wildcardWithCredentials)
    t.match(error.message, /must not be the wildcard '\*' when the request's credentials mode is 'include'/)
    t.match(error.message, /Fix: list the allowed origins/)
  }
  await t.rejects(startup({ credentials: true }), { code: ERROR_CODES.wildcardWithCredentials }, 'the default origin is * too')
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

test('every suggested fix for an origin string, applied, starts', async t => {
  const bad = [
    ' https://b.com', 'https://b.com ', 'https://a.com,https://b.com', 'https://a.com, http://localhost:3000,', '', 'localhost:3000', '127.0.0.1:8080',
    '[::1]:3000', 'app.example.com', 'https://münchen.de', 'http://127.1', 'http://0x7f.0.0.1', 'http://[0:0:0:0:0:0:0:1]', 'HTTPS://App.example.com:443/',
    'https://*.Example.com/'
  ]
  for (const value of bad) {
    const single = await failure({ origin: value })
    t.equal(single.code, ERROR_CODES.invalidOrigin, JSON.stringify(value))
    const inList = await failure({ origin: ['https://ok.example', value], credentials: true })
    const problem = inList.problems?.[0]
    t.equal(problem?.option, 'origin[1]')
    // The suggestion in the message is what the test applies: a quoted origin, a list, or "remove it".
    const fix = problem?.fix ?? ''
    const replacement = fix === 'remove it' ? [] : [...fix.matchAll(/'([^']+)'/g)].map(match => match[1]).filter(text => text.includes('://'))
    t.ok(fix === 'remove it' || replacement.length > 0, `${JSON.stringify(value)}: ${fix}`)
    await t.resolves(startup({ origin: ['https://ok.example', ...replacement], credentials: true }), `${JSON.stringify(value)} -> ${JSON.stringify(replacement)}`)
  }
})

test('the public-suffix check of patterns ignores a trailing dot', async t => {
  const error = await failure({ origin: 'https://*.github.io.', credentials: true })
  t.equal(error.code, ERROR_CODES.publicSuffixWildcard)
  t.match(error.message, /'github\.io\.' is a public suffix.*'https:\/\/\*\.yourname\.github\.io'/)
  await t.resolves(startup({ origin: 'https://*.github.io.', credentials: true, dangerouslyAllowSubdomainsOfPublicSuffixes: true }))
})

test('with credentials, a RegExp that matches any origin is refused unless dangerouslyAllowAnyOriginWithCredentials', async t => {
  for (const origin of [/^.*$/, /^https?:\/\/.+$/, [/^https:\/\/.*$/]]) {
    const error = await failure({ origin, credentials: true })
    t.equal(error.code, ERROR_CODES.anyOriginWithCredentials, String(origin))
    t.match(error.message, /matches 'https?:\/\/attacker\.example': with credentials, any website could read .*dangerouslyAllowAnyOriginWithCredentials: true/)
    await t.resolves(startup({ origin, credentials: true, dangerouslyAllowAnyOriginWithCredentials: true }))
    await t.resolves(startup({ origin }), 'without credentials it is allowed')
  }
})

test('with credentials, a RegExp on subdomains of a public suffix is refused unless dangerouslyAllowSubdomainsOfPublicSuffixes', async t => {
  for (const origin of [/^https:\/\/[a-z0-9-]+\.github\.io$/, /^https:\/\/[a-z0-9-]+\.vercel\.app(:\d+)?$/, /^https:\/\/[a-z]+\.(com|org)$/]) {
    const error = await failure({ origin, credentials: true })
    t.equal(error.code, ERROR_CODES.publicSuffixWildcard, String(origin))
    t.match(error.message, /is a public suffix: anyone can register a subdomain of it.*matches 'https:\/\/[a-z0-9-]+\./)
    await t.resolves(startup({ origin, credentials: true, dangerouslyAllowSubdomainsOfPublicSuffixes: true }))
  }
})

test('a RegExp that allows a look-alike domain merely ending with the allowed one is refused, with or without credentials, with a fix that starts', async t => {
  for (const credentials of [false, true]) {
    const error = await failure({ origin: /^https:\/\/.*example\.com$/, credentials })
    t.equal(error.code, ERROR_CODES.unsafeRegExp)
    t.match(error.message, /matches 'https:\/\/[a-z0-9-]+example\.com', a look-alike domain anyone can register that merely ends with 'example\.com'/)
    const suggested = /e\.g\. \/(.+)\/, or list/.exec(error.message)?.[1] ?? ''
    await t.resolves(startup({ origin: new RegExp(suggested), credentials }), suggested)
  }
  t.ok(/^https:\/\/.*example\.com$/.test('https://evilexample.com'), 'the Why case: it would grant evilexample.com')
  await t.rejects(startup({ origin: /^https:\/\/.*example\.com$/, credentials: true, dangerouslyAllowAnyOriginWithCredentials: true, dangerouslyAllowSubdomainsOfPublicSuffixes: true }), 'no option turns a look-alike on')
  for (const fine of [/^https:\/\/[a-z]+-app\.vercel\.app$/, /^https:\/\/app[0-9]\.example\.com$/, /^https:\/\/[a-z]*app\.example\.com$/]) {
    await t.resolves(startup({ origin: fine }), `${String(fine)}: a class before a literal that does not start a label, or inside a name the author owns`)
  }
})

test('issue 14: with credentials, the RegExps that stepped around the probes are refused, however written', async t => {
  const cases: Array<[RegExp, string]> = [
    [/^https:\/\/([a-z0-9-]+\.onrender\.com|app\.example\.com)$/, 'onrender.com'],
    [/^https:\/\/[a-z0-9-]+\.onrender\.com$|^https:\/\/app\.example\.com$/, 'onrender.com'],
    [/^https:\/\/[a-z0-9-]+\.(onrender|example)\.com$/, 'onrender.com'],
    [/^https:\/\/[a-z0-9-]+\.io$/, 'io'],
    [/^https:\/\/[a-z0-9-]+\.onrender\.com$/, 'onrender.com']
  ]
  for (const [origin, suffix] of cases) {
    const error = await failure({ origin: [origin], credentials: true })
    t.equal(error.code, ERROR_CODES.publicSuffixWildcard, String(origin))
    t.match(error.message, `'${suffix}' is a public suffix`)
    const probe = /matches '([^']+)'/.exec(error.message)?.[1] ?? ''
    t.ok(new RegExp(`^(?:${origin.source.slice(1, -1)})$`).test(probe), `${probe} really matches`)
  }
  await t.resolves(startup({ origin: [/^https:\/\/(www\.)?example\.com$/, /^https:\/\/(app|admin)\.example\.io$/, /^https:\/\/myname\.github\.io$/], credentials: true }), 'names the author spelled out are the author\'s')
})

test('issue 14: with credentials, a pattern reaching public suffixes beneath its domain is refused; at request time it never grants across them', async t => {
  const cases: Array<[string, string[], string[]]> = [
    ['https://*.amazonaws.com', ['https://attacker.s3.amazonaws.com', 'https://abc123.execute-api.us-east-1.amazonaws.com'], ['https://myapp.amazonaws.com']],
    ['https://*.core.windows.net', ['https://attacker.web.core.windows.net'], ['https://myapp.core.windows.net']],
    ['https://*.railway.app', ['https://attacker.up.railway.app'], []]
  ]
  for (const [pattern, attackers, owned] of cases) {
    const error = await failure({ origin: ['https://app.example.com', pattern], credentials: true })
    t.equal(error.code, ERROR_CODES.publicSuffixWildcard)
    t.match(error.message, `'${pattern}' reaches public suffixes beneath`)
    for (const options of [{ origin: ['https://app.example.com', pattern] }, { origin: ['https://app.example.com', pattern], credentials: true, dangerouslyAllowSubdomainsOfPublicSuffixes: true }]) {
      const app = Fastify()
      app.get('/', async () => 'ok')
      await app.register(cors, options)
      for (const origin of attackers) {
        const reply = await app.inject({ url: '/', headers: { origin } })
        t.equal(reply.headers['access-control-allow-origin'], undefined, `${pattern} never grants ${origin}`)
      }
      for (const origin of owned) {
        const reply = await app.inject({ url: '/', headers: { origin } })
        t.equal(reply.headers['access-control-allow-origin'], origin, `${pattern} grants ${origin}, above every suffix`)
      }
      await app.close()
    }
  }
})

test('with credentials, a RegExp that matches plain http logs a warning; a careful RegExp starts silently', async t => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(line) } } } })
  await app.register(cors, { origin: [/^https?:\/\/app\.example\.com$/, /^https:\/\/([a-z0-9-]+\.)*example\.org$/, /^http:\/\/([a-z]+\.)?localhost(:\d+)?$/], credentials: true })
  await app.ready()
  t.equal(lines.length, 1)
  t.match(lines[0], /'origin\[0\]': \/\^https\?:\\\\\/\\\\\/app\\\\\.example\\\\\.com\$\/ matches 'http:\/\/app\.example\.com', plain http with credentials/)
})

test('reflecting any origin with credentials is refused at startup unless dangerouslyAllowAnyOriginWithCredentials', async t => {
  await refusedAtStartup(t, { origin: true, credentials: true }, 'FST_CORS_ANY_ORIGIN_WITH_CREDENTIALS')
  await refusedAtStartup(t, { origin: '*', credentials: true }, 'FST_CORS_WILDCARD_WITH_CREDENTIALS')
  await refusedAtStartup(t, { credentials: true }, 'FST_CORS_WILDCARD_WITH_CREDENTIALS', "the default origin '*' with credentials is refused")
  await refusedAtStartup(t, { origin: ['https://a.com', '*'], credentials: true }, 'FST_CORS_WILDCARD_WITH_CREDENTIALS')
  await refusedAtStartup(t, { origin: 'https://a.com', credentials: true, allowedHeaders: '*' }, 'FST_CORS_WILDCARD_WITH_CREDENTIALS')
  await refusedAtStartup(t, { origin: 'https://a.com', credentials: true, exposedHeaders: ['*'] }, 'FST_CORS_WILDCARD_WITH_CREDENTIALS')
  await refusedAtStartup(t, { origin: 'https://a.com', credentials: true, methods: '*' }, 'FST_CORS_WILDCARD_WITH_CREDENTIALS')

  // A route cannot switch it on either.
  await t.rejects(appWith({ origin: 'https://a.com', credentials: true }, app => {
    app.get('/', { config: { cors: { origin: true } } }, ok)
  }), { code: 'FST_CORS_ANY_ORIGIN_WITH_CREDENTIALS' }, 'a route config.cors { origin: true } under credentials is refused')

  // Explicitly accepted: every origin is reflected, never '*'.
  const app = await appWith({ origin: true, credentials: true, dangerouslyAllowAnyOriginWithCredentials: true })
  const response = await get(app, '/', 'https://evil.com')
  t.same(corsHeaders(response), { 'access-control-allow-origin': 'https://evil.com', 'access-control-allow-credentials': 'true', vary: 'Origin' })
})

test("the 'null' origin is never allowed, and configuring it fails startup", async t => {
  await refusedAtStartup(t, { origin: 'null' }, 'FST_CORS_INVALID_ORIGIN')
  await refusedAtStartup(t, { origin: ['https://a.com', 'null'] }, 'FST_CORS_INVALID_ORIGIN')
  await t.rejects(appWith({ origin: 'https://a.com' }, app => { app.get('/', { config: { cors: { origin: ['null'] } } }, ok) }), { code: 'FST_CORS_INVALID_ORIGIN' }, "a route cannot allow 'null' either")

  const calls: string[] = []
  for (const options of [
    { origin: ['https://a.com'] },
    { origin: true },
    { origin: true, credentials: true, dangerouslyAllowAnyOriginWithCredentials: true },
    { origin: 'https://*.example.com' },
    { origin: /^[a-z]+:\/\/[a-z.]+$/ },
    { origin: (origin: string) => { calls.push(origin); return true } }
  ] as CorsOptions[]) {
    const app = await appWith(options)
    await assertRefused(t, app, 'null')
    const refused = await preflight(app, '/', 'null', 'GET')
    t.equal(refused.body, 'CORS preflight refused: opaque-origin', `${describeOptions(options)}: the refusal names the opaque origin`)
  }
  t.same(calls, [], 'an origin function is never asked about null')
})

test('a wildcard on a public suffix with credentials is refused at startup unless dangerouslyAllowSubdomainsOfPublicSuffixes', async t => {
  for (const origin of ['https://*.com', 'https://*.github.io', 'https://*.co.uk', 'https://*.appspot.com', 'https://*.com:*']) {
    await refusedAtStartup(t, { origin, credentials: true }, 'FST_CORS_PUBLIC_SUFFIX_WILDCARD')
    await refusedAtStartup(t, { origin: ['https://ok.example.com', origin], credentials: true }, 'FST_CORS_PUBLIC_SUFFIX_WILDCARD', `${origin} inside a list`)
    await t.resolves(appWith({ origin, credentials: true, dangerouslyAllowSubdomainsOfPublicSuffixes: true }), `${origin} is accepted when explicitly allowed`)
    await t.resolves(appWith({ origin }), `${origin} is accepted without credentials`)
  }
  t.match((await failure({ origin: 'https://*.co.uk:*', credentials: true })).message, /is a public suffix.*dangerouslyAllowSubdomainsOfPublicSuffixes/, 'the message names the way out')
  await t.resolves(appWith({ origin: ['https://*.example.com', 'http://*.localhost:*'], credentials: true }), "a registrable domain's subdomains are fine, and localhost's")
  await t.resolves(appWith({ origin: 'https://*.alice.github.io', credentials: true }), 'so are those of a site under a private suffix')
})

test('plain-http, non-loopback origins with credentials log a startup warning', async t => {
  async function warnings (options: CorsOptions): Promise<string[]> {
    const lines: string[] = []
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(line) } } } })
    await app.register(cors, options)
    app.get('/', ok)
    await app.ready()
    await app.close()
    return lines.map(line => JSON.parse(line).msg as string)
  }
  for (const origin of ['http://example.com', 'http://*.example.com', 'http://localhost.evil.com', 'http://127.0.0.1.evil.com', 'http://10.0.0.1:8080']) {
    const lines = await warnings({ origin: [origin], credentials: true })
    t.equal(lines.length, 1, `${origin}: one warning`)
    t.match(lines[0], origin, 'naming the origin')
  }
  for (const origin of ['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:3000', 'http://app.localhost', 'https://example.com']) {
    t.same(await warnings({ origin: [origin], credentials: true }), [], `${origin}: no warning`)
  }
  t.same(await warnings({ origin: ['http://example.com'] }), [], 'no warning without credentials')
})
