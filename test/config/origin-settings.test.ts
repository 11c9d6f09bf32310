import { test } from 'tap'
import { parseOriginSetting } from '../../lib/config/origin-settings.js'

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
