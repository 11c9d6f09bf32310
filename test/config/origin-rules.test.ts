import { test } from 'tap'
import Fastify from 'fastify'
import cors, { ERROR_CODES } from '../../index.js'
import { startup, failure } from '../fixtures/startup.js'

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
