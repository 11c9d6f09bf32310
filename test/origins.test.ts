import { test } from 'tap'
import { buildMatcher, isSerializedOrigin, parseOriginSetting, refusalReason, MAX_ORIGIN_LENGTH, type MatcherParts } from '../lib/origins.js'

test('isSerializedOrigin accepts what browsers send', async t => {
  for (const origin of [
    'https://app.example.com', 'http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:3000',
    'https://xn--bcher-kva.example', 'chrome-extension://abcdefghijklmnop', 'https://a_b.example.com', 'http://localhost:65535'
  ]) t.ok(isSerializedOrigin(origin), origin)
})

test('isSerializedOrigin refuses anything else', async t => {
  for (const origin of [
    'null', '', 'https://app.example.com/', 'https://app.example.com/path', 'https://App.example.com', 'HTTPS://app.example.com',
    'https://app.example.com:443', 'http://app.example.com:80', 'https://user@app.example.com', 'https://app.example.com?x', 'https://app.example.com#x',
    'https://app..example.com', 'https://.example.com', 'app.example.com', 'https://app.example.com:0', 'https://app.example.com:65536',
    'https://app.example.com:080', 'https:// app.example.com', 'https://app.example.com\r\n', 'https://bücher.example', 'https://a.com, https://b.com',
    'https://' + 'a'.repeat(MAX_ORIGIN_LENGTH)
  ]) t.notOk(isSerializedOrigin(origin), JSON.stringify(origin))
})

test('refusalReason tells malformed, opaque and merely not allowed apart', async t => {
  t.equal(refusalReason('null'), 'opaque-origin')
  t.equal(refusalReason('https://x.com/'), 'malformed-origin')
  t.equal(refusalReason('https://x.com'), 'origin-not-allowed')
})

test('parseOriginSetting recognizes wildcard, exact origins and patterns', async t => {
  t.same(parseOriginSetting('*'), { kind: 'any' })
  t.same(parseOriginSetting('https://a.com'), { kind: 'exact', origin: 'https://a.com' })
  t.same(parseOriginSetting('https://*.a.com'), { kind: 'pattern', pattern: 'https://*.a.com', scheme: 'https', host: 'a.com', subdomains: true, anyPort: false })
  t.same(parseOriginSetting('http://localhost:*'), { kind: 'pattern', pattern: 'http://localhost:*', scheme: 'http', host: 'localhost', subdomains: false, anyPort: true })
  t.match(parseOriginSetting('https://*.a.com:*'), { kind: 'pattern', subdomains: true, anyPort: true })
})

