import { test } from 'tap'
import fc from 'fast-check'
import { parseOriginSetting } from '../../lib/config/origin-settings.js'
import type { OriginList } from '../../lib/config/origin-rules.js'
import { compileOriginList } from '../../lib/policy/origin-matcher.js'
import { suffixBeneath } from '../../lib/config/public-suffix.js'
import { appWith, assertAllowed, assertRefused, get, preflight } from '../fixtures/app.js'

function matcher (parts: Partial<OriginList>) {
  const allows = compileOriginList({ exact: [], patterns: [], regexps: [], any: false, ...parts })
  return { allows }
}

function patterns (...values: string[]) {
  return values.map(value => {
    const setting = parseOriginSetting(value)
    if (setting.kind !== 'pattern') throw new Error(value)
    return { ...setting, withinSuffixes: setting.subdomains && suffixBeneath(setting.host) !== undefined }
  })
}

test('exact origins match byte for byte, never by suffix or prefix', async t => {
  const m = matcher({ exact: ['https://foo.com', 'https://bar.com'] })
  t.ok(m.allows('https://foo.com'))
  t.ok(m.allows('https://bar.com'))
  for (const origin of ['https://barfoo.com', 'https://foo.com.evil.com', 'https://evilfoo.com', 'http://foo.com', 'https://foo.com:8443', 'null']) {
    t.notOk(m.allows(origin), origin)
  }
})

test('subdomain patterns need at least one label and the same scheme and port', async t => {
  const m = matcher({ patterns: patterns('https://*.example.com', 'http://*.dev.test:8080') })
  for (const origin of ['https://a.example.com', 'https://a.b.example.com', 'http://x.dev.test:8080']) t.ok(m.allows(origin), origin)
  for (const origin of [
    'https://example.com', 'https://evilexample.com', 'https://example.com.evil.com', 'http://a.example.com',
    'https://a.example.com:8443', 'http://x.dev.test', 'http://x.dev.test:8081', 'https://a.example.com.'
  ]) t.notOk(m.allows(origin), origin)
})

test('port patterns match any port, and the default one', async t => {
  const m = matcher({ patterns: patterns('http://localhost:*', 'https://*.example.com:*') })
  for (const origin of ['http://localhost', 'http://localhost:3000', 'https://a.example.com', 'https://a.example.com:8443']) t.ok(m.allows(origin), origin)
  for (const origin of ['https://localhost:3000', 'http://localhost.evil.com:3000', 'https://example.com:8443']) t.notOk(m.allows(origin), origin)
})

test('IPv6 origins are split at the right colon', async t => {
  const m = matcher({ patterns: patterns('http://[::1]:*') })
  t.ok(m.allows('http://[::1]:3000'))
  t.ok(m.allows('http://[::1]'))
  t.notOk(m.allows('http://[::2]:3000'))
})

test('RegExps are tested whole, statelessly, and only on valid origins', async t => {
  const m = matcher({ regexps: [/^https:\/\/(a|b)\.example\.com$/g, /^https:\/\/c\.example\.com$|^https:\/\/d\.example\.com$/y] })
  for (let i = 0; i < 3; i++) t.ok(m.allows('https://a.example.com'), `same answer on repetition ${i}`)
  t.ok(m.allows('https://d.example.com'))
  t.notOk(m.allows('https://c.example.com.evil.com'), 'alternation is anchored as a whole')
  t.notOk(m.allows('https://a.example.com/'))
})

test('any: every valid origin, never null or a malformed one', async t => {
  const m = matcher({ any: true })
  t.ok(m.allows('https://whoever.example'))
  t.notOk(m.allows('null'))
  t.notOk(m.allows('https://whoever.example/'))
})

