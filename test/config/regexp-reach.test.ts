import { test } from 'tap'
import { reachOfRegExp } from '../../lib/config/regexp-reach.js'

const whole = (regexp: RegExp) => new RegExp(`^(?:${regexp.source.slice(1, -1)})$`, regexp.flags)

test('a label a class allows in front of a public suffix is found, with an origin the RegExp really matches', async t => {
  const cases: Array<[RegExp, string]> = [
    [/^https:\/\/[a-z0-9-]+\.io$/, 'io'],
    [/^https:\/\/([a-z0-9-]+\.onrender\.com|app\.example\.com)$/, 'onrender.com'],
    [/^https:\/\/www\.[a-z]+\.github\.io$/, 'github.io'],
    [/^https:\/\/[a-z]+\.[a-z]+\.compute\.amazonaws\.com$/, 'compute.amazonaws.com'],
    [/^https:\/\/app\.[a-z]+\.[a-z]+\.compute\.amazonaws\.com(:\d+)?$/, 'compute.amazonaws.com'],
    [/^https:\/\/[a-z]+\.github\.io:8443$/, 'github.io'],
    [/^https:\/\/\.?[a-z]+\.io$/, 'io'],
    [/^https:\/\/app[0-9]\.com$/, 'com'],
    [/^(https|wss):\/\/([a-z]+\.)*[a-z]+\.vercel\.app$/, 'vercel.app']
  ]
  for (const [regexp, suffix] of cases) {
    const reach = reachOfRegExp(regexp)
    if (reach.kind !== 'analysed' || reach.publicSuffix === undefined) { t.fail(String(regexp)); continue }
    t.ok(reach.publicSuffix.suffix === suffix || reach.publicSuffix.suffix.endsWith(`.${suffix}`), `${String(regexp)}: ${reach.publicSuffix.suffix}`)
    t.ok(whole(regexp).test(reach.publicSuffix.probe), `${reach.publicSuffix.probe} matches ${String(regexp)}`)
  }
})

test('names the author spelled out, and domains that are not on the list, are not findings', async t => {
  for (const regexp of [/^https:\/\/(www\.)?example\.com$/, /^https:\/\/([a-z0-9-]+\.)*example\.com(:\d+)?$/, /^https:\/\/myname\.github\.io$/, /^https:\/\/(alice|bob)\.github\.io$/, /^https:\/\/(?:api|app)\.(?:com|org)$/, /^https:\/\/(?:a|b)\.io$/, /^http:\/\/([a-z]+\.)?localhost(:\d+)?$/, /^https:\/\/[a-z]+\.partner\.example$/]) {
    t.same(reachOfRegExp(regexp), { kind: 'analysed' }, String(regexp))
  }
})

test('a look-alike: class characters before a literal name that starts a label, in front of a public suffix', async t => {
  for (const [regexp, domain] of [[/^https:\/\/.*example\.com$/, 'example.com'], [/^HTTPS:\/\/[A-Z]*EXAMPLE\.CO\.UK$/i, 'example.co.uk'], [/^https:\/\/[a-z]+app\.vercel\.app$/, 'app.vercel.app']] as Array<[RegExp, string]>) {
    const reach = reachOfRegExp(regexp)
    if (reach.kind !== 'analysed' || reach.lookAlike === undefined) { t.fail(String(regexp)); continue }
    t.equal(reach.lookAlike.domain, domain, String(regexp))
    t.ok(whole(regexp).test(reach.lookAlike.probe), reach.lookAlike.probe)
  }
  for (const regexp of [/^https:\/\/[a-z]+-app\.vercel\.app$/, /^https:\/\/app[0-9]\.example\.com$/, /^https:\/\/[a-z]*app\.example\.com$/, /^https:\/\/[a-z]-[a-z]\.com$/, /^https:\/\/[a-z]*shop\.example\.co\.uk$/]) {
    const reach = reachOfRegExp(regexp)
    t.equal(reach.kind === 'analysed' && reach.lookAlike, undefined, String(regexp))
  }
})

test('what cannot become an automaton is unanalysable; other assertions only widen what is taken to match', async t => {
  t.match(reachOfRegExp(/^https:\/\/([a-z]+)\1\.com$/), { kind: 'unanalysable', why: /Backreferences/ })
  const reach = reachOfRegExp(/^https:\/\/(?!evil)[a-z]+\.com$/)
  t.equal(reach.kind === 'analysed' && reach.publicSuffix?.suffix, 'com')
  for (const flags of ['u', 'v']) {
    const unicode = reachOfRegExp(new RegExp('^https:\\/\\/[a-z]+\\.io$', flags))
    t.equal(unicode.kind === 'analysed' && unicode.publicSuffix?.probe, 'https://a.io', `the ${flags} flag`)
  }
})