test('parseOriginSetting explains each way a configured origin can be wrong and suggests the fix', async t => {
  const cases: Array<[string, RegExp, string | RegExp]> = [
    ['https://a.com/', /trailing slash/, "use 'https://a.com'"],
    ['https://a.com/app', /a path \('\/app'\)/, "use 'https://a.com'"],
    ['https://a.com?x=1', /a query/, "use 'https://a.com'"],
    ['https://a.com#top', /a fragment/, "use 'https://a.com'"],
    ['https://me@a.com', /user info/, "use 'https://a.com'"],
    ['https://A.com', /upper-case/, "use 'https://a.com'"],
    ['HTTPS://a.com', /upper-case/, "use 'https://a.com'"],
    ['https://a.com:443', /default port :443/, "use 'https://a.com'"],
    ['HTTP://A.com:80/x', /upper-case.*a path.*default port/, "use 'http://a.com'"],
    ['a.com', /a missing scheme/, "use 'https://a.com'"],
    ['//a.com/x', /a missing scheme/, "use 'https://a.com'"],
    [' https://b.com', /surrounding whitespace/, "use 'https://b.com'"],
    ['https://b.com\n', /surrounding whitespace/, "use 'https://b.com'"],
    ['https://a.com,https://b.com', /2 origins separated by commas/, "split it into a list: origin: ['https://a.com', 'https://b.com'] (e.g. value.split(',').map(s => s.trim()))"],
    ['https://a.com, b.com/,', /2 origins separated by commas/, /origin: \['https:\/\/a\.com', 'https:\/\/b\.com'\]/],
    ['https://a.com,null', /2 origins separated by commas/, "split it into a list: origin: ['https://a.com', 'null'], then fix each (e.g. value.split(',').map(s => s.trim()))"],
    ['', /it is empty \(a trailing comma in a list, or an unset environment variable\?\)/, 'remove it'],
    [' ', /it is empty/, 'remove it'],
    ['localhost:3000', /a missing scheme/, "use 'http://localhost:3000'"],
    ['app.localhost:3000', /a missing scheme/, "use 'http://app.localhost:3000'"],
    ['127.0.0.1:8080', /a missing scheme/, "use 'http://127.0.0.1:8080'"],
    ['[::1]:3000/', /a missing scheme and a trailing slash/, "use 'http://[::1]:3000'"],
    ['app.example.com:8443', /a missing scheme/, "use 'https://app.example.com:8443'"],
    ['https://münchen.de', /a non-ASCII host \(browsers send its punycode form 'xn--mnchen-3ya\.de'\)/, "use 'https://xn--mnchen-3ya.de'"],
    ['https://*.Bücher.example:*', /upper-case letters and a non-ASCII host/, "use 'https://*.xn--bcher-kva.example:*'"],
    ['http://127.1', /a non-canonical IP address '127\.1' \(browsers send '127\.0\.0\.1'\)/, "use 'http://127.0.0.1'"],
    ['http://0x7f.0.0.1:3000', /non-canonical IP address '0x7f\.0\.0\.1'/, "use 'http://127.0.0.1:3000'"],
    ['http://2130706433', /non-canonical IP address/, "use 'http://127.0.0.1'"],
    ['http://[0:0:0:0:0:0:0:1]', /a non-canonical IP address '\[0:0:0:0:0:0:0:1\]' \(browsers send '\[::1\]'\)/, "use 'http://[::1]'"],
    ['http://[::FFFF:127.0.0.1]:8080', /upper-case letters and a non-canonical IP address/, "use 'http://[::ffff:7f00:1]:8080'"],
    ['http://999.1.1.1', /not a serialized origin/, /as a browser sends it/],
    ['null', /opaque origin/, /remove it/],
    ['https://a b.com', /not a serialized origin/, /as a browser sends it/],
    ['https://a.com:99999', /not a serialized origin/, /as a browser sends it/],
    ['https://' + 'a'.repeat(400) + '.com', /not a serialized origin/, /as a browser sends it/]
  ]
  for (const [value, why, fix] of cases) {
    const setting = parseOriginSetting(value)
    t.equal(setting.kind, 'invalid', value)
    if (setting.kind === 'invalid') {
      t.match(setting.why, why, value)
      if (typeof fix === 'string') t.equal(setting.fix, fix, value)
      else t.match(setting.fix, fix, value)
      // A suggested fix is itself valid: every string in it parses (an empty suggestion means "remove it").
      for (const suggested of setting.suggestion ?? []) t.not(parseOriginSetting(suggested).kind, 'invalid', `${value} -> ${suggested}`)
    }
  }
})

test('canonical IP literals, the forms browsers send, are accepted', async t => {
  for (const value of ['http://127.0.0.1', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'http://[2001:db8::1]', 'http://10.0.0.1:*']) {
    t.not(parseOriginSetting(value).kind, 'invalid', value)
  }
})

function matcher (parts: Partial<MatcherParts>) {
  return buildMatcher({ exact: [], patterns: [], regexps: [], any: false, ...parts })
}

function patterns (...values: string[]) {
  return values.map(value => {
    const setting = parseOriginSetting(value)
    if (setting.kind !== 'pattern') throw new Error(value)
    return setting
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