test('a pattern with public suffixes beneath its domain grants only the names above them, with or without a port', async t => {
  const m = matcher({ patterns: patterns('https://*.amazonaws.com', 'https://*.railway.app:*', 'https://*.example.com') })
  for (const origin of ['https://myapp.amazonaws.com', 'https://a.b.amazonaws.com', 'https://myapp.railway.app:8443', 'https://a.example.com']) t.ok(m.allows(origin), origin)
  const guardedOnly = matcher({ patterns: patterns('https://*.amazonaws.com') })
  t.ok(guardedOnly.allows('https://myapp.amazonaws.com'))
  t.notOk(guardedOnly.allows('https://attacker.s3.amazonaws.com'))
  for (const origin of ['https://attacker.s3.amazonaws.com', 'https://x.abc123.execute-api.us-east-1.amazonaws.com', 'https://attacker.up.railway.app:8443', 'https://attacker.up.railway.app', 'https://amazonaws.com', 'https://a.b.example.org']) {
    t.notOk(m.allows(origin), origin)
  }
})

test('suffix and substring matching: listed origins and subdomain patterns match exactly', async t => {
  const exact = await appWith({ origin: ['https://foo.com', 'https://bar.com'] })
  for (const origin of ['https://barfoo.com', 'https://foo.com.evil.com', 'https://evilfoo.com', 'https://oo.com', 'https://foo.co', 'http://foo.com', 'https://foo.com:444', 'https://sub.foo.com', 'https://foo.combar.com', 'https://FOO.com', 'https://foo.com/', 'https://foo.com.']) {
    await assertRefused(t, exact, origin)
  }
  await assertAllowed(t, exact, 'https://foo.com')
  await assertAllowed(t, exact, 'https://bar.com')

  const pattern = await appWith({ origin: 'https://*.example.com' })
  for (const origin of ['https://example.com', 'https://evilexample.com', 'https://example.com.evil.com', 'https://a.example.com.evil.com', 'http://a.example.com', 'https://a.example.com:8443', 'https://.example.com', 'https://a..example.com', 'https://a.evilexample.com', 'https://a.example.co']) {
    await assertRefused(t, pattern, origin)
  }
  await assertAllowed(t, pattern, 'https://a.example.com')
  await assertAllowed(t, pattern, 'https://a.b.example.com')

  const anyPort = await appWith({ origin: ['http://localhost:*'] })
  await assertAllowed(t, anyPort, 'http://localhost:3000')
  for (const origin of ['http://localhost.evil.com:3000', 'http://evillocalhost:3000', 'http://a.localhost:3000', 'https://localhost:3000']) {
    await assertRefused(t, anyPort, origin)
  }
})

test('a stateful /g or /y RegExp answers the same on every request', async t => {
  const global = /^https:\/\/[a-z]+\.example\.com$/g
  const sticky = /^https:\/\/[a-z]+\.example\.org$/y
  const app = await appWith({ origin: [global, sticky] })
  for (let i = 0; i < 6; i++) {
    t.equal((await get(app, '/', 'https://app.example.com')).headers['access-control-allow-origin'], 'https://app.example.com', `/g: request ${i + 1} allowed`)
    t.equal((await preflight(app, '/', 'https://app.example.org', 'GET')).statusCode, 204, `/y: preflight ${i + 1} allowed`)
    t.equal((await get(app, '/', 'https://evil.com')).headers['access-control-allow-origin'], undefined, `request ${i + 1} from another origin refused`)
  }
  t.equal(global.lastIndex, 0, "the app's own RegExp is not used (its lastIndex is untouched)")
  t.equal(sticky.lastIndex, 0)
})

test('the remembered last verdict never stands for another origin: in any order, each answer is a fresh matcher\'s', async t => {
  const parts = { exact: ['https://listed.com'], patterns: patterns('https://*.example.com', 'https://*.amazonaws.com'), regexps: [/^https:\/\/re\d\.test$/] }
  const pool = [
    'https://listed.com', 'https://a.example.com', 'https://example.com', 'https://x.amazonaws.com', 'https://x.s3.amazonaws.com',
    'https://re1.test', 'https://rex.test', 'null', '', 'https://a.example.com/', 'https://' + 'a'.repeat(300) + '.example.com'
  ]
  fc.assert(fc.property(fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 30 }), origins => {
    const remembering = matcher(parts)
    return origins.every(origin => remembering.allows(origin) === matcher(parts).allows(origin))
  }), { numRuns: 2000, seed: 31 })
  t.ok(matcher(parts).allows('https://a.example.com') && !matcher(parts).allows('https://x.s3.amazonaws.com'), 'the pool has both verdicts')
})
