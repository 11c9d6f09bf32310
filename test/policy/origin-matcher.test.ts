import { test } from 'tap'
import { parseOriginSetting } from '../../lib/config/origin-settings.js'
import type { OriginList } from '../../lib/config/origin-rules.js'
import { compileOriginList } from '../../lib/policy/origin-matcher.js'
import { suffixBeneath } from '../../lib/config/public-suffix.js'

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
